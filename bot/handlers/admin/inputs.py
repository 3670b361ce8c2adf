"""Reading what an admin types: date ranges, a quota for dates, session shares, a
release time. Bad input raises the typed errors of ``booking.core.errors``."""

from __future__ import annotations

import re
from datetime import date, time

from booking.admin.input import parse_date, parse_quota
from booking.core.errors import InvalidDateRange, InvalidReleasePolicy, InvalidShares

# "2026-12-01 2026-12-05", "2026-12-01..2026-12-05", "2026-12-01 – 2026-12-05"
_RANGE_SEPARATOR = re.compile(r"\s*(?:\.\.|–|—|\s)\s*")
WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday", "sen", "senin"),
            ("tue", "tuesday", "sel", "selasa"),
            ("wed", "wednesday", "rab", "rabu"),
            ("thu", "thursday", "kam", "kamis"),
            ("fri", "friday", "jum", "jumat", "jum'at"),
            ("sat", "saturday", "sab", "sabtu"),
            ("sun", "sunday", "min", "minggu"),
        )
    )
    for name in names
}
_RELEASE_TIME = re.compile(r"(?:([a-z']+)\s+)?([0-9]{1,2})[:.]([0-9]{2})")


def words(text: str) -> list[str]:
    return [w for w in _RANGE_SEPARATOR.split((text or "").strip()) if w]


def parse_dates(parts: list[str]) -> tuple[date, date]:
    """One date (a single day) or two (first and last); the last not before the first."""
    if not 1 <= len(parts) <= 2:
        raise InvalidDateRangeText(" ".join(parts))
    first = parse_date(parts[0])
    last = parse_date(parts[-1])
    if last < first:
        raise InvalidDateRange(first, last)
    return first, last


class InvalidDateRangeText(ValueError):
    """Neither one date nor two."""


def parse_range(text: str) -> tuple[date, date]:
    return parse_dates(words(text))


def parse_dates_and_quota(text: str) -> tuple[date, date, int]:
    """ "DATE N" or "FIRST LAST N"."""
    parts = words(text)
    if len(parts) < 2:
        raise InvalidDateRangeText(text)
    first, last = parse_dates(parts[:-1])
    return first, last, parse_quota(parts[-1])


def parse_shares(text: str, labels: list[str]) -> dict[str, int]:
    """ "2 1" (in session order) or "Pagi=2 Siang=1" (by label, any case)."""
    parts = (text or "").replace(",", " ").split()
    by_label = {label.casefold(): label for label in labels}
    shares: dict[str, int] = {}
    if parts and all("=" in p for p in parts):
        for part in parts:
            name, _, value = part.partition("=")
            label = by_label.get(name.strip().casefold())
            if label is None or label in shares or not value.strip().isdigit():
                raise InvalidShares(text)
            shares[label] = int(value)
    elif len(parts) == len(labels) and all(p.isdigit() for p in parts):
        shares = {label: int(p) for label, p in zip(labels, parts, strict=True)}
    else:
        raise InvalidShares(text)
    return shares


def parse_window(text: str) -> int:
    cleaned = (text or "").strip()
    if not cleaned.isdigit():
        raise InvalidReleasePolicy("window_days", cleaned[:20])
    return int(cleaned)


def parse_release_time(text: str) -> tuple[time, int | None]:
    """ "14:00" (every day) or "Fri 14:00" / "Jumat 14:00" (every week): (time, weekday)."""
    match = _RELEASE_TIME.fullmatch((text or "").strip().casefold())
    if match is None:
        raise InvalidReleasePolicy("rule", (text or "")[:20])
    name, hour, minute = match.groups()
    weekday = None
    if name is not None:
        if name not in WEEKDAYS:
            raise InvalidReleasePolicy("rule", name)
        weekday = WEEKDAYS[name]
    if int(hour) > 23 or int(minute) > 59:
        raise InvalidReleasePolicy("rule", text[:20])
    return time(int(hour), int(minute)), weekday
