"""Pure calendar rules of ``booking.calendar.schedule``: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from booking.calendar.schedule import (
    local_now,
    national_holiday,
    next_release,
    release_horizon,
    runs_on,
    sessions_on,
    split_quota,
    to_utc,
    zone_abbrev,
)

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
DAILY_0800 = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0"
FRIDAY_1400 = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"


@dataclass
class Session:
    label: str
    start: time
    end: time
    rule: str
    share: int = 1
    valid_from: date = date(2020, 1, 1)


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A moment given in Jakarta wall time, as aware UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=7)


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


# --- session rules -------------------------------------------------------------


def test_monday_to_friday_rule_runs_on_weekdays_only():
    pagi = Session("Pagi", time(8), time(10), WEEKDAYS)
    week = days(date(2026, 11, 30), 7)  # Monday 30 November .. Sunday 6 December
    assert [runs_on(pagi, d) for d in week] == [True] * 5 + [False] * 2


def test_first_and_third_saturday_rule():
    sabtu = Session("Sabtu", time(8), time(12), "FREQ=MONTHLY;BYDAY=1SA,3SA")
    december = days(date(2026, 12, 1), 31)
    assert [d for d in december if runs_on(sabtu, d)] == [date(2026, 12, 5), date(2026, 12, 19)]
    january = days(date(2027, 1, 1), 31)
    assert [d for d in january if runs_on(sabtu, d)] == [date(2027, 1, 2), date(2027, 1, 16)]


def test_weekdays_except_friday_afternoon():
    rules = [
        Session("Siang", time(13), time(15), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH"),
        Session("Pagi", time(8), time(12), WEEKDAYS),
    ]
    thursday, friday, saturday = date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)
    assert [s.label for s in sessions_on(rules, thursday)] == ["Pagi", "Siang"]
    assert [s.label for s in sessions_on(rules, friday)] == ["Pagi"]
    assert sessions_on(rules, saturday) == []


def test_session_rule_does_not_run_before_it_is_valid():
    pagi = Session("Pagi", time(8), time(10), WEEKDAYS, valid_from=date(2026, 12, 2))
    assert not runs_on(pagi, date(2026, 12, 1))
    assert runs_on(pagi, date(2026, 12, 2))


# --- holidays --------------------------------------------------------------------


def test_christmas_2026_is_a_national_holiday():
    assert national_holiday(date(2026, 12, 25)) is not None
    assert national_holiday(date(2026, 12, 24)) is None


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 8, 17), date(2027, 8, 17)])
def test_new_year_and_independence_day_are_holidays(day):
    assert national_holiday(day) is not None


# --- quota split -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shares"),
    [(160, [2, 2, 1]), (10, [1, 1, 1]), (7, [3, 2, 2]), (1, [1, 1]), (0, [1, 2]), (99_999, [7])],
)
def test_split_quota_sums_exactly(total, shares):
    parts = split_quota(total, shares)
    assert sum(parts) == total
    assert len(parts) == len(shares)
    assert all(p >= 0 for p in parts)


def test_split_quota_follows_shares_and_gives_ties_to_earlier_sessions():
    assert split_quota(160, [2, 2, 1]) == [64, 64, 32]
    assert split_quota(10, [1, 1, 1]) == [4, 3, 3]
    assert split_quota(2, [1, 1, 1]) == [1, 1, 0]


def test_split_quota_refuses_negative_total_and_zero_share():
    with pytest.raises(ValueError):
        split_quota(-1, [1])
    with pytest.raises(ValueError):
        split_quota(5, [1, 0])


# --- release windows -------------------------------------------------------------------


def test_daily_0800_release_opens_the_date_14_days_ahead_at_0800():
    before = release_horizon(DAILY_0800, 14, "Asia/Jakarta", wib(2026, 12, 1, 7, 59))
    after = release_horizon(DAILY_0800, 14, "Asia/Jakarta", wib(2026, 12, 1, 8, 0))
    assert before == date(2026, 11, 30) + timedelta(days=14)
    assert after == date(2026, 12, 1) + timedelta(days=14)


def test_friday_1400_release_opens_next_monday_to_friday():
    next_week = days(date(2026, 12, 7), 5)  # Monday 7 .. Friday 11 December
    before = release_horizon(FRIDAY_1400, 7, "Asia/Jakarta", wib(2026, 12, 4, 13, 59))
    after = release_horizon(FRIDAY_1400, 7, "Asia/Jakarta", wib(2026, 12, 4, 14, 0))
    assert before is not None and after is not None
    assert all(d > before for d in next_week)
    assert all(d <= after for d in next_week)
    assert after == date(2026, 12, 11)


def test_release_moment_is_office_local():
    # 08:00 in Jayapura is 23:00 UTC the day before, an hour earlier than 08:00 in Jakarta.
    at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert release_horizon(DAILY_0800, 14, "Asia/Jayapura", at) == date(2026, 12, 15)
    assert release_horizon(DAILY_0800, 14, "Asia/Jakarta", at) == date(2026, 12, 14)


def test_no_release_before_the_first_release_moment():
    rule = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;UNTIL=20200101T000000"
    assert release_horizon(rule, 14, "Asia/Jakarta", wib(2026, 12, 1, 9)) is None


@pytest.mark.parametrize("freq", ["HOURLY", "MINUTELY", "secondly"])
def test_sub_daily_rules_are_refused(freq):
    # Walked from 2020, a minutely rule took 18 s per look-up and a secondly one hours.
    with pytest.raises(ValueError, match="FREQ must be DAILY"):
        release_horizon(f"FREQ={freq}", 14, "Asia/Jakarta", wib(2026, 12, 1, 9))


def test_next_release_is_the_coming_friday_1400_local():
    nxt = next_release(FRIDAY_1400, "Asia/Makassar", datetime(2026, 11, 30, tzinfo=UTC))
    assert nxt == datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # 14:00 WITA


# --- time zones --------------------------------------------------------------------------


def test_0800_in_jayapura_is_2300_utc_the_day_before():
    assert to_utc(date(2026, 12, 1), time(8), "Asia/Jayapura") == datetime(
        2026, 11, 30, 23, 0, tzinfo=UTC
    )


def test_0800_in_makassar_and_jakarta():
    assert to_utc(date(2026, 12, 1), time(8), "Asia/Makassar") == datetime(
        2026, 12, 1, 0, 0, tzinfo=UTC
    )
    assert to_utc(date(2026, 12, 1), time(8), "Asia/Jakarta") == datetime(
        2026, 12, 1, 1, 0, tzinfo=UTC
    )


def test_local_now_and_zone_names():
    at = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert local_now(at, "Asia/Jayapura").date() == date(2026, 12, 1)
    assert local_now(at, "Asia/Jakarta").date() == date(2026, 12, 1)
    assert local_now(at, "Asia/Makassar").hour == 7
    assert zone_abbrev("Asia/Jakarta") == "WIB"
    assert zone_abbrev("Asia/Makassar") == "WITA"
    assert zone_abbrev("Asia/Jayapura") == "WIT"


def test_any_iana_zone_with_daylight_saving():
    summer = to_utc(date(2026, 7, 1), time(8), "Europe/Berlin")
    winter = to_utc(date(2026, 12, 1), time(8), "Europe/Berlin")
    assert summer == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert winter == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert zone_abbrev("Europe/Berlin", summer) == "CEST"
    assert zone_abbrev("Europe/Berlin", winter) == "CET"
