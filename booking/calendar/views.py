"""What the calendar shows: the status of a date and the sessions of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class DayStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"  # office closure
    HOLIDAY = "holiday"  # national holiday
    NO_SERVICE = "no_service"  # no session runs that day (weekend)
    NOT_RELEASED = "not_released"
    PAST = "past"  # in the past, or every session has started or is within the cut-off


@dataclass(frozen=True)
class DayAvailability:
    day: date
    status: DayStatus
    seats_left: int = 0
    priority_left: int = 0
    note: str | None = None  # holiday name or closure reason


@dataclass(frozen=True)
class SessionAvailability:
    slot_id: int
    label: str
    start: datetime  # office-local, aware
    end: datetime
    zone: str  # WIB / WITA / WIT
    capacity: int
    seats_left: int
    priority_left: int
    bookable: bool  # the whole group asked about fits (one person by default)
    left: int  # seats left in the pools the group asked about may draw from
    is_open: bool = True  # False: the office closed that date
    label_en: str | None = None  # None: the label serves
