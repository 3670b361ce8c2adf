"""What an applicant may book: dates with seats left, and the sessions of a date.

Seats are counted by the seat rule (``booking.calendar.seats``). Every answer is
for a group's ``shape`` (``GroupShape``: how many people, how many of them with a
priority reason): a date or session is bookable only when the whole group fits.
Without a shape it is one person, with or without ``priority``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.release import days_between
from booking.calendar.schedule import (
    local_now,
    national_holiday,
    release_horizon,
    sessions_on,
    zone,
    zone_abbrev,
)
from booking.calendar.seats import (
    GroupShape,
    accepts_bookings,
    group_fits,
    seats_left,
    seats_left_by_pool,
)
from booking.calendar.views import DayAvailability, DayStatus, SessionAvailability
from booking.core.context import Domain
from booking.core.errors import SlotNotFound
from booking.core.kinds import QuotaPool
from booking.db.models import Closure, Office, Slot
from booking.offices.lookup import office_by_id, session_rules


async def closures_between(
    session: AsyncSession, office_id: int, first: date, last: date
) -> dict[date, str]:
    """The office's closed dates in ``[first, last]``, with their reasons."""
    rows = await session.exec(
        select(Closure).where(
            Closure.office_id == office_id, col(Closure.day) >= first, col(Closure.day) <= last
        )
    )
    return {c.day: c.reason for c in rows}


async def slots_by_day(
    session: AsyncSession, office_id: int, first: date, last: date
) -> dict[date, list[Slot]]:
    """The office's released slots of the dates in ``[first, last]``, by date."""
    rows = await session.exec(
        select(Slot).where(
            Slot.office_id == office_id, col(Slot.day) >= first, col(Slot.day) <= last
        )
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in rows:
        by_day[slot.day].append(slot)
    return by_day


def _shape(shape: GroupShape | None, priority: bool) -> GroupShape:
    return shape if shape is not None else GroupShape.single(priority)


def _fits(slot: Slot, shape: GroupShape, bookable_from: datetime) -> bool:
    """The slot accepts bookings and its seats left hold the whole group."""
    return accepts_bookings(slot.is_open, slot.start_utc, bookable_from) and group_fits(
        seats_left_by_pool(slot), shape
    )


async def day_availability(
    ctx: Domain,
    office_id: int,
    first: date,
    last: date,
    *,
    priority: bool = False,
    shape: GroupShape | None = None,
) -> list[DayAvailability]:
    """Status and seats left of every date in ``[first, last]`` (office-local dates).

    A date is open when one of its sessions seats the whole group (``shape``; by
    default one person, counting the priority quota too with ``priority``).
    """
    shape = _shape(shape, priority)
    now = ctx.now()
    bookable_from = now + ctx.cutoff
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        rules = await session_rules(session, office_id)
        closures = await closures_between(session, office_id, first, last)
        by_day = await slots_by_day(session, office_id, first, last)
    today = local_now(now, office.timezone).date()
    horizon = release_horizon(office.release_rule, office.release_window_days, office.timezone, now)
    result = []
    for day in days_between(first, last):
        holiday = national_holiday(day)
        on_day = by_day.get(day, [])
        upcoming = [s for s in on_day if accepts_bookings(s.is_open, s.start_utc, bookable_from)]
        if day < today:
            result.append(DayAvailability(day, DayStatus.PAST))
        elif day in closures:
            result.append(DayAvailability(day, DayStatus.CLOSED, note=closures[day]))
        elif holiday:
            result.append(DayAvailability(day, DayStatus.HOLIDAY, note=holiday))
        elif not sessions_on(rules, day):
            result.append(DayAvailability(day, DayStatus.NO_SERVICE))
        elif horizon is None or day > horizon:
            result.append(DayAvailability(day, DayStatus.NOT_RELEASED))
        elif not upcoming:
            # Released but nothing left to book: sessions over, or not materialized yet.
            status = DayStatus.PAST if by_day.get(day) or day == today else DayStatus.NOT_RELEASED
            result.append(DayAvailability(day, status))
        else:
            seats = sum(seats_left(s, [QuotaPool.REGULAR]) for s in upcoming)
            prio = sum(seats_left(s, [QuotaPool.PRIORITY]) for s in upcoming)
            fits = any(_fits(s, shape, bookable_from) for s in upcoming)
            status = DayStatus.OPEN if fits else DayStatus.FULL
            result.append(DayAvailability(day, status, seats_left=seats, priority_left=prio))
    return result


async def bookable_dates(
    ctx: Domain, office_id: int, *, priority: bool = False, shape: GroupShape | None = None
) -> list[DayAvailability]:
    """Released dates from today on where the group (one person by default) fits."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
    now = ctx.now()
    horizon = release_horizon(office.release_rule, office.release_window_days, office.timezone, now)
    today = local_now(now, office.timezone).date()
    if horizon is None or horizon < today:
        return []
    days = await day_availability(ctx, office_id, today, horizon, priority=priority, shape=shape)
    return [d for d in days if d.status is DayStatus.OPEN]


async def nearest_open_dates(
    ctx: Domain,
    office_id: int,
    around: date,
    *,
    limit: int = 3,
    priority: bool = False,
    shape: GroupShape | None = None,
) -> list[DayAvailability]:
    """The open dates closest to ``around``, for a "full — try these" answer."""
    days = await bookable_dates(ctx, office_id, priority=priority, shape=shape)
    days.sort(key=lambda d: (abs((d.day - around).days), d.day))
    return sorted(days[:limit], key=lambda d: d.day)


async def sessions_of(
    ctx: Domain,
    office_id: int,
    day: date,
    *,
    priority: bool = False,
    shape: GroupShape | None = None,
) -> list[SessionAvailability]:
    """The released sessions of ``day`` with seats left; ``bookable`` says if the
    group (one person by default) fits in one."""
    shape = _shape(shape, priority)
    bookable_from = ctx.now() + ctx.cutoff
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        slots = list(
            await session.exec(
                select(Slot)
                .where(Slot.office_id == office_id, Slot.day == day)
                .order_by(col(Slot.start_utc))
            )
        )
    return [_session(slot, office, bookable_from, shape) for slot in slots]


def _session(
    slot: Slot, office: Office, bookable_from: datetime, shape: GroupShape
) -> SessionAvailability:
    assert slot.id is not None
    tz = zone(office.timezone)
    left = seats_left_by_pool(slot)
    return SessionAvailability(
        slot_id=slot.id,
        label=slot.label,
        label_en=slot.label_en,
        start=slot.start_utc.astimezone(tz),
        end=slot.end_utc.astimezone(tz),
        zone=zone_abbrev(office.timezone, slot.start_utc),
        capacity=slot.capacity,
        seats_left=left[QuotaPool.REGULAR],
        priority_left=left[QuotaPool.PRIORITY],
        bookable=_fits(slot, shape, bookable_from),
        left=seats_left(left, shape.pools),
        is_open=slot.is_open,
    )


async def session_by_id(
    ctx: Domain, slot_id: int, *, priority: bool = False, shape: GroupShape | None = None
) -> tuple[Office, SessionAvailability]:
    """One session and its office, for a summary before booking; ``SlotNotFound`` if unknown."""
    shape = _shape(shape, priority)
    bookable_from = ctx.now() + ctx.cutoff
    async with ctx.db.reader() as session:
        slot = await session.get(Slot, slot_id)
        if slot is None:
            raise SlotNotFound(slot_id)
        office = await office_by_id(session, slot.office_id)
    return office, _session(slot, office, bookable_from, shape)
