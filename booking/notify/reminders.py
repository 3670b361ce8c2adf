"""The reminder policy: when a booking group's reminders are due, what they say,
and keeping them in step with the group.

Two reminders per group, to the account that booked it (not one per member): the
day before at ``reminder_day_before_at`` office-local time, and
``reminder_before_minutes`` before the session starts (``reminder_times``). Each
lists every booked member's name and booking code. They are outbox rows
(``booking.notify.outbox``) written in the caller's transaction: queued with a
booking (``reminder_rows`` for the batched path, ``schedule_reminders`` in an ORM
session), and kept in step after any change (``sync_reminders``: a member
cancelled, the group moved; the last member cancelled cancels them). A reminder
whose time has already passed is not queued.

A row points at one booked member's appointment (the first), so the outbox's
claim skips it once nobody of the group is booked; ``sync_reminders`` points it
at another member when that one cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import to_utc
from booking.core.config import BookingSettings
from booking.core.kinds import AppointmentStatus, NotificationStatus
from booking.db.models import (
    Applicant,
    Appointment,
    BookingGroup,
    Notification,
    Office,
    Person,
    Slot,
)
from booking.notify.outbox import (
    REMINDER_DAY_BEFORE,
    REMINDER_KINDS,
    REMINDER_SOON,
    NewNotice,
    enqueue,
    insert_new,
    outbox_row,
)


def reminder_times(settings: BookingSettings, slot: Slot, office: Office) -> dict[str, datetime]:
    """When each reminder of a group in ``slot`` is due (UTC): the day before at
    ``reminder_day_before_at`` office-local time, and ``reminder_before_minutes``
    before the session starts."""
    times = {
        REMINDER_DAY_BEFORE: to_utc(
            slot.day - timedelta(days=1), settings.reminder_day_before_at, office.timezone
        )
    }
    if settings.reminder_before_minutes > 0:
        times[REMINDER_SOON] = slot.start_utc - timedelta(minutes=settings.reminder_before_minutes)
    return times


# A booked member of a group: the appointment and the member's name.
Member = tuple[Appointment, str]


def reminder_key(group_id: int, kind: str) -> str:
    return f"group:{group_id}:{kind}"


def reminder_args(members: Sequence[Member], slot: Slot, office: Office) -> dict[str, Any]:
    """What a reminder text needs; times are rendered in ``timezone`` when sent.
    ``code`` is the first member's; ``members`` lists each name and code."""
    return {
        "code": members[0][0].code,
        "members": [[name, appt.code] for appt, name in members],
        "office": office.name,
        "address": office.address,
        "timezone": office.timezone,
        "start": slot.start_utc.isoformat(),
        "label": slot.label,
    }


def reminder_rows(
    settings: BookingSettings,
    group_id: int,
    members: Sequence[Member],
    slot: Slot,
    office: Office,
    language: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The outbox rows of a new group's reminders (``members``: booked, in order),
    leaving out any whose time has already passed."""
    return [
        outbox_row(**_reminder(group_id, members, slot, office, language, kind, due, now))
        for kind, due in reminder_times(settings, slot, office).items()
        if due > now
    ]


def _reminder(
    group_id: int,
    members: Sequence[Member],
    slot: Slot,
    office: Office,
    language: str,
    kind: str,
    due: datetime,
    now: datetime,
) -> NewNotice:
    """The reminder ``kind`` of a group, due at ``due``."""
    first = members[0][0]
    return NewNotice(
        recipient=first.telegram_id,
        kind=kind,
        template=kind,
        dedupe_key=reminder_key(group_id, kind),
        due_at=due,
        now=now,
        args=reminder_args(members, slot, office),
        language=language,
        appointment_id=first.id,
        office_id=office.id,
        expires_at=slot.start_utc,
    )


async def booked_members(session: AsyncSession, group_id: int) -> list[Member]:
    """The group's booked appointments with their people's names, by id."""
    await session.flush()
    rows = await session.exec(
        select(Appointment, Person.full_name)
        .join(Person, col(Person.id) == Appointment.person_id)
        .where(
            Appointment.group_id == group_id,
            col(Appointment.status) == AppointmentStatus.BOOKED.value,
        )
        .order_by(col(Appointment.id))
    )
    return [(appt, name) for appt, name in rows]


async def group_context(
    session: AsyncSession, group_id: int
) -> tuple[BookingGroup, Slot, Office, Applicant]:
    """The group with its session, office and account."""
    group = await session.get(BookingGroup, group_id)
    assert group is not None
    slot = await session.get(Slot, group.slot_id)
    office = await session.get(Office, group.office_id)
    applicant = await session.get(Applicant, group.applicant_id)
    assert slot is not None and office is not None and applicant is not None
    return group, slot, office, applicant


async def schedule_reminders(
    session: AsyncSession, settings: BookingSettings, group_id: int, now: datetime
) -> list[str]:
    """Queue the reminders of a new group; one whose time has already passed is
    not queued (nobody gets "tomorrow" on the same day). Returns the kinds queued."""
    _, slot, office, applicant = await group_context(session, group_id)
    members = await booked_members(session, group_id)
    rows = reminder_rows(settings, group_id, members, slot, office, applicant.language, now)
    if rows:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        await session.exec(insert_new(dialect).values(rows))
    return [row["kind"] for row in rows]


async def sync_reminders(
    session: AsyncSession, settings: BookingSettings, group_id: int, now: datetime
) -> list[str]:
    """Bring the group's reminders in step with it, in the caller's transaction:
    with no member booked any more, the pending ones are cancelled; otherwise each
    lists the booked members and is due for the group's session (a row already
    sent is queued again only when its time changed: after a move; one whose new
    time has passed is cancelled). Returns the kinds now pending."""
    members = await booked_members(session, group_id)
    ids = select(Appointment.id).where(Appointment.group_id == group_id)
    rows = {
        row.kind: row
        for row in await session.exec(
            select(Notification)
            .where(
                col(Notification.appointment_id).in_(ids),
                col(Notification.kind).in_(REMINDER_KINDS),
            )
            .order_by(col(Notification.id))
        )
    }
    times: dict[str, datetime] = {}
    if members:
        _, slot, office, applicant = await group_context(session, group_id)
        times = reminder_times(settings, slot, office)
    pending = []
    for kind in REMINDER_KINDS:
        row, due = rows.get(kind), times.get(kind)
        if due is None or due <= now:
            if row is not None and row.status == NotificationStatus.PENDING:
                _clear_lease(row, NotificationStatus.CANCELLED)
                session.add(row)
            continue
        pending.append(kind)
        notice = _reminder(group_id, members, slot, office, applicant.language, kind, due, now)
        if row is None:
            await enqueue(session, **notice)
            continue
        if row.status != NotificationStatus.PENDING and row.due_at == due:
            pending.pop()  # already sent (or skipped) for this very session
            continue
        row.recipient = notice["recipient"]
        row.appointment_id = notice.get("appointment_id")
        row.office_id = office.id
        row.args = notice.get("args")
        row.language = applicant.language
        row.due_at = due
        row.expires_at = slot.start_utc
        row.attempts = 0
        row.sent_at = None
        row.late = False
        row.last_error = None
        # Clearing the lease makes a sender that holds the old row unable to mark it.
        _clear_lease(row, NotificationStatus.PENDING)
        session.add(row)
    return pending


def _clear_lease(row: Notification, status: NotificationStatus) -> None:
    row.status = status
    row.lease_owner = None
    row.lease_until = None
