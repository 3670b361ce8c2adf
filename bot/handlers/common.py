"""Helpers shared by the handlers: replying in place, resetting the flow, the main
menu, and the router builder that shows a router's domain refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import BaseMiddleware, F, Router
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

from booking.core.errors import BookingError, NotFound
from bot import states
from bot.keyboards import main_menu_kb
from bot.texts import clip, domain_error

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


async def show_main_menu(
    event: Event, state: FSMContext, prefix: str | None = None, *, edit: bool = True
) -> None:
    """Leave any flow and show the menu: in place of the tapped message, or with
    ``edit=False`` in a new one."""
    if await state.get_state() == states.Booking.phone.state:
        # Take away the contact-sharing keyboard of the step being left.
        await show(event, _("Cancelled."), ReplyKeyboardRemove(), edit=False)
    await reset_flow(state)
    text = main_menu_text() if prefix is None else f"{prefix}\n\n{main_menu_text()}"
    await show(event, text, main_menu_kb(), edit=edit)


def user_id(event: Event) -> int:
    assert event.from_user is not None
    return event.from_user.id


HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])
# Shows a domain refusal a handler let through: (event, handler data, error).
ShowRefusal = Callable[[Event, dict[str, Any], BookingError], Awaitable[None]]


async def refusal_to_menu(event: Event, data: dict[str, Any], exc: BookingError) -> None:
    """The refusal's explanation, and back to the main menu (the flow is left)."""
    await show_main_menu(event, data["state"], domain_error(exc))


class ShowRefusals(BaseMiddleware):
    """A router's inner middleware: a domain error its handlers let through is
    shown by ``show_refusal``. ``NotFound`` goes on to the dispatcher's error
    handler (``bot.errors``): the same "no longer valid" for every router."""

    def __init__(self, show_refusal: ShowRefusal) -> None:
        self.show_refusal = show_refusal

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except NotFound:
            raise
        except BookingError as exc:
            assert isinstance(event, Message | CallbackQuery)
            await self.show_refusal(event, data, exc)
            return None


class RouterSpec:
    """Collects handlers with ``@spec.message(...)``/``@spec.callback_query(...)`` and
    builds a fresh ``Router`` per dispatcher (a Router can belong to only one parent,
    and tests build many dispatchers). With ``show_refusal``, the domain errors its
    handlers let through (other than ``NotFound``) are shown by it."""

    def __init__(self, name: str, *, show_refusal: ShowRefusal | None = None) -> None:
        self.name = name
        self.show_refusal = show_refusal
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
        if self.show_refusal is not None:
            refusals = ShowRefusals(self.show_refusal)
            router.message.middleware(refusals)
            router.callback_query.middleware(refusals)
        for event, handler, filters in self.handlers:
            router.observers[event].register(handler, *map(on_loop, filters))
        return router


class RouterGroup:
    """Builds one router named ``name`` around the routers of ``specs``, tried in
    that order: a feature split into modules stays one router of the dispatcher."""

    def __init__(self, name: str, *specs: RouterSpec) -> None:
        self.name = name
        self.specs = specs

    def build(self) -> Router:
        router = Router(name=self.name)
        router.include_routers(*(spec.build() for spec in self.specs))
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


def stale_button_text() -> str:
    return _("This button is no longer valid.")


async def explain_stale_button(event: Event) -> None:
    """Offer the menu in a new message, after "this button is no longer valid"."""
    await show(event, f"{stale_button_text()}\n\n{main_menu_text()}", main_menu_kb(), edit=False)


async def refuse(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """Forged, garbled or outdated callback data: say only that the button is no
    longer valid and offer the menu in a new message. Nothing changes, not even the
    step the user is at. (A handler may instead raise ``NotFound``: the dispatcher's
    error handler, ``bot.errors``, says the same.)"""
    callback_answer.text = stale_button_text()
    await explain_stale_button(query)
