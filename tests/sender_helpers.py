"""Helpers of the sender tests: a Bot on the emulator, and window counts."""

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


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any window ``(t - window, t]``, as the emulator counts them."""
    ordered = sorted(times)
    best, first = 0, 0
    for i, t in enumerate(ordered):
        while t - ordered[first] >= window:
            first += 1
        best = max(best, i - first + 1)
    return best


def max_per_chat_in_window(calls: list[ApiCall], window: float = 1.0) -> int:
    by_chat: dict[int | None, list[float]] = {}
    for call in calls:
        by_chat.setdefault(call.chat_id, []).append(call.at)
    return max((max_in_window(ts, window) for ts in by_chat.values()), default=0)
