"""Daily quotas: what each session of a date gets, and changing it safely."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.audit import record
from booking.context import Domain
from booking.db import with_retries
from booking.errors import InvalidQuota, QuotaBelowBooked
from booking.models import Office, QuotaOverride, Slot
from booking.offices import office_by_code
from booking.schedule import split_quota

MAX_QUOTA = 100_000


def check_quota(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUOTA:
        raise InvalidQuota(value)
    return value


async def quota_of(session: AsyncSession, office: Office, day: date) -> tuple[int, int]:
    """(regular, priority) seats of ``office`` on ``day``: the override or the default."""
    override = (
        await session.exec(
            select(QuotaOverride).where(
                QuotaOverride.office_id == office.id, QuotaOverride.day == day
            )
        )
    ).first()
    if override is not None:
        return override.regular, override.priority
    return office.daily_quota, office.priority_quota


def session_capacities(regular: int, priority: int, shares: Sequence[int]) -> list[tuple[int, int]]:
    """Per-session (regular, priority) capacity, split by the sessions' shares."""
    return list(zip(split_quota(regular, shares), split_quota(priority, shares), strict=True))


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
    booked_total = sum(s.booked + s.priority_booked for s in slots)
    for slot, (cap, prio) in zip(slots, capacities, strict=True):
        result = await session.exec(
            update(Slot)
            .where(
                col(Slot.id) == slot.id,
                col(Slot.booked) <= cap,
                col(Slot.priority_booked) <= prio,
            )
            .values(capacity=cap, priority_capacity=prio)
        )
        if result.rowcount != 1:
            raise QuotaBelowBooked(day, booked_total)


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

    async def tx() -> None:
        async with ctx.db.writer() as session:
            office = await office_by_code(session, office_code)
            for day in days:
                before = await quota_of(session, office, day)
                prio = before[1] if priority is None else priority
                await _apply_to_released_slots(session, office, day, regular, prio)
                override = (
                    await session.exec(
                        select(QuotaOverride).where(
                            QuotaOverride.office_id == office.id, QuotaOverride.day == day
                        )
                    )
                ).first()
                if override is None:
                    assert office.id is not None
                    override = QuotaOverride(office_id=office.id, day=day, regular=0, priority=0)
                override.regular, override.priority = regular, prio
                session.add(override)
                record(
                    session,
                    ctx.now(),
                    actor=actor,
                    office_id=office.id,
                    action="set_quota",
                    before={"day": day.isoformat(), "regular": before[0], "priority": before[1]},
                    after={"day": day.isoformat(), "regular": regular, "priority": prio},
                )
            await session.commit()

    await with_retries(tx)
