"""What each session of a date gets: the day's quota (override or default), split
over its sessions by their shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import split_quota
from booking.db.models import Office, QuotaOverride


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
