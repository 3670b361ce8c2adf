"""Arrival at the office through the poster's deep link (``/start arrive-<token>``):
the check-in inside its window with every member's number, before and after the
window in the office's zone, forged and old tokens, and the priority walk-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from booking.appointments.service import get_appointment
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus
from booking.queue.arrival import arrival_token
from booking.queue.tickets import queue_state
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.flows import switch_language
from tests.bot.office_day import (
    AFTER_SESSION,
    BEFORE_WINDOW,
    IN_WINDOW,
    arrive_command,
    walk_in_office,
)
from tests.bot.recording import Chat_
from tests.bot.test_family_booking import family_booked
from tests.conftest import TODAY
from tests.factories import make_nik

STALE_TOKEN = "This arrival code is not valid today"
NOT_IN_HALL = "You need not stay in the hall"


async def english(new_chat: Callable[..., Chat_], user_id: int | None = None) -> Chat_:
    chat = new_chat(user_id)
    await switch_language(chat, "en")
    return chat


async def test_check_in_by_deep_link_inside_the_window(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = await english(new_chat)
    appt = await booked(ctx, office, chat.user_id, TODAY)  # Siang 13:00 WIB
    clock.set(IN_WINDOW)
    await chat.send(await arrive_command(ctx, office))
    text = chat.last_text()
    [state] = await queue_state(ctx, telegram_id=chat.user_id)
    assert "✅ You are checked in." in text
    assert f"Queue number {state.ticket.label}" in text
    assert "Now serving: –" in text
    assert "0 people ahead of you" in text
    assert "Estimated wait: about" in text
    assert NOT_IN_HALL in text
    after = await get_appointment(ctx, chat.user_id, appt.id)
    assert after.status is AppointmentStatus.CHECKED_IN
    # Scanning again checks in nothing more: the same number is shown.
    await chat.send(await arrive_command(ctx, office))
    assert "already checked in" in chat.last_text()
    assert f"Queue number {state.ticket.label}" in chat.last_text()
    assert len(await queue_state(ctx, telegram_id=chat.user_id)) == 1


async def test_a_family_gets_a_number_each(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = await english(new_chat)
    group = await family_booked(ctx, office, chat.user_id, TODAY)
    clock.set(IN_WINDOW)
    await chat.send(await arrive_command(ctx, office))
    text = chat.last_text()
    states = await queue_state(ctx, telegram_id=chat.user_id)
    assert len(states) == len(group.members) == 3
    for s, m in zip(states, group.members, strict=True):
        assert f"Queue number {s.ticket.label} · {m.full_name}" in text


@SQLITE_ONLY
async def test_before_and_after_the_window(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = await english(new_chat)
    await booked(ctx, office, chat.user_id, TODAY)
    clock.set(BEFORE_WINDOW)
    await chat.send(await arrive_command(ctx, office))
    assert "Check-in for your appointment opens at 12:00 WIB" in chat.last_text()
    clock.set(AFTER_SESSION)
    await chat.send(await arrive_command(ctx, office))
    assert "Check-in for your appointment has closed" in chat.last_text()
    assert await queue_state(ctx, telegram_id=chat.user_id) == []


@SQLITE_ONLY
async def test_forged_and_old_tokens(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = await english(new_chat)
    await booked(ctx, office, chat.user_id, TODAY)
    clock.set(IN_WINDOW)
    yesterday = arrival_token(ctx, office, TODAY - timedelta(days=1))
    for payload in ("arrive-AAAAAAAAAAAAAAAA", f"arrive-{yesterday}", "arrive-", "arrive-%%%"):
        await chat.send(f"/start {payload}")
        assert STALE_TOKEN in chat.last_text(), payload
    assert await queue_state(ctx, telegram_id=chat.user_id) == []


@SQLITE_ONLY
async def test_in_indonesian(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await switch_language(chat, "id")
    await booked(ctx, office, chat.user_id, TODAY)
    clock.set(IN_WINDOW)
    await chat.send(await arrive_command(ctx, office))
    assert "nomor antrean" in chat.last_text().lower()


@SQLITE_ONLY
async def test_a_priority_walk_in_for_a_new_account(
    ctx: Domain, clock: FixedClock, new_chat: Callable[..., Chat_]
) -> None:
    """No appointment today: the walk-in choice, a name and a NIK, the priority
    checked against the NIK, then a number; the daily walk-in quota (1) is then used
    up for the next person."""
    office = await walk_in_office(ctx, walk_in=1)
    chat = await english(new_chat)
    clock.set(IN_WINDOW)
    await chat.send(await arrive_command(ctx, office))
    assert "You have no appointment at" in chat.last_text()
    await chat.press("wk:")
    assert "type the full name" in chat.last_text()
    await chat.send("Siti Rahayu")
    await chat.send(make_nik(date(1950, 2, 3), female=True, serial=77))
    assert "NIK saved as" in chat.last_text()
    # Too young for the child priority: refused, the choice stays.
    await chat.press("wk:", "Child under 5")
    assert "Child priority is for children under 5" in chat.last_text()
    assert await queue_state(ctx, telegram_id=chat.user_id) == []
    await chat.press("wk:", "Elderly")
    [state] = await queue_state(ctx, telegram_id=chat.user_id)
    assert state.ticket.walk_in and state.ticket.priority
    assert f"Queue number {state.ticket.label}" in chat.last_text()
    # The same person again: already in the queue.
    await chat.send(await arrive_command(ctx, office))
    await chat.press("wk:")
    await chat.press("wk:", "Siti Rahayu")
    await chat.press("wk:", "Elderly")
    assert "already in today's queue" in chat.last_text()
    assert len(await queue_state(ctx, telegram_id=chat.user_id)) == 1
    # Someone else: the office's one walk-in of the day is taken.
    await chat.send(await arrive_command(ctx, office))
    await chat.press("wk:")
    await chat.press("wk:", "Someone else")
    await chat.send("Rahmat Hidayat")
    await chat.send(make_nik(date(1951, 6, 7), serial=78))
    await chat.press("wk:", "Elderly")
    assert "Today's quota for priority service without an appointment is used up" in (
        chat.last_text()
    )
    assert len(await queue_state(ctx, telegram_id=chat.user_id)) == 1


@SQLITE_ONLY
async def test_a_walk_in_button_of_another_account_or_day_is_refused(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    owner = await english(new_chat)
    await booked(ctx, office, owner.user_id, TODAY + timedelta(days=1))
    clock.set(IN_WINDOW)
    token = arrival_token(ctx, office, TODAY)
    other = await english(new_chat)
    [holder_id] = [  # the owner's saved holder, tapped from someone else's chat
        int(d.split(":")[2]) for _, d in await _people_buttons(owner, ctx, office)
    ]
    await other.tap(f"wk:{token}:{holder_id}:elderly:0")
    assert "no longer valid" in other.last_text()
    old = arrival_token(ctx, office, TODAY - timedelta(days=1))
    await owner.tap(f"wk:{old}:0::0")
    assert STALE_TOKEN in owner.last_text()
    assert await queue_state(ctx, telegram_id=other.user_id) == []


async def _people_buttons(chat: Chat_, ctx: Domain, office: int) -> list[tuple[str, str]]:
    await chat.send(await arrive_command(ctx, office))
    await chat.press("wk:")
    return [
        (t, d) for t, d in chat.last_keyboard() if d.startswith("wk:") and d.split(":")[2] != "0"
    ]
