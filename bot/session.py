"""One outgoing path: every Bot API call the bot makes keeps Telegram's limits.

``install_limits(bot, settings)`` adds ``TelegramLimits`` to the bot's session
(``bot.session.middleware``), so handlers, the outbox sender, the background file
sends and the admin exports all pass through it without remembering to.

* **Pace.** A message (a ``send*``, ``copy*``, ``forward*`` or ``edit*`` call) waits
  for the overall budget (``SEND_RATE_PER_S``, spaced evenly, no burst) and for
  its chat's (``SEND_RATE_PER_CHAT_PER_S`` with a burst of
  ``SEND_BURST_PER_CHAT``). Both are kept with a safety margin, so network jitter
  on the way to Telegram does not turn a send into a 429. With ``REDIS_URL`` the
  budgets are shared by every instance through the ``limits`` library's moving
  windows in Redis (``SharedBudget``); without it they live in the process.
* **The callback lane.** ``answerCallbackQuery`` is never paced and never waits
  behind messages: Telegram expects it within seconds and does not count it.
* **429.** ``TelegramRetryAfter`` pauses every paced call of this process for
  ``retry_after`` seconds, then the call is made again (a refused call was not
  carried out), up to ``MAX_RETRY_AFTER`` times.
* **Network errors and 5xx** are retried with backoff for calls that are safe to
  repeat (edits, answers, reads, settings). A send is not: it may have arrived, and
  what must arrive is in the outbox anyway (``docs/telegram-limits.md``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.config import BotSettings

if TYPE_CHECKING:
    from limits.aio.strategies import MovingWindowRateLimiter
    from limits.limits import RateLimitItem

UNPACED = frozenset({"answerCallbackQuery", "getUpdates"})
MESSAGE_PREFIXES = ("send", "copy", "forward", "edit")
SEND_PREFIXES = ("send", "copy", "forward")
Chat = int | str | None


def is_message(api_method: str) -> bool:
    """Counted by Telegram as a message (an edit counts like one)."""
    return api_method.startswith(MESSAGE_PREFIXES) and api_method != "sendChatAction"


def safe_to_repeat(api_method: str) -> bool:
    """Repeating it after a network error cannot show the user something twice."""
    return not api_method.startswith(SEND_PREFIXES)


@dataclass(frozen=True)
class Limits:
    rate_per_s: float = 30.0
    per_chat_per_s: float = 1.0
    burst_per_chat: int = 2
    # Overall, sends are spaced (1 + safety) / rate apart; to one chat,
    # (1 + chat_safety) / per_chat_per_s: a chat's sends are sparse, so a wide
    # margin there costs no throughput.
    safety: float = 0.05
    chat_safety: float = 0.2
    max_retry_after: int = 5
    network_retries: int = 3
    backoff_s: float = 0.5

    @classmethod
    def from_settings(cls, settings: BotSettings) -> Limits:
        return cls(
            rate_per_s=settings.send_rate_per_s,
            per_chat_per_s=settings.send_rate_per_chat_per_s,
            burst_per_chat=settings.send_burst_per_chat,
        )


class Budget(Protocol):
    async def take(self, chat: Chat) -> None:
        """Wait until one more message may go to ``chat`` (None: no chat)."""

    async def unpaused(self) -> None:
        """Wait out a 429 pause."""

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: nothing paced goes out for ``seconds``."""


async def _sleep_until(moment: Callable[[], float]) -> None:
    """Sleep until the monotonic time ``moment()``, which may move later meanwhile
    (a 429 pause)."""
    while True:
        wait = moment() - time.monotonic()
        if wait <= 0:
            return
        await asyncio.sleep(wait)


class LocalBudget:
    """The limits kept in this process: overall sends evenly spaced, each chat's
    by the generic cell rate algorithm (a token bucket of ``burst_per_chat``)."""

    def __init__(self, limits: Limits) -> None:
        self.interval = (1 + limits.safety) / limits.rate_per_s
        self.chat_interval = (1 + limits.chat_safety) / limits.per_chat_per_s
        self.chat_slack = (max(limits.burst_per_chat, 1) - 1) * self.chat_interval
        self.next_any = 0.0
        self.paused_until = 0.0
        # Per chat, the theoretical arrival time of its next message.
        self._chat_due: dict[Chat, float] = {}
        self._turn = asyncio.Lock()

    def chat_wait(self, chat: Chat, now: float) -> float:
        if chat is None:
            return 0.0
        return self._chat_due.get(chat, 0.0) - self.chat_slack - now

    def _take_chat(self, chat: Chat, now: float) -> None:
        if chat is None:
            return
        self._chat_due[chat] = max(self._chat_due.get(chat, 0.0), now) + self.chat_interval
        if len(self._chat_due) > 10_000:
            self._chat_due = {c: t for c, t in self._chat_due.items() if t > now}

    async def take(self, chat: Chat) -> None:
        while True:
            wait = self.chat_wait(chat, time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            async with self._turn:  # one in line for the overall budget at a time
                await _sleep_until(lambda: max(self.next_any, self.paused_until))
                now = time.monotonic()
                if self.chat_wait(chat, now) > 0:  # another send to it got in first
                    continue
                self.next_any = max(self.next_any, now) + self.interval
                self._take_chat(chat, now)
                return

    async def unpaused(self) -> None:
        await _sleep_until(lambda: self.paused_until)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)


class SharedBudget:
    """The limits shared by every instance: ``limits``' moving windows in Redis,
    over this process's ``LocalBudget`` (which spaces its sends evenly and keeps
    its 429 pauses). The shared overall window holds one message fewer than the
    limit, the margin for jitter between instances."""

    def __init__(
        self, limits: Limits, redis_url: str, *, key_prefix: str = "tanpa-antre-telegram"
    ) -> None:
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self.local = LocalBudget(limits)
        storage = RedisStorage(
            "async+" + redis_url.removeprefix("async+"),
            implementation="redispy",
            key_prefix=key_prefix,
        )
        self.limiter: MovingWindowRateLimiter = MovingWindowRateLimiter(storage)
        self.overall: RateLimitItem = RateLimitItemPerSecond(
            max(math.floor(limits.rate_per_s) - 1, 1)
        )
        burst = max(limits.burst_per_chat, 1)
        self.per_chat: RateLimitItem = RateLimitItemPerSecond(
            burst, max(math.ceil(burst * (1 + limits.chat_safety) / limits.per_chat_per_s), 1)
        )

    async def _wait_window(self, item: RateLimitItem, *key: str) -> None:
        stats = await self.limiter.get_window_stats(item, *key)
        await asyncio.sleep(min(max(stats.reset_time - time.time(), 0.0), 2.0) + 0.01)

    async def take(self, chat: Chat) -> None:
        chat_key = ("chat", str(chat))
        while True:
            await self.local.take(chat)
            if chat is not None and not await self.limiter.test(self.per_chat, *chat_key):
                await self._wait_window(self.per_chat, *chat_key)
                continue
            if not await self.limiter.hit(self.overall, "all"):
                await self._wait_window(self.overall, "all")
                continue
            # Another instance may have sent to the chat since the test: then this
            # overall slot goes unused, and the message waits for its chat again.
            if chat is None or await self.limiter.hit(self.per_chat, *chat_key):
                return

    async def unpaused(self) -> None:
        await self.local.unpaused()

    def pause(self, seconds: float) -> None:
        self.local.pause(seconds)


@dataclass
class LimitStats:
    retry_after_received: int = 0
    retried: int = 0


class TelegramLimits(BaseRequestMiddleware):
    """The session middleware: pacing, the callback lane, 429 and retries."""

    def __init__(self, budget: Budget, limits: Limits) -> None:
        self.budget = budget
        self.limits = limits
        self.stats = LimitStats()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name in UNPACED:
            return await make_request(bot, method)
        chat: Chat = getattr(method, "chat_id", None)
        refused = failed = 0
        while True:
            if is_message(name):
                await self.budget.take(chat)
            else:
                await self.budget.unpaused()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.stats.retry_after_received += 1
                self.budget.pause(exc.retry_after)
                refused += 1
                if refused > self.limits.max_retry_after:
                    raise
            except TelegramEntityTooLarge:
                raise
            except (TelegramNetworkError, TelegramServerError):
                failed += 1
                if not safe_to_repeat(name) or failed > self.limits.network_retries:
                    raise
                await asyncio.sleep(self.limits.backoff_s * 2 ** (failed - 1))
            self.stats.retried += 1


def build_budget(limits: Limits, redis_url: str | None) -> Budget:
    return SharedBudget(limits, redis_url) if redis_url else LocalBudget(limits)


def install_limits(bot: Bot, settings: BotSettings) -> TelegramLimits:
    """Put every call of ``bot`` on the one outgoing path; returns the middleware."""
    limits = Limits.from_settings(settings)
    middleware = TelegramLimits(build_budget(limits, settings.redis_url), limits)
    bot.session.middleware(middleware)
    return middleware


def limits_of(bot: Bot) -> TelegramLimits | None:
    """The bot's ``TelegramLimits``, if it has one."""
    for middleware in bot.session.middleware:
        if isinstance(middleware, TelegramLimits):
            return middleware
    return None
