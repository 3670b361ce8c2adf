"""Booking, third step: the applicant's details. A returning applicant keeps or
re-enters the saved ones; otherwise the name, the NIK, the phone (optional), then
the priority service, which leads to the summary."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from booking.appointments.service import check_priority
from booking.calendar.availability import session_by_id
from booking.core.context import Domain
from booking.core.errors import InvalidName, InvalidNik, PriorityNotEligible
from booking.core.kinds import PriorityReason, ServiceType
from booking.offices.content import Content
from booking.people.applicants import register_applicant, set_phone, validate_nik
from booking.people.names import check_name
from booking.people.views import ApplicantView
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking.shared import flow_expired
from bot.handlers.common import Event, RouterSpec, refusal_to_menu, show
from bot.texts import documents, domain_error, priority_name, service_name, session_line

router = RouterSpec("booking-details", show_refusal=refusal_to_menu)

# What a person types at a step; a command (/my, /admin, ...) is left to its own handler.
TYPED = F.text & ~F.text.startswith("/")


async def ask_saved(event: Event, state: FSMContext, applicant: ApplicantView) -> None:
    await state.set_state(states.Booking.saved)
    text = _(
        "Your saved details:\nName: {name}\nNIK: {nik}\nPhone: {phone}\n\nUse these details?"
    ).format(
        name=applicant.full_name,
        nik=applicant.nik_masked,
        phone=applicant.phone or _("not given"),
    )
    await show(event, text, kb.saved_details_kb())


async def ask_name(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Booking.name)
    await show(event, _("Please type your full name exactly as on your KTP."))


@router.callback_query(cb.Saved.filter(), states.Booking.saved)
async def saved_chosen(
    query: CallbackQuery,
    callback_data: cb.Saved,
    state: FSMContext,
    applicant: ApplicantView | None,
) -> None:
    if not (await state.get_data()).get(states.SLOT) or applicant is None:
        await flow_expired(query, state)
        return
    if callback_data.action == "edit":
        await ask_name(query, state)
    elif applicant.phone is None:
        await ask_phone(query, state)
    else:
        await ask_priority(query, state)


@router.message(states.Booking.name, TYPED)
async def name_typed(message: Message, state: FSMContext) -> None:
    assert message.text is not None
    try:
        name = check_name(message.text)
    except InvalidName as exc:
        await message.answer(domain_error(exc))
        return
    await state.update_data({states.FULL_NAME: name})
    await state.set_state(states.Booking.nik)
    await message.answer(
        _(
            "Now type your NIK: the 16-digit number on your KTP. "
            "It is checked and then kept only in masked form."
        )
    )


@router.message(states.Booking.nik, TYPED)
async def nik_typed(
    message: Message, state: FSMContext, domain: Domain, locale: str, bot: Bot
) -> None:
    assert message.text is not None and message.from_user is not None
    data = await state.get_data()
    name = data.get(states.FULL_NAME)
    # The typed NIK is personal data: remove it from the chat once read.
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError:
        pass
    if not name or not data.get(states.SLOT):
        await flow_expired(message, state)
        return
    try:
        nik = validate_nik(domain, message.text)
    except InvalidNik as exc:
        await message.answer(domain_error(exc))
        return
    # A name the rule refuses, or a NIK another account holds, or a NIK change while an
    # appointment is held: the router shows the reason with the main menu.
    applicant = await register_applicant(
        domain, telegram_id=message.from_user.id, full_name=name, nik=nik, language=locale
    )
    await state.update_data({states.FULL_NAME: None})
    await message.answer(
        _("Thank you, {name}. NIK saved as {nik}.").format(
            name=applicant.full_name, nik=applicant.nik_masked
        )
    )
    await ask_phone(message, state)


async def ask_phone(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Booking.phone)
    text = _(
        "Optionally, share your phone number so the office can reach you. "
        "Tap “Share my phone number”, or “Skip”."
    )
    await show(event, text, kb.contact_kb(), edit=False)


@router.message(states.Booking.phone, F.contact)
async def phone_shared(message: Message, state: FSMContext, domain: Domain) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        await message.answer(
            _("Please share your own number with the button below, or tap “Skip”."),
            reply_markup=kb.contact_kb(),
        )
        return
    await set_phone(domain, message.from_user.id, message.contact.phone_number[:32])
    await message.answer(_("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await ask_priority(message, state)


@router.message(states.Booking.phone, TYPED)
async def phone_text(message: Message, state: FSMContext) -> None:
    if message.text == _("Skip"):
        await message.answer(_("No phone number given."), reply_markup=ReplyKeyboardRemove())
        await ask_priority(message, state)
        return
    await message.answer(
        _("Please tap “Share my phone number” or “Skip” below."), reply_markup=kb.contact_kb()
    )


async def ask_priority(event: Event, state: FSMContext, note: str | None = None) -> None:
    """Ask for the priority service (again, after ``note``, when one was refused)."""
    await state.set_state(states.Booking.priority)
    if note is not None:
        await show(event, note + "\n\n" + _("Choose again:"), kb.priority_kb())
        return
    text = _(
        "Do you need priority service? It is for the elderly (60 or older), people with "
        "disabilities, pregnant women and children under 5. Age is checked against the NIK."
    )
    await show(event, text, kb.priority_kb(), edit=False)


@router.callback_query(cb.Priority.filter(), states.Booking.priority)
async def priority_chosen(
    query: CallbackQuery,
    callback_data: cb.Priority,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    applicant: ApplicantView | None,
) -> None:
    data = await state.get_data()
    slot_id, service = data.get(states.SLOT), data.get(states.SERVICE)
    if not slot_id or not service or applicant is None:
        await flow_expired(query, state)
        return
    reason = None if callback_data.reason == "none" else PriorityReason(callback_data.reason)
    office, session = await session_by_id(domain, slot_id, priority=reason is not None)
    if reason is not None:
        try:
            check_priority(reason, applicant.birth_date, applicant.sex, session.start.date())
        except PriorityNotEligible as exc:
            await ask_priority(query, state, domain_error(exc))
            return
    await state.update_data({states.PRIORITY: callback_data.reason})
    await state.set_state(states.Booking.summary)
    service_type = ServiceType(service)
    lines = [
        _("Please check your booking:"),
        "",
        _("Office: {name}").format(name=office.name),
        _("Address: {address}").format(address=office.address),
        _("Date and time: {when}").format(when=session_line(session, locale)),
        _("Service: {service}").format(service=service_name(content, service_type, locale)),
        _("Name: {name}").format(name=applicant.full_name),
        _("NIK: {nik}").format(nik=applicant.nik_masked),
        _("Priority service: {reason}").format(reason=priority_name(reason)),
        "",
        _("Documents to bring:"),
        documents(content, service_type, locale),
    ]
    await show(query, "\n".join(lines), kb.summary_kb(slot_id, service_type, callback_data.reason))
