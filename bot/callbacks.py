"""Callback data of every button: short prefixes and small opaque ids only.

Values are validated when unpacked (ranges, known actions), so forged or garbled
data matches no handler and lands in the fallback. Ids are never trusted for
authorization: handlers pass the tapping user's id to the domain, which checks
ownership.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from aiogram.filters.callback_data import CallbackData
from pydantic import BaseModel, Field

from booking.core.kinds import ServiceType

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
    office: int = Field(ge=1, le=MAX_ID)
    service: ServiceType


# What a calendar or session tap is for: a new booking, rescheduling appointment
# ``appt``, or rebooking appointment ``appt`` that an office closure cancelled.
Mode = Literal["book", "reschedule", "rebook"]


class Target(NamedTuple):
    """What the calendar is choosing for; travels in Month, Day and Session data."""

    mode: Mode
    appt: int


NEW_BOOKING = Target("book", 0)


class CalendarChoice(BaseModel):
    """The fields every calendar button carries: whose calendar it is and what for."""

    office: int = Field(ge=1, le=MAX_ID)
    service: ServiceType
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
    service: ServiceType
    mode: Mode
    appt: int = Field(ge=0, le=MAX_ID)


class Saved(CallbackData, prefix="sd"):
    """A returning applicant keeps or re-enters the saved details."""

    action: Literal["use", "edit"]


# The priority service chosen at the details step ("none", or a PriorityReason value).
PriorityChoice = Literal["none", "elderly", "disabled", "pregnant", "child"]


class Priority(CallbackData, prefix="pr"):
    reason: PriorityChoice


class Confirm(CallbackData, prefix="cf"):
    """Book: carries the whole choice so a repeated tap books nothing new."""

    slot: int = Field(ge=1, le=MAX_ID)
    service: ServiceType
    priority: PriorityChoice


class Appt(CallbackData, prefix="ap"):
    action: Literal["qr", "cancel", "cancel_confirmed", "reschedule", "rebook"]
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
