"""The plain NIK appears in no outgoing request, log line, callback data or FSM data."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import DeleteMessage
from sqlmodel import select

from booking.admin.roles import add_admin
from booking.admin.staff_chat import set_staff_chat
from booking.appointments.service import appointments_of
from booking.core.context import Domain
from booking.db.models import Question, StaffChat, Ticket, TicketMessage
from tests.bot.conftest import SQLITE_ONLY, ChatIn
from tests.bot.flows import choose_for_person, reach_people, to_summary
from tests.bot.recording import RecordingSession, file_bytes
from tests.bot.staff_chat import STAFF_CHAT, GroupMember, deliver
from tests.factories import make_nik

NIK = make_nik(date(1987, 8, 21), female=True, serial=1357)
# Valid-looking NIKs typed wrongly must not leak either.
WRONG = ["3171016108871357 0", "31.71.01.61.08.87.1357x", "9971016108871357"]


def everything_recorded(session: RecordingSession) -> str:
    parts = []
    for request in session.requests:
        parts.append(repr(request.model_dump()))
        for field in ("photo", "document"):
            value = getattr(request, field, None)
            if value is not None and not isinstance(value, str):
                parts.append(file_bytes(value).decode("latin-1"))
    return "\n".join(parts)


def digits_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@SQLITE_ONLY
async def test_plain_nik_is_never_sent_logged_or_stored(
    ctx: Domain,
    office: int,
    dp: Dispatcher,
    chat_in: ChatIn,
    session: RecordingSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    chat = await chat_in("en")
    await reach_people(chat)
    await chat.send("Siti Rahayu")
    for wrong in WRONG:
        await chat.send(wrong)
    await chat.send(NIK)
    await chat.send("Skip")
    await choose_for_person(chat, priority="pregnant")
    await to_summary(chat)
    await chat.press("cf:")
    await chat.send("/my")
    [appt] = await appointments_of(ctx, chat.user_id)
    assert appt.priority is not None  # the flow went all the way through

    recorded = everything_recorded(session)
    assert NIK not in recorded
    assert NIK not in digits_only(recorded)  # not even split by separators
    masked = NIK[:4] + "*" * 10 + NIK[-2:]
    assert masked in recorded  # the masked form is what the user sees

    assert NIK not in caplog.text

    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    stored = repr({k: (v.state, v.data) for k, v in storage.storage.items()})
    assert NIK not in stored and NIK not in digits_only(stored)

    # The typed NIK is deleted from the chat once read.
    deleted = [r for r in session.requests if isinstance(r, DeleteMessage)]
    assert len(deleted) == len(WRONG) + 1


PHONE = "+6281234567890"
STAFF_ID = 880001


def staff_group_requests(session: RecordingSession) -> str:
    return "\n".join(
        repr(r.model_dump())
        for r in session.requests
        if str(getattr(r, "chat_id", "")) == str(STAFF_CHAT)
    )


@SQLITE_ONLY
async def test_no_nik_or_phone_reaches_the_staff_group_or_the_question_tables(
    ctx: Domain,
    office: int,
    dp: Dispatcher,
    bot: Bot,
    chat_in: ChatIn,
    session: RecordingSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await set_staff_chat(ctx, office, STAFF_CHAT, actor="test")
    await add_admin(ctx, STAFF_ID, "TEST", actor="test")
    chat = await chat_in("en")
    await reach_people(chat)
    await chat.send("Siti Rahayu")
    await chat.send(NIK)
    await chat.share_contact(PHONE)
    await choose_for_person(chat)
    await to_summary(chat)
    await chat.press("cf:")
    # The applicant puts their NIK and phone into a question and an answer back.
    await chat.send(f"My NIK is {NIK} and my phone {PHONE}, can my cat come along?")
    await chat.press("qa:")
    [post] = await deliver(ctx, bot)
    staff = GroupMember(dp, bot, STAFF_ID)
    await staff.send("Please call us back.", reply_to=post.message)
    await deliver(ctx, bot)
    await chat.press("tr:")
    await chat.send(
        f"Call me: {PHONE[3:]}, NIK {' '.join(NIK[i : i + 4] for i in range(0, 16, 4))}"
    )
    await deliver(ctx, bot)
    await staff.send("/tiket")

    to_staff = staff_group_requests(session)
    assert "Tiket #" in to_staff and "Si** Ra****" in to_staff  # it did reach the group
    assert "Siti Rahayu" not in to_staff
    for secret in (NIK, PHONE, PHONE[3:]):
        assert secret not in to_staff and secret not in digits_only(to_staff)

    async with ctx.db.reader() as db_session:
        stored = [
            repr(row)
            for table in (Question, Ticket, TicketMessage, StaffChat)
            for row in await db_session.exec(select(table))
        ]
    assert len(stored) >= 5
    kept = "\n".join(stored)
    for secret in (NIK, PHONE[3:]):
        assert secret not in kept and secret not in digits_only(kept)

    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    fsm = repr({k: (v.state, v.data) for k, v in storage.storage.items()})
    assert NIK not in fsm and NIK not in digits_only(fsm)
    assert NIK not in caplog.text
