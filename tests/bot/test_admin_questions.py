"""The questions in the office admin menu: the 💬 Staff chat screen, and the ticket
figures on the 📊 Statistics screen, in both languages."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from booking.admin.audit import audit_log
from booking.admin.staff_chat import set_staff_chat
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.questions.asked import record_feedback, record_question
from booking.questions.tickets import open_ticket, staff_chat_of, staff_reply
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.flows import switch_language
from tests.bot.recording import Chat_
from tests.bot.staff_chat import STAFF_CHAT

pytestmark = SQLITE_ONLY

APPLICANT = 880000601
AdminIn = Callable[[str], Awaitable[Chat_]]

STAFF_CHAT_SCREEN = {
    "en": {
        "button": "💬 Staff chat",
        "prompt": "Staff chat of Kantor Imigrasi TEST: none.",
        "saved": f"Questions to Kantor Imigrasi TEST now go to the group {STAFF_CHAT}.",
    },
    "id": {
        "button": "💬 Chat petugas",
        "prompt": "Grup petugas Kantor Imigrasi TEST: tidak ada.",
        "saved": f"Pertanyaan untuk Kantor Imigrasi TEST sekarang masuk ke grup {STAFF_CHAT}.",
    },
}
TICKET_FIGURES = {
    "en": [
        "💬 Questions and tickets",
        "Tickets per day: 30.11: 2",
        "Median time to the first answer: 10 min",
        "Questions answered by the bot (“That answers it”): 33% of 3",
    ],
    "id": [
        "💬 Pertanyaan dan tiket",
        "Tiket per hari: 30.11: 2",
        "Median waktu sampai jawaban pertama: 10 mnt",
        "Pertanyaan yang dijawab bot (“Ini menjawab”): 33% dari 3",
    ],
}


@pytest.fixture
def admin_in(new_chat: Callable[..., Chat_], office_b: int) -> AdminIn:
    """A chat of the admin of office TEST, in the given language."""

    async def make(language: str) -> Chat_:
        chat = new_chat(ADMIN_A)
        await switch_language(chat, language)
        return chat

    return make


@pytest.mark.parametrize("language", ["en", "id"])
async def test_the_staff_chat_is_set_from_the_admin_menu(
    ctx: Domain, office: int, admin_in: AdminIn, language: str
) -> None:
    said = STAFF_CHAT_SCREEN[language]
    chat = await admin_in(language)
    await chat.send("/admin")
    assert (said["button"], f"aac:staffchat:{office}") in chat.last_keyboard()
    await chat.press(f"aac:staffchat:{office}")
    assert said["prompt"] in chat.last_text()
    await chat.send(str(STAFF_CHAT))
    assert said["saved"] in chat.last_text()
    assert any(data == f"aac:menu:{office}" for _text, data in chat.last_keyboard())
    assert await staff_chat_of(ctx, office) == STAFF_CHAT
    [entry, *_] = await audit_log(ctx, office)
    assert entry.action == "set_staff_chat" and entry.actor == f"telegram:{ADMIN_A}"


async def questions_and_tickets(ctx: Domain, clock: FixedClock, office: int) -> None:
    """Two tickets today, the first answered after 10 minutes; three questions, one
    of them marked "Ini menjawab"."""
    await set_staff_chat(ctx, office, STAFF_CHAT, actor="test")
    tickets = [
        await open_ticket(
            ctx,
            telegram_id=APPLICANT,
            office_id=office,
            text=f"pertanyaan nomor {n}",
            language="id",
            display_name="Bu** Sa*****",
        )
        for n in range(2)
    ]
    clock.advance(timedelta(minutes=10))
    await staff_reply(ctx, chat_id=STAFF_CHAT, ticket_id=tickets[0].id, staff_id=ADMIN_A, text="ok")
    for helpful in (True, False, None):
        question_id = await record_question(
            ctx,
            telegram_id=APPLICANT,
            text="jam buka",
            language="id",
            office_id=office,
            entry_id="office_hours",
            score=9.0,
        )
        if helpful is not None:
            await record_feedback(ctx, question_id, APPLICANT, helpful=helpful)


@pytest.mark.parametrize("language", ["en", "id"])
async def test_statistics_show_the_ticket_figures(
    ctx: Domain, clock: FixedClock, office: int, admin_in: AdminIn, language: str
) -> None:
    await questions_and_tickets(ctx, clock, office)
    chat = await admin_in(language)
    await chat.send("/admin")
    await chat.press(f"aac:stats:{office}")
    report = texts(await chat.press(f"aac:stats7:{office}"))
    for line in TICKET_FIGURES[language]:
        assert line in report


async def test_statistics_of_days_without_tickets(
    ctx: Domain, clock: FixedClock, office: int, admin_in: AdminIn
) -> None:
    await questions_and_tickets(ctx, clock, office)
    chat = await admin_in("en")
    await chat.send("/admin")
    await chat.press(f"aac:stats:{office}")
    report = texts(await chat.send("2026-11-01 2026-11-29"))  # the day before the tickets
    assert "Tickets per day: —" in report
    assert "Median time to the first answer: —" in report
    assert "Questions answered by the bot (“That answers it”): 0% of 0" in report
