"""The estimated wait: position × the recent average service time ÷ open counters.

The average is of the day's last ``RECENT_SERVED`` services (call to served) at
the office; before any, ``default_service_minutes``.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.kinds import QueueStatus
from booking.db.models import Counter, QueueTicket

RECENT_SERVED = 10


async def average_service(
    session: AsyncSession, office_id: int, day: date, default: timedelta
) -> timedelta:
    """The moving average of the day's last ``RECENT_SERVED`` service times."""
    rows = await session.exec(
        select(QueueTicket.called_at, QueueTicket.served_at)
        .where(
            QueueTicket.office_id == office_id,
            QueueTicket.day == day,
            col(QueueTicket.status) == QueueStatus.SERVED.value,
            col(QueueTicket.called_at).is_not(None),
            col(QueueTicket.served_at).is_not(None),
        )
        .order_by(col(QueueTicket.served_at).desc())
        .limit(RECENT_SERVED)
    )
    durations = [served - called for called, served in rows if called and served]
    if not durations:
        return default
    return sum(durations, timedelta()) / len(durations)


async def open_counters(session: AsyncSession, office_id: int) -> int:
    return (
        await session.exec(
            select(func.count()).where(Counter.office_id == office_id, col(Counter.is_open))
        )
    ).one()


def estimated_wait(position: int, average: timedelta, counters_open: int) -> timedelta:
    """How long the ``position``-th in line (1: next) may wait."""
    return average * position / max(counters_open, 1)
