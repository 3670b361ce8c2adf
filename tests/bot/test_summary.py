"""The booking summary: the phone if one was given, "Change details" back to the
group list at the same office, and "How to pay"; "Skip" at the phone step removes
a saved number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram.methods import EditMessageText, SendMessage

from booking.core.context import Domain
from booking.people.applicants import get_applicant
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.flows import (
    choose_for_person,
    choose_language,
    holder_nik,
    reach_people,
    skip_phone,
    to_summary,
)
from tests.bot.recording import Chat_

PHONE = "+6281234567890"


async def summary_with_phone(chat: Chat_, language: str) -> None:
    """A first booking up to the summary, sharing the phone number."""
    await choose_language(chat, language)
    await reach_people(chat)
    await chat.send("Budi Santoso")
    await chat.send(holder_nik(chat))
    await chat.share_contact(PHONE)
    await choose_for_person(chat)
    await to_summary(chat)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "phone", "edit", "pay", "group"),
    [
        ("id", "Telepon: ", "✏️ Ubah data", "💳 Cara bayar", "Yang datang (1 dari"),
        ("en", "Phone: ", "✏️ Change details", "💳 How to pay", "Who is coming (1 of"),
    ],
)
async def test_the_summary_shows_the_phone_and_changes_details_at_the_same_office(
    office: int,
    new_chat: Callable[..., Chat_],
    language: str,
    phone: str,
    edit: str,
    pay: str,
    group: str,
) -> None:
    chat = new_chat()
    await summary_with_phone(chat, language)
    assert f"{phone}{PHONE}" in chat.last_text()
    labels = [text for text, _ in chat.last_keyboard()]
    assert edit in labels and pay in labels

    await chat.press("gp:edit:")
    assert group in chat.last_text()
    assert "Budi Santoso" in chat.last_text()
    await chat.press("gp:continue:")
    days = [d for _, d in chat.last_keyboard() if d.startswith("dy:")]
    assert days and all(d.split(":")[1] == str(office) for d in days)


@SQLITE_ONLY
async def test_how_to_pay_from_the_summary_keeps_the_summary(
    office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await summary_with_phone(chat, "en")
    sent = await chat.press("in:payment")
    assert not any(isinstance(r, EditMessageText) for r in sent)  # the summary stays
    [answer] = [r for r in sent if isinstance(r, SendMessage)]
    assert "SIMPONI" in answer.text


@SQLITE_ONLY
async def test_skip_at_the_phone_step_removes_the_saved_number(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await summary_with_phone(chat, "en")
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.phone == PHONE

    await reach_people(chat)  # the summary left as it is: a new booking
    await chat.press("sd:edit")
    await chat.send("Budi Santoso")
    await chat.send(holder_nik(chat))
    await skip_phone(chat)
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.phone is None
    await choose_for_person(chat)
    await to_summary(chat)
    assert "Phone:" not in chat.last_text()
