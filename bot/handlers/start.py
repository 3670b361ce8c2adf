"""/start, language choice, main menu, /help and /cancel."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from booking.core.context import Domain
from booking.people.applicants import set_language
from booking.people.views import ApplicantView
from bot import callbacks as cb
from bot import states
from bot.handlers.arrival import ARRIVE, arrive
from bot.handlers.booking.group import group_limit
from bot.handlers.common import Event, RouterSpec, show, show_main_menu
from bot.keyboards import home_kb, language_kb, restart_kb

router = RouterSpec("start")
# The booking steps whose progress /start would throw away (the province list has none).
BOOKING_PROGRESS = {s.state for s in states.Booking.__states__} - {states.Booking.province.state}


def language_prompt() -> str:
    # Shown before a language is chosen, so it speaks both.
    return "Pilih bahasa / Choose your language:"


def help_text(domain: Domain) -> str:
    return _(
        "Tanpa Antre helps you book passport appointments at immigration offices.\n\n"
        "/book: book an appointment, for yourself and your family\n"
        "/my: my appointments (show QR code, reschedule, cancel)\n"
        "/info: requirements, fees (PNBP) and FAQ\n"
        "/offices: office addresses, hours and locations\n"
        "/language: change the language\n"
        "/cancel: stop what you are doing and go back to the menu\n\n"
        "One account books up to {max} people (you and your family) into the same "
        "session, with one booking at a time. Each person (NIK) may hold one active "
        "appointment, whichever account booked it. "
        "Your NIK is never stored in plain form."
    ).format(max=group_limit(domain))


@router.message(CommandStart(deep_link=True, magic=F.args.startswith(ARRIVE)))
async def arrival_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    domain: Domain,
) -> None:
    """The arrival poster's QR code: ``/start arrive-<token>`` checks in (``arrival``);
    it leaves any flow, a booking too, since the applicant is at the office now."""
    token = (command.args or "").removeprefix(ARRIVE)
    await arrive(message, state, domain, token)


@router.message(CommandStart())
async def start(message: Message, state: FSMContext, applicant: ApplicantView | None) -> None:
    data = await state.get_data()
    if await state.get_state() in BOOKING_PROGRESS:
        await message.answer(
            _(
                "You are in the middle of a booking. Start again from the main menu? "
                "What you have chosen so far will be lost."
            ),
            reply_markup=restart_kb(),
        )
        return
    if applicant is None and not data.get(states.LOCALE):
        await state.set_state(states.Choosing.language)
        await message.answer(
            "Selamat datang di Tanpa Antre! Welcome to Tanpa Antre!\n\n" + language_prompt(),
            reply_markup=language_kb(),
        )
        return
    await show_main_menu(
        message, state, _("Welcome to Tanpa Antre: passport appointments without queues.")
    )


@router.message(Command("language"))
@router.callback_query(cb.Menu.filter(F.action == "lang"))
async def choose_language(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Choosing.language)
    await show(event, language_prompt(), language_kb())


@router.callback_query(cb.Lang.filter())
async def language_chosen(
    query: CallbackQuery,
    callback_data: cb.Lang,
    state: FSMContext,
    domain: Domain,
    i18n: I18n,
    applicant: ApplicantView | None,
) -> None:
    code = callback_data.code
    await state.update_data({states.LOCALE: code})
    if applicant is not None:
        await set_language(domain, applicant.telegram_id, code)
    with i18n.use_locale(code):
        await show_main_menu(query, state, _("Language set to English."))


@router.message(Command("help"))
@router.callback_query(cb.Menu.filter(F.action == "help"))
async def help_(event: Event, domain: Domain) -> None:
    await show(event, help_text(domain), home_kb())


@router.message(Command("menu", "cancel"))
@router.callback_query(cb.Menu.filter(F.action == "home"))
async def menu(event: Event, state: FSMContext) -> None:
    await show_main_menu(event, state)


@router.callback_query(cb.Menu.filter(F.action == "stay"))
async def stay_in_booking(query: CallbackQuery) -> None:
    """/start was a slip: the booking goes on at the step it was at."""
    await show(query, _("Good: go on with the step above."))


@router.callback_query(cb.Menu.filter(F.action == "keep"))
async def menu_below(query: CallbackQuery, state: FSMContext) -> None:
    """The menu under a record, as a new message: the record stays in the chat."""
    await show_main_menu(query, state, edit=False)
