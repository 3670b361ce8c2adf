"""Quotas in the admin chat: the default and priority quota, session shares, the
release policy, quotas of dates and ranges, and every kind of bad input."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from booking.admin.audit import audit_log
from booking.admin.quotas import QuotaOverrideView, quota_settings
from booking.core.context import Domain
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    admin_chat,
    at_screen,
    audit_count,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.recording import Chat_
from tests.conftest import TOMORROW
from tests.factories import make_nik

UNCHANGED = "Nothing was changed."


async def at_prompt(admin_chat: Callable[[int], Any], office: int, action: str) -> Chat_:
    return await at_screen(admin_chat, office, "quota", action)


async def test_set_the_daily_quota(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_daily")
    assert "Type the new daily quota" in chat.last_text()
    sent = await chat.send("8")
    assert "✅ The daily quota is now 8." in texts(sent)
    assert "Daily quota: 8 regular + 2 priority seats" in texts(sent)
    assert (await quota_settings(ctx, office)).daily_quota == 8
    [entry] = await audit_log(ctx, office, 1)
    assert entry.actor == f"telegram:{ADMIN_A}" and entry.action == "set_default_quota"
    assert entry.before == {"daily": 10, "priority": 2} and entry.after == {
        "daily": 8,
        "priority": 2,
    }


@SQLITE_ONLY
@pytest.mark.parametrize("typed", ["abc", "-5", "100001", "1.5", "", "1e3"])
async def test_bad_quota_changes_nothing(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any], typed: str
) -> None:
    chat = await at_prompt(admin_chat, office, "q_daily")
    before = await audit_count(ctx, office)
    sent = await chat.send(typed or " ")
    assert "A quota is a whole number from 0 to 100,000" in texts(sent)
    assert UNCHANGED in texts(sent)
    assert (await quota_settings(ctx, office)).daily_quota == 10
    assert await audit_count(ctx, office) == before
    # The prompt stays open: a good answer next works.
    await chat.send("12")
    assert (await quota_settings(ctx, office)).daily_quota == 12


async def test_lowering_below_booked_is_refused_with_the_count(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    for i in range(3):
        await booked(ctx, office, 880000100 + i, TOMORROW, label="Siang")
    chat = await at_prompt(admin_chat, office, "q_override")
    before = await audit_count(ctx, office)
    sent = await chat.send("2026-12-01 4")  # Siang would get 2 seats for 3 bookings
    assert "Refused: 3 seats are already booked on Tue, 1 Dec 2026." in texts(sent)
    assert (await quota_settings(ctx, office)).overrides == []
    assert await audit_count(ctx, office) == before
    sent = await chat.send("2026-12-01 6")
    assert "✅ Quota 6 set for 1 date." in texts(sent)
    assert (await quota_settings(ctx, office)).overrides == [QuotaOverrideView(TOMORROW, 6, 2)]


@SQLITE_ONLY
async def test_quota_for_a_range_and_back_to_default(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_override")
    sent = await chat.send("2026-12-02 2026-12-04 6")
    assert "✅ Quota 6 set for 3 dates." in texts(sent)
    days = [o.day for o in (await quota_settings(ctx, office)).overrides]
    assert days == [date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]
    assert "Wed, 2 Dec 2026: 6 + 2" in texts(sent)

    await chat.press(f"aac:q_clear:{office}")
    sent = await chat.send("2026-12-03..2026-12-04")
    assert "✅ 2 dates returned to the default quota." in texts(sent)
    days = [o.day for o in (await quota_settings(ctx, office)).overrides]
    assert days == [date(2026, 12, 2)]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "2026-12-04 2026-12-02 6",
            "The range ends (Wed, 2 Dec 2026) before it starts (Fri, 4 Dec 2026).",
        ),
        ("2026-11-29 5", "Sun, 29 Nov 2026 is in the past (today is Mon, 30 Nov 2026)."),
        ("2026-13-01 5", "“2026-13-01” is not a date. Please type it like 3/12/2026"),
        ("31/02/2026 5", "“31/02/2026” is not a date."),
        ("2026-12-01 -3", "A quota is a whole number from 0 to 100,000"),
        ("2026-12-01 200000", "A quota is a whole number from 0 to 100,000"),
        ("2026-12-01 2027-12-31 5", "A range may cover at most 366 days."),
    ],
)
async def test_bad_dates_and_ranges_change_nothing(
    ctx: Domain,
    office: int,
    office_b: int,
    admin_chat: Callable[[int], Any],
    typed: str,
    message: str,
) -> None:
    chat = await at_prompt(admin_chat, office, "q_override")
    before = await audit_count(ctx, office)
    sent = await chat.send(typed)
    assert message in texts(sent)
    assert UNCHANGED in texts(sent)
    assert (await quota_settings(ctx, office)).overrides == []
    assert await audit_count(ctx, office) == before


@SQLITE_ONLY
async def test_a_quota_without_a_date_gets_the_format(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_override")
    sent = await chat.send("5")
    assert "Type a date and its quota (2026-12-24 5)" in texts(sent)
    assert (await quota_settings(ctx, office)).overrides == []


@SQLITE_ONLY
async def test_priority_quota_shares_and_release_policy(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_priority")
    await chat.send("4")
    q = await quota_settings(ctx, office)
    assert (q.daily_quota, q.priority_quota) == (10, 4)

    await chat.press(f"aac:q_shares:{office}")
    for bad in ("0 1", "2", "Pagi=2 Malam=1", "x y"):
        sent = await chat.send(bad)
        assert "Please give every session a share from 1 to 1000" in texts(sent), bad
    assert [s.share for s in (await quota_settings(ctx, office)).sessions] == [1, 1]
    await chat.send("pagi=1 siang=3")
    assert [s.share for s in (await quota_settings(ctx, office)).sessions] == [1, 3]

    await chat.press(f"aac:q_window:{office}")
    for bad in ("0", "abc", "400"):
        sent = await chat.send(bad)
        assert "The release window is a whole number of days from 1 to 366." in texts(sent)
    sent = await chat.send("21")
    assert "✅ Dates now open 21 days ahead." in texts(sent)

    await chat.press(f"aac:q_rule:{office}")
    for bad in ("25:00", "someday 14:00", "2pm"):
        sent = await chat.send(bad)
        assert "Please type the release time as HH:MM" in texts(sent), bad
    sent = await chat.send("Jumat 14:00")
    assert "Release: 21 days ahead, released every Friday at 14:00 WIB" in texts(sent)
    q = await quota_settings(ctx, office)
    assert (q.release_window_days, q.release_rule) == (
        21,
        "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0",
    )
    actions = [e.action for e in await audit_log(ctx, office, 10)]
    assert actions[:4] == [
        "set_release_policy",
        "set_release_policy",
        "set_session_shares",
        "set_default_quota",
    ]


@SQLITE_ONLY
async def test_quotas_in_indonesian(
    ctx: Domain, office: int, office_b: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat(ADMIN_A)
    await chat.send("/admin")
    await chat.press(f"aac:quota:{office}")
    assert "Kuota harian: 10 kursi reguler + 2 kursi prioritas" in chat.last_text()
    await chat.press(f"aac:q_daily:{office}")
    sent = await chat.send("-1")
    assert "Kuota berupa bilangan bulat dari 0 sampai 100.000" in texts(sent)
    assert "Tidak ada yang diubah." in texts(sent)


@SQLITE_ONLY
async def test_a_nik_typed_at_a_prompt_is_not_quoted_back(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    nik = make_nik(date(1990, 5, 17), serial=4321)
    chat = await at_prompt(admin_chat, office, "q_daily")
    sent = await chat.send(nik)
    assert "A quota is a whole number" in texts(sent)
    assert nik not in texts(sent) and f"{nik[:4]}**********{nik[-2:]}" in texts(sent)
    await chat.tap(f"aac:q_override:{office}")
    sent = await chat.send(f"{nik} 5")
    assert "is not a date" in texts(sent) and nik not in texts(sent)


NOT_UNDERSTOOD = "I did not understand that"


@pytest.mark.parametrize("leave", ["button", "/cancel", "/admin"])
async def test_the_quota_prompt_of_dates_stays_open_until_left(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any], leave: str
) -> None:
    """Dates one after another, each applied; leaving closes the prompt."""
    chat = await at_prompt(admin_chat, office, "q_override")
    sent = await chat.send("2026-12-02 6")
    assert "✅ Quota 6 set for 1 date." in texts(sent)
    sent = await chat.send("2026-12-03 2026-12-04 7")
    assert "✅ Quota 7 set for 2 dates." in texts(sent)
    overrides = (await quota_settings(ctx, office)).overrides
    assert [(o.day, o.regular) for o in overrides] == [
        (date(2026, 12, 2), 6),
        (date(2026, 12, 3), 7),
        (date(2026, 12, 4), 7),
    ]

    if leave == "button":
        await chat.tap(f"aac:menu:{office}")  # the menu button under the answers
    else:
        await chat.send(leave)
    before = await audit_count(ctx, office)
    sent = await chat.send("2026-12-07 5")
    assert NOT_UNDERSTOOD in texts(sent)
    assert len((await quota_settings(ctx, office)).overrides) == 3
    assert await audit_count(ctx, office) == before


async def test_the_prompt_of_dates_back_to_the_default_stays_open(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_override")
    await chat.send("2026-12-02 2026-12-04 6")
    await chat.press(f"aac:q_clear:{office}")
    sent = await chat.send("2026-12-02")
    assert "✅ 1 date returned to the default quota." in texts(sent)
    sent = await chat.send("2026-12-04")
    assert "✅ 1 date returned to the default quota." in texts(sent)
    assert [o.day for o in (await quota_settings(ctx, office)).overrides] == [date(2026, 12, 3)]


async def test_a_single_value_closes_its_prompt(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_prompt(admin_chat, office, "q_daily")
    await chat.send("8")
    sent = await chat.send("9")
    assert NOT_UNDERSTOOD in texts(sent)
    assert (await quota_settings(ctx, office)).daily_quota == 8
