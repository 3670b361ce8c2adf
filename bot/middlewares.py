"""Middlewares: per-user throttling, locale resolution, the applicant, and answering
every callback query."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, TelegramObject, Update, User
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n, I18nMiddleware

from booking.core.context import Domain
from booking.people.applicants import get_applicant
from bot import states
from bot.i18n import normalize_language

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass
class Bucket:
    tokens: float
    updated: float
    warned: bool = False


class ThrottleMiddleware(BaseMiddleware):
    """A token bucket per Telegram user, checked before any database work.

    Each update takes one token; tokens refill at ``rate`` per second up to
    ``burst``. An update finding the bucket empty is dropped: a callback query is
    still answered (so no button keeps spinning), and the first dropped message of
    a flood gets one "slow down" reply, in a private chat only: the bot sends
    nothing to a group it does not serve.
    """

    MAX_USERS = 50_000

    def __init__(
        self,
        rate: float,
        burst: int,
        i18n: I18n,
        default_locale: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = max(rate, 0.0)
        self.burst = max(burst, 1)
        self.i18n = i18n
        self.default_locale = default_locale
        self.clock = clock
        self.buckets: dict[int, Bucket] = {}

    def take(self, user_id: int) -> Bucket | None:
        """Take a token; return the emptied bucket when there is none left."""
        now = self.clock()
        bucket = self.buckets.get(user_id)
        if bucket is None:
            if len(self.buckets) >= self.MAX_USERS:
                self._forget_full(now)
            bucket = self.buckets[user_id] = Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return None
        return bucket

    def _forget_full(self, now: float) -> None:
        for user_id, b in list(self.buckets.items()):
            if b.tokens + (now - b.updated) * self.rate >= self.burst:
                del self.buckets[user_id]

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update):
            return await handler(event, data)
        bucket = self.take(user.id)
        if bucket is None:
            return await handler(event, data)
        log.info("throttled an update from user %s", user.id)
        locale = await self._locale(data)
        text = self.i18n.gettext("Too many requests. Please wait a moment.", locale=locale)
        bot: Bot = data["bot"]
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id, text=text)
            elif (
                event.message is not None
                and event.message.chat.type == ChatType.PRIVATE
                and not bucket.warned
            ):
                bucket.warned = True
                await bot.send_message(event.message.chat.id, text)
        except TelegramAPIError:
            log.warning("could not tell a throttled user to slow down")
        return None

    async def _locale(self, data: dict[str, Any]) -> str:
        state: FSMContext | None = data.get("state")
        stored = (await state.get_data()).get(states.LOCALE) if state else None
        return normalize_language(stored, self.default_locale)


class LocaleMiddleware(I18nMiddleware):
    """aiogram's gettext middleware with the user's language.

    The language chosen in this chat is kept in the FSM data (shared by every bot
    instance when the storage is Redis), so an update is localized without a
    database read. When the FSM data has none (a new chat, or the storage was
    emptied), the applicant's saved language is read once and put back there.
    Choosing a language writes both (``handlers.start.language_chosen``).
    """

    def __init__(self, i18n: I18n, domain: Domain, default_locale: str) -> None:
        super().__init__(i18n=i18n)
        self.domain = domain
        self.default_locale = normalize_language(default_locale, "id")

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        state: FSMContext | None = data.get("state")
        user: User | None = data.get("event_from_user")
        chosen = (await state.get_data()).get(states.LOCALE) if state is not None else None
        if chosen:
            locale = normalize_language(chosen, self.default_locale)
        elif user is not None and (applicant := await get_applicant(self.domain, user.id)):
            data["applicant"] = applicant
            locale = normalize_language(applicant.language, self.default_locale)
            if state is not None:
                await state.update_data({states.LOCALE: locale})
        else:
            locale = self.default_locale
        data["locale"] = locale
        return locale


class ApplicantMiddleware(BaseMiddleware):
    """Gives the handlers that take an ``applicant`` argument the registered
    applicant (or None), read only for them: most updates need no applicant."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        wanted = "applicant" in getattr(data.get("handler"), "params", ())
        user: User | None = data.get("event_from_user")
        if wanted and "applicant" not in data:
            data["applicant"] = await get_applicant(self.domain, user.id) if user else None
        return await handler(event, data)


class AnswerCallbacks(CallbackAnswerMiddleware):
    """aiogram's ``CallbackAnswerMiddleware``: every callback query is answered once,
    after its handler. Handlers set ``callback_answer.text`` (or ``show_alert``) for a
    toast instead of answering themselves.

    Two things differ. A handler that fails leaves the answer to the dispatcher's
    error handlers (``bot.errors``), which know what to say ("no longer valid", or
    nothing). And an answer Telegram refuses (the query is too old) is only logged:
    nothing is left spinning.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async def answered_unless_failed(event: TelegramObject, data: dict[str, Any]) -> Any:
            try:
                return await handler(event, data)
            except Exception:
                data["callback_answer"].disable()
                raise

        return await super().__call__(answered_unless_failed, event, data)

    async def answer(self, event: CallbackQuery, callback_answer: CallbackAnswer) -> None:  # type: ignore[override]
        try:
            await super().answer(event, callback_answer)
        except TelegramAPIError:
            log.debug("callback query %s could not be answered", event.id)
