"""The one outgoing path (``bot.session``): every call through the bot's session
keeps the limits, answers callbacks on their own lane, honours 429 and retries
what is safe to repeat. Measured at the Bot API emulator, which counts every
request it receives, refused ones too."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramServerError

from bench.reminders import max_in_window, max_per_chat_in_window
from bot.emulator import BotApiEmulator
from bot.session import Limits, LocalBudget, SharedBudget, TelegramLimits
from tests.sender_helpers import bot_for, delivered


def limited_bot(api: BotApiEmulator, limits: Limits, budget: object | None = None) -> Bot:
    bot = bot_for(api)
    bot.session.middleware(TelegramLimits(budget or LocalBudget(limits), limits))  # type: ignore[arg-type]
    return bot


async def send_all(bot: Bot, chats: list[int]) -> None:
    await asyncio.gather(*(bot.send_message(chat, f"m{i}") for i, chat in enumerate(chats)))


async def test_one_instance_without_redis_paces_itself():
    limit = 20
    async with BotApiEmulator(global_per_s=limit, per_chat_per_s=1, per_chat_burst=3) as api:
        bot = limited_bot(api, Limits(rate_per_s=limit))
        try:
            await send_all(bot, list(range(1, 61)))
        finally:
            await bot.session.close()
    calls = api.calls_of("sendMessage")
    assert api.retry_after_sent == 0
    assert len(delivered(api)) == 60
    assert max_in_window([c.at for c in calls]) <= limit


async def test_sends_to_one_chat_are_paced_with_a_small_burst():
    async with BotApiEmulator(global_per_s=30, per_chat_per_s=1, per_chat_burst=3) as api:
        bot = limited_bot(api, Limits(burst_per_chat=2))
        try:
            started = time.monotonic()
            await send_all(bot, [7] * 5 + [8])
            elapsed = time.monotonic() - started
        finally:
            await bot.session.close()
    assert api.retry_after_sent == 0
    assert len(delivered(api)) == 6
    # Two at once, then one every 1.2 s (the per-chat margin): the fifth at 3.6 s.
    assert 3.4 < elapsed < 6
    to_seven = sorted(c.at for c in api.calls_of("sendMessage", chat_id=7))
    gaps = [b - a for a, b in zip(to_seven[1:], to_seven[2:], strict=False)]
    assert min(gaps) >= 1.0
    # The other chat did not wait behind chat 7.
    (to_eight,) = api.calls_of("sendMessage", chat_id=8)
    assert to_eight.at - to_seven[0] < 0.5


async def test_a_429_storm_pauses_every_send_and_none_exceeds_the_limits():
    limit = 20
    async with BotApiEmulator(global_per_s=limit, per_chat_per_s=1) as api:
        api.fail_next("sendMessage", 429, times=3, retry_after=1)
        api.fail_next("editMessageText", 429, times=1, retry_after=1)
        bot = limited_bot(api, Limits(rate_per_s=limit))
        try:
            edit = bot.edit_message_text("edited", chat_id=999, message_id=1)
            await asyncio.gather(send_all(bot, list(range(1, 31))), edit)
        finally:
            await bot.session.close()
    refused = [c for c in api.calls if c.status == 429]
    accepted = [c for c in api.calls if c.status == 200]
    assert len(refused) == 4
    assert len(delivered(api)) == 30  # each once: every refused call was made again
    assert len({c.params["text"] for c in delivered(api)}) == 30
    # No call went out within a pause: each refusal held back every later request.
    for no in refused:
        inside = [c for c in accepted if no.at < c.at < no.at + 0.95]
        assert inside == []
    assert max_in_window([c.at for c in api.calls]) <= limit


async def test_callback_answers_are_not_delayed_behind_a_backlog_of_messages():
    async with BotApiEmulator(global_per_s=10) as api:
        bot = limited_bot(api, Limits(rate_per_s=10))
        try:
            backlog = asyncio.ensure_future(send_all(bot, list(range(1, 41))))  # ~4 s
            await asyncio.sleep(0.3)
            started = time.monotonic()
            await bot.answer_callback_query("query-1", text="ok")
            answered_in = time.monotonic() - started
            assert not backlog.done()
            await backlog
        finally:
            await bot.session.close()
    assert answered_in < 0.5
    assert api.retry_after_sent == 0


async def test_server_errors_are_retried_only_for_calls_safe_to_repeat():
    async with BotApiEmulator() as api:
        api.fail_next("editMessageText", 500, times=2)
        api.fail_next("sendMessage", 500)
        bot = limited_bot(api, Limits(backoff_s=0.01))
        try:
            await bot.edit_message_text("edited", chat_id=5, message_id=1)
            with pytest.raises(TelegramServerError):
                await bot.send_message(5, "not repeated")
        finally:
            await bot.session.close()
    assert [c.status for c in api.calls_of("editMessageText")] == [500, 500, 200]
    assert [c.status for c in api.calls_of("sendMessage")] == [500]


async def test_two_instances_with_redis_never_exceed_the_shared_limit_together():
    from tests.scale.conftest import need_redis

    redis_url = need_redis()
    limit = 20
    limits = Limits(rate_per_s=limit)
    async with BotApiEmulator(global_per_s=limit, per_chat_per_s=1, per_chat_burst=3) as api:
        # A fresh key prefix per run: the windows of an earlier run do not count.
        prefix = f"test-{uuid.uuid4().hex[:8]}"
        budgets = [SharedBudget(limits, redis_url, key_prefix=prefix) for _ in range(2)]
        bots = [limited_bot(api, limits, b) for b in budgets]
        try:
            started = time.monotonic()
            # Both send 40 at once, two to each chat between them.
            await asyncio.gather(*(send_all(b, list(range(1, 41))) for b in bots))
            elapsed = time.monotonic() - started
        finally:
            for b in bots:
                await b.session.close()
    calls = api.calls_of("sendMessage")
    assert api.retry_after_sent == 0
    assert len(delivered(api)) == 80
    assert max_in_window([c.at for c in calls]) <= limit
    assert max_per_chat_in_window(calls) <= 2
    assert elapsed > 80 / limit - 1.5  # they shared the budget rather than doubling it
