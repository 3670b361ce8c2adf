"""The reminder policy: when an appointment's reminders are due, what they say,
and keeping them in step with the appointment.

Two reminders per appointment: the day before at ``reminder_day_before_at``
office-local time, and ``reminder_before_minutes`` before the session starts
(``reminder_times``). They are outbox rows (``booking.notify.outbox``) written in
the caller's transaction: queued with a booking (``reminder_rows`` for the
batched path, ``schedule_reminders`` in an ORM session), cancelled with it
(``cancel_reminders``), and re-timed after a reschedule (``retime_reminders``).
A reminder whose time has already passed is not queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import to_utc
from booking.core.config import BookingSettings
from booking.core.kinds import NotificationStatus
from booking.db.models import Applicant, Appointment, Notification, Office, Slot
from booking.notify.outbox import (
    REMINDER_DAY_BEFORE,
    REMINDER_KINDS,
    REMINDER_SOON,
    NewNotice,
    dedupe_key,
    enqueue,
    insert_new,
    outbox_row,
)


def reminder_times(settings: BookingSettings, slot: Slot, office: Office) -> dict[str, datetime]:
    """When each reminder of an appointment in ``slot`` is due (UTC): the day before
    at ``reminder_day_before_at`` office-local time, and ``reminder_before_minutes``
    before the session starts."""
    times = {
        REMINDER_DAY_BEFORE: to_utc(
            slot.day - timedelta(days=1), settings.reminder_day_before_at, office.timezone
        )
    }
    if settings.reminder_before_minutes > 0:
        times[REMINDER_SOON] = slot.start_utc - timedelta(minutes=settings.reminder_before_minutes)
    return times


def reminder_args(appt: Appointment, slot: Slot, office: Office) -> dict[str, Any]:
    """What a reminder text needs; times are rendered in ``timezone`` when sent."""
    return {
        "code": appt.code,
        "office": office.name,
        "address": office.address,
        "timezone": office.timezone,
        "start": slot.start_utc.isoformat(),
        "label": slot.label,
    }


async def _reminder_context(
    session: AsyncSession, appt: Appointment
) -> tuple[Slot, Office, Applicant]:
    slot = await session.get(Slot, appt.slot_id)
    office = await session.get(Office, appt.office_id)
    applicant = await session.get(Applicant, appt.applicant_id)
    assert slot is not None and office is not None and applicant is not None
    return slot, office, applicant


async def schedule_reminders(
    session: AsyncSession, settings: BookingSettings, appt: Appointment, now: datetime
) -> list[str]:
    """Queue the reminders of a new booking; one whose time has already passed is
    not queued (nobody gets "tomorrow" on the same day). Returns the kinds queued."""
    slot, office, applicant = await _reminder_context(session, appt)
    rows = reminder_rows(settings, appt, slot, office, applicant.language, now)
    if rows:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        await session.exec(insert_new(dialect).values(rows))
    return [row["kind"] for row in rows]


def reminder_rows(
    settings: BookingSettings,
    appt: Appointment,
    slot: Slot,
    office: Office,
    language: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The outbox rows of a new booking's reminders, leaving out any whose time
    has already passed."""
    return [
        outbox_row(**_reminder(appt, slot, office, language, kind, due, now))
        for kind, due in reminder_times(settings, slot, office).items()
        if due > now
    ]


def _reminder(
    appt: Appointment,
    slot: Slot,
    office: Office,
    language: str,
    kind: str,
    due: datetime,
    now: datetime,
) -> NewNotice:
    """The reminder ``kind`` of an appointment, due at ``due``."""
    assert appt.id is not None
    return NewNotice(
        recipient=appt.telegram_id,
        kind=kind,
        template=kind,
        dedupe_key=dedupe_key(appt.id, kind),
        due_at=due,
        now=now,
        args=reminder_args(appt, slot, office),
        language=language,
        appointment_id=appt.id,
        office_id=office.id,
        expires_at=slot.start_utc,
    )


async def cancel_reminders(session: AsyncSession, appointment_id: int) -> int:
    """Cancel the pending reminders of an appointment (other notices about it, such
    as a closure notice, still go out). Returns how many were cancelled."""
    result = await session.exec(
        update(Notification)
        .where(
            col(Notification.appointment_id) == appointment_id,
            col(Notification.kind).in_(REMINDER_KINDS),
            col(Notification.status) == NotificationStatus.PENDING.value,
        )
        .values(
            status=NotificationStatus.CANCELLED.value,
            lease_owner=None,
            lease_until=None,
        )
    )
    return int(result.rowcount)


async def retime_reminders(
    session: AsyncSession, settings: BookingSettings, appt: Appointment, now: datetime
) -> list[str]:
    """After a reschedule: each reminder is due again for the new session (a row
    already sent for the old session is reused for the new one); a reminder whose
    new time has already passed is cancelled. Returns the kinds now pending."""
    assert appt.id is not None
    slot, office, applicant = await _reminder_context(session, appt)
    times = reminder_times(settings, slot, office)
    pending = []
    for kind in REMINDER_KINDS:
        key = dedupe_key(appt.id, kind)
        row = (
            await session.exec(select(Notification).where(Notification.dedupe_key == key))
        ).first()
        due = times.get(kind)
        if due is None or due <= now:
            if row is not None and row.status == NotificationStatus.PENDING:
                row.status = NotificationStatus.CANCELLED
                row.lease_owner = None
                row.lease_until = None
                session.add(row)
            continue
        pending.append(kind)
        if row is None:
            await enqueue(
                session, **_reminder(appt, slot, office, applicant.language, kind, due, now)
            )
            continue
        # Clearing the lease makes a sender that holds the old row unable to mark it.
        row.recipient = appt.telegram_id
        row.office_id = office.id
        row.args = reminder_args(appt, slot, office)
        row.language = applicant.language
        row.due_at = due
        row.expires_at = slot.start_utc
        row.status = NotificationStatus.PENDING
        row.attempts = 0
        row.lease_owner = None
        row.lease_until = None
        row.sent_at = None
        row.late = False
        row.last_error = None
        session.add(row)
    return pending
