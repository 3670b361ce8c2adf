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
    DrawStatus,
    GroupStatus,
    NotificationStatus,
    OfferStatus,
    OfficeKind,
    PriorityReason,
    QuotaPool,
    ReleaseMode,
    RequestStatus,
    ServiceType,
    TicketSender,
    TicketStatus,
    WaitlistStatus,
)
from booking.db.types import UTCDateTime

_ACTIVE_SQL = text("status IN ('booked', 'checked_in')")
_ACTIVE_GROUP_SQL = text("status = 'active'")
_WAITING_SQL = text("status IN ('waiting', 'offered')")
_OPEN_OFFER_SQL = text("status = 'offered'")


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
    release_window_days: int = Field(ge=1, description="How many days ahead a release opens")
    release_rule: str = Field(description="RRULE of release moments, office-local time")


class Office(OfficeBase, table=True):
    __table_args__ = (
        UniqueConstraint("code", name="uq_office_code"),
        CheckConstraint("daily_quota >= 0 AND priority_quota >= 0", name="ck_office_quota"),
    )
    id: int | None = Field(default=None, primary_key=True)
    release_mode: ReleaseMode = Field(default=ReleaseMode.FIRST_COME, sa_type=String(16))
    request_window_hours: int = Field(
        default=24, description="Draw mode: requests open this long before a release moment"
    )
    release_mode_since: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="When draw mode was set: releases whose window opened before stay first-come",
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
        # Held seats (kept for the waitlist) are taken seats too.
        CheckConstraint("held >= 0 AND booked + held <= capacity", name="ck_slot_held"),
        CheckConstraint(
            "priority_held >= 0 AND priority_booked + priority_held <= priority_capacity",
            name="ck_slot_priority_held",
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
    # Seats held for the waitlist (offered, or about to be): nobody else books them.
    held: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    priority_held: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


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


# --- the fair release draw -----------------------------------------------------------


class Draw(SQLModel, table=True):
    """One release moment of a draw-mode office: its requests are drawn at ``release_at``.

    ``seed_hash`` (SHA-256 of the secret seed) is published when requests open; the
    seed itself is stored at the draw, with the seats the draw had (``inputs``), so
    that anyone can recompute the order and the assignment (``verify-draw``)."""

    __table_args__ = (UniqueConstraint("office_id", "release_at", name="uq_draw_release"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    release_at: datetime = Field(sa_type=UTCDateTime)
    requests_open_at: datetime = Field(sa_type=UTCDateTime)
    first_day: date = Field(description="The first date this release opens (office-local)")
    last_day: date = Field(description="Its last date: the release horizon at release_at")
    status: DrawStatus = Field(default=DrawStatus.OPEN, sa_type=String(16))
    seed_hash: str = Field(max_length=64)
    seed: str | None = Field(default=None, max_length=64, description="Revealed at the draw")
    inputs: dict[str, Any] | None = Field(
        default=None, sa_type=JSON, description="The sessions and seats the draw assigned"
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    drawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


_LIVE_REQUEST_SQL = text("status <> 'withdrawn'")


class DrawRequest(SQLModel, table=True):
    """An account's request for its group in one draw: up to three ranked choices,
    and, once drawn, its place in the order and its outcome."""

    __tablename__ = "draw_request"
    __table_args__ = (
        # One request per account per release (a withdrawn one makes room for another).
        Index(
            "uq_draw_request_account",
            "draw_id",
            "telegram_id",
            unique=True,
            sqlite_where=_LIVE_REQUEST_SQL,
            postgresql_where=_LIVE_REQUEST_SQL,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw.id", index=True)
    telegram_id: int = Field(sa_type=BigInteger)
    applicant_id: int = Field(foreign_key="applicant.id")
    status: RequestStatus = Field(default=RequestStatus.PENDING, sa_type=String(16))
    choices: list[Any] = Field(
        sa_type=JSON, description="Ranked [day or null, session label or null] pairs"
    )
    position: int | None = Field(default=None, description="1-based place in the drawn order")
    slot_id: int | None = Field(default=None, foreign_key="slot.id", description="Won session")
    group_id: int | None = Field(default=None, foreign_key="booking_group.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


_LIVE_MEMBER_SQL = text("NOT withdrawn")


class DrawRequestMember(SQLModel, table=True):
    """One person of a request (a NIK requests once per release)."""

    __tablename__ = "draw_request_member"
    __table_args__ = (
        Index(
            "uq_draw_request_nik",
            "draw_id",
            "nik_hash",
            unique=True,
            sqlite_where=_LIVE_MEMBER_SQL,
            postgresql_where=_LIVE_MEMBER_SQL,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="draw_request.id", index=True)
    draw_id: int = Field(foreign_key="draw.id")
    person_id: int = Field(foreign_key="person.id")
    member_id: int | None = Field(default=None, description="As chosen: None for the holder")
    nik_hash: str = Field(max_length=64)
    service: ServiceType = Field(sa_type=String(16))
    priority: PriorityReason | None = Field(default=None, sa_type=String(16))
    withdrawn: bool = False


# --- the waitlist ------------------------------------------------------------------


class WaitlistEntry(SQLModel, table=True):
    """A group of one account waiting at one office for a seat on a date (and
    session) or any date of a range; in line by ``joined_at``."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        # One entry per account while it waits (at any office).
        Index(
            "uq_waitlist_entry_active_telegram",
            "telegram_id",
            unique=True,
            sqlite_where=_WAITING_SQL,
            postgresql_where=_WAITING_SQL,
        ),
        Index("ix_waitlist_entry_office", "office_id", "status", "joined_at"),
        CheckConstraint("first_day <= last_day", name="ck_waitlist_entry_days"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    telegram_id: int = Field(sa_type=BigInteger)
    applicant_id: int = Field(foreign_key="applicant.id")
    first_day: date = Field(description="Office-local date")
    last_day: date = Field(description="Office-local date")
    slot_label: str | None = Field(default=None, max_length=50, description="None: any session")
    status: WaitlistStatus = Field(default=WaitlistStatus.WAITING, sa_type=String(16))
    group_id: int | None = Field(
        default=None, foreign_key="booking_group.id", description="The booking an offer made"
    )
    joined_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WaitlistMember(SQLModel, table=True):
    """One person of a waitlist entry, as ``MemberChoice`` gives them."""

    __tablename__ = "waitlist_member"
    __table_args__ = (
        # One waiting entry per NIK per office (``active`` while its entry waits).
        Index(
            "uq_waitlist_member_active_nik",
            "office_id",
            "nik_hash",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="waitlist_entry.id", index=True)
    office_id: int = Field(foreign_key="office.id")
    person_id: int = Field(foreign_key="person.id")
    nik_hash: str = Field(max_length=64)
    service: ServiceType = Field(sa_type=String(16))
    priority: PriorityReason | None = Field(default=None, sa_type=String(16))
    active: bool = True


class WaitlistOffer(SQLModel, table=True):
    """Held seats of one slot offered to a waitlist entry until ``expires_at``."""

    __tablename__ = "waitlist_offer"
    __table_args__ = (
        # An entry has at most one open offer.
        Index(
            "uq_waitlist_offer_open_entry",
            "entry_id",
            unique=True,
            sqlite_where=_OPEN_OFFER_SQL,
            postgresql_where=_OPEN_OFFER_SQL,
        ),
        Index("ix_waitlist_offer_slot", "slot_id", "status"),
        Index("ix_waitlist_offer_due", "status", "expires_at"),
        CheckConstraint("seats >= 0 AND priority_seats >= 0", name="ck_waitlist_offer_seats"),
    )
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="waitlist_entry.id")
    slot_id: int = Field(foreign_key="slot.id")
    seats: int = Field(description="Held regular seats")
    priority_seats: int = Field(description="Held priority seats")
    status: OfferStatus = Field(default=OfferStatus.OFFERED, sa_type=String(16))
    offered_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
