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


class GroupNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("booking group", key)


class MemberNotFound(NotFound):
    """Not a person saved by this account (a forged or stale member id)."""

    def __init__(self, member_id: int) -> None:
        super().__init__("member", member_id)
        self.member_id = member_id


class SlotFull(BookingError):
    def __init__(self, slot_id: int) -> None:
        super().__init__(f"slot {slot_id} is full")
        self.slot_id = slot_id


class NotEnoughSeats(SlotFull):
    """The session cannot seat the whole group: nobody was booked."""

    def __init__(self, slot_id: int, seats_left: int, group_size: int) -> None:
        super().__init__(slot_id)
        self.args = (f"slot {slot_id} has {seats_left} seats left for a group of {group_size}",)
        self.seats_left = seats_left
        self.group_size = group_size


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


class MemberAlreadyBooked(AlreadyBooked):
    """A member's NIK holds an active appointment (in any account): nobody was booked."""

    def __init__(self, appointment_id: int, code: str, member_id: int, full_name: str) -> None:
        super().__init__(appointment_id, code)
        self.args = (f"member {member_id} already holds appointment {code}",)
        self.member_id = member_id
        self.full_name = full_name


class GroupTooLarge(BookingError):
    def __init__(self, max_size: int) -> None:
        super().__init__(f"a booking group has at most {max_size} people")
        self.max_size = max_size


class EmptyGroup(BookingError):
    def __init__(self) -> None:
        super().__init__("a booking group needs at least one person")


class DuplicateMember(BookingError):
    """The same person, or the same NIK, twice in one group."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} is in the group twice")
        self.member_id = member_id


class NikTaken(BookingError):
    """The NIK is registered to another Telegram account."""

    def __init__(self) -> None:
        super().__init__("this NIK belongs to another account")


class PriorityNotEligible(BookingError):
    """The priority reason does not hold for the person (``member_id`` and
    ``full_name`` name the member of a group; None for a booking of the holder)."""

    def __init__(
        self, reason: str, member_id: int | None = None, full_name: str | None = None
    ) -> None:
        super().__init__(f"not eligible for priority service: {reason}")
        self.reason = reason
        self.member_id = member_id
        self.full_name = full_name


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


class NameReason(StrEnum):
    LENGTH = "length"  # too short or too long once spaces are tidied
    DIGITS = "digits"
    HIDDEN = "hidden"  # zero-width, bidi override or other invisible characters
    NO_LETTERS = "no_letters"  # only emoji, symbols or punctuation


class InvalidName(BookingError, ValueError):
    """Why an applicant's name, as typed, is refused (``booking.people.names``)."""

    def __init__(self, reason: NameReason) -> None:
        super().__init__(f"invalid name: {reason.value}")
        self.reason = reason


# --- office administration -----------------------------------------------------


class NotAuthorized(BookingError):
    """The Telegram user may not administer this office (or any office)."""

    def __init__(self, telegram_id: int, office_id: int | None = None) -> None:
        super().__init__(f"user {telegram_id} may not administer office {office_id}")
        self.telegram_id = telegram_id
        self.office_id = office_id


class InvalidTelegramId(BookingError):
    def __init__(self, value: object) -> None:
        super().__init__(f"invalid Telegram user id: {value!r}")
        self.value = value


class AdminRoleNotFound(NotFound):
    def __init__(self, telegram_id: int, office_code: str | None) -> None:
        super().__init__("admin role", (telegram_id, office_code))
        self.telegram_id = telegram_id
        self.office_code = office_code


class InvalidDate(BookingError):
    """Not a date in YYYY-MM-DD form."""

    def __init__(self, value: object) -> None:
        super().__init__(f"invalid date: {value!r}")
        self.value = value


class DateInPast(BookingError):
    def __init__(self, day: object, today: object) -> None:
        super().__init__(f"{day} is before today ({today})")
        self.day = day
        self.today = today


class InvalidDateRange(BookingError):
    """The range ends before it starts, or is longer than allowed."""

    def __init__(self, first: object, last: object, max_days: int | None = None) -> None:
        super().__init__(f"invalid date range {first} .. {last}")
        self.first = first
        self.last = last
        self.max_days = max_days


class InvalidText(BookingError):
    """A free-text field (closure reason, announcement) is empty or too long."""

    def __init__(self, field: str, max_length: int) -> None:
        super().__init__(f"{field} must be 1 to {max_length} characters")
        self.field = field
        self.max_length = max_length


class InvalidReleasePolicy(BookingError):
    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"invalid release {field}: {value!r}")
        self.field = field
        self.value = value


class InvalidShares(BookingError):
    """Session shares must name each session of the office once, each from 1 to 1000."""

    def __init__(self, value: object) -> None:
        super().__init__(f"invalid session shares: {value!r}")
        self.value = value


class DayAlreadyClosed(BookingError):
    def __init__(self, office_id: int, day: object) -> None:
        super().__init__(f"office {office_id} is already closed on {day}")
        self.office_id = office_id
        self.day = day


class DayNotClosed(BookingError):
    def __init__(self, office_id: int, day: object) -> None:
        super().__init__(f"office {office_id} is not closed on {day}")
        self.office_id = office_id
        self.day = day


class NotDisplaced(BookingError):
    """Only an appointment cancelled by an office closure can be rebooked this way."""

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"appointment {appointment_id} was not displaced by a closure")
        self.appointment_id = appointment_id


class AlreadyRebooked(BookingError):
    def __init__(self, appointment_id: int, new_appointment_id: int) -> None:
        super().__init__(
            f"displaced appointment {appointment_id} was already rebooked as {new_appointment_id}"
        )
        self.appointment_id = appointment_id
        self.new_appointment_id = new_appointment_id


class UnknownBookingCode(BookingError):
    """Check-in: no appointment has this code (or it is not a code at all)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no appointment with code {code!r}")
        self.code = code


class OtherOfficeCode(BookingError):
    """Check-in: the code belongs to an appointment at another office."""

    def __init__(self, code: str, office_code: str) -> None:
        super().__init__(f"appointment {code} is at office {office_code}")
        self.code = code
        self.office_code = office_code


class AppointmentCancelled(BookingError):
    def __init__(self, code: str, reason: str | None) -> None:
        super().__init__(f"appointment {code} was cancelled ({reason})")
        self.code = code
        self.reason = reason


class WrongDay(BookingError):
    """Check-in: the appointment is for another date than today (office-local)."""

    def __init__(self, code: str, day: object, today: object) -> None:
        super().__init__(f"appointment {code} is on {day}, not today ({today})")
        self.code = code
        self.day = day
        self.today = today


class AlreadyCheckedIn(BookingError):
    def __init__(self, code: str, queue_number: int) -> None:
        super().__init__(f"appointment {code} is already checked in as number {queue_number}")
        self.code = code
        self.queue_number = queue_number


class NotCheckedIn(BookingError):
    """Release: only an appointment checked in (at the counter) can be released."""

    def __init__(self, code: str) -> None:
        super().__init__(f"appointment {code} is not checked in")
        self.code = code


class SessionNotEnded(BookingError):
    """No-shows can be marked only once the session is over."""

    def __init__(self, slot_id: int | None, day: object = None) -> None:
        super().__init__(f"session {slot_id} on {day} has not ended yet")
        self.slot_id = slot_id
        self.day = day


# --- the fair release draw -------------------------------------------------------------


class ActiveAppointmentExists(BookingError):
    """A person (``member_id``: None for the holder) whose NIK holds an active
    appointment cannot request a draw (nor join a waitlist)."""

    def __init__(self, member_id: int | None, full_name: str, code: str) -> None:
        super().__init__(f"{full_name} already holds active appointment {code}")
        self.member_id = member_id
        self.full_name = full_name
        self.code = code


class RequestWindowClosed(BookingError):
    """No release of the office takes requests now (or the request's draw closed)."""

    def __init__(self, office_id: int) -> None:
        super().__init__(f"office {office_id} takes no requests now")
        self.office_id = office_id


class AlreadyRequested(BookingError):
    """One request per account and one per NIK per release: ``by`` is ``"account"``,
    or ``"nik"`` with the member (None: the holder) whose NIK is in another request."""

    def __init__(self, by: str, member_id: int | None = None, full_name: str = "") -> None:
        super().__init__(f"already requested this release (by {by})")
        self.by = by
        self.member_id = member_id
        self.full_name = full_name


class TooManyChoices(BookingError):
    """A request ranks 1 to ``max_choices`` choices."""

    def __init__(self, given: int, max_choices: int) -> None:
        super().__init__(f"{given} choices given; a request has 1 to {max_choices}")
        self.given = given
        self.max_choices = max_choices


class ChoiceNotInRelease(BookingError):
    """A choice's date (or session on it) is not among those the release opens."""

    def __init__(self, day: object, slot_label: str | None) -> None:
        super().__init__(f"{day} {slot_label or ''} is not in this release".strip())
        self.day = day
        self.slot_label = slot_label


class RequestNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("request", key)


class DrawNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("draw", key)


class NoUpcomingRelease(BookingError):
    """“Remind me”: the date is open already, past, or no release opens it."""

    def __init__(self, office_id: int, day: object) -> None:
        super().__init__(f"no upcoming release of office {office_id} opens {day}")
        self.office_id = office_id
        self.day = day


class AlreadyWaiting(BookingError):
    """The account already has an active waitlist entry (at any office), or a
    member's NIK is already waiting at this office (``member_id`` says who)."""

    def __init__(self, entry_id: int, *, member_id: int | None = None) -> None:
        who = "the account" if member_id is None else f"member {member_id}"
        super().__init__(f"{who} already waits in waitlist entry {entry_id}")
        self.entry_id = entry_id
        self.member_id = member_id

    @property
    def reason(self) -> str:
        """``account`` or ``nik``."""
        return "account" if self.member_id is None else "nik"


class WaitlistEntryNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("waitlist entry", key)


class OfferNotFound(NotFound):
    """No such offer, or another account's."""

    def __init__(self, key: object) -> None:
        super().__init__("waitlist offer", key)


class OfferExpired(BookingError):
    """The offer's hold ran out before the answer: the seats went on."""

    def __init__(self, offer_id: int) -> None:
        super().__init__(f"waitlist offer {offer_id} has expired")
        self.offer_id = offer_id


class OfferAlreadyAnswered(BookingError):
    """The offer was accepted or declined already (a second tap)."""

    def __init__(self, offer_id: int, status: str) -> None:
        super().__init__(f"waitlist offer {offer_id} is already {status}")
        self.offer_id = offer_id
        self.status = status
