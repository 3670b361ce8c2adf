"""The counter panel of petugas loket: opening a counter, two staff calling at once,
recall ×3 then missed, re-queue once, the "your turn" message and the heads-up sent
exactly once, bad input and stale or forged buttons, and who may use it."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from booking.admin.audit import audit_log
from booking.admin.checkin import check_in
from booking.admin.roles import list_counter_staff
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.queue.counters import counters_of
from booking.queue.tickets import queue_state
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    ADMIN_B,
    STALE,
    SUPER,
    admin_chat,
    at_screen,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.office_day import (
    COUNTER_A,
    COUNTER_A2,
    COUNTER_B,
    IN_WINDOW,
    called_notes,
    heads_up_notes,
    with_counters,
)
from tests.bot.recording import Chat_
from tests.bot.staff_chat import deliver
from tests.conftest import TODAY

APPLICANTS = [880000301 + i for i in range(5)]  # Siang's five seats
NOT_STAFF = "Only the office's petugas loket and admins"


@pytest.fixture
async def queue(ctx: Domain, clock: FixedClock, office: int, office_b: int) -> list[int]:
    """Counters and staff at TEST and OTHR, and five checked-in applicants at TEST:
    the ids of their accounts, in the order they checked in."""
    await with_counters(ctx, office, "TEST", [COUNTER_A, COUNTER_A2])
    await with_counters(ctx, office_b, "OTHR", [COUNTER_B])
    codes = [(await booked(ctx, office, uid, TODAY)).code for uid in APPLICANTS]
    clock.set(IN_WINDOW)
    for code in codes:
        await check_in(ctx, office, code, actor="test")
    return APPLICANTS


async def at_counter(admin_chat: Callable[[int], Any], user: int, number: int) -> Chat_:
    chat: Chat_ = await admin_chat(user)
    await chat.send(f"/loket {number}")
    assert f"Loket {number} is open." in chat.last_text()
    return chat


async def called_of(ctx: Domain, uid: int) -> str:
    [state] = await queue_state(ctx, telegram_id=uid)
    return str(state.ticket.status)


async def test_staff_open_a_counter_call_and_serve(
    ctx: Domain, office: int, queue: list[int], admin_chat: Callable[[int], Any], bot: Any
) -> None:
    chat: Chat_ = await admin_chat(COUNTER_A)
    await chat.send("/loket")
    assert "Counters of Kantor Imigrasi TEST: 5 waiting" in chat.last_text()
    await chat.press("dk:open:", "Loket 3")
    assert "Loket 3 is open." in chat.last_text()
    await chat.press("dk:next:")
    [first] = await queue_state(ctx, telegram_id=queue[0])
    assert f"At this counter: Number {first.ticket.label}, called 1×" in chat.last_text()
    [note] = await called_notes(ctx)
    assert note.recipient == queue[0]
    [sent] = [d for d in await deliver(ctx, bot) if d.template == "queue_called"]
    # In the applicant's language (Indonesian).
    assert f"Giliran Anda: nomor {first.ticket.label}, silakan ke Loket 3" in (
        sent.message.text or ""
    )
    done = chat.button("dk:done:")
    await chat.tap(done)
    assert f"{first.ticket.label} served." in chat.last_text()
    assert await called_of(ctx, queue[0]) == "served"
    # The served number's button again: refused, nothing changes.
    await chat.tap(done)
    assert f"Number {first.ticket.label} is not at a counter now: it is served." in (
        chat.last_text()
    )
    assert await called_of(ctx, queue[0]) == "served"
    assert len(await called_notes(ctx)) == 1


async def test_two_staff_calling_at_once_get_different_people(
    ctx: Domain, office: int, queue: list[int], admin_chat: Callable[[int], Any]
) -> None:
    one = await at_counter(admin_chat, COUNTER_A, 1)
    two = await at_counter(admin_chat, COUNTER_A2, 2)
    await asyncio.gather(one.press("dk:next:"), two.press("dk:next:"))
    called = [s.ticket for uid in queue for s in await queue_state(ctx, telegram_id=uid)]
    called = [t for t in called if t.status == "called"]
    assert len(called) == 2
    assert {t.counter_name for t in called} == {"Loket 1", "Loket 2"}
    assert {t.telegram_id for t in called} == set(queue[:2])  # nobody skipped


@SQLITE_ONLY
async def test_recall_three_times_then_missed_and_requeued_once(
    ctx: Domain, office: int, queue: list[int], admin_chat: Callable[[int], Any], bot: Any
) -> None:
    chat = await at_counter(admin_chat, COUNTER_A, 1)
    await chat.press("dk:next:")
    recall_data = chat.button("dk:recall:")
    for n in (2, 3):
        await chat.press("dk:recall:")
        assert f"called {n}×" in chat.last_text()
    # After the third call: "Not here" instead of "Call again".
    assert not any(d.startswith("dk:recall:") for _, d in chat.last_keyboard())
    sent = await chat.tap(recall_data)  # a fourth call from an older panel
    assert "called the most times allowed" in texts(sent)
    called = [d for d in await deliver(ctx, bot) if d.template == "queue_called"]
    assert [d.recipient for d in called] == [queue[0]] * 3  # told at each of the 3 calls
    [state] = await queue_state(ctx, telegram_id=queue[0])
    await chat.send("/loket 1")
    await chat.press("dk:missed:")
    assert f"{state.ticket.label} marked as not here." in chat.last_text()
    assert await called_of(ctx, queue[0]) == "missed"

    await chat.press("dk:missed_list:")
    await chat.press("dk:requeue:", state.ticket.label)
    assert await called_of(ctx, queue[0]) == "waiting"
    # A second tap on the same button: refused, it is waiting already.
    await chat.tap(f"dk:requeue:{office}:0:{state.ticket.id}")
    assert f"Number {state.ticket.label} is not marked as not here: it is waiting." in (
        chat.last_text()
    )
    assert await called_of(ctx, queue[0]) == "waiting"


@SQLITE_ONLY
async def test_the_heads_up_is_sent_exactly_once(
    ctx: Domain, office: int, queue: list[int], admin_chat: Callable[[int], Any], bot: Any
) -> None:
    """HEADS_UP_AT = 3: the first three waiting are told once each, whatever the calls
    after; the one next in line is told it is next."""
    chat = await at_counter(admin_chat, COUNTER_A, 1)
    await chat.press("dk:next:")
    assert [n.recipient for n in await heads_up_notes(ctx)] == queue[1:4]
    delivered = await deliver(ctx, bot)
    texts_to = {
        d.recipient: d.message.text or "" for d in delivered if d.template != "queue_called"
    }
    assert "Anda berikutnya" in texts_to[queue[1]]  # the applicants' language
    assert "2 orang lagi sebelum Anda" in texts_to[queue[3]]
    for _ in range(4):
        await chat.press("dk:next:")  # serves the number at the counter, calls the next
    recipients = [n.recipient for n in await heads_up_notes(ctx)]
    assert recipients == queue[1:5]  # once per person


@SQLITE_ONLY
async def test_bad_counter_numbers_and_forged_buttons(
    ctx: Domain, office: int, office_b: int, queue: list[int], admin_chat: Callable[[int], Any]
) -> None:
    chat: Chat_ = await admin_chat(COUNTER_A)
    for typed in ("9", "abc", "0", "-1"):
        await chat.send(f"/loket {typed}")
        assert "There is no counter" in chat.last_text(), typed
        assert "Its counters: 1, 2, 3." in chat.last_text()
    # Another office's counter and ticket: not theirs.
    sent = await chat.tap(f"dk:next:{office_b}:1:0")
    assert NOT_STAFF in texts(sent)
    for data in ("dk:next", "dk:bogus:1:1:0", f"dk:next:{office}:999999999999:0"):
        sent = await chat.tap(data)
        assert STALE in texts(sent), data
    assert [await called_of(ctx, uid) for uid in queue] == ["waiting"] * len(queue)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("user", "allowed"),
    [(COUNTER_A, True), (ADMIN_A, True), (SUPER, True), (COUNTER_B, False), (ADMIN_B, False),
     (880000399, False)],
)  # fmt: skip
async def test_who_may_call_at_an_office(
    ctx: Domain,
    office: int,
    queue: list[int],
    admin_chat: Callable[[int], Any],
    user: int,
    allowed: bool,
) -> None:
    chat: Chat_ = await admin_chat(user)
    counter = 1  # the first counter's id is 1 in a fresh database
    sent = await chat.tap(f"dk:open:{office}:{counter}:0")
    sent += await chat.tap(f"dk:next:{office}:{counter}:0")
    called = [uid for uid in queue if await called_of(ctx, uid) == "called"]
    if allowed:
        assert called == queue[:1]
    else:
        assert NOT_STAFF in texts(sent)
        assert called == []


@SQLITE_ONLY
async def test_the_admin_sets_counters_and_petugas_loket(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office, "counters")
    assert "Counters of TEST: 0" in chat.last_text()
    await chat.press(f"aac:c_count:{office}")
    for bad in ("tiga", "51", "-2", "2.5"):
        await chat.send(bad)
        assert "Please type a whole number from 0 to 50" in chat.last_text(), bad
    assert await counters_of(ctx, office) == []
    await chat.send("4")
    assert "TEST has 4 counters now." in chat.last_text()
    assert [c.name for c in await counters_of(ctx, office)] == [f"Loket {n}" for n in (1, 2, 3, 4)]

    await chat.press(f"aac:c_grant:{office}")
    await chat.send("@budi")
    assert "A Telegram user id is a positive number" in chat.last_text()
    await chat.send(str(COUNTER_A))
    assert f"{COUNTER_A} is now petugas loket of TEST." in chat.last_text()
    assert await list_counter_staff(ctx, office) == [COUNTER_A]
    staff = await admin_chat(COUNTER_A)
    await staff.send("/loket 2")
    assert "Loket 2 is open." in staff.last_text()
    sent = await staff.send("/admin")  # no admin screens for petugas loket
    assert "/book: book an appointment" in texts(sent)

    await chat.press(f"acs:{office}:{COUNTER_A}")
    assert await list_counter_staff(ctx, office) == []
    await staff.send("/loket")
    assert NOT_STAFF in staff.last_text()
    actions = [e.action for e in await audit_log(ctx, office, 20)]
    assert {"set_counters", "grant_counter_staff", "revoke_counter_staff"} <= set(actions)


@SQLITE_ONLY
async def test_the_queue_in_the_statistics(
    ctx: Domain, office: int, queue: list[int], admin_chat: Callable[[int], Any]
) -> None:
    desk = await at_counter(admin_chat, COUNTER_A, 1)
    await desk.press("dk:next:")
    await desk.press("dk:done:")
    chat = await at_screen(admin_chat, office, "stats", "stats7")
    text = chat.last_text()
    assert "🎫 The queue at the office" in text
    assert "5 in the queue · waited median 0 min, p90 0 min · served in median 0 min" in text
    assert "0 walk-ins served · 0 missed" in text
