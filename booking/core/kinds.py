"""The kinds of things the domain names: services, priority reasons, pools and statuses.

Plain enums, stored by value in the tables of ``booking.db.models``."""

from __future__ import annotations

from enum import StrEnum


class OfficeKind(StrEnum):
    KANIM = "kanim"  # Kantor Imigrasi
    ULP = "ulp"  # Unit Layanan Paspor
    UKK = "ukk"  # Unit Kerja Kantor


class ServiceType(StrEnum):
    NEW = "new"  # new passport
    RENEWAL = "renewal"
    REPLACEMENT = "replacement"  # lost or damaged


class PriorityReason(StrEnum):
    ELDERLY = "elderly"  # 60 or older
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    CHILD = "child"  # under 5


class QuotaPool(StrEnum):
    REGULAR = "regular"
    PRIORITY = "priority"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVED = "served"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    # Checked in, then sent home by the staff (a missing document, say): over, the
    # seat stays used, and the NIK may book again.
    RELEASED = "released"


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class GroupStatus(StrEnum):
    """A booking group: the people one account books into one session."""

    ACTIVE = "active"  # at least one member's appointment is active
    CANCELLED = "cancelled"  # every member cancelled (or displaced by a closure)
    FINISHED = "finished"  # the session is over: members served or no-show


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries
    SKIPPED = "skipped"  # too late to be useful (the appointment has begun)
    CANCELLED = "cancelled"  # the appointment changed before it was due
    UNREACHABLE = "unreachable"  # the applicant blocked the bot


class TicketStatus(StrEnum):
    """A question handed to an office's staff."""

    OPEN = "open"  # waiting for the staff
    ANSWERED = "answered"  # the staff replied; the applicant may answer back
    CLOSED = "closed"


class TicketSender(StrEnum):
    APPLICANT = "applicant"
    STAFF = "staff"


class QueueStatus(StrEnum):
    """A ticket in the day's queue at the office."""

    WAITING = "waiting"
    CALLED = "called"  # at a counter now
    SERVED = "served"
    MISSED = "missed"  # did not come after the last call


class StaffRole(StrEnum):
    """What a user may do at one office (``booking.admin.roles.role_of``)."""

    SUPER_ADMIN = "super_admin"
    OFFICE_ADMIN = "office_admin"
    COUNTER_STAFF = "counter_staff"  # petugas loket: open counters, call and serve
