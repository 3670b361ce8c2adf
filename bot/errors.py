"""What a failed update gets, registered on the dispatcher by ``bot.factory``.

A ``NotFound`` (a stale, forged or someone else's button: an unknown office, slot
or appointment) is answered "This button is no longer valid." with the main
menu, and changes nothing; any other failure is logged and the user told, in
their language, without a traceback. Either way a callback query is answered
here, once: ``bot.middlewares.AnswerCallbacks`` leaves a failed one to these
handlers, and a failure before any handler (the FSM storage) never reached it.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import states
from bot.handlers.common import explain_stale_button, stale_button_text
from bot.i18n import normalize_language
from bot.keyboards import main_menu_kb

log = logging.getLogger(__name__)


async def locale_of(state: FSMContext | None, i18n: I18n) -> str:
    """The chat's language from its FSM data, without trusting the storage to answer."""
    try:
        stored = (await state.get_data()).get(states.LOCALE) if state is not None else None
    except Exception:  # noqa: BLE001 - the storage itself may be what failed
        stored = None
    return normalize_language(stored, i18n.default_locale)


async def answer_query(event: ErrorEvent, bot: Bot, text: str | None = None) -> None:
    """Stop the spinner of a failed update's button."""
    query = event.update.callback_query
    if query is None:
        return
    try:
        await bot.answer_callback_query(query.id, text=text)
    except Exception:  # noqa: BLE001 - nothing more to do; the failure is logged
        log.warning("could not answer the callback query of a failed update")


async def stale_button(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    """A ``NotFound``: say only that the button is no longer valid, and offer the
    menu in a new message. Nothing changes, not even the step the user is at."""
    update = event.update
    log.info("update %s: %s", update.update_id, type(event.exception).__name__)
    with i18n.context(), i18n.use_locale(await locale_of(data.get("state"), i18n)):
        await answer_query(event, bot, stale_button_text())
        shown = update.callback_query or update.message
        if shown is not None:
            await explain_stale_button(shown)


async def something_went_wrong(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    """Log the failure and tell the user, in their language, without a traceback."""
    update = event.update
    log.error(
        "update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    await answer_query(event, bot)
    chat_id = None
    if update.message is not None:
        chat_id = update.message.chat.id
    elif update.callback_query is not None:
        chat_id = update.callback_query.from_user.id
    if chat_id is None:
        return
    with i18n.context(), i18n.use_locale(await locale_of(data.get("state"), i18n)):
        text = _("Sorry, something went wrong. Please try again.")
        try:
            await bot.send_message(chat_id, text, reply_markup=main_menu_kb())
        except Exception:  # noqa: BLE001 - the user cannot be told; it is logged above
            log.warning("could not report a failed update to the user")
