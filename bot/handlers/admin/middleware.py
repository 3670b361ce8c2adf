"""The admin router's middleware: it gives each admin handler its context, keeps
handlers away from offices the user does not administer, and explains the domain
errors a handler raises.

- ``admin`` (an ``AdminContext``) goes to every handler that asks for it.
- ``office`` goes to every handler that asks for it: the office in the tapped
  button's callback data, or for typed text the office chosen in this chat (FSM
  data), and only after ``access.office_of`` checked it against the user. When
  there is none, the handler does not run: a tap gets "This button is no longer
  valid", typed text gets "You no longer administer that office".
- A ``BookingError`` out of a handler is answered with ``texts.admin_error`` and
  "Nothing was changed." (without that note where the handler is flagged
  ``@flags.plain_refusal``: check-in and look-ups). A typed prompt stays open for
  another try. A tap naming a session of another office is refused as forged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _

from booking.core.errors import BookingError, SlotNotFound
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.access import office_of
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.states import ADMIN_OFFICE
from bot.handlers.admin.texts import admin_error, nothing_changed
from bot.handlers.common import refuse, show

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AdminMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        admin = await admin_context(event, data)
        if "office" in data["handler"].params:
            if admin.office is None:
                await not_administered(event, data)
                return None
            data["office"] = admin.office
        data["admin"] = admin
        try:
            return await handler(event, data)
        except BookingError as exc:
            await explain(event, data, admin, exc)
            return None


async def admin_context(event: TelegramObject, data: dict[str, Any]) -> AdminContext:
    user: User = data["event_from_user"]
    state: FSMContext = data["state"]
    if isinstance(event, CallbackQuery):
        office_id = getattr(data.get("callback_data"), "office", None)
    else:
        office_id = (await state.get_data()).get(ADMIN_OFFICE)
    office = None
    if isinstance(office_id, int):
        office = await office_of(data["domain"], data["settings"], user.id, office_id)
    return AdminContext(
        domain=data["domain"],
        settings=data["settings"],
        state=state,
        locale=data["locale"],
        content=data["content"],
        user_id=user.id,
        office=office,
    )


async def not_administered(event: TelegramObject, data: dict[str, Any]) -> None:
    if isinstance(event, CallbackQuery):
        await refuse(event, data["callback_answer"])
    elif isinstance(event, Message):
        await data["state"].set_state(None)
        await event.answer(_("You no longer administer that office. Send /admin to start again."))


async def explain(
    event: TelegramObject, data: dict[str, Any], admin: AdminContext, exc: BookingError
) -> None:
    text = admin_error(exc, admin.locale)
    if not get_flag(data, "plain_refusal"):
        text = f"{text} {nothing_changed()}"
    if isinstance(event, CallbackQuery):
        if isinstance(exc, SlotNotFound) or admin.office is None:
            await refuse(event, data["callback_answer"])
            return
        await show(event, text, kb.back_kb(admin.office.id))
    elif isinstance(event, Message):
        await event.answer(text)
