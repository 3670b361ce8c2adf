"""Checking what an office admin types: quotas, dates, date ranges, ids and texts.

Each check raises a typed error (no user text); the chat layer and the CLI turn
it into a message. Nothing here touches the database.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from booking.core.errors import (
    DateInPast,
    InvalidDate,
    InvalidDateRange,
    InvalidQuota,
    InvalidTelegramId,
    InvalidText,
)
from booking.core.limits import MAX_RANGE_DAYS, MAX_TELEGRAM_ID, check_quota

# Digits, optionally grouped by thousands: "384", "1.000", "1,000", "100 000".
_WHOLE_NUMBER = re.compile(r"[0-9]+|[0-9]{1,3}([.,_ ][0-9]{3})+")


def parse_quota(text: str | int) -> int:
    """A quota typed by an admin: a whole number from 0 to ``MAX_QUOTA``."""
    if isinstance(text, int):
        return check_quota(text)
    cleaned = (text or "").strip()
    if not _WHOLE_NUMBER.fullmatch(cleaned):
        raise InvalidQuota(text)
    return check_quota(int(re.sub(r"[.,_ ]", "", cleaned)))


# Day, month, year as people in Indonesia write them: 3/12/2026, 3-12-2026, 3.12.2026.
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")


def parse_date(text: str | date) -> date:
    """A date as YYYY-MM-DD, or day first: 3/12/2026 or 3-12-2026 (3 December)."""
    if isinstance(text, date):
        return text
    cleaned = (text or "").strip()
    try:
        dmy = _DAY_MONTH_YEAR.fullmatch(cleaned)
        if dmy:
            day, month, year = (int(g) for g in dmy.groups())
            return date(year, month, day)
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidDate(text) from None


def check_not_past(day: date, today: date) -> date:
    if day < today:
        raise DateInPast(day, today)
    return day


def check_range(first: date, last: date, today: date | None = None) -> list[date]:
    """Every date of ``[first, last]``; refuses a reversed, too long or past range."""
    if last < first:
        raise InvalidDateRange(first, last)
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidDateRange(first, last, MAX_RANGE_DAYS)
    if today is not None:
        check_not_past(first, today)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def parse_telegram_id(value: str | int) -> int:
    if isinstance(value, bool):
        raise InvalidTelegramId(value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise InvalidTelegramId(value)
        value = int(value.strip())
    if not 0 < value < MAX_TELEGRAM_ID:
        raise InvalidTelegramId(value)
    return value


def check_text(field: str, text: str, max_length: int) -> str:
    """Trimmed free text of 1 to ``max_length`` characters."""
    cleaned = (text or "").strip()
    if not cleaned or len(cleaned) > max_length:
        raise InvalidText(field, max_length)
    return cleaned


def telegram_actor(telegram_id: int) -> str:
    """The audit-log name of an admin acting in chat."""
    return f"telegram:{telegram_id}"
