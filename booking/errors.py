"""Typed domain errors. They carry ids and reason codes, never user-facing text
and never a plain NIK; the chat layer translates them."""

from __future__ import annotations

from enum import StrEnum


class BookingError(Exception):
    """Base class of every domain error."""


class NotFound(BookingError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} not found: {key}")
        self.what = what
        self.key = key


class OfficeNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("office", key)


class SlotNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("slot", key)


class AppointmentNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("appointment", key)


class ApplicantNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("applicant", key)


class SlotFull(BookingError):
    def __init__(self, slot_id: int) -> None:
        super().__init__(f"slot {slot_id} is full")
        self.slot_id = slot_id


class DayClosed(BookingError):
    def __init__(self, slot_id: int) -> None:
        super().__init__(f"slot {slot_id} is on a closed day")
        self.slot_id = slot_id


class SessionStarted(BookingError):
    """The session has begun or starts within the booking cut-off."""

    def __init__(self, slot_id: int) -> None:
        super().__init__(f"slot {slot_id} has started or is within the cut-off")
        self.slot_id = slot_id


class AlreadyBooked(BookingError):
    """The applicant (by NIK or Telegram account) already holds an active appointment."""

    def __init__(self, appointment_id: int, code: str) -> None:
        super().__init__(f"applicant already holds appointment {code}")
        self.appointment_id = appointment_id
        self.code = code


class NikTaken(BookingError):
    """The NIK is registered to another Telegram account."""

    def __init__(self) -> None:
        super().__init__("this NIK belongs to another account")


class PriorityNotEligible(BookingError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"not eligible for priority service: {reason}")
        self.reason = reason


class NotActive(BookingError):
    """The appointment is no longer active (cancelled, served, no-show)."""

    def __init__(self, appointment_id: int, status: str) -> None:
        super().__init__(f"appointment {appointment_id} is {status}")
        self.appointment_id = appointment_id
        self.status = status


class RescheduleLimitReached(BookingError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"reschedule limit of {limit} reached")
        self.limit = limit


class TooLateToChange(BookingError):
    """Rescheduling is allowed only up to H-1; cancelling only before the session."""

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"appointment {appointment_id} can no longer be changed")
        self.appointment_id = appointment_id


class SameSlot(BookingError):
    def __init__(self, slot_id: int) -> None:
        super().__init__(f"appointment is already in slot {slot_id}")
        self.slot_id = slot_id


class QuotaBelowBooked(BookingError):
    """A quota change would leave a session with fewer seats than it has bookings."""

    def __init__(self, day: object, booked: int) -> None:
        super().__init__(f"{booked} seats already booked on {day}")
        self.day = day
        self.booked = booked


class InvalidQuota(BookingError):
    def __init__(self, value: object) -> None:
        super().__init__(f"invalid quota: {value!r}")
        self.value = value


class NikReason(StrEnum):
    LENGTH = "length"  # not exactly 16 digits
    ALL_ZEROS = "all_zeros"
    REGION = "region"  # province, regency or district code impossible
    BIRTH_DATE = "birth_date"  # not a calendar date (women: day + 40)
    FUTURE_BIRTH_DATE = "future_birth_date"


class InvalidNik(BookingError):
    """Which part of a NIK is wrong. Deliberately holds no digits of the NIK."""

    def __init__(self, reason: NikReason) -> None:
        super().__init__(f"invalid NIK: {reason.value}")
        self.reason = reason
