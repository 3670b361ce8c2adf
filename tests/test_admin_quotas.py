from datetime import date, time

import pytest

from booking.admin.input import parse_date, parse_quota
from booking.admin.offices_file import SessionSpec
from booking.admin.quotas import (
    clear_quota_override,
    quota_settings,
    release_rule_for,
    set_office_quota,
    set_quota_override,
    set_release_policy,
    set_session_shares,
)
from booking.calendar.schedule import release_horizon
from booking.core.errors import (
    DateInPast,
    InvalidDate,
    InvalidDateRange,
    InvalidQuota,
    InvalidReleasePolicy,
    InvalidShares,
    OfficeNotFound,
    QuotaBelowBooked,
)
from booking.db.models import AuditLog, QuotaOverride, Slot
from tests.admin_helpers import book_on, rows, snapshot
from tests.conftest import FRI, THU, TODAY, TUE, WED
from tests.factories import WEEKDAYS, add_office, office_spec


def two_sessions(**kw):
    return office_spec(
        sessions=[
            SessionSpec(label="Pagi", start=time(8), end=time(10), rule=WEEKDAYS, share=1),
            SessionSpec(label="Siang", start=time(13), end=time(15), rule=WEEKDAYS, share=1),
        ],
        **kw,
    )


async def day_slots(ctx, office_id, day):
    return sorted(
        await rows(ctx, Slot, Slot.office_id == office_id, Slot.day == day),
        key=lambda s: s.start_utc,
    )


async def test_override_a_range_resplits_released_dates(ctx):
    office_id = await add_office(ctx, two_sessions(daily=10, priority=2))
    assert await set_quota_override(ctx, office_id, TUE, THU, 7, 4, actor="telegram:5") == 3
    for day in (TUE, WED, THU):
        slots = await day_slots(ctx, office_id, day)
        assert [(s.capacity, s.priority_capacity) for s in slots] == [(4, 2), (3, 2)]
    untouched = await day_slots(ctx, office_id, FRI)
    assert [(s.capacity, s.priority_capacity) for s in untouched] == [(5, 1), (5, 1)]
    audit = await rows(ctx, AuditLog, AuditLog.action == "set_quota")
    assert [(a.before["regular"], a.after["regular"], a.actor) for a in audit] == [
        (10, 7, "telegram:5")
    ] * 3
    settings = await quota_settings(ctx, office_id)
    assert [(o.day, o.regular, o.priority) for o in settings.overrides] == [
        (TUE, 7, 4),
        (WED, 7, 4),
        (THU, 7, 4),
    ]


async def test_priority_none_keeps_the_priority_quota(ctx):
    office_id = await add_office(ctx, office_spec(daily=10, priority=3))
    await set_quota_override(ctx, office_id, TUE, TUE, 20, actor="t")
    (slot,) = await day_slots(ctx, office_id, TUE)
    assert (slot.capacity, slot.priority_capacity) == (20, 3)


async def test_lowering_below_booked_is_refused_with_the_count_and_changes_nothing(ctx):
    office_id = await add_office(ctx)
    await book_on(ctx, office_id, WED, [101, 102, 103])
    before = await snapshot(ctx)
    with pytest.raises(QuotaBelowBooked) as err:
        await set_quota_override(ctx, office_id, TUE, WED, 2, actor="t")
    assert err.value.booked == 3 and err.value.day == WED
    with pytest.raises(QuotaBelowBooked):
        await set_office_quota(ctx, office_id, 2, actor="t")
    assert await snapshot(ctx) == before
    # Exactly the booked count is allowed.
    await set_quota_override(ctx, office_id, WED, WED, 3, actor="t")
    (slot,) = await day_slots(ctx, office_id, WED)
    assert (slot.capacity, slot.booked) == (3, 3)


@pytest.mark.parametrize("bad", [-1, 100_001, 10**9, "12", 2.5, True, None])
async def test_invalid_quota_changes_nothing(ctx, bad):
    office_id = await add_office(ctx)
    before = await snapshot(ctx)
    with pytest.raises(InvalidQuota):
        await set_quota_override(ctx, office_id, TUE, TUE, bad, actor="t")
    if bad is not None:  # a priority of None keeps the current one
        with pytest.raises(InvalidQuota):
            await set_quota_override(ctx, office_id, TUE, TUE, 5, bad, actor="t")
    with pytest.raises(InvalidQuota):
        await set_office_quota(ctx, office_id, bad, actor="t")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("text", ["abc", "-1", "100001", "1.5", "12a", "", " ", "1,00", "٣"])
def test_parse_quota_refuses(text):
    with pytest.raises(InvalidQuota):
        parse_quota(text)


@pytest.mark.parametrize(
    "text,value", [("384", 384), (" 0 ", 0), ("1.000", 1000), ("100,000", 100_000)]
)
def test_parse_quota_accepts(text, value):
    assert parse_quota(text) == value


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "tomorrow", "", "31/02/2026", "1/12/26", "12/2026"]
)
def test_parse_date_refuses(text):
    with pytest.raises(InvalidDate):
        parse_date(text)


@pytest.mark.parametrize("text", [" 2026-12-01 ", "1/12/2026", "01-12-2026", "1.12.2026"])
def test_parse_date_accepts(text):
    assert parse_date(text) == TUE  # day first, as dates are written in Indonesia


async def test_past_date_changes_nothing(ctx):
    office_id = await add_office(ctx)
    before = await snapshot(ctx)
    with pytest.raises(DateInPast):
        await set_quota_override(ctx, office_id, date(2026, 11, 29), TUE, 5, actor="t")
    with pytest.raises(DateInPast):
        await clear_quota_override(ctx, office_id, date(2026, 11, 1), TUE, actor="t")
    assert await snapshot(ctx) == before
    # Today itself is allowed.
    assert await set_quota_override(ctx, office_id, TODAY, TODAY, 5, actor="t") == 1


async def test_range_ending_before_it_starts_changes_nothing(ctx):
    office_id = await add_office(ctx)
    before = await snapshot(ctx)
    with pytest.raises(InvalidDateRange):
        await set_quota_override(ctx, office_id, THU, TUE, 5, actor="t")
    with pytest.raises(InvalidDateRange):
        await set_quota_override(ctx, office_id, TUE, date(2028, 1, 1), 5, actor="t")
    assert await snapshot(ctx) == before


async def test_unknown_office_changes_nothing(ctx):
    await add_office(ctx)
    before = await snapshot(ctx)
    with pytest.raises(OfficeNotFound):
        await set_quota_override(ctx, 9999, TUE, TUE, 5, actor="t")
    with pytest.raises(OfficeNotFound):
        await set_office_quota(ctx, 9999, 5, actor="t")
    assert await snapshot(ctx) == before


async def test_default_quota_applies_to_released_dates_without_override(ctx):
    office_id = await add_office(ctx, office_spec(daily=10))
    await set_quota_override(ctx, office_id, WED, WED, 3, actor="t")
    await set_office_quota(ctx, office_id, 40, 6, actor="t")
    assert [(s.capacity, s.priority_capacity) for s in await day_slots(ctx, office_id, TUE)] == [
        (40, 6)
    ]
    assert [s.capacity for s in await day_slots(ctx, office_id, WED)] == [3]
    settings = await quota_settings(ctx, office_id)
    assert (settings.daily_quota, settings.priority_quota) == (40, 6)
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "set_default_quota")
    assert audit.before == {"daily": 10, "priority": 0}
    assert audit.after == {"daily": 40, "priority": 6}


async def test_clear_override_returns_to_the_default(ctx):
    office_id = await add_office(ctx, office_spec(daily=10))
    await set_quota_override(ctx, office_id, TUE, WED, 30, actor="t")
    assert await clear_quota_override(ctx, office_id, TUE, THU, actor="t") == 2
    assert await rows(ctx, QuotaOverride) == []
    assert [s.capacity for s in await day_slots(ctx, office_id, TUE)] == [10]


async def test_clear_override_below_booked_is_refused(ctx):
    office_id = await add_office(ctx, office_spec(daily=2))
    await set_quota_override(ctx, office_id, TUE, TUE, 5, actor="t")
    await book_on(ctx, office_id, TUE, [201, 202, 203])
    before = await snapshot(ctx)
    with pytest.raises(QuotaBelowBooked) as err:
        await clear_quota_override(ctx, office_id, TUE, TUE, actor="t")
    assert err.value.booked == 3
    assert await snapshot(ctx) == before


async def test_session_shares(ctx):
    office_id = await add_office(ctx, two_sessions(daily=12))
    await set_session_shares(ctx, office_id, {"Pagi": 3, "Siang": 1}, actor="t")
    assert [(s.share, s.capacity) for s in await day_slots(ctx, office_id, TUE)] == [
        (3, 9),
        (1, 3),
    ]
    settings = await quota_settings(ctx, office_id)
    assert [(s.label, s.share) for s in settings.sessions] == [("Pagi", 3), ("Siang", 1)]


async def test_session_shares_below_booked_refused(ctx):
    office_id = await add_office(ctx, two_sessions(daily=12))
    await book_on(ctx, office_id, TUE, [301, 302, 303, 304], session_index=1)
    before = await snapshot(ctx)
    with pytest.raises(QuotaBelowBooked):
        await set_session_shares(ctx, office_id, {"Pagi": 3, "Siang": 1}, actor="t")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "shares", [{"Pagi": 1}, {"Pagi": 1, "Siang": 0}, {"Pagi": 1, "Siang": 1, "Malam": 1}]
)
async def test_invalid_shares_change_nothing(ctx, shares):
    office_id = await add_office(ctx, two_sessions())
    before = await snapshot(ctx)
    with pytest.raises(InvalidShares):
        await set_session_shares(ctx, office_id, shares, actor="t")
    assert await snapshot(ctx) == before


async def test_release_policy_opens_more_dates(ctx):
    office_id = await add_office(ctx, office_spec(window_days=7))
    last_before = max(s.day for s in await rows(ctx, Slot, Slot.office_id == office_id))
    await set_release_policy(ctx, office_id, 21, "FREQ=DAILY;BYHOUR=0;BYMINUTE=0", actor="t")
    last_after = max(s.day for s in await rows(ctx, Slot, Slot.office_id == office_id))
    assert last_before == date(2026, 12, 7) and last_after == date(2026, 12, 21)
    settings = await quota_settings(ctx, office_id)
    assert settings.release_window_days == 21
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "set_release_policy")
    assert audit.before["window_days"] == 7 and audit.after["window_days"] == 21


@pytest.mark.parametrize(
    "window,rule",
    [
        (0, "FREQ=DAILY"),
        (367, "FREQ=DAILY"),
        ("7", "FREQ=DAILY"),
        (7, "every friday"),
        (7, ""),
    ],
)
async def test_invalid_release_policy_changes_nothing(ctx, window, rule):
    office_id = await add_office(ctx)
    before = await snapshot(ctx)
    with pytest.raises(InvalidReleasePolicy):
        await set_release_policy(ctx, office_id, window, rule, actor="t")
    assert await snapshot(ctx) == before


def test_release_rule_for():
    assert release_rule_for(time(8)) == "FREQ=DAILY;BYHOUR=8;BYMINUTE=0"
    assert release_rule_for(time(14, 30), 4) == "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=30"
    with pytest.raises(InvalidReleasePolicy):
        release_rule_for(time(8), 7)


async def test_weekly_release_policy(ctx):
    office_id = await add_office(ctx, office_spec(window_days=14))
    await set_release_policy(ctx, office_id, 7, release_rule_for(time(14), 4), actor="t")
    settings = await quota_settings(ctx, office_id)
    assert settings.release_rule == "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"
    assert settings.release_window_days == 7
    # On Monday 30 Nov the last release was Friday 27 Nov: dates up to 4 Dec are open.
    horizon = release_horizon(settings.release_rule, 7, "Asia/Jakarta", ctx.now())
    assert horizon == date(2026, 12, 4)
