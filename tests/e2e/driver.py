"""A test user talking to the bot through the ``BotApiEmulator``: send a message,
press a button the bot offered (by its callback data), and wait for what the bot does."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from aiogram.filters.callback_data import CallbackData

from bot.emulator import ApiCall, BotApiEmulator

MESSAGE_METHODS = {
    "sendmessage",
    "editmessagetext",
    "editmessagereplymarkup",
    "sendphoto",
    "senddocument",
    "sendlocation",
    "sendvenue",
}
WAIT_S = 20.0

Predicate = Callable[[ApiCall], bool]


def inline_buttons(call: ApiCall) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [b for row in markup.get("inline_keyboard") or [] for b in row]


def keyboard_buttons(call: ApiCall) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [b for row in markup.get("keyboard") or [] for b in row]


def has_button(prefix: str) -> Predicate:
    """A message with an inline button whose callback data starts with ``prefix``."""
    return lambda call: any(
        str(b.get("callback_data", "")).startswith(prefix) for b in inline_buttons(call)
    )


def method_is(name: str) -> Predicate:
    return lambda call: call.method.lower() == name.lower()


def text_of(call: ApiCall) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


class Chat:
    def __init__(self, api: BotApiEmulator, user_id: int, language_code: str | None = None):
        self.api = api
        self.user_id = user_id
        self.language_code = language_code
        self.callbacks_sent: list[str] = []

    # --- what the bot did -----------------------------------------------------

    def calls(self, since: int = 0) -> list[ApiCall]:
        return [c for c in self.api.calls[since:] if c.chat_id == self.user_id]

    def messages(self, since: int = 0) -> list[ApiCall]:
        return [c for c in self.calls(since) if c.method.lower() in MESSAGE_METHODS]

    async def until(
        self, predicate: Predicate, since: int, wait_s: float = WAIT_S, *, any_chat: bool = False
    ) -> ApiCall:
        """The first call to this chat (or to any, for calls without a chat such as
        answerCallbackQuery) after index ``since`` that matches."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            for call in self.api.calls[since:] if any_chat else self.calls(since):
                if predicate(call):
                    return call
            if loop.time() > deadline:
                seen = [(c.method, plain(text_of(c))[:80]) for c in self.calls(since)]
                raise AssertionError(f"the bot did not do what was expected; it did: {seen}")
            await asyncio.sleep(0.02)

    async def settle(self, quiet_s: float = 0.2) -> None:
        """Wait until the bot has made no request for ``quiet_s``."""
        count = -1
        while count != len(self.api.calls):
            count = len(self.api.calls)
            await asyncio.sleep(quiet_s)

    def button(
        self, prefix: str = "", *, data: str | None = None, text: str | None = None
    ) -> tuple[str, int]:
        """(callback data, message id) of a button on the latest message that has one
        with exactly ``data``, or starting with ``prefix`` (and containing ``text``)."""
        for call in reversed(self.messages()):
            for b in inline_buttons(call):
                found = str(b.get("callback_data", ""))
                if data is not None and found != data:
                    continue
                if found.startswith(prefix) and (text is None or text in str(b.get("text"))):
                    return found, int(call.params["_message_id"])
        raise AssertionError(f"the bot offers no button {data or prefix!r} {text or ''}".strip())

    def button_where(self, kind: type[CallbackData], **fields: Any) -> str:
        """Callback data of a button on the latest message offering one of ``kind``
        whose fields have the given values (other fields may be anything)."""
        prefix = kind.__prefix__ + kind.__separator__
        for call in reversed(self.messages()):
            for b in inline_buttons(call):
                found = str(b.get("callback_data", ""))
                if not found.startswith(prefix):
                    continue
                unpacked = kind.unpack(found)
                if all(getattr(unpacked, k) == v for k, v in fields.items()):
                    return found
        raise AssertionError(f"the bot offers no {kind.__name__} button with {fields}")

    # --- what the user does ---------------------------------------------------

    async def send(self, text: str, expect: Predicate | None = None) -> ApiCall:
        mark = len(self.api.calls)
        self.api.send_text(self.user_id, text, language_code=self.language_code)
        return await self.until(expect or self._any_message, mark)

    async def share_contact(self, phone: str, expect: Predicate | None = None) -> ApiCall:
        mark = len(self.api.calls)
        self.api.share_contact(self.user_id, phone)
        return await self.until(expect or self._any_message, mark)

    async def tap(
        self, kind: type[CallbackData], expect: Predicate | None = None, **fields: Any
    ) -> ApiCall:
        """Press the button of ``kind`` with these field values (see ``button_where``)."""
        return await self.press(data=self.button_where(kind, **fields), expect=expect)

    async def press(
        self,
        prefix: str = "",
        *,
        data: str | None = None,
        text: str | None = None,
        expect: Predicate | None = None,
    ) -> ApiCall:
        """Press a button the bot offered and wait for the answer to the callback
        query and for ``expect`` (by default: the answer itself)."""
        found, message_id = self.button(prefix, data=data, text=text)
        mark = len(self.api.calls)
        update = self.api.press(
            self.user_id, found, message_id=message_id, language_code=self.language_code
        )
        query_id = update["callback_query"]["id"]
        self.callbacks_sent.append(query_id)
        answer = await self.until(
            lambda c: (
                c.method.lower() == "answercallbackquery"
                and c.params.get("callback_query_id") == query_id
            ),
            mark,
            any_chat=True,
        )
        return answer if expect is None else await self.until(expect, mark)

    def unanswered_callbacks(self) -> list[str]:
        answered = {
            c.params.get("callback_query_id")
            for c in self.api.calls
            if c.method.lower() == "answercallbackquery"
        }
        return [q for q in self.callbacks_sent if q not in answered]

    @staticmethod
    def _any_message(call: ApiCall) -> bool:
        return call.method.lower() in MESSAGE_METHODS
