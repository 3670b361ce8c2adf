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


class ReleaseMode(StrEnum):
    """How an office's release of dates hands out its seats."""

    FIRST_COME = "first-come"  # bookable by whoever is first at the release moment
    DRAW = "draw"  # requests over a window, then seats in a verifiable random order


class DrawStatus(StrEnum):
    OPEN = "open"  # requests are taken (until the release moment)
    DRAWN = "drawn"  # the seed is revealed and every request has its outcome


class RequestStatus(StrEnum):
    """A request of a draw-mode release (``draw_request``)."""

    PENDING = "pending"  # waiting for the draw
    WON = "won"  # booked by the draw
    WAITLISTED = "waitlisted"  # no choice had seats: on the waitlist
    LOST = "lost"  # no choice had seats, and no waitlist entry could be made
    WITHDRAWN = "withdrawn"  # withdrawn by the applicant before the draw
    # A member held an active appointment by the time of the draw: not assigned
    # and not put on the waitlist (one active appointment per NIK).
    DROPPED = "dropped"


class WaitlistStatus(StrEnum):
    """A waitlist entry: a group waiting at one office for a date range."""

    WAITING = "waiting"  # in line
    OFFERED = "offered"  # an offer of held seats is open
    BOOKED = "booked"  # an offer was accepted: the group is booked
    LEFT = "left"  # the applicant left the waitlist


# Entries still in line (the partial unique indexes hold over these).
WAITLIST_ACTIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class OfferStatus(StrEnum):
    """An offer of held seats to a waitlist entry."""

    OFFERED = "offered"  # open until its expiry
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
