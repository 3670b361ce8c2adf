"""Last router: anything no other handler took. Free text gets the help of the
current step, other message kinds a polite reply, unknown buttons a refusal."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from bot import callbacks as cb
from bot import states
from bot.handlers.common import RouterSpec, refuse
from bot.keyboards import main_menu_kb

router = RouterSpec("fallback")


def step_help(state_name: str | None) -> str | None:
    """What to do at the current step, or None outside any flow."""
    helps = {
        states.Booking.province.state: _("Please choose a province with the buttons above."),
        states.Booking.office.state: _("Please choose an office with the buttons above."),
        states.Booking.day.state: _("Please tap a date in the calendar above."),
        states.Booking.session.state: _("Please choose a session with the buttons above."),
        states.Booking.saved.state: _(
            "Please tap “Yes, use these details” or “Enter new details” above."
        ),
        states.Booking.name.state: _("Please type your full name as on your KTP."),
        states.Booking.nik.state: _("Please type your 16-digit NIK."),
        states.Booking.phone.state: _("Please tap “Share my phone number” or “Skip” below."),
        states.Booking.member_name.state: _(
            "Please type the family member's full name as on their KTP or family card (KK)."
        ),
        states.Booking.member_nik.state: _("Please type their 16-digit NIK."),
        states.Booking.service.state: _("Please choose a service with the buttons above."),
        states.Booking.priority.state: _("Please choose a priority option with the buttons above."),
        states.Booking.group.state: _(
            "Please add or remove a person, or tap “Continue ›”, with the buttons above."
        ),
        states.Booking.summary.state: _("Please tap “Confirm booking” above, or “Cancel” to stop."),
        states.Changing.cancel.state: _("Please tap “Yes, cancel it” or “No, keep it” above."),
        states.Changing.day.state: _("Please tap a date in the calendar above."),
        states.Changing.session.state: _("Please choose a session with the buttons above."),
        states.Changing.confirm.state: _("Please confirm the move with the buttons above."),
        states.Choosing.language.state: _("Please choose a language with the buttons above."),
        states.Booking.passport.state: _("Please choose a passport with the buttons above."),
        states.Booking.rename.state: _("Please type your full name as on your KTP."),
        states.Requesting.choices.state: _(
            "Please choose a date, “The earliest date” or “Continue ›” with the buttons above."
        ),
        states.Requesting.session.state: _("Please choose a session with the buttons above."),
        states.Requesting.summary.state: _("Please tap “Send request” above, or “Cancel” to stop."),
        states.Waitlisting.dates.state: _(
            "Please type one date (2026-12-07) or two (2026-12-07 2026-12-11)."
        ),
    }
    return helps.get(state_name) if state_name else None


@router.message(F.text)
async def unexpected_text(message: Message, state: FSMContext) -> None:
    help_text = step_help(await state.get_state())
    if help_text is None:
        await message.answer(
            _("I did not understand that. Please use the menu below, or /help."),
            reply_markup=main_menu_kb(),
        )
        return
    await message.answer(help_text + "\n" + _("Send /cancel to stop and go back to the menu."))


@router.message()
async def unexpected_media(message: Message, state: FSMContext) -> None:
    help_text = step_help(await state.get_state())
    text = _("Sorry, I can only read text messages and button taps.")
    if help_text:
        text += "\n" + help_text
        await message.answer(text)
    else:
        await message.answer(text, reply_markup=main_menu_kb())


@router.callback_query(cb.Noop.filter())
async def noop(
    query: CallbackQuery, callback_data: cb.Noop, callback_answer: CallbackAnswer
) -> None:
    if callback_data.what == "past":
        callback_answer.text = _("That date cannot be booked any more.")
    elif callback_data.what == "no_service":
        callback_answer.text = _("There is no service on that date.")


@router.callback_query()
async def unknown_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """Forged, garbled or outdated data: refuse without saying more; nothing changes."""
    await refuse(query, callback_answer)
