"""Who may use the admin menu: the authorization matrix over every admin entry
point, forged admin callbacks, the office choice and appointing admins in chat."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Chat, Message, Update

from booking.admin.closures import closed_days
from booking.admin.roles import is_admin, list_admins, offices_of_admin
from booking.core.context import Domain
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    ADMIN_B,
    STALE,
    SUPER,
    admin_chat,
    audit_count,
    bot_settings,
    day_data,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY, booked, slot_on
from tests.bot.office_day import with_counters
from tests.bot.recording import Chat_
from tests.conftest import TOMORROW

APPLICANT = 880000099
# The counter role: petugas loket of office A, who may only call and serve there.
COUNTER = 880000098
ROLES = {
    "super": SUPER,
    "admin_a": ADMIN_A,
    "admin_b": ADMIN_B,
    "applicant": APPLICANT,
    "counter": COUNTER,
}
HELP = "/book: book an appointment"

ACTIONS = [
    "menu", "quota", "q_daily", "q_priority", "q_shares", "q_window", "q_rule",
    "q_override", "q_clear", "close", "close_ask", "list", "checkin", "noshow",
    "stats", "stats7", "stats30", "chart", "announce", "audit", "admins", "appoint",
    "staffchat", "counters", "c_count", "c_grant",
]  # fmt: skip
SUPER_ONLY = {"admins", "appoint", "remove"}

# Entry points into office A (TEST). {a}: office A's id, {slot}: a slot of A,
# {code}: a booking code at A.
ENTRY_POINTS: dict[str, str] = {
    "/admin": "msg:/admin",
    "/admin TEST": "msg:/admin TEST",
    "/checkin": "msg:/checkin {code}",
    "offices page": "aof:0",
    **{f"act {a}": f"aac:{a}:{{a}}" for a in ACTIONS},
    "day list": "day:list",
    "day csv": "day:csv",
    "day reopen": "day:reopen",
    "day close_yes": "day:close_yes",
    "no-shows": "ans:{a}:{slot}",
    "remove": "arm:{a}:" + str(ADMIN_A),
    "revoke counter staff": "acs:{a}:" + str(COUNTER),
    # The counter panel (bot/handlers/counter_desk.py): {counter} is a counter of A.
    "/loket": "msg:/loket",
    "desk open": "dk:open:{a}:{counter}:0",
    "desk next": "dk:next:{a}:{counter}:0",
}
DESK = {"/loket", "desk open", "desk next"}
NOT_STAFF = "Only the office's petugas loket and admins"


def expected(role: str, entry: str) -> str:
    """What each role gets: allow, super_only, refuse (stale button), help, own
    (their own office only), other_office (check-in refused as another office's),
    not_staff (the counter panel refused)."""
    if entry in DESK:
        if role == "applicant":
            return "not_staff"
        if role == "admin_b":
            return "own" if entry == "/loket" else "not_staff"
        return "allow"
    if role in ("applicant", "counter"):
        return "help" if entry.startswith("/") else "refuse"
    if role == "admin_b":
        if entry in ("/admin", "offices page"):
            return "own"
        if entry == "/checkin":
            return "other_office"
        if entry == "/admin TEST":
            return "unknown_office"
        return "refuse"
    if entry == "day close_yes":
        return "refuse"  # nobody confirmed a closure in this chat first
    if role == "admin_a" and entry.removeprefix("act ") in SUPER_ONLY:
        return "refuse" if entry == "remove" else "super_only"
    return "allow"


async def run(
    chat: Chat_, template: str, office_a: int, slot: int, code: str, counter: int
) -> list[Any]:
    data = template.format(a=office_a, slot=slot, code=code, counter=counter)
    if data.startswith("msg:"):
        return await chat.send(data.removeprefix("msg:"))
    if data.startswith("day:"):
        return await chat.tap(day_data(data.removeprefix("day:"), office_a, TOMORROW))
    return await chat.tap(data)


# On PostgreSQL, a few entry points of each kind (the whole matrix runs on SQLite).
POSTGRES_ENTRIES = [
    "/admin",
    "/checkin",
    "act quota",
    "act q_daily",
    "day csv",
    "no-shows",
    "remove",
    "desk next",
]
MATRIX = [("sqlite", entry) for entry in ENTRY_POINTS] + [
    ("postgresql", entry) for entry in POSTGRES_ENTRIES
]


@pytest.mark.parametrize(("backend", "entry"), MATRIX)
@pytest.mark.parametrize("role", list(ROLES))
async def test_authorization_matrix(
    ctx: Domain,
    office: int,
    office_b: int,
    admin_chat: Callable[[int], Any],
    role: str,
    entry: str,
) -> None:
    appt = await booked(ctx, office, 880000050, TOMORROW)
    slot = await slot_on(ctx, office, TOMORROW, "Pagi")
    [counter, *_] = await with_counters(ctx, office, "TEST", [COUNTER])
    chat = await admin_chat(ROLES[role])
    audit_before = await audit_count(ctx, office)

    sent = await run(chat, ENTRY_POINTS[entry], office, slot, appt.code, counter.id)
    text = texts(sent)
    outcome = expected(role, entry)

    if outcome == "refuse":
        assert STALE in text
        assert await audit_count(ctx, office) == audit_before
        assert await closed_days(ctx, office, TOMORROW, TOMORROW) == []
        assert ADMIN_A in {a.telegram_id for a in await list_admins(ctx, office)}
    elif outcome == "help":
        assert HELP in text and "admin" not in text.lower()
    elif outcome == "own":
        assert "OTHR" in text and "TEST" not in text
    elif outcome == "other_office":
        assert f"Booking {appt.code} is for another office (TEST)" in text
    elif outcome == "unknown_office":
        assert "There is no office “TEST” among the offices you manage." in text
        assert "Kantor Imigrasi TEST" not in text
    elif outcome == "not_staff":
        assert NOT_STAFF in text
        assert await audit_count(ctx, office) == audit_before
    elif outcome == "super_only":
        assert "Only a super-admin can appoint office admins." in text
        assert await chat.dp.storage.get_state(chat_key(chat)) is None
    else:
        assert STALE not in text and HELP not in text
        assert any(not isinstance(r, AnswerCallbackQuery) for r in sent)
    assert "OTHR" not in text or role != "admin_a"


def chat_key(chat: Chat_) -> Any:
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=chat.bot.id, chat_id=chat.user_id, user_id=chat.user_id)


@SQLITE_ONLY
async def test_admin_of_a_sees_only_a(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await admin_chat(ADMIN_A)
    sent = await chat.send("/admin")
    assert "Administration of Kantor Imigrasi TEST (TEST)" in texts(sent)
    # One office: no office choice, and no appointing of admins.
    datas = [d for _, d in chat.last_keyboard()]
    assert not any(d.startswith("aof:") or d.startswith("aac:admins") for d in datas)
    assert all(d.endswith(f":{office}") for d in datas)
    assert [o.code for o in await offices_of_admin(ctx, ADMIN_A)] == ["TEST"]


@SQLITE_ONLY
async def test_super_admin_picks_an_office(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await admin_chat(SUPER)
    await chat.send("/admin")
    assert "Which office?" in chat.last_text()
    await chat.press("aac:menu:", "OTHR")
    assert "Administration of Kantor Imigrasi OTHR (OTHR)" in chat.last_text()
    assert chat.button("aac:admins:")  # super-admins appoint office admins
    await chat.send("/admin test")  # an office code in any case
    assert "Administration of Kantor Imigrasi TEST (TEST)" in chat.last_text()


@SQLITE_ONLY
async def test_unknown_office_code(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await admin_chat(SUPER)
    sent = await chat.send("/admin NOPE")
    assert "There is no office “NOPE” among the offices you manage." in texts(sent)
    assert "Which office?" in texts(sent)


@SQLITE_ONLY
async def test_super_admin_appoints_and_removes_an_office_admin(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await admin_chat(SUPER)
    newcomer = 880000077
    assert not await is_admin(ctx, newcomer)
    await chat.send("/admin TEST")
    await chat.press(f"aac:admins:{office}")
    await chat.press(f"aac:appoint:{office}")
    for bad in ("@budi", "-5", "abc"):
        sent = await chat.send(bad)
        assert "A Telegram user id is a positive number" in texts(sent)
    assert not await is_admin(ctx, newcomer)
    sent = await chat.send(str(newcomer))
    assert f"{newcomer} is now an admin of TEST." in texts(sent)
    assert [o.code for o in await offices_of_admin(ctx, newcomer)] == ["TEST"]

    # The new admin has the menu now.
    theirs = await admin_chat(newcomer)
    assert "Administration of Kantor Imigrasi TEST" in texts(await theirs.send("/admin"))

    await chat.press(f"arm:{office}:{newcomer}")
    assert not await is_admin(ctx, newcomer)
    sent = await theirs.send("/admin")
    assert HELP in texts(sent)


async def test_forged_admin_callbacks_change_nothing(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    """Garbled data, an office that does not exist, a date that is no date, a slot of
    another office: the same refusal, and nothing changes."""
    chat = await admin_chat(ADMIN_A)
    other_slot = await slot_on(ctx, office_b, TOMORROW, "Pagi")
    before = await audit_count(ctx, office)
    before_b = await audit_count(ctx, office_b)
    for data in (
        f"aac:bogus:{office}",
        "aac:quota:999999",
        f"aac:quota:{office_b}",
        f"ady:list:{office}:20261399:0",
        f"ady:list:{office_b}:20261201:0",
        f"ans:{office}:{other_slot}",
        f"ans:{office_b}:{other_slot}",
        f"arm:{office}:{ADMIN_A}",
        "aac:quota",
        "aof:-1",
    ):
        sent = await chat.tap(data)
        assert STALE in texts(sent), data
    assert await audit_count(ctx, office) == before
    assert await audit_count(ctx, office_b) == before_b
    assert ADMIN_A in {a.telegram_id for a in await list_admins(ctx, office)}


async def test_a_closure_confirmation_cannot_be_replayed_for_another_office(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await admin_chat(ADMIN_A)
    await chat.send("/admin")
    await chat.tap(f"aac:close_ask:{office}")
    await chat.send(TOMORROW.isoformat())
    await chat.send("Listrik padam")
    # ADMIN_A is at the confirmation for TEST; the same tap naming OTHR is refused.
    sent = await chat.tap(day_data("close_yes", office_b, TOMORROW))
    assert STALE in texts(sent)
    assert await closed_days(ctx, office_b, TOMORROW, TOMORROW) == []
    # ADMIN_B cannot confirm it either.
    chat_b = await admin_chat(ADMIN_B)
    sent = await chat_b.tap(day_data("close_yes", office, TOMORROW))
    assert STALE in texts(sent)
    assert await closed_days(ctx, office, TOMORROW, TOMORROW) == []


@SQLITE_ONLY
async def test_typed_input_after_losing_the_role_changes_nothing(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    from booking.admin.quotas import quota_settings
    from booking.admin.roles import remove_admin

    chat = await admin_chat(ADMIN_A)
    await chat.send("/admin")
    await chat.tap(f"aac:q_daily:{office}")
    await remove_admin(ctx, ADMIN_A, "TEST", actor="test")
    sent = await chat.send("3")
    assert "I did not understand that" in texts(sent)
    assert (await quota_settings(ctx, office)).daily_quota == 10


@SQLITE_ONLY
async def test_admin_commands_in_a_group_are_ignored(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    """A day list shows names and masked NIKs: never in a group, even to an admin."""
    chat = await admin_chat(SUPER)
    group = Chat(id=-100777, type="supergroup", title="Loket")
    before = len(chat.session.requests)
    for n, text in enumerate(("/admin", "/admin TEST", "/checkin ABCDEF"), 1):
        await chat.feed(
            Update(
                update_id=880000900 + n,
                message=Message(
                    message_id=n,
                    date=datetime.now(UTC),
                    chat=group,
                    from_user=chat.user,
                    text=text,
                ),
            )
        )
    assert chat.session.requests[before:] == []
