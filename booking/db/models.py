"""SQLModel tables and their Create/Read models.

All datetimes are stored in UTC (see ``UTCDateTime``); dates called ``day`` are
local calendar dates of the office they belong to.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from booking.core.kinds import (
    AppointmentStatus,
    GroupStatus,
    NotificationStatus,
    OfficeKind,
    PriorityReason,
    QueueStatus,
    QuotaPool,
    ServiceType,
    TicketSender,
    TicketStatus,
)
from booking.db.types import UTCDateTime

_ACTIVE_SQL = text("status IN ('booked', 'checked_in')")
_ACTIVE_GROUP_SQL = text("status = 'active'")


# --- offices -----------------------------------------------------------------


class OfficeBase(SQLModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    kind: OfficeKind = Field(default=OfficeKind.KANIM, sa_type=String(8))
    address: str = Field(max_length=400)
    city: str = Field(max_length=100)
    province: str = Field(max_length=100)
    timezone: str = Field(max_length=64, description="IANA zone, e.g. Asia/Jakarta")
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = Field(default=None, max_length=50)
    active: bool = True
    daily_quota: int = Field(ge=0, description="Default regular seats per day")
    priority_quota: int = Field(default=0, ge=0, description="Default priority seats per day")
    walk_in_quota: int = Field(default=0, ge=0, description="Priority walk-ins per day")
    release_window_days: int = Field(ge=1, description="How many days ahead a release opens")
    release_rule: str = Field(description="RRULE of release moments, office-local time")


class Office(OfficeBase, table=True):
    __table_args__ = (
        UniqueConstraint("code", name="uq_office_code"),
        CheckConstraint("daily_quota >= 0 AND priority_quota >= 0", name="ck_office_quota"),
    )
    id: int | None = Field(default=None, primary_key=True)
    display_key: str | None = Field(
        default=None, max_length=64, description="Key of the 'now serving' page; made on first use"
    )


class SessionRuleBase(SQLModel):
    label: str = Field(max_length=50)
    start: time
    end: time
    rule: str = Field(description="RRULE of the days this session runs")
    share: int = Field(default=1, ge=1, description="Weight of the day's quota")
    valid_from: date = Field(default=date(2020, 1, 1), description="DTSTART of the rule")


class SessionRule(SessionRuleBase, table=True):
    __tablename__ = "session_rule"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)


class Closure(SQLModel, table=True):
    """An office-specific closed day (national holidays come from ``holidays``)."""

    __table_args__ = (UniqueConstraint("office_id", "day", name="uq_closure_day"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date
    reason: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, sa_type=BigInteger)


class QuotaOverride(SQLModel, table=True):
    """The daily quota of one office on one date, replacing the office default."""

    __tablename__ = "quota_override"
    __table_args__ = (
        UniqueConstraint("office_id", "day", name="uq_quota_override_day"),
        CheckConstraint("regular >= 0 AND priority >= 0", name="ck_quota_override"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date
    regular: int
    priority: int


class Slot(SQLModel, table=True):
    """One session of one date, materialized when the date is released."""

    __table_args__ = (
        UniqueConstraint("office_id", "start_utc", name="uq_slot_start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slot_regular"),
        CheckConstraint(
            "priority_booked >= 0 AND priority_booked <= priority_capacity",
            name="ck_slot_priority",
        ),
        Index("ix_slot_office_day", "office_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date = Field(description="Office-local date")
    label: str = Field(max_length=50)
    share: int = Field(default=1, description="The session's share of the day's quota")
    start_utc: datetime = Field(sa_type=UTCDateTime)
    end_utc: datetime = Field(sa_type=UTCDateTime)
    capacity: int
    booked: int = 0
    priority_capacity: int = 0
    priority_booked: int = 0
    is_open: bool = True


# --- people ------------------------------------------------------------------


class Applicant(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("telegram_id", name="uq_applicant_telegram"),
        UniqueConstraint("nik_hash", name="uq_applicant_nik"),
    )
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger)
    full_name: str = Field(max_length=200)
    language: str = Field(default="id", max_length=8)
    phone: str | None = Field(default=None, max_length=32)
    nik_hash: str = Field(max_length=64, description="HMAC-SHA256 keyed by NIK_SECRET")
    nik_masked: str = Field(max_length=16)
    birth_date: date
    sex: str = Field(max_length=1)
    unreachable: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    """Someone an account books for: the holder (the person with the applicant's
    own NIK) or a saved family member. Unique per account and NIK."""

    __table_args__ = (UniqueConstraint("applicant_id", "nik_hash", name="uq_person_nik"),)
    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(foreign_key="applicant.id", description="The account")
    full_name: str = Field(max_length=200)
    nik_hash: str = Field(max_length=64, description="HMAC-SHA256 keyed by NIK_SECRET")
    nik_masked: str = Field(max_length=16)
    birth_date: date
    sex: str = Field(max_length=1)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class BookingGroup(SQLModel, table=True):
    """The people one account books into one session: one appointment each."""

    __tablename__ = "booking_group"
    __table_args__ = (
        # Anti-hoarding: one active group per Telegram account.
        Index(
            "uq_booking_group_active_telegram",
            "telegram_id",
            unique=True,
            sqlite_where=_ACTIVE_GROUP_SQL,
            postgresql_where=_ACTIVE_GROUP_SQL,
        ),
        # A displaced group is rebooked at most once.
        UniqueConstraint("replaces_id", name="uq_booking_group_replaces"),
        Index("ix_booking_group_slot", "slot_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger)
    applicant_id: int = Field(foreign_key="applicant.id")
    office_id: int = Field(foreign_key="office.id")
    slot_id: int = Field(foreign_key="slot.id")
    status: GroupStatus = Field(default=GroupStatus.ACTIVE, sa_type=String(16))
    reschedule_count: int = 0
    replaces_id: int | None = Field(
        default=None,
        foreign_key="booking_group.id",
        description="The displaced group this one rebooks after a closure",
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Appointment(SQLModel, table=True):
    """One person's seat in a booking group, with its own code."""

    __table_args__ = (
        UniqueConstraint("code", name="uq_appointment_code"),
        # Anti-hoarding: one active appointment per NIK, across all accounts (one
        # active group per account: ``booking_group``).
        Index(
            "uq_appointment_active_nik",
            "nik_hash",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        # A NIK appears once in a group.
        UniqueConstraint("group_id", "nik_hash", name="uq_appointment_group_nik"),
        Index("ix_appointment_slot", "slot_id", "status"),
        Index("ix_appointment_applicant", "applicant_id"),
        # Check-in: no two people of a session get the same queue number.
        UniqueConstraint("slot_id", "queue_number", name="uq_appointment_queue"),
        # A displaced appointment is rebooked at most once.
        UniqueConstraint("replaces_id", name="uq_appointment_replaces"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=8)
    applicant_id: int = Field(foreign_key="applicant.id", description="The account")
    group_id: int = Field(foreign_key="booking_group.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    office_id: int = Field(foreign_key="office.id")
    slot_id: int = Field(foreign_key="slot.id")
    service: ServiceType = Field(sa_type=String(16))
    priority: PriorityReason | None = Field(default=None, sa_type=String(16))
    pool: QuotaPool = Field(default=QuotaPool.REGULAR, sa_type=String(8))
    status: AppointmentStatus = Field(default=AppointmentStatus.BOOKED, sa_type=String(16))
    telegram_id: int = Field(sa_type=BigInteger)
    nik_hash: str = Field(max_length=64)
    queue_number: int | None = None
    replaces_id: int | None = Field(
        default=None,
        foreign_key="appointment.id",
        description="The displaced appointment this one rebooks after a closure",
    )
    cancel_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    """Who changed what: one row per admin change, in the change's transaction."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64, description="telegram:<id> or cli:<user>")
    office_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    action: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)


# --- administration and notifications ------------------------------------------


class AdminRole(SQLModel, table=True):
    """An admin of one office, or a super-admin of all (``office_id`` NULL)."""

    __tablename__ = "admin_role"
    __table_args__ = (
        UniqueConstraint("telegram_id", "office_id", name="uq_admin_role"),
        Index(
            "uq_admin_role_super",
            "telegram_id",
            unique=True,
            sqlite_where=text("office_id IS NULL"),
            postgresql_where=text("office_id IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class Notification(SQLModel, table=True):
    """Outbox row: a message to send, written in the transaction that causes it."""

    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_notification_dedupe"),
        Index("ix_notification_due", "status", "due_at"),
        Index("ix_notification_appointment", "appointment_id"),
        # Per-recipient claims: is another row to this chat held, or just sent?
        Index("ix_notification_recipient", "recipient", "lease_until"),
    )
    id: int | None = Field(default=None, primary_key=True)
    recipient: int = Field(sa_type=BigInteger, description="Telegram chat id")
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    office_id: int | None = Field(default=None, foreign_key="office.id")
    kind: str = Field(max_length=32, description="reminder_day_before, reminder_soon, ...")
    template: str = Field(max_length=64)
    args: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    language: str = Field(default="id", max_length=8)
    dedupe_key: str = Field(max_length=128, description="e.g. appointment:12:reminder_soon")
    due_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Not sent from then on (skipped)"
    )
    status: NotificationStatus = Field(default=NotificationStatus.PENDING, sa_type=String(16))
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late: bool = False
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)


# --- questions and the staff hand-off ------------------------------------------------


class StaffChat(SQLModel, table=True):
    """The Telegram group where an office's staff answer applicants' questions."""

    __tablename__ = "staff_chat"
    __table_args__ = (UniqueConstraint("office_id", name="uq_staff_chat_office"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    chat_id: int = Field(sa_type=BigInteger, index=True, description="Telegram group id")
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=64)


class Question(SQLModel, table=True):
    """A free-text question, what the bot did with it, and the applicant's feedback.

    ``text`` has every long run of digits (a NIK, a phone number) masked."""

    __table_args__ = (Index("ix_question_asked", "asked_at"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    language: str = Field(default="id", max_length=8)
    text: str = Field(max_length=1000)
    entry_id: str | None = Field(
        default=None, max_length=64, description="The entry answered with; None: abstained"
    )
    score: float = 0.0
    helpful: bool | None = Field(default=None, description="Ini menjawab / Tidak menjawab")
    asked_at: datetime = Field(sa_type=UTCDateTime)
    feedback_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Ticket(SQLModel, table=True):
    """A question handed to an office's staff: open, answered, closed."""

    __table_args__ = (
        Index("ix_ticket_office_status", "office_id", "status"),
        Index("ix_ticket_telegram_created", "telegram_id", "created_at"),
        CheckConstraint("status IN ('open', 'answered', 'closed')", name="ck_ticket_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    telegram_id: int = Field(sa_type=BigInteger)
    language: str = Field(default="id", max_length=8)
    display_name: str = Field(max_length=64, description="Masked: what the staff see")
    status: TicketStatus = Field(default=TicketStatus.OPEN, sa_type=String(16))
    question_id: int | None = Field(default=None, foreign_key="question.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    first_answer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, sa_type=BigInteger)


class TicketMessage(SQLModel, table=True):
    """One message of a ticket's thread, from the applicant or from the staff."""

    __tablename__ = "ticket_message"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    sender: TicketSender = Field(sa_type=String(16))
    author_id: int | None = Field(
        default=None, sa_type=BigInteger, description="The staff member's Telegram id"
    )
    text: str = Field(max_length=1000)
    at: datetime = Field(sa_type=UTCDateTime)


# --- the day at the office: counters and the queue ---------------------------------


class CounterStaff(SQLModel, table=True):
    """A petugas loket: may open counters, call and serve at one office, nothing else."""

    __tablename__ = "counter_staff"
    __table_args__ = (UniqueConstraint("telegram_id", "office_id", name="uq_counter_staff"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    office_id: int = Field(foreign_key="office.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class Counter(SQLModel, table=True):
    """A loket of an office ("Loket 3"), open while a staff member calls at it."""

    __table_args__ = (UniqueConstraint("office_id", "number", name="uq_counter_number"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    number: int
    is_open: bool = False
    staff_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class QueueDay(SQLModel, table=True):
    """One office's queue on one date: the last number given, the walk-ins taken
    and ``version``, moved by every change of the day's queue (the display polls it)."""

    __tablename__ = "queue_day"
    __table_args__ = (
        UniqueConstraint("office_id", "day", name="uq_queue_day"),
        CheckConstraint("walk_ins >= 0", name="ck_queue_day_walk_ins"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date = Field(description="Office-local date")
    last_number: int = 0
    walk_ins: int = 0
    version: int = 0


class QueueTicket(SQLModel, table=True):
    """One person in an office's queue of one day: a checked-in appointment or a
    priority walk-in, with the number shown on the display."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("office_id", "day", "number", name="uq_queue_ticket_number"),
        # A person is in one office's queue once a day.
        UniqueConstraint("office_id", "day", "nik_hash", name="uq_queue_ticket_person"),
        UniqueConstraint("appointment_id", name="uq_queue_ticket_appointment"),
        Index("ix_queue_ticket_waiting", "office_id", "day", "status"),
        Index("ix_queue_ticket_telegram", "telegram_id", "day"),
        CheckConstraint(
            "status IN ('waiting', 'called', 'served', 'missed')", name="ck_queue_ticket_status"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    day: date = Field(description="Office-local date")
    number: int
    status: QueueStatus = Field(default=QueueStatus.WAITING, sa_type=String(16))
    priority: bool = False
    priority_reason: PriorityReason | None = Field(default=None, sa_type=String(16))
    verify_at_counter: bool = Field(default=False, description="Declared priority: check it")
    walk_in: bool = False
    telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    nik_hash: str = Field(max_length=64)
    session_start: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="The appointment's session: calling order"
    )
    queued_at: datetime = Field(sa_type=UTCDateTime, description="Arrival, or the re-queue")
    requeued: bool = False
    # The counter that called it (no foreign key: counters may be removed; the
    # number keeps the name "Loket N").
    counter_id: int | None = None
    counter_number: int | None = None
    call_count: int = 0
    arrived_at: datetime = Field(sa_type=UTCDateTime)
    first_called_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    called_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    served_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    missed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
