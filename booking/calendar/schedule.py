"""Pure calendar rules: which sessions run on a date, holidays, quota splits,
release horizons and local/UTC conversion. No database access here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import rrule, rrulestr

# The common names of Indonesia's zones; any other IANA zone shows its own abbreviation.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
RULE_EPOCH = date(2020, 1, 1)


class SessionLike(Protocol):
    label: str
    start: time
    end: time
    rule: str
    share: int
    valid_from: date
    label_en: str | None


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_abbrev(tz_name: str, at: datetime | None = None) -> str:
    if tz_name in ZONE_NAMES:
        return ZONE_NAMES[tz_name]
    moment = at if at is not None else datetime(2026, 1, 1, tzinfo=UTC)
    return moment.astimezone(zone(tz_name)).tzname() or tz_name


def to_utc(day: date, at: time, tz_name: str) -> datetime:
    """Office-local wall time on ``day`` as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone(tz_name)).astimezone(UTC)


def local_now(now_utc: datetime, tz_name: str) -> datetime:
    return now_utc.astimezone(zone(tz_name))


# Rules are walked from their start (2020 at the earliest): an hourly, minutely or
# secondly rule would take seconds to hours per look-up. Times of day go in BYHOUR.
_SUB_DAILY = re.compile(r"FREQ\s*=\s*(HOURLY|MINUTELY|SECONDLY)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def parse_rule(rule: str, dtstart: datetime) -> rrule:
    """Parse an RRULE string (``FREQ=...;BYDAY=...``) anchored at a naive local dtstart.

    FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."""
    if _SUB_DAILY.search(rule):
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY (times go in BYHOUR)")
    parsed = rrulestr(rule, dtstart=dtstart, cache=True)
    if not isinstance(parsed, rrule):
        raise ValueError("expected a single RRULE")
    return parsed


def runs_on(session: SessionLike, day: date) -> bool:
    if day < session.valid_from:
        return False
    return _occurs_on(session.rule, datetime.combine(session.valid_from, session.start), day)


@lru_cache(maxsize=8192)
def _occurs_on(rule_text: str, dtstart: datetime, day: date) -> bool:
    # A look-up walks the rule from its start: remembered, as the answer never changes.
    rule = parse_rule(rule_text, dtstart)
    after = rule.after(datetime.combine(day, time.min), inc=True)
    return after is not None and after.date() == day


def sessions_on(sessions: Sequence[SessionLike], day: date) -> list[SessionLike]:
    return sorted((s for s in sessions if runs_on(s, day)), key=lambda s: s.start)


@lru_cache(maxsize=32)
def _holidays_of(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("ID", years=year, language="id"))


def national_holiday(day: date) -> str | None:
    """The name of the Indonesian national holiday on ``day``, if any."""
    return _holidays_of(day.year).get(day)


def split_quota(total: int, shares: Sequence[int]) -> list[int]:
    """Split ``total`` seats by ``shares`` with the largest-remainder method.

    The parts always add up to ``total``; ties go to the earlier session.
    """
    if total < 0 or any(s <= 0 for s in shares):
        raise ValueError("total must be >= 0 and shares > 0")
    if not shares:
        return []
    weight = sum(shares)
    parts = [total * s // weight for s in shares]
    remainders = sorted(range(len(shares)), key=lambda i: (-(total * shares[i] % weight), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


def release_horizon(
    release_rule: str, window_days: int, tz_name: str, now_utc: datetime
) -> date | None:
    """The last local date open for booking at ``now_utc``, or None before any release.

    At each release moment (an RRULE in office-local time) the dates up to
    ``window_days`` after that moment's date open. "Daily 08:00, 14 days ahead"
    is ``FREQ=DAILY;BYHOUR=8;BYMINUTE=0`` with 14; "Friday 14:00, next Mon-Fri"
    is ``FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0`` with 7.
    """
    now_local = local_now(now_utc, tz_name).replace(tzinfo=None)
    last = _last_release(release_rule, now_local)
    if last is None:
        return None
    return last.date() + timedelta(days=window_days)


# Per rule: the latest release moment found and the one after it. Any time between
# the two has the same latest release, so a look-up need not walk the rule again.
_release_moments: dict[str, tuple[datetime, datetime | None]] = {}


def _last_release(release_rule: str, now_local: datetime) -> datetime | None:
    known = _release_moments.get(release_rule)
    if known is not None and known[0] <= now_local and (known[1] is None or now_local < known[1]):
        return known[0]
    rule = parse_rule(release_rule, datetime.combine(RULE_EPOCH, time.min))
    last = rule.before(now_local, inc=True)
    if last is not None:
        if len(_release_moments) >= 1024:
            _release_moments.clear()
        _release_moments[release_rule] = (last, rule.after(now_local, inc=False))
    return last


def next_release(release_rule: str, tz_name: str, now_utc: datetime) -> datetime | None:
    """The next release moment after ``now_utc``, as an aware UTC datetime."""
    now_local = local_now(now_utc, tz_name).replace(tzinfo=None)
    rule = parse_rule(release_rule, datetime.combine(RULE_EPOCH, time.min))
    nxt = rule.after(now_local, inc=False)
    if nxt is None:
        return None
    return nxt.replace(tzinfo=zone(tz_name)).astimezone(UTC)


def last_release(release_rule: str, tz_name: str, now_utc: datetime) -> datetime | None:
    """The latest release moment at or before ``now_utc``, as an aware UTC datetime."""
    last = _last_release(release_rule, local_now(now_utc, tz_name).replace(tzinfo=None))
    return None if last is None else last.replace(tzinfo=zone(tz_name)).astimezone(UTC)
