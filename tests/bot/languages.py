"""The "no English in Indonesian mode" check, run after every dispatcher test.

``LocaleRecordingSession`` notes the locale each Bot API request was made in (the
i18n context of the handler, or the locale an outbox notice was rendered in);
``check_no_english`` then fails on any English catalogue string inside a request
made in Indonesian: its text, caption, callback answer or button labels."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bench.recording import RecordingSession
from bot.i18n import LOCALES_DIR
from tests.bot.test_i18n import BOT_DIR

KEYWORDS = {**DEFAULT_KEYWORDS, "__": None, "lazy_gettext": None}
# A fragment between placeholders is "English" when it has two words or more, and
# no Indonesian translation holds it too ("QR {code}", "✅ Check-in" read the same).
TWO_WORDS = re.compile(r"[A-Za-z]+[’']?[a-z]*\s+[A-Za-z]+")


class LocaleRecordingSession(RecordingSession):
    """A ``RecordingSession`` that also notes the locale of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.locales: dict[int, str | None] = {}  # by id() of the request
        # Texts of outbox notices, by the locale they were rendered in (the sender
        # loop sends them outside any i18n context).
        self.rendered: dict[str, str] = {}

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        i18n = I18n.get_current(no_error=True)
        self.locales[id(method)] = i18n.current_locale if i18n is not None else None
        return await super().make_request(bot, method, timeout)

    def requests_in(self, locale: str) -> list[TelegramMethod[Any]]:
        out = []
        for request in self.requests:
            text = getattr(request, "text", None) or getattr(request, "caption", None)
            if self.rendered.get(text or "", self.locales.get(id(request))) == locale:
                out.append(request)
        return out


@lru_cache(maxsize=1)
def english_fragments() -> tuple[str, ...]:
    """The English pieces of the catalogue that no Indonesian translation uses."""
    with (LOCALES_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        indonesian = "\n".join(
            s
            for m in read_po(f, locale="id")
            if m.id
            for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        )
    fragments = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(BOT_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        for msgid in (message,) if isinstance(message, str) else message:
            if not msgid:
                continue
            # Placeholders, lines, sentences and quoted names split a message.
            for piece in re.split(r"\{[^}]*\}|\n|“[^”]*”|(?<=[.!?:;])\s", msgid):
                piece = piece.strip(" .,:;()")
                if TWO_WORDS.search(piece) and piece not in indonesian:
                    fragments.add(piece)
    return tuple(sorted(fragments, key=len, reverse=True))


def shown_texts(request: TelegramMethod[Any]) -> list[str]:
    texts = [
        str(value)
        for value in (getattr(request, "text", None), getattr(request, "caption", None))
        if value
    ]
    markup = getattr(request, "reply_markup", None)
    if isinstance(markup, InlineKeyboardMarkup):
        texts += [b.text for row in markup.inline_keyboard for b in row]
    elif isinstance(markup, ReplyKeyboardMarkup):
        texts += [b.text for row in markup.keyboard for b in row]
    return texts


def english_in(text: str) -> list[str]:
    return [f for f in english_fragments() if f in text]


def is_language_choice(request: TelegramMethod[Any]) -> bool:
    """The language prompt speaks both languages: no language is chosen yet."""
    markup = getattr(request, "reply_markup", None)
    return isinstance(markup, InlineKeyboardMarkup) and any(
        (b.callback_data or "").startswith("lg:") for row in markup.inline_keyboard for b in row
    )


def check_no_english(session: LocaleRecordingSession) -> None:
    for request in session.requests_in("id"):
        if is_language_choice(request):
            continue
        for text in shown_texts(request):
            found = english_in(text)
            assert not found, (
                f"English {found} shown in Indonesian mode ({request.__api_method__}): {text!r}"
            )
