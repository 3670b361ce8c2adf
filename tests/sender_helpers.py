"""Helpers of the sender tests: a Bot on the emulator and what it delivered."""

from __future__ import annotations

from collections import Counter

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator import ApiCall, BotApiEmulator

TOKEN = "123456:TEST-token"


def bot_for(api: BotApiEmulator) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))


def delivered(api: BotApiEmulator) -> list[ApiCall]:
    """The sendMessage calls the emulator accepted."""
    return [c for c in api.calls_of("sendMessage") if c.status == 200]


def delivered_texts(api: BotApiEmulator) -> Counter[str]:
    return Counter(str(c.params.get("text")) for c in delivered(api))
