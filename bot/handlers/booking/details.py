"""Booking, second step: the people. The account holder keeps or re-enters the saved
details (name, NIK, then the phone, optional); another person of the group gives a
name and a NIK. Each person then chooses a service and a priority, which leads to
the group list (``group``)."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import MemberChoice
from booking.appointments.priority import check_priority
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import (
    DuplicateMember,
    GroupTooLarge,
    InvalidName,
    InvalidNik,
    MemberNotFound,
    PriorityNotEligible,
)
from booking.core.kinds import Passport, PriorityReason, ServiceType
from booking.offices.content import Content
from booking.people.applicants import (
    forget_phone,
    register_applicant,
    rename_holder,
    set_phone,
    validate_nik,
)
from booking.people.members import MemberView, members_of, save_member
from booking.people.names import check_name
from booking.people.views import ApplicantView
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking.group import chosen, group_data, group_limit, member_of, show_group
from bot.handlers.booking.shared import flow_expired, open_office
from bot.handlers.common import Event, RouterSpec, refusal_to_menu, show
from bot.texts import domain_error, rupiah

router = RouterSpec("booking-details", show_refusal=refusal_to_menu)

# What a person types at a step; a command (/my, /admin, ...) is left to its own handler.
TYPED = F.text & ~F.text.startswith("/")


async def ask_saved(
    event: Event, state: FSMContext, domain: Domain, applicant: ApplicantView
) -> None:
    """The holder's saved details, and the other people saved with earlier bookings
    (offered on the group list)."""
    await state.set_state(states.Booking.saved)
    text = _(
        "Your saved details:\nName: {name}\nNIK: {nik}\nPhone: {phone}\n\nUse these details?"
    ).format(
        name=applicant.full_name,
        nik=applicant.nik_masked,
        phone=applicant.phone or _("not given"),
    )
    others = [m for m in await members_of(domain, applicant.telegram_id) if not m.is_holder]
    if others:
        names = ", ".join(m.full_name for m in others)
        text += "\n\n" + _(
            "Also saved from earlier bookings: {names}. You can add them to the group next."
        ).format(names=names)
    await show(event, text, kb.saved_details_kb())


async def ask_name(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Booking.name)
    await show(event, _("Please type your full name exactly as on your KTP."))


def _in_flow(data: dict[str, object]) -> bool:
    return bool(data.get(states.OFFICE))


@router.callback_query(cb.Saved.filter(), states.Booking.saved)
async def saved_chosen(
    query: CallbackQuery,
    callback_data: cb.Saved,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    applicant: ApplicantView | None,
) -> None:
    if not _in_flow(await state.get_data()) or applicant is None:
        await flow_expired(query, state)
        return
    if callback_data.action == "edit":
        await ask_name(query, state)
        return
    [holder] = [m for m in await members_of(domain, query.from_user.id) if m.is_holder]
    await state.update_data({states.ADDING: [holder.id, None]})
    if applicant.phone is None:
        await ask_phone(query, state)
    else:
        await ask_service(query, state, holder, content, locale)


@router.message(states.Booking.name, TYPED)
@router.message(states.Booking.member_name, TYPED)
async def name_typed(message: Message, state: FSMContext) -> None:
    assert message.text is not None
    try:
        name = check_name(message.text)
    except InvalidName as exc:
        await message.answer(domain_error(exc))
        return
    await state.update_data({states.FULL_NAME: name})
    if await state.get_state() == states.Booking.name.state:
        await state.set_state(states.Booking.nik)
        text = _(
            "Now type your NIK: the 16-digit number on your KTP. "
            "It is checked and then kept only in masked form."
        )
    else:
        await state.set_state(states.Booking.member_nik)
        text = _(
            "Now type {name}'s NIK: the 16 digits on the KTP or the family card (KK). "
            "It is checked and then kept only in masked form."
        ).format(name=name)
    await message.answer(text)


@router.message(states.Booking.nik, TYPED)
@router.message(states.Booking.member_nik, TYPED)
async def nik_typed(
    message: Message,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
) -> None:
    assert message.text is not None and message.from_user is not None
    data = await state.get_data()
    name = data.get(states.FULL_NAME)
    # The typed NIK is personal data: remove it from the chat once read.
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError:
        pass
    if not name or not _in_flow(data):
        await flow_expired(message, state)
        return
    try:
        nik = validate_nik(domain, message.text)
    except InvalidNik as exc:
        await message.answer(domain_error(exc))
        return
    uid = message.from_user.id
    holder = await state.get_state() == states.Booking.nik.state
    if holder:
        # A name the rule refuses, or a NIK another account holds, or a NIK change while
        # an appointment is held: the router shows the reason with the main menu.
        await register_applicant(domain, telegram_id=uid, full_name=name, nik=nik, language=locale)
    member = await save_member(domain, telegram_id=uid, full_name=name, nik=nik.digits)
    await state.update_data({states.FULL_NAME: None})
    if any(c.member_id == member.id for c in chosen(data)):
        note = domain_error(DuplicateMember(member.id))
        await show_group(message, state, domain, content, locale, note)
        return
    await state.update_data({states.ADDING: [member.id, None]})
    await message.answer(
        _("Thank you, {name}. NIK saved as {nik}.").format(
            name=member.full_name, nik=member.nik_masked
        )
    )
    if holder:
        await ask_phone(message, state)
    else:
        await ask_service(message, state, member, content, locale)


async def ask_phone(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Booking.phone)
    text = _(
        "Optionally, share your phone number so the office can reach you. "
        "Tap “Share my phone number”, or “Skip”."
    )
    await show(event, text, kb.contact_kb(), edit=False)


async def after_phone(
    message: Message, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    data = await state.get_data()
    if _in_flow(data) and data.get(states.ADDING) is None:
        # Changed from "Change details": back to the group list.
        await show_group(message, state, domain, content, locale, editing=True)
        return
    member = await adding(message, state, domain)
    if member is not None:
        await ask_service(message, state, member, content, locale)


@router.message(states.Booking.phone, F.contact)
async def phone_shared(
    message: Message, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        await message.answer(
            _("Please share your own number with the button below, or tap “Skip”."),
            reply_markup=kb.contact_kb(),
        )
        return
    await set_phone(domain, message.from_user.id, message.contact.phone_number[:32])
    await message.answer(_("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await after_phone(message, state, domain, content, locale)


@router.message(states.Booking.phone, TYPED)
async def phone_text(
    message: Message, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    if message.text == _("Skip"):
        assert message.from_user is not None
        await forget_phone(domain, message.from_user.id)
        await message.answer(_("No phone number given."), reply_markup=ReplyKeyboardRemove())
        await after_phone(message, state, domain, content, locale)
        return
    await message.answer(
        _("Please tap “Share my phone number” or “Skip” below."), reply_markup=kb.contact_kb()
    )


async def adding(event: Event, state: FSMContext, domain: Domain) -> MemberView | None:
    """The person whose service and priority are being asked (None, and the flow
    ends, when the flow has expired)."""
    assert event.from_user is not None
    data = await state.get_data()
    pending = data.get(states.ADDING)
    member = None
    if pending and _in_flow(data):
        member = await member_of(domain, event.from_user.id, pending[0])
    if member is None:
        await flow_expired(event, state)
    return member


async def ask_service(
    event: Event, state: FSMContext, member: MemberView, content: Content, locale: str
) -> None:
    await state.set_state(states.Booking.service)
    text = _("{name}: which service is needed?").format(name=member.full_name)
    await show(event, text, kb.services_kb(content, locale), edit=False)


@router.callback_query(cb.Service.filter(), states.Booking.service)
async def service_chosen(
    query: CallbackQuery,
    callback_data: cb.Service,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
) -> None:
    member = await adding(query, state, domain)
    if member is None:
        return
    offered = [fee.passport for fee in content.fees if fee.passport is not None]
    # One passport in the content file (or none named): nothing to choose.
    only = offered[0].value if len(offered) == 1 else None
    await state.update_data({states.ADDING: [member.id, callback_data.service.value, only]})
    if len(offered) > 1:
        await ask_passport(query, state, member, content, locale)
    else:
        await ask_priority(query, state, member)


async def ask_passport(
    event: Event, state: FSMContext, member: MemberView, content: Content, locale: str
) -> None:
    """Which passport the person applies for, with each one's fee: the summary then
    shows the fee they will pay."""
    await state.set_state(states.Booking.passport)
    fees = [fee for fee in content.fees if fee.passport is not None]
    lines = [
        _("{name}: which passport? An electronic passport (e-paspor) has a chip.").format(
            name=member.full_name
        ),
        "",
        *(f"• {fee.label.get(locale)}: {rupiah(fee.amount, locale)}" for fee in fees),
    ]
    passports = [fee.passport for fee in fees if fee.passport is not None]
    await show(event, "\n".join(lines), kb.passport_kb(passports))


@router.callback_query(cb.PassportPick.filter(), states.Booking.passport)
async def passport_chosen(
    query: CallbackQuery, callback_data: cb.PassportPick, state: FSMContext, domain: Domain
) -> None:
    member = await adding(query, state, domain)
    pending = (await state.get_data()).get(states.ADDING) or []
    if member is None:
        return
    if len(pending) < 2 or pending[1] is None:
        await flow_expired(query, state)
        return
    passport = callback_data.passport.value
    await state.update_data({states.ADDING: [member.id, pending[1], passport]})
    await ask_priority(query, state, member)


async def ask_priority(
    event: Event, state: FSMContext, member: MemberView, note: str | None = None
) -> None:
    """Ask for the member's priority service (again, after ``note``, when one was
    refused)."""
    await state.set_state(states.Booking.priority)
    if note is not None:
        await show(event, note + "\n\n" + _("Choose again:"), kb.priority_kb())
        return
    text = _(
        "{name}: is priority service needed? It is for the elderly (60 or older), people "
        "with disabilities, pregnant women and children under 5. Age is checked against "
        "the NIK."
    ).format(name=member.full_name)
    await show(event, text, kb.priority_kb())


@router.callback_query(cb.Priority.filter(), states.Booking.priority)
async def priority_chosen(
    query: CallbackQuery,
    callback_data: cb.Priority,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
) -> None:
    member = await adding(query, state, domain)
    data = await state.get_data()
    _member, service, *kind = data.get(states.ADDING) or [None, None]
    passport = Passport(kind[0]) if kind and kind[0] else None
    if member is None:
        return
    if service is None:
        await flow_expired(query, state)
        return
    reason = None if callback_data.reason == "none" else PriorityReason(callback_data.reason)
    if reason is not None:
        # Checked against today here; the booking checks it again on the session's day.
        office = await open_office(domain, data[states.OFFICE])
        today = local_now(domain.now(), office.timezone).date()
        try:
            check_priority(reason, member.birth_date, member.sex, today)
        except PriorityNotEligible as exc:
            refused = PriorityNotEligible(exc.reason, member.id, member.full_name)
            await ask_priority(query, state, member, domain_error(refused))
            return
    group = [c for c in chosen(data) if c.member_id != member.id]
    group.append(MemberChoice(member.id, ServiceType(service), reason, passport))
    await state.update_data({**group_data(group), states.ADDING: None})
    await show_group(query, state, domain, content, locale)


@router.callback_query(cb.Group.filter(F.action == "new"))
async def add_new_person(
    query: CallbackQuery, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    if not await room_left(query, state, domain, content, locale):
        return
    await state.set_state(states.Booking.member_name)
    await show(
        query,
        _("Please type the family member's full name exactly as on their KTP or family card (KK)."),
    )


@router.callback_query(cb.Group.filter(F.action == "add"))
async def add_saved_person(
    query: CallbackQuery,
    callback_data: cb.Group,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
) -> None:
    member = await member_of(domain, query.from_user.id, callback_data.member)
    if member is None:
        raise MemberNotFound(callback_data.member)
    if not await room_left(query, state, domain, content, locale):
        return
    if any(c.member_id == member.id for c in chosen(await state.get_data())):
        note = domain_error(DuplicateMember(member.id))
        await show_group(query, state, domain, content, locale, note)
        return
    await state.update_data({states.ADDING: [member.id, None]})
    await ask_service(query, state, member, content, locale)


async def room_left(
    query: CallbackQuery, state: FSMContext, domain: Domain, content: Content, locale: str
) -> bool:
    """Whether the group can take one more person; if not, the group list says why."""
    data = await state.get_data()
    if not _in_flow(data):
        await flow_expired(query, state)
        return False
    if len(chosen(data)) >= group_limit(domain):
        note = domain_error(GroupTooLarge(group_limit(domain)))
        await show_group(query, state, domain, content, locale, note)
        return False
    return True


@router.callback_query(cb.Group.filter(F.action == "rename"))
async def change_name(query: CallbackQuery, state: FSMContext) -> None:
    """ "Change my name" on the group list: the holder types the corrected name."""
    if not _in_flow(await state.get_data()):
        await flow_expired(query, state)
        return
    await state.set_state(states.Booking.rename)
    await show(query, _("Please type your full name exactly as on your KTP."))


@router.message(states.Booking.rename, TYPED)
async def name_corrected(
    message: Message, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    assert message.text is not None and message.from_user is not None
    if not _in_flow(await state.get_data()):
        await flow_expired(message, state)
        return
    try:
        name = await rename_holder(domain, message.from_user.id, message.text)
    except InvalidName as exc:
        await message.answer(domain_error(exc))
        return
    note = _("Your name is now {name}.").format(name=name)
    await show_group(message, state, domain, content, locale, note, editing=True)


@router.callback_query(cb.Group.filter(F.action == "phone"))
async def change_phone(query: CallbackQuery, state: FSMContext) -> None:
    """ "Change my phone number" on the group list: share it again, or skip to
    remove it; the group list follows."""
    if not _in_flow(await state.get_data()):
        await flow_expired(query, state)
        return
    await state.update_data({states.ADDING: None})
    await ask_phone(query, state)
