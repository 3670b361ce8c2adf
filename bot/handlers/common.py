"""Helpers shared by the handlers: replying in place, resetting the flow, the main menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from magic_filter import MagicFilter

from bot import states
from bot.keyboards import main_menu_kb
from bot.texts import clip

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
Event = Message | CallbackQuery


async def show(event: Event, text: str, markup: Markup = None, *, edit: bool = True) -> None:
    """Reply to a message, or replace the tapped message's text (sending a new one
    when it cannot be edited)."""
    text = clip(text)
    if isinstance(event, Message):
        await event.answer(text, reply_markup=markup)
        return
    message = event.message
    if (
        edit
        and isinstance(message, Message)
        and not isinstance(markup, ReplyKeyboardMarkup | ReplyKeyboardRemove)
    ):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest:
            pass  # unchanged, too old, or not a text message: send a new one
    assert event.bot is not None
    await event.bot.send_message(event.from_user.id, text, reply_markup=markup)


async def reset_flow(state: FSMContext) -> None:
    """Leave any flow; keep only the chosen language."""
    locale = (await state.get_data()).get(states.LOCALE)
    await state.clear()
    if locale:
        await state.update_data({states.LOCALE: locale})


def main_menu_text() -> str:
    return _("What would you like to do?")


async def show_main_menu(event: Event, state: FSMContext, prefix: str | None = None) -> None:
    if await state.get_state() == states.Booking.phone.state:
        # Take away the contact-sharing keyboard of the step being left.
        await show(event, _("Cancelled."), ReplyKeyboardRemove(), edit=False)
    await reset_flow(state)
    text = main_menu_text() if prefix is None else f"{prefix}\n\n{main_menu_text()}"
    await show(event, text, main_menu_kb())


def user_id(event: Event) -> int:
    assert event.from_user is not None
    return event.from_user.id


HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


class RouterSpec:
    """Collects handlers with ``@spec.message(...)``/``@spec.callback_query(...)`` and
    builds a fresh ``Router`` per dispatcher (a Router can belong to only one parent,
    and tests build many dispatchers)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []

    def _on(self, event: str, *filters: Any) -> Callable[[HandlerT], HandlerT]:
        def register(handler: HandlerT) -> HandlerT:
            self.handlers.append((event, handler, filters))
            return handler

        return register

    def message(self, *filters: Any) -> Callable[[HandlerT], HandlerT]:
        return self._on("message", *filters)

    def callback_query(self, *filters: Any) -> Callable[[HandlerT], HandlerT]:
        return self._on("callback_query", *filters)

    def build(self) -> Router:
        """A fresh router; it serves private chats only (a NIK typed in a group would
        be seen by everyone, and replies go to the user, not the group)."""
        router = Router(name=self.name)
        router.message.filter(OnLoop(F.chat.type == ChatType.PRIVATE))
        router.callback_query.filter(OnLoop(F.message.chat.type == ChatType.PRIVATE))
        for event, handler, filters in self.handlers:
            router.observers[event].register(handler, *map(on_loop, filters))
        return router


class OnLoop(Filter):
    """A magic filter (``F...``) checked on the event loop.

    aiogram runs a filter that is a plain function, a magic filter included, in a
    worker thread (``asyncio.to_thread``): a thread hop and a trip round the event
    loop for every check of every update. A ``Filter`` with an async ``__call__``
    is awaited directly; this one resolves the magic filter there.
    """

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


def on_loop(f: Any) -> Any:
    """``f``, with a bare magic filter made an ``OnLoop`` one."""
    return OnLoop(f) if isinstance(f, MagicFilter) else f


async def refuse(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """Forged, garbled or outdated callback data: say only that the button is no
    longer valid and offer the menu in a new message. Nothing changes, not even the
    step the user is at."""
    text = _("This button is no longer valid.")
    callback_answer.text = text
    await show(query, f"{text}\n\n{main_menu_text()}", main_menu_kb(), edit=False)
