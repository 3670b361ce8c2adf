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


class Passport(StrEnum):
    """The passport applied for: its kind and years of validity (each has its fee)."""

    ORDINARY_5 = "ordinary_5"
    ORDINARY_10 = "ordinary_10"
    ELECTRONIC_5 = "electronic_5"
    ELECTRONIC_10 = "electronic_10"

    @property
    def electronic(self) -> bool:
        return self.value.startswith("electronic")

    @property
    def years(self) -> int:
        return int(self.value.rsplit("_", 1)[1])


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
