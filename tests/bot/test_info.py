"""Requirements & fees, FAQ (from the content file) and offices (with a location pin)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from aiogram import Bot
from aiogram.methods import SendLocation, SendMessage

from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.offices.content import DEFAULT_CONTENT_FILE
from booking.offices.lookup import get_office
from bot.factory import build_dispatcher
from tests.bot.conftest import SQLITE_ONLY, make_bot_settings
from tests.bot.flows import choose_language
from tests.bot.recording import Chat_, RecordingSession

pytestmark = SQLITE_ONLY


async def chat_with_content(
    ctx: Domain,
    settings: BookingSettings,
    tmp_path: Path,
    bot: Bot,
    content: dict[str, Any],
    user_id: int,
) -> Chat_:
    """An English chat with a dispatcher reading ``content`` as its CONTENT_FILE."""
    custom = tmp_path / "content.yaml"
    custom.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    dp = build_dispatcher(make_bot_settings(settings, content_file=custom), ctx)
    chat = Chat_(dp=dp, bot=bot, user_id=user_id)
    await choose_language(chat, "en")
    return chat


async def test_requirements_for_each_service_in_both_languages(
    ctx: Domain, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await choose_language(chat, "id")
    await chat.tap("mn:info")
    await chat.press("in:requirements:", "Paspor baru")
    text = chat.last_text()
    assert "Kartu Keluarga (KK) asli" in text and "KTP elektronik asli" in text

    await chat.tap("mn:lang")
    await chat.press("lg:en")
    await chat.send("/info")
    await chat.press("in:requirements:renewal")
    text = chat.last_text()
    assert "Your old passport" in text
    assert "Kartu Keluarga" not in text


async def test_fees_follow_pp_45_2024(ctx: Domain, english_chat: Chat_) -> None:
    await english_chat.tap("mn:info")
    await english_chat.press("in:fees")
    text = english_chat.last_text()
    assert "Ordinary (non-electronic) passport, 5 years: Rp350,000" in text
    assert "Ordinary (non-electronic) passport, 10 years: Rp650,000" in text
    assert "Electronic passport, 5 years: Rp650,000" in text
    assert "Electronic passport, 10 years: Rp950,000" in text
    await english_chat.tap("mn:lang")
    await english_chat.press("lg:id")
    await english_chat.tap("in:fees:")
    assert "Paspor elektronik, 10 tahun: Rp950.000" in english_chat.last_text()


async def test_faq(ctx: Domain, english_chat: Chat_) -> None:
    await english_chat.tap("in:faq:")
    assert "How often can I reschedule?" in english_chat.last_text()


async def test_content_comes_from_the_configured_file(
    ctx: Domain, settings: BookingSettings, tmp_path: Path, bot: Bot, session: RecordingSession
) -> None:
    data = yaml.safe_load(DEFAULT_CONTENT_FILE.read_text(encoding="utf-8"))
    data["fees"][0]["amount"] = 400000
    data["fees"][0]["label"]["en"] = "Changed passport fee"
    chat = await chat_with_content(ctx, settings, tmp_path, bot, data, 555001)
    await chat.tap("in:fees:")
    assert "Changed passport fee: Rp400,000" in chat.last_text()


async def test_office_details_and_location_pin(
    ctx: Domain, office: int, english_chat: Chat_
) -> None:
    await english_chat.tap("mn:offices")
    await english_chat.press("pv:info:")
    sent = await english_chat.press(f"of:info:{office}")
    text = english_chat.last_text()
    o = await get_office(ctx, office)
    assert o.name in text and o.address in text
    assert "Time zone: WIB (Asia/Jakarta)" in text
    assert "Pagi: 08:00–10:00 WIB" in text and "Mon, Tue, Wed, Thu, Fri" in text
    [pin] = [r for r in sent if isinstance(r, SendLocation)]
    assert (pin.latitude, pin.longitude) == (-6.2567, 106.8305)
    assert pin.chat_id == english_chat.user_id


async def test_a_message_that_cannot_be_edited_is_sent_anew(
    ctx: Domain, english_chat: Chat_, session: RecordingSession
) -> None:
    session.refuse.add("editMessageText")
    sent = await english_chat.tap("in:faq:")
    assert [r.__api_method__ for r in sent] == [
        "editMessageText",
        "sendMessage",
        "answerCallbackQuery",
    ]
    assert "How often can I reschedule?" in english_chat.last_text()


async def test_overlong_content_is_clipped_to_telegrams_limit(
    ctx: Domain, settings: BookingSettings, tmp_path: Path, bot: Bot
) -> None:
    data = yaml.safe_load(DEFAULT_CONTENT_FILE.read_text(encoding="utf-8"))
    data["faq"][0]["a"]["en"] = "Panjang sekali. " * 400  # 6400 characters
    chat = await chat_with_content(ctx, settings, tmp_path, bot, data, 555002)
    await chat.tap("in:faq:")
    text = chat.last_text()
    assert len(text) == 4096 and text.endswith("…")


async def test_how_to_pay_comes_from_the_content_file_as_a_new_message(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await choose_language(chat, "id")
    await chat.tap("mn:info")
    sent = await chat.press("in:payment")
    [message] = [r for r in sent if isinstance(r, SendMessage)]  # never an edit
    for said in ("kode billing", "SIMPONI", "dalam 2 jam", "tidak dikembalikan", "Rp950.000"):
        assert said in message.text, said
