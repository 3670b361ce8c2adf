"""The name step through the dispatcher: each refusal of ``booking.people.names``
is explained in the user's language, and the step, the chosen session and
everything typed before stay as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage

from booking.core.context import Domain
from booking.people.applicants import get_applicant
from bot import states
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.flows import choose_language, reach_people
from tests.bot.recording import Chat_

RULE = {
    "en": "Please type your full name as on your KTP: 3 to 100 letters, no digits.",
    "id": "Silakan ketik nama lengkap Anda sesuai KTP: 3 sampai 100 huruf, tanpa angka.",
}
INVISIBLE = {
    "en": "Invisible characters, such as zero-width spaces or text-direction marks",
    "id": "Karakter tak terlihat, seperti spasi lebar-nol atau penanda arah teks",
}
NOT_LETTERS = {
    "en": "Emoji or symbols alone are not a name.",
    "id": "Emoji atau simbol saja bukan nama.",
}
NIK_PROMPT = {"en": "Now type your NIK", "id": "Sekarang ketik NIK"}


def fsm_record(dp: Dispatcher, user_id: int) -> tuple[Any, dict[str, Any]]:
    storage = dp.storage
    assert isinstance(storage, MemoryStorage)
    [record] = [r for k, r in storage.storage.items() if k.user_id == user_id]
    return record.state, dict(record.data)


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize(
    ("typed", "detail"),
    [
        ("A1", None),  # too short, and a digit
        ("Budi 2", None),
        ("😀😀😀", NOT_LETTERS),
        ("\u200b\u200b\u200b", INVISIBLE),  # zero-width spaces
        ("\u202eBudi", INVISIBLE),  # a right-to-left override
    ],
)
async def test_a_refused_name_is_explained_and_the_step_kept(
    ctx: Domain,
    office: int,
    dp: Dispatcher,
    new_chat: Callable[..., Chat_],
    language: str,
    typed: str,
    detail: dict[str, str] | None,
) -> None:
    chat = new_chat()
    await choose_language(chat, language)
    await reach_people(chat)
    before = fsm_record(dp, chat.user_id)
    assert before[0] == states.Booking.name.state

    await chat.send(typed)
    said = chat.last_text()
    assert said.startswith(RULE[language])
    if detail is not None:
        assert detail[language] in said
    assert fsm_record(dp, chat.user_id) == before
    assert await get_applicant(ctx, chat.user_id) is None

    await chat.send("Budi Santoso")
    assert NIK_PROMPT[language] in chat.last_text()
    state, data = fsm_record(dp, chat.user_id)
    assert state == states.Booking.nik.state
    assert data[states.OFFICE] == before[1][states.OFFICE]
    assert data[states.FULL_NAME] == "Budi Santoso"
