"""What the waitlist shows: a wish, an entry with its place in line, an offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from booking.core.kinds import OfferStatus, PriorityReason, ServiceType, WaitlistStatus


@dataclass(frozen=True)
class Wish:
    """What an entry waits for: one date and session (``slot_label``), one date and
    any session (``slot_label=None``), or any date of a range (office-local)."""

    first_day: date
    last_day: date
    slot_label: str | None = None

    @classmethod
    def day(cls, day: date, slot_label: str | None = None) -> Wish:
        return cls(day, day, slot_label)


@dataclass(frozen=True)
class WaitingMember:
    person_id: int
    full_name: str
    nik_masked: str
    service: ServiceType
    priority: PriorityReason | None


@dataclass(frozen=True)
class OfferView:
    """Held seats offered to an entry until ``expires_at``."""

    id: int
    entry_id: int
    slot_id: int
    start_utc: datetime
    label: str
    seats: int  # regular and priority seats together: the group's size
    priority_seats: int
    expires_at: datetime
    status: OfferStatus


@dataclass(frozen=True)
class WaitlistEntryView:
    id: int
    office_id: int
    office_name: str
    wish: Wish
    members: tuple[WaitingMember, ...]
    # 1-based among the office's entries in line for overlapping dates (this one
    # included); None once the entry is booked or left.
    position: int | None
    status: WaitlistStatus
    offer: OfferView | None  # the open offer, if any
    joined_at: datetime
