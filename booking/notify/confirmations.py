"""Must-arrive messages of a booking: its confirmation text, its QR code and its
calendar file, as outbox rows (one message each).

The rows are written in the booking's own transaction (``confirmation_rows``), so
a booking that commits is confirmed even if the process dies a moment later. They
are written already leased to the bot's handler (owner ``HANDLER``) for
``confirmation_handoff_s``: the handler sends them at once and records them sent
(``mark_handled``), or hands back what it could not send (``hand_back``), which
the outbox sender then delivers. If the process stops before either, the lease
expires and the sender delivers them: at least once, never lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.db.models import Appointment, Notification, Office
from booking.notify.outbox import dedupe_key, outbox_row

CONFIRMATION = "booking_confirmation"  # the text with the booking code
QR_CODE = "booking_qr"  # the QR code of the booking code
CALENDAR = "booking_calendar"  # the .ics
CONFIRMATION_KINDS = (CONFIRMATION, QR_CODE, CALENDAR)
HANDLER = "handler"  # the lease owner while the bot's handler sends the rows itself


def confirmation_rows(
    settings: BookingSettings, appt: Appointment, office: Office, language: str, now: datetime
) -> list[dict[str, Any]]:
    """The outbox rows of a new booking's confirmation, leased to the handler
    (none when ``confirmations_in_outbox`` is off)."""
    assert appt.id is not None
    if not settings.confirmations_in_outbox:
        return []
    lease = {
        "lease_owner": HANDLER,
        "lease_until": now + timedelta(seconds=settings.confirmation_handoff_s),
    }
    return [
        outbox_row(
            recipient=appt.telegram_id,
            kind=kind,
            template=kind,
            dedupe_key=dedupe_key(appt.id, kind),
            due_at=now,
            now=now,
            args={"code": appt.code},
            language=language,
            appointment_id=appt.id,
            office_id=office.id,
        )
        | lease
        for kind in CONFIRMATION_KINDS
    ]


async def _settle(ctx: Domain, appointment_id: int, kinds: list[str], **values: Any) -> int:
    if not kinds:
        return 0

    async def tx(session: AsyncSession) -> int:
        result = await session.exec(
            update(Notification)
            .where(
                col(Notification.appointment_id) == appointment_id,
                col(Notification.kind).in_(kinds),
                col(Notification.lease_owner) == HANDLER,
                col(Notification.status) == NotificationStatus.PENDING.value,
            )
            .values(lease_owner=None, lease_until=None, **values)
        )
        return int(result.rowcount)

    return await ctx.db.transact(tx)


async def mark_handled(ctx: Domain, appointment_id: int, kinds: list[str]) -> int:
    """The handler sent these confirmation rows; returns how many it still held."""
    return await _settle(
        ctx, appointment_id, kinds, status=NotificationStatus.SENT.value, sent_at=ctx.now()
    )


async def hand_back(ctx: Domain, appointment_id: int, kinds: list[str], error: str) -> int:
    """The handler could not send these: the outbox sender delivers them now."""
    return await _settle(ctx, appointment_id, kinds, last_error=error[:500])
