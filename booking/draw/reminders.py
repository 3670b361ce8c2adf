"""“Ingatkan saya”: one notice when a 🔒 date's release is about to hand out seats:
when its requests open (a draw) or at its moment (first-come). One outbox row per
account, office and release, however often it is asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.errors import NoUpcomingRelease
from booking.core.kinds import ReleaseMode
from booking.draw.opening import opening_of
from booking.notify.outbox import enqueue
from booking.offices.lookup import office_by_id

RELEASE_OPENING = "release_opening"


@dataclass(frozen=True)
class RemindWhenOpen:
    due_at: datetime  # when the notice is sent (UTC)
    release_at: datetime
    requests_open_at: datetime | None
    mode: ReleaseMode
    new: bool  # False: this account had asked already for this release


async def remind_when_open(
    ctx: Domain, *, telegram_id: int, office_id: int, day: date, language: str
) -> RemindWhenOpen:
    """Queue the notice for the release that opens ``day`` (``NoUpcomingRelease``
    when the day is open already, past, or opened by no release)."""
    opening = await opening_of(ctx, office_id, day)
    if opening is None:
        raise NoUpcomingRelease(office_id, day)
    now = ctx.now()
    due = max(opening.requests_open_at or opening.release_at, now)

    async def tx(session: AsyncSession) -> bool:
        office = await office_by_id(session, office_id)
        return await enqueue(
            session,
            recipient=telegram_id,
            kind=RELEASE_OPENING,
            template=RELEASE_OPENING,
            args={
                "office": office.name,
                "office_code": office.code,
                "office_id": office_id,
                "timezone": office.timezone,
                "day": day.isoformat(),
                "release_at": opening.release_at.isoformat(),
                "requests_open_at": (
                    None
                    if opening.requests_open_at is None
                    else opening.requests_open_at.isoformat()
                ),
                "mode": opening.mode.value,
            },
            language=language,
            dedupe_key=f"{RELEASE_OPENING}:{telegram_id}:{office_id}:{opening.release_at:%Y%m%dT%H%M}",
            due_at=due,
            now=now,
            office_id=office_id,
        )

    new = await ctx.db.transact(tx)
    return RemindWhenOpen(due, opening.release_at, opening.requests_open_at, opening.mode, new)
