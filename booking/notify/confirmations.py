"""Must-arrive messages of a booking: its confirmation text, a QR code per member
and its calendar file, as outbox rows (one message each). A group's text and
calendar file belong to its first member's appointment, each QR code to its own
member's.

The rows are written in the booking's own transaction (``confirmation_rows``), so
a booking that commits is confirmed even if the process dies a moment later. They
are written already leased to the bot's handler (owner ``HANDLER``) for
``confirmation_handoff_s``: the handler sends them at once and records them sent
(``mark_handled``), or hands back what it could not send (``hand_back``), which
the outbox sender then delivers. If the process stops before either, the lease
expires and the sender delivers them: at least once, never lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.db.batching import RequestTx
from booking.db.models import Appointment, Notification, Office
from booking.db.transactions import retrying
from booking.notify.outbox import dedupe_key, insert_new, outbox_row
from booking.notify.reminders import booked_members, group_context

NOTIFICATION = Notification.__table__  # type: ignore[attr-defined]

CONFIRMATION = "booking_confirmation"  # the text with every member's booking code
QR_CODE = "booking_qr"  # the QR code of one member's booking code
CALENDAR = "booking_calendar"  # the group's .ics
CONFIRMATION_KINDS = (CONFIRMATION, QR_CODE, CALENDAR)
CANCELLATION = "booking_cancelled"  # "Jadwal … dibatalkan", after the applicant cancelled
HANDLER = "handler"  # the lease owner while the bot's handler sends the rows itself


# One message of a confirmation: the appointment it belongs to, and its kind.
Part = tuple[int, str]


def confirmation_parts(appointment_ids: Sequence[int]) -> list[Part]:
    """The messages of a group's confirmation, in the order they are sent: the
    text, a QR code per member, the calendar file (``appointment_ids``: the
    members', first member first)."""
    lead = appointment_ids[0]
    return [(lead, CONFIRMATION), *((a, QR_CODE) for a in appointment_ids), (lead, CALENDAR)]


def confirmation_rows(
    settings: BookingSettings,
    members: Sequence[Appointment],
    office: Office,
    language: str,
    now: datetime,
    *,
    revision: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of a new group's confirmation (``members``: its
    appointments, first member first), leased to the handler (none when
    ``confirmations_in_outbox`` is off). ``revision`` tells the confirmation of a
    moved group from the group's earlier ones."""
    if not settings.confirmations_in_outbox:
        return []
    lease = _handler_lease(settings, now)
    first = members[0]
    ids = [m.id for m in members if m.id is not None]
    return [
        outbox_row(
            recipient=first.telegram_id,
            kind=kind,
            template=kind,
            dedupe_key=dedupe_key(appointment_id, kind)
            + (f":{revision}" if revision is not None else ""),
            due_at=now,
            now=now,
            language=language,
            appointment_id=appointment_id,
            office_id=office.id,
        )
        | lease
        for appointment_id, kind in confirmation_parts(ids)
    ]


async def queue_confirmation(
    session: AsyncSession, settings: BookingSettings, group_id: int, now: datetime
) -> None:
    """Queue the confirmation of a group that moved to another session (a
    reschedule, or the rebooking after a closure), in the caller's transaction:
    its booked members' rows, leased to the handler as a booking's are."""
    if not settings.confirmations_in_outbox:
        return
    _, _, office, applicant = await group_context(session, group_id)
    members = [appt for appt, _ in await booked_members(session, group_id)]
    revision = f"moved:{now.strftime('%Y%m%dT%H%M%S%f')}"
    rows = confirmation_rows(settings, members, office, applicant.language, now, revision=revision)
    await _insert(session, rows)


async def queue_cancellation(
    session: AsyncSession,
    settings: BookingSettings,
    cancelled: Sequence[Appointment],
    now: datetime,
) -> None:
    """Queue, in the caller's transaction, the message confirming that the
    applicant cancelled ``cancelled`` (one member, or the group's booked members,
    first by id first), leased to the handler: it shows the message with the
    appointments and records it shown; if it cannot, the sender sends it."""
    if not settings.confirmations_in_outbox or not cancelled:
        return
    first = cancelled[0]
    assert first.id is not None
    _, _, _, applicant = await group_context(session, first.group_id)
    row = outbox_row(
        recipient=first.telegram_id,
        kind=CANCELLATION,
        template=CANCELLATION,
        dedupe_key=dedupe_key(first.id, CANCELLATION),
        due_at=now,
        now=now,
        args={"codes": [a.code for a in cancelled]},
        language=applicant.language,
        appointment_id=first.id,
        office_id=first.office_id,
    )
    await _insert(session, [row | _handler_lease(settings, now)])


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn = await session.connection()
        await conn.execute(insert_new(conn.dialect.name), rows)


def _handler_lease(settings: BookingSettings, now: datetime) -> dict[str, Any]:
    return {
        "lease_owner": HANDLER,
        "lease_until": now + timedelta(seconds=settings.confirmation_handoff_s),
    }


def _settle_in(tx: RequestTx, parts: Sequence[Part], values: dict[str, Any]) -> int:
    which = or_(
        *(
            and_(NOTIFICATION.c.appointment_id == appointment_id, NOTIFICATION.c.kind == kind)
            for appointment_id, kind in parts
        )
    )
    result = tx.conn.execute(
        update(NOTIFICATION)
        .where(
            which,
            NOTIFICATION.c.lease_owner == HANDLER,
            NOTIFICATION.c.status == NotificationStatus.PENDING.value,
        )
        .values(lease_owner=None, lease_until=None, **values)
    )
    return int(result.rowcount)


async def _settle(ctx: Domain, parts: Sequence[Part], **values: Any) -> int:
    """Release the handler's lease on these rows, setting ``values``. In a rush
    every booking settles its confirmation, so this rides the process's batched
    write transactions (``Database.batcher``) with the bookings instead of taking
    the write lock once more per booking."""
    if not parts:
        return 0

    def run() -> Awaitable[int]:
        return ctx.db.batcher.submit(partial(_settle_in, parts=parts, values=values))

    return await retrying(run)


async def mark_handled(ctx: Domain, parts: Sequence[Part]) -> int:
    """The handler sent these confirmation messages; returns how many it still held."""
    return await _settle(ctx, parts, status=NotificationStatus.SENT.value, sent_at=ctx.now())


async def hand_back(ctx: Domain, parts: Sequence[Part], error: str) -> int:
    """The handler could not send these: the outbox sender delivers them now."""
    return await _settle(ctx, parts, last_error=error[:500])
