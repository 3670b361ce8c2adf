"""Announcements from an office to everyone booked on a date, through the outbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.input import check_not_past, check_text
from booking.appointments.service import active_on_day
from booking.calendar.schedule import local_now, to_utc
from booking.core.context import Domain
from booking.notify.outbox import notify_holder
from booking.offices.lookup import office_by_id

ANNOUNCEMENT_TEMPLATE = "office_announcement"
# Telegram allows 4096 characters a message; leave room for the header the bot adds.
MAX_ANNOUNCEMENT = 3500


@dataclass(frozen=True)
class AnnouncementResult:
    announcement_id: str
    recipients: int  # applicants with an active appointment that day
    queued: int  # notices written now (fewer when this announcement was sent before)


def announcement_key(office_id: int, day: date, text: str) -> str:
    """The same office, date and text give the same id: sending twice sends once."""
    digest = hashlib.sha256(f"{office_id}|{day.isoformat()}|{text}".encode()).hexdigest()
    return digest[:16]


async def announce(
    ctx: Domain,
    office_id: int,
    day: date,
    text: str,
    *,
    actor: str,
    announcement_id: str | None = None,
) -> AnnouncementResult:
    """Queue ``text`` to every applicant with an active appointment at the office on ``day``.

    Refuses a past date (``DateInPast``) and an empty or over-long text
    (``InvalidText``). Each applicant gets an announcement once: the outbox dedupe key is made of
    ``announcement_id`` (by default derived from office, date and text) and the
    applicant's Telegram id.
    """
    text = check_text("announcement", text, MAX_ANNOUNCEMENT)
    key = announcement_id or announcement_key(office_id, day, text)

    async def tx(session: AsyncSession) -> AnnouncementResult:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        check_not_past(day, local_now(now, office.timezone).date())
        rows = await active_on_day(session, office_id, day)
        queued = 0
        for appt, applicant in rows:
            queued += await notify_holder(
                session,
                appt,
                applicant.language,
                office,
                day,
                kind="announcement",
                template=ANNOUNCEMENT_TEMPLATE,
                args={"text": text},
                dedupe_key=f"announcement:{key}:{appt.telegram_id}",
                now=now,
                expires_at=to_utc(day + timedelta(days=1), time.min, office.timezone),
            )
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="announce",
            after={
                "day": day.isoformat(),
                "announcement_id": key,
                "text": text,
                "recipients": len(rows),
                "queued": queued,
            },
        )
        return AnnouncementResult(key, len(rows), queued)

    return await ctx.db.transact(tx)
