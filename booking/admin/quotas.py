"""Changing an office's quotas, session shares and release policy, audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import case, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.input import check_range
from booking.calendar.quotas import quota_of, session_capacities
from booking.calendar.release import release_office
from booking.calendar.schedule import RULE_EPOCH, local_now, parse_rule
from booking.calendar.seats import fits_taken_seats, hold_for_waiting, seats_taken
from booking.core.context import Domain
from booking.core.errors import InvalidReleasePolicy, InvalidShares, QuotaBelowBooked
from booking.core.kinds import DrawStatus, QuotaPool, ReleaseMode
from booking.core.limits import MAX_REQUEST_WINDOW_HOURS, MAX_SHARE, MAX_WINDOW_DAYS, check_quota
from booking.db.models import Draw, Office, QuotaOverride, Slot
from booking.offices.lookup import office_by_code, office_by_id, session_rules


async def _apply_to_released_slots(
    session: AsyncSession, office: Office, day: date, regular: int, priority: int
) -> None:
    """Re-split an already released date. Refuses (QuotaBelowBooked) when a
    session would end with fewer seats than it has bookings."""
    slots = list(
        await session.exec(
            select(Slot)
            .where(Slot.office_id == office.id, Slot.day == day)
            .order_by(col(Slot.start_utc))
        )
    )
    if not slots:
        return
    capacities = session_capacities(regular, priority, [s.share for s in slots])
    booked_total = sum(seats_taken(s) for s in slots)
    for slot, (cap, prio) in zip(slots, capacities, strict=True):
        added = {
            QuotaPool.REGULAR: cap - slot.capacity,
            QuotaPool.PRIORITY: prio - slot.priority_capacity,
        }
        result = await session.exec(
            update(Slot)
            .where(col(Slot.id) == slot.id, fits_taken_seats(cap, prio))
            .values(capacity=cap, priority_capacity=prio)
        )
        if result.rowcount != 1:
            raise QuotaBelowBooked(day, booked_total)
        if max(added.values()) > 0 and slot.id is not None:  # to the waitlist first
            await hold_for_waiting(session, slot.id, added)


async def _override_days(
    session: AsyncSession,
    now: datetime,
    office: Office,
    days: Sequence[date],
    regular: int,
    priority: int | None,
    actor: str,
) -> None:
    for day in days:
        before = await quota_of(session, office, day)
        prio = before[1] if priority is None else priority
        await _apply_to_released_slots(session, office, day, regular, prio)
        override = await _override_of(session, office, day)
        if override is None:
            assert office.id is not None
            override = QuotaOverride(office_id=office.id, day=day, regular=0, priority=0)
        override.regular, override.priority = regular, prio
        session.add(override)
        record(
            session,
            now,
            actor=actor,
            office_id=office.id,
            action="set_quota",
            before={"day": day.isoformat(), "regular": before[0], "priority": before[1]},
            after={"day": day.isoformat(), "regular": regular, "priority": prio},
        )


async def _override_of(session: AsyncSession, office: Office, day: date) -> QuotaOverride | None:
    return (
        await session.exec(
            select(QuotaOverride).where(
                QuotaOverride.office_id == office.id, QuotaOverride.day == day
            )
        )
    ).first()


async def set_daily_quota(
    ctx: Domain,
    office_code: str,
    days: Sequence[date],
    regular: int,
    priority: int | None = None,
    *,
    actor: str,
) -> None:
    """Override the quota of ``office_code`` on each of ``days``, all or nothing.

    ``priority`` None keeps each day's current priority quota.
    """
    check_quota(regular)
    if priority is not None:
        check_quota(priority)

    async def tx(session: AsyncSession) -> None:
        office = await office_by_code(session, office_code)
        await _override_days(session, ctx.now(), office, days, regular, priority, actor)

    await ctx.db.transact(tx)


# --- office administration ------------------------------------------------------


@dataclass(frozen=True)
class SessionShare:
    label: str
    start: time
    end: time
    share: int


@dataclass(frozen=True)
class QuotaOverrideView:
    day: date
    regular: int
    priority: int


@dataclass(frozen=True)
class QuotaSettings:
    """What the quota menu shows: the office defaults and the upcoming overrides."""

    office_id: int
    office_code: str
    daily_quota: int
    priority_quota: int
    release_window_days: int
    release_rule: str
    sessions: list[SessionShare]
    overrides: list[QuotaOverrideView]
    release_mode: ReleaseMode = ReleaseMode.FIRST_COME
    request_window_hours: int = 24


def _today(ctx: Domain, office: Office) -> date:
    return local_now(ctx.now(), office.timezone).date()


async def quota_settings(ctx: Domain, office_id: int) -> QuotaSettings:
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        rules = await session_rules(session, office_id)
        overrides = list(
            await session.exec(
                select(QuotaOverride)
                .where(
                    QuotaOverride.office_id == office_id,
                    col(QuotaOverride.day) >= _today(ctx, office),
                )
                .order_by(col(QuotaOverride.day))
            )
        )
    assert office.id is not None
    return QuotaSettings(
        office_id=office.id,
        office_code=office.code,
        daily_quota=office.daily_quota,
        priority_quota=office.priority_quota,
        release_window_days=office.release_window_days,
        release_rule=office.release_rule,
        sessions=[SessionShare(r.label, r.start, r.end, r.share) for r in rules],
        overrides=[QuotaOverrideView(o.day, o.regular, o.priority) for o in overrides],
        release_mode=ReleaseMode(office.release_mode),
        request_window_hours=office.request_window_hours,
    )


async def set_quota_override(
    ctx: Domain,
    office_id: int,
    first: date,
    last: date,
    regular: int,
    priority: int | None = None,
    *,
    actor: str,
) -> int:
    """Override the quota of every date of ``[first, last]``, all or nothing.

    Refuses a past first date, a reversed or over-long range, an invalid quota,
    and (``QuotaBelowBooked``) a quota below what a released date already has
    booked. Returns how many dates were set.
    """
    check_quota(regular)
    if priority is not None:
        check_quota(priority)

    async def tx(session: AsyncSession) -> int:
        office = await office_by_id(session, office_id)
        days = check_range(first, last, _today(ctx, office))
        await _override_days(session, ctx.now(), office, days, regular, priority, actor)
        return len(days)

    return await ctx.db.transact(tx)


async def clear_quota_override(
    ctx: Domain, office_id: int, first: date, last: date, *, actor: str
) -> int:
    """Return the dates of ``[first, last]`` to the office default quota.

    Refused (``QuotaBelowBooked``) when the default is below what a date has booked.
    Returns how many overrides were removed.
    """

    async def tx(session: AsyncSession) -> int:
        office = await office_by_id(session, office_id)
        days = check_range(first, last, _today(ctx, office))
        removed = 0
        for day in days:
            override = await _override_of(session, office, day)
            if override is None:
                continue
            await _apply_to_released_slots(
                session, office, day, office.daily_quota, office.priority_quota
            )
            await session.delete(override)
            record(
                session,
                ctx.now(),
                actor=actor,
                office_id=office.id,
                action="clear_quota",
                before={
                    "day": day.isoformat(),
                    "regular": override.regular,
                    "priority": override.priority,
                },
                after={
                    "day": day.isoformat(),
                    "regular": office.daily_quota,
                    "priority": office.priority_quota,
                },
            )
            removed += 1
        return removed

    return await ctx.db.transact(tx)


async def _released_days_on_default(
    session: AsyncSession, office: Office, today: date
) -> list[date]:
    """Released dates from today on that follow the office default (no override)."""
    overridden = select(col(QuotaOverride.day)).where(QuotaOverride.office_id == office.id)
    rows = await session.exec(
        select(col(Slot.day))
        .where(
            Slot.office_id == office.id,
            col(Slot.day) >= today,
            col(Slot.day).not_in(overridden),
        )
        .distinct()
        .order_by(col(Slot.day))
    )
    return list(rows)


async def set_office_quota(
    ctx: Domain, office_id: int, daily: int, priority: int | None = None, *, actor: str
) -> None:
    """Change the office's default daily quota (and priority quota).

    Released dates from today on without an override get the new quota at once;
    refused (``QuotaBelowBooked``) when one of them has more bookings than seats.
    """
    check_quota(daily)
    if priority is not None:
        check_quota(priority)

    async def tx(session: AsyncSession) -> None:
        office = await office_by_id(session, office_id)
        before = {"daily": office.daily_quota, "priority": office.priority_quota}
        office.daily_quota = daily
        if priority is not None:
            office.priority_quota = priority
        for day in await _released_days_on_default(session, office, _today(ctx, office)):
            await _apply_to_released_slots(
                session, office, day, office.daily_quota, office.priority_quota
            )
        session.add(office)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="set_default_quota",
            before=before,
            after={"daily": office.daily_quota, "priority": office.priority_quota},
        )

    await ctx.db.transact(tx)


async def set_session_shares(
    ctx: Domain, office_id: int, shares: Mapping[str, int], *, actor: str
) -> None:
    """Set each session's share of the day's quota, by session label.

    ``shares`` must name every session of the office once, each from 1 to
    ``MAX_SHARE``. Released dates from today on are split again; refused
    (``QuotaBelowBooked``) when a session would get fewer seats than it has bookings.
    """
    if any(
        isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_SHARE
        for v in shares.values()
    ):
        raise InvalidShares(dict(shares))

    async def tx(session: AsyncSession) -> None:
        office = await office_by_id(session, office_id)
        rules = await session_rules(session, office_id)
        if {r.label for r in rules} != set(shares):
            raise InvalidShares(dict(shares))
        before = {r.label: r.share for r in rules}
        for rule in rules:
            rule.share = shares[rule.label]
            session.add(rule)
        today = _today(ctx, office)
        await session.exec(
            update(Slot)
            .where(col(Slot.office_id) == office_id, col(Slot.day) >= today)
            .values(share=case(shares, value=col(Slot.label), else_=col(Slot.share)))
        )
        days = await session.exec(
            select(col(Slot.day))
            .where(Slot.office_id == office_id, col(Slot.day) >= today)
            .distinct()
            .order_by(col(Slot.day))
        )
        for day in list(days):
            regular, priority = await quota_of(session, office, day)
            await _apply_to_released_slots(session, office, day, regular, priority)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="set_session_shares",
            before=before,
            after=dict(shares),
        )

    await ctx.db.transact(tx)


_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def release_rule_for(at: time, weekday: int | None = None) -> str:
    """The RRULE of a release moment: every day at ``at`` (office-local), or every
    week on ``weekday`` (0 = Monday) at ``at``. E.g. Friday 14:00 is
    ``release_rule_for(time(14), 4)``."""
    if weekday is not None and not 0 <= weekday <= 6:
        raise InvalidReleasePolicy("weekday", weekday)
    when = f"BYHOUR={at.hour};BYMINUTE={at.minute}"
    if weekday is None:
        return f"FREQ=DAILY;{when}"
    return f"FREQ=WEEKLY;BYDAY={_RRULE_DAYS[weekday]};{when}"


async def set_release_policy(
    ctx: Domain, office_id: int, window_days: int, rule: str, *, actor: str
) -> None:
    """Set how far ahead dates open (``window_days``) and when (an RRULE, office-local).

    Dates the new policy opens are released at once; released dates stay open.
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int):
        raise InvalidReleasePolicy("window_days", window_days)
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise InvalidReleasePolicy("window_days", window_days)
    try:
        parse_rule(rule, datetime.combine(RULE_EPOCH, time.min))
    except (ValueError, TypeError):
        raise InvalidReleasePolicy("rule", rule) from None

    async def tx(session: AsyncSession) -> None:
        office = await office_by_id(session, office_id)
        before = {"window_days": office.release_window_days, "rule": office.release_rule}
        office.release_window_days = window_days
        office.release_rule = rule
        session.add(office)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="set_release_policy",
            before=before,
            after={"window_days": window_days, "rule": rule},
        )

    await ctx.db.transact(tx)
    await release_office(ctx, office_id)


async def set_release_mode(
    ctx: Domain,
    office_id: int,
    mode: ReleaseMode,
    *,
    actor: str,
    request_window_hours: int | None = None,
) -> None:
    """Set how a release hands out its seats: first-come, or a draw over requests
    taken ``request_window_hours`` (1 to 336; unchanged when None) before each
    release moment. Releases whose request window opened before the switch to
    draw mode stay first-come; switching to first-come releases the dates due, and
    is refused (``InvalidReleasePolicy("mode", ...)``) while a draw takes requests
    or waits to run: its requests are drawn first."""
    hours = request_window_hours
    if hours is not None and (
        isinstance(hours, bool)
        or not isinstance(hours, int)
        or not 1 <= hours <= MAX_REQUEST_WINDOW_HOURS
    ):
        raise InvalidReleasePolicy("request_window_hours", hours)
    mode = ReleaseMode(mode)

    async def tx(session: AsyncSession) -> None:
        office = await office_by_id(session, office_id)
        if mode is ReleaseMode.FIRST_COME:
            waiting = await session.exec(
                select(Draw.id).where(Draw.office_id == office_id, Draw.status == DrawStatus.OPEN)
            )
            if waiting.first() is not None:
                raise InvalidReleasePolicy("mode", "a draw is open")
        before = {
            "mode": ReleaseMode(office.release_mode).value,
            "hours": office.request_window_hours,
        }
        if mode is ReleaseMode.DRAW and office.release_mode != ReleaseMode.DRAW:
            office.release_mode_since = ctx.now()
        office.release_mode = mode
        if hours is not None:
            office.request_window_hours = hours
        session.add(office)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="set_release_mode",
            before=before,
            after={"mode": mode.value, "hours": office.request_window_hours},
        )

    await ctx.db.transact(tx)
    await release_office(ctx, office_id)
