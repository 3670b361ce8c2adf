"""Callback data of the admin buttons: short prefixes, small ids, validated ranges.

Every admin button carries the office it acts on. That id is never trusted: the
admin router's middleware checks it against the tapping user before any handler
runs. Data that does not validate (an unknown action, a day that is no date)
matches no handler and is refused by the fallback.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, field_validator

from booking.core.limits import MAX_TELEGRAM_ID
from bot.callbacks import MAX_ID

# An office's or a session's id.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]

# Screens of the office menu, and the prompts that wait for typed input.
Action = Literal[
    "menu",
    "quota",
    "q_daily",
    "q_priority",
    "q_shares",
    "q_window",
    "q_rule",
    "q_override",
    "q_clear",
    "close",
    "close_ask",
    "list",
    "checkin",
    "noshow",
    "stats",
    "stats7",
    "stats30",
    "chart",
    "announce",
    "audit",
    "admins",
    "appoint",
    "staffchat",
    "poster",
    "screen",
    "screen_key",
    "screen_key_yes",
    "counters",
    "c_count",
    "c_grant",
    "q_mode",
    "q_hours",
]


class AdminOffices(CallbackData, prefix="aof"):
    """A page of the offices this admin manages."""

    page: int = Field(ge=0, le=999)


class AdminAct(CallbackData, prefix="aac"):
    """A screen of the office menu: ``AdminAct.filter(F.action == "quota")``."""

    action: Action
    office: RowId


DayAction = Literal["list", "csv", "reopen", "close_yes", "announce_yes"]


class AdminDay(CallbackData, prefix="ady"):
    """An action on one date of an office; ``day`` is YYYYMMDD."""

    action: DayAction
    office: RowId
    day: int = Field(ge=20000101, le=21001231)
    page: int = Field(default=0, ge=0, le=9999)

    @field_validator("day")
    @classmethod
    def _a_calendar_date(cls, number: int) -> int:
        date_of(number)  # a ValueError when it is no calendar date
        return number

    @property
    def calendar_day(self) -> date:
        return date_of(self.day)


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def date_of(number: int) -> date:
    """The date of a YYYYMMDD number; a ValueError when it is no calendar date."""
    return date(number // 10000, number // 100 % 100, number % 100)


class AdminNoShow(CallbackData, prefix="ans"):
    """Mark the no-shows of one ended session."""

    office: RowId
    slot: RowId


class AdminRelease(CallbackData, prefix="arl"):
    """Release a checked-in applicant sent home from the counter: the first tap
    asks, the one with ``sure`` releases."""

    office: RowId
    code: str = Field(pattern=r"^[2-9A-HJKMNP-Z]{8}$")
    sure: bool = False


class AdminRemove(CallbackData, prefix="arm"):
    """A super-admin removes an office admin."""

    office: RowId
    user: int = Field(ge=1, le=MAX_TELEGRAM_ID)


class AdminCounterStaff(CallbackData, prefix="acs"):
    """An office admin revokes a petugas loket of the office."""

    office: RowId
    user: int = Field(ge=1, le=MAX_TELEGRAM_ID)


class AdminMode(CallbackData, prefix="amd"):
    """Set the office's release mode (under Quotas)."""

    office: RowId
    mode: Literal["first-come", "draw"]
