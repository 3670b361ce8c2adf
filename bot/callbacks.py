"""Callback data of every button: short prefixes and small opaque ids only.

Values are validated when unpacked (ranges, known actions), so forged or garbled
data matches no handler and lands in the fallback. Ids are never trusted for
authorization: handlers pass the tapping user's id to the domain, which checks
ownership.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Literal, NamedTuple

from aiogram.filters.callback_data import CallbackData
from pydantic import BaseModel, Field, field_validator

from booking.appointments.groups import MemberChoice
from booking.appointments.views import MemberAppointment
from booking.calendar.seats import GroupShape
from booking.core.kinds import Passport, PriorityReason, ServiceType

MAX_ID = 2**31 - 1
Id = int
# What an office list is for: booking, or reading the office's address and hours.
Purpose = Literal["book", "info"]


class Lang(CallbackData, prefix="lg"):
    code: Literal["id", "en"]


class Menu(CallbackData, prefix="mn"):
    # "home" shows the menu in place of the tapped message; "keep" in a new message,
    # under a record (a confirmation) that must stay in the chat.
    # "stay": go on with the booking after /start asked whether to leave it.
    action: Literal["home", "keep", "stay", "book", "mine", "info", "offices", "help", "lang"]


class Province(CallbackData, prefix="pv"):
    purpose: Purpose
    index: int = Field(ge=0, le=999)


class OfficePage(CallbackData, prefix="op"):
    purpose: Purpose
    province: int = Field(ge=0, le=999)
    page: int = Field(ge=0, le=999)


class OfficePick(CallbackData, prefix="of"):
    purpose: Purpose
    office: int = Field(ge=1, le=MAX_ID)


class Service(CallbackData, prefix="sv"):
    """The service of the person being added to the group."""

    service: ServiceType


# What a calendar or session tap is for: a new booking, rescheduling the group of
# appointment ``appt``, or rebooking the group of appointment ``appt`` that an office
# closure cancelled.
Mode = Literal["book", "reschedule", "rebook"]

# How many of the group draw only from regular seats and how many may take priority
# seats first, as "regular+priority" ("2+1"): the calendar shows what fits them all.
People = Annotated[str, Field(pattern=r"^(10|[0-9])\+(10|[0-9])$")]


def people_of(shape: GroupShape) -> str:
    return f"{shape.regular}+{shape.priority}"


def shape_of(people: str) -> GroupShape:
    regular, priority = people.split("+")
    return GroupShape(regular=int(regular), priority=int(priority))


class Target(NamedTuple):
    """What the calendar is choosing for, and for whom; travels in Month, Day and
    Session data."""

    mode: Mode
    appt: int
    people: str

    @property
    def shape(self) -> GroupShape:
        return shape_of(self.people)


def new_booking(shape: GroupShape) -> Target:
    return Target("book", 0, people_of(shape))


class CalendarChoice(BaseModel):
    """The fields every calendar button carries: whose calendar it is, for how many
    people, and what for."""

    office: int = Field(ge=1, le=MAX_ID)
    people: People
    mode: Mode
    appt: int = Field(ge=0, le=MAX_ID)


class Month(CalendarChoice, CallbackData, prefix="mo"):
    """Show a month of the calendar. ``appt`` is 0 for a new booking."""

    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)


class Day(CalendarChoice, CallbackData, prefix="dy"):
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)


class Session(CallbackData, prefix="se"):
    slot: int = Field(ge=1, le=MAX_ID)
    people: People
    mode: Mode
    appt: int = Field(ge=0, le=MAX_ID)


def target_of(choice: CalendarChoice | Session) -> Target:
    """What a calendar or session button chooses for."""
    return Target(choice.mode, choice.appt, choice.people)


class Saved(CallbackData, prefix="sd"):
    """A returning applicant keeps or re-enters the saved details."""

    action: Literal["use", "edit"]


# The priority service chosen for a person ("none", or a PriorityReason value).
PriorityChoice = Literal["none", "elderly", "disabled", "pregnant", "child"]


class Priority(CallbackData, prefix="pr"):
    reason: PriorityChoice


class Group(CallbackData, prefix="gp"):
    """The group list: add a new person (``member`` 0) or a saved one, remove one,
    or go on to the calendar; "edit" (from the summary) shows the list again, with
    "rename" (the holder's name) and "phone" (the holder's phone number).
    ``member`` is checked against the tapping account."""

    action: Literal["new", "add", "remove", "continue", "edit", "rename", "phone"]
    member: int = Field(ge=0, le=MAX_ID)


# The confirm button carries the group: per member its id in base 36, then its
# service as one digit and its priority and passport as one base-36 digit
# (priority + 5 × passport: "2s01.2t0f"; a code from before the passport was asked
# reads as no passport). MAX_CONFIRMED members fit in Telegram's 64 bytes whatever
# the ids, so the chat books groups of at most that many (M-Paspor's limit, and
# MAX_GROUP_SIZE's default).
MAX_CONFIRMED = 5
_SERVICES = list(ServiceType)
_PRIORITIES: list[PriorityReason | None] = [None, *PriorityReason]
_PASSPORTS: list[Passport | None] = [None, *Passport]
_MEMBER = r"[0-9a-z]{1,6}[0-9][0-9a-z]"


def group_code(members: Sequence[MemberChoice]) -> str:
    return ".".join(
        f"{_base36(m.member_id)}{_SERVICES.index(m.service)}"
        + _base36(_PRIORITIES.index(m.priority) + len(_PRIORITIES) * _PASSPORTS.index(m.passport))
        for m in members
    )


def group_members(code: str) -> list[MemberChoice]:
    """The members of a ``group_code``; ``ValueError`` when it is not one."""
    members = []
    for token in code.split("."):
        service = int(token[-2])
        passport, priority = divmod(int(token[-1], 36), len(_PRIORITIES))
        if service >= len(_SERVICES) or passport >= len(_PASSPORTS):
            raise ValueError(f"not a member choice: {token!r}")
        members.append(
            MemberChoice(
                int(token[:-2], 36),
                _SERVICES[service],
                _PRIORITIES[priority],
                _PASSPORTS[passport],
            )
        )
    return members


def _base36(n: int) -> str:
    digits = ""
    while True:
        n, d = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[d] + digits
        if n == 0:
            return digits


class Confirm(CallbackData, prefix="cf"):
    """Book: carries the whole choice (``group_code``), so a repeated tap books
    nothing new and a tap from a summary the flow has left still books."""

    slot: int = Field(ge=1, le=MAX_ID)
    group: str = Field(pattern=rf"^{_MEMBER}(\.{_MEMBER}){{0,{MAX_CONFIRMED - 1}}}$")

    @field_validator("group")
    @classmethod
    def _known_choices(cls, value: str) -> str:
        group_members(value)
        return value

    @property
    def members(self) -> list[MemberChoice]:
        return group_members(self.group)

    @property
    def shape(self) -> GroupShape:
        return shape_for(self.members)


def shape_for(members: Sequence[MemberChoice | MemberAppointment]) -> GroupShape:
    """How the group draws on a session's seats."""
    return GroupShape.of([m.priority for m in members])


# Under "My appointments", by the id of one of the group's appointments: its QR code,
# cancelling it, or cancelling, rescheduling or rebooking (after a closure) its group.
ApptAction = Literal[
    "qr",
    "cancel",
    "cancel_confirmed",
    "cancel_group",
    "cancel_group_confirmed",
    "reschedule",
    "rebook",
    "renew",
    "renew_confirmed",
]


class Appt(CallbackData, prefix="ap"):
    action: ApptAction
    id: int = Field(ge=1, le=MAX_ID)


class Reschedule(CallbackData, prefix="rs"):
    appt: int = Field(ge=1, le=MAX_ID)
    slot: int = Field(ge=1, le=MAX_ID)


class Rebook(CallbackData, prefix="rb"):
    """Confirm a new slot for an appointment an office closure cancelled."""

    appt: int = Field(ge=1, le=MAX_ID)
    slot: int = Field(ge=1, le=MAX_ID)


class Info(CallbackData, prefix="in"):
    topic: Literal["requirements", "fees", "faq", "payment"]
    service: ServiceType | None = None


class Noop(CallbackData, prefix="no"):
    """Calendar headers and other buttons that only explain themselves."""

    what: Literal["header", "past", "no_service"]


class PassportPick(CallbackData, prefix="pk"):
    """The passport of the person being added to the group (its fee)."""

    passport: Passport


# --- the day at the office ------------------------------------------------------------

# An arrival token as ``booking.queue.arrival`` makes them: URL-safe and short (it
# is printed on the office's poster, not a secret; the domain checks it at each tap).
ArrivalToken = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,48}$")]


class WalkIn(CallbackData, prefix="wk"):
    """A priority walk-in at the office of ``token``: ``member`` 0 asks who is to be
    served (``new``: a person not saved yet, by name and NIK), a member (checked
    against the tapping account) then which priority applies; with a ``reason`` the
    number is taken."""

    token: ArrivalToken
    member: int = Field(default=0, ge=0, le=MAX_ID)
    reason: PriorityReason | None = None
    new: bool = False


DeskAction = Literal["offices", "panel", "open", "close", "next", "done", "recall", "missed",
                     "requeue", "missed_list"]  # fmt: skip


class Desk(CallbackData, prefix="dk"):
    """The counter panel of petugas loket: an office's counters (``counter`` 0), one
    counter's panel and its actions on ``ticket``. The domain checks the tapping user's
    role at the office for every action."""

    action: DeskAction
    office: int = Field(ge=1, le=MAX_ID)
    counter: int = Field(default=0, ge=0, le=MAX_ID)
    ticket: int = Field(default=0, ge=0, le=MAX_ID)


# --- the fair release: requests (draw mode), the waitlist, "remind me" ----------------------

# A date in callback data: YYYYMMDD.
DayNumber = Annotated[int, Field(ge=20000101, le=21001231)]


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def day_of(number: int) -> date:
    """The date of a YYYYMMDD number; ``ValueError`` when it is none."""
    return date(number // 10000, number // 100 % 100, number % 100)


class Pick(CallbackData, prefix="rp"):
    """Putting a request's choices together (the list itself is in FSM data): a date
    of the release (``day``), a session of it (``slot``: its index among the day's
    sessions plus one; 0 any session), the earliest date, dropping the last choice,
    back to the choices, the summary, sending it."""

    what: Literal["day", "slot", "earliest", "undo", "back", "review", "submit"]
    day: int = Field(default=0, ge=0, le=21001231)
    slot: int = Field(default=0, ge=0, le=20)


# Under "My appointments", by a request's id: change its choices, withdraw it (asked
# first), or show the whole seed hash.
RequestAction = Literal["change", "withdraw", "withdraw_yes", "hash"]


class Req(CallbackData, prefix="rq"):
    action: RequestAction
    id: int = Field(ge=1, le=MAX_ID)


class Offer(CallbackData, prefix="wo"):
    """ "Ambil" / "Lewati" under a waitlist offer: the offer's id only (the domain
    checks that it is the tapping account's)."""

    action: Literal["take", "skip"]
    id: int = Field(ge=1, le=MAX_ID)


class Waiting(CallbackData, prefix="wl"):
    """Leaving a waitlist entry (asked first)."""

    action: Literal["leave", "leave_yes"]
    id: int = Field(ge=1, le=MAX_ID)


class WaitJoin(CallbackData, prefix="wj"):
    """Join the waitlist with the group being booked: one date (``first`` = ``last``),
    any session or the one named by ``slot`` (index among the day's sessions plus one;
    0 any); ``first`` 0: ask for the dates (a range)."""

    office: int = Field(ge=1, le=MAX_ID)
    first: int = Field(default=0, ge=0, le=21001231)
    last: int = Field(default=0, ge=0, le=21001231)
    slot: int = Field(default=0, ge=0, le=20)


class Remind(CallbackData, prefix="rm"):
    """ "Ingatkan saya" on a date that is not open yet."""

    office: int = Field(ge=1, le=MAX_ID)
    day: DayNumber
