"""The remembered rule look-ups give the same answers as walking the rule afresh."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from booking.calendar.schedule import RULE_EPOCH, parse_rule, release_horizon, runs_on


def walked_horizon(rule_text: str, window: int, now_local: datetime) -> date | None:
    rule = parse_rule(rule_text, datetime.combine(RULE_EPOCH, time.min))
    last = rule.before(now_local, inc=True)
    return None if last is None else last.date() + timedelta(days=window)


def test_release_horizon_follows_each_release_moment_forwards_and_backwards() -> None:
    rule = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"
    start = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # a Thursday
    moments = [start + timedelta(hours=5 * i) for i in range(60)]
    # Forwards across two Friday releases, then backwards: each answer as if walked afresh.
    for now in moments + moments[::-1]:
        local = (now + timedelta(hours=7)).replace(tzinfo=None)  # Asia/Jakarta, UTC+7
        assert release_horizon(rule, 7, "Asia/Jakarta", now) == walked_horizon(rule, 7, local)
    friday_release = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 14:00 WIB
    before = release_horizon(rule, 7, "Asia/Jakarta", friday_release - timedelta(seconds=1))
    at = release_horizon(rule, 7, "Asia/Jakarta", friday_release)
    assert before == date(2026, 11, 27)  # the previous Friday + 7
    assert at == date(2026, 12, 4)


def test_runs_on_answers_each_day_of_a_rule() -> None:
    class Session:
        label = "Pagi"
        start = time(8)
        end = time(10)
        rule = "FREQ=WEEKLY;BYDAY=MO,WE"
        share = 1
        valid_from = date(2020, 1, 1)

    days = [date(2026, 11, 30) + timedelta(days=i) for i in range(14)]
    for _ in range(2):  # the second round is answered from memory
        assert [d for d in days if runs_on(Session(), d)] == [
            date(2026, 11, 30),
            date(2026, 12, 2),
            date(2026, 12, 7),
            date(2026, 12, 9),
        ]
