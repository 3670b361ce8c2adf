"""Arrival at the office: the poster's QR code opens ``/start arrive-<token>``.

An applicant with an appointment there today is checked in (every member of the
group gets a queue number) and told the number now served, how many are ahead and
the estimated wait; the call and the "your turn is near" message come to the chat,
so they need not stay in the hall. Before the check-in window they are told when it
opens, after it that it closed, in the office's zone. Someone without an appointment
today may take a priority walk-in number ("Layanan prioritas tanpa jadwal"): they
choose the person (the holder or a saved family member; a new account first types
a name and a NIK) and the priority reason, which the domain checks against the NIK.

The token travels in the walk-in buttons (it is printed on the poster, not a
secret); the domain checks it again at every tap, so yesterday's button is refused.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import groups_of
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyCheckedIn,
    AlreadyInQueue,
    ArrivalTokenInvalid,
    CheckInClosed,
    CheckInNotOpenYet,
    InvalidName,
    InvalidNik,
    MemberNotFound,
    NoAppointmentToday,
    PriorityNotEligible,
    WalkInQuotaFull,
)
from booking.core.kinds import PriorityReason
from booking.offices.views import OfficeView
from booking.people.applicants import register_applicant, validate_nik
from booking.people.members import members_of, save_member
from booking.people.names import check_name
from booking.people.views import ApplicantView
from booking.queue.arrival import ARRIVAL_PREFIX, office_of_arrival_token, self_check_in
from booking.queue.tickets import queue_state
from booking.queue.views import TicketState
from booking.queue.walkins import walk_in
from bot import callbacks as cb
from bot.handlers.common import Event, RouterSpec, refusal_to_menu, reset_flow, show
from bot.keyboards import fit, home_button, home_kb
from bot.queue_texts import local_time, no_need_to_stay, queue_lines
from bot.texts import domain_error

router = RouterSpec("arrival", show_refusal=refusal_to_menu)

ARRIVE = ARRIVAL_PREFIX
# FSM data: the poster's token while a new account types its name and NIK.
ARRIVAL_TOKEN = "arrival_token"  # noqa: S105 (an FSM data key)
ARRIVAL_NAME = "arrival_name"
TYPED = F.text & ~F.text.startswith("/")


class Arriving(StatesGroup):
    """A new account's name and NIK, typed for a priority walk-in."""

    name = State()
    nik = State()


def _button(text: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def walk_in_kb(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("♿ Priority walk-in"), cb.WalkIn(token=token))],
            [_button(_("📅 Book an appointment"), cb.Menu(action="book"))],
            [home_button()],
        ]
    )


def reasons_kb(token: str, member: int) -> InlineKeyboardMarkup:
    reasons = [
        (_("Elderly (60 or older)"), PriorityReason.ELDERLY),
        (_("Person with a disability"), PriorityReason.DISABLED),
        (_("Pregnant woman"), PriorityReason.PREGNANT),
        (_("Child under 5"), PriorityReason.CHILD),
    ]
    rows = [[_button(text, cb.WalkIn(token=token, member=member, reason=r))] for text, r in reasons]
    rows.append([home_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def member_names(domain: Domain, uid: int) -> dict[str, str]:
    """The names of the account's booked people, by booking code."""
    return {m.code: m.full_name for g in await groups_of(domain, uid) for m in g.members}


async def show_queue(
    event: Event, domain: Domain, office: OfficeView, tickets: list[TicketState], head: str
) -> None:
    names = await member_names(domain, event.from_user.id if event.from_user else 0)
    lines = [head, office.name, "", *queue_lines(tickets, names), "", no_need_to_stay()]
    await show(event, "\n".join(lines), home_kb())


async def arrive(message: Message, state: FSMContext, domain: Domain, token: str) -> None:
    """``/start arrive-<token>``: check in, or say why not."""
    assert message.from_user is not None
    uid = message.from_user.id
    await reset_flow(state)
    try:
        office = await office_of_arrival_token(domain, token)
    except ArrivalTokenInvalid as exc:
        await show(message, domain_error(exc), home_kb())
        return
    try:
        tickets = await self_check_in(domain, telegram_id=uid, token=token)
    except AlreadyCheckedIn:
        tickets = await queue_state(domain, telegram_id=uid, office_id=office.id)
        await show_queue(message, domain, office, tickets, _("✅ You are already checked in."))
        return
    except CheckInNotOpenYet as exc:
        text = _(
            "Check-in for your appointment opens at {time}. Please scan the poster again then."
        ).format(time=local_time(exc.opens_at, office.timezone))
        await show(
            message,
            f"{office.name}\n{text}",
            home_kb(),
        )
        return
    except CheckInClosed:
        text = _(
            "Check-in for your appointment has closed: its session is over. "
            "Please ask at the information desk."
        )
        await show(
            message,
            f"{office.name}\n{text}",
            home_kb(),
        )
        return
    except NoAppointmentToday:
        text = _(
            "You have no appointment at {office} today.\n\n"
            "Elderly people (60 or older), people with a disability, pregnant women and "
            "children under 5 can be served without an appointment, within the office's "
            "daily quota: tap “♿ Priority walk-in”. Everyone else, "
            "please book a date."
        ).format(office=office.name)
        await show(message, text, walk_in_kb(token))
        return
    await show_queue(message, domain, office, tickets, _("✅ You are checked in."))


# --- the priority walk-in ----------------------------------------------------------


@router.callback_query(cb.WalkIn.filter(F.member == 0))
async def choose_person(
    query: CallbackQuery, callback_data: cb.WalkIn, state: FSMContext, domain: Domain
) -> None:
    """Who is to be served: the account's saved people (or someone new), or for a new
    account a name and NIK first."""
    token = callback_data.token
    office = await office_of_arrival_token(domain, token)
    people = await members_of(domain, query.from_user.id)
    if not people or callback_data.new:
        await state.set_state(Arriving.name)
        await state.update_data({ARRIVAL_TOKEN: token})
        await show(
            query,
            _(
                "Priority service at {office}. The NIK shows whether the priority holds. "
                "Please type the full name of the person to be served, as on their KTP."
            ).format(office=office.name),
        )
        return
    rows = [
        [
            _button(
                fit(f"{m.full_name} ({m.nik_masked})"),
                cb.WalkIn(token=token, member=m.id),
            )
        ]
        for m in people[:8]
    ]
    rows.append([_button(_("➕ Someone else"), cb.WalkIn(token=token, new=True))])
    rows.append([home_button()])
    await show(
        query,
        _("Priority service at {office}: who is to be served?").format(office=office.name),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@router.message(Arriving.name, TYPED)
async def name_typed(message: Message, state: FSMContext) -> None:
    try:
        name = check_name(message.text or "")
    except InvalidName as exc:
        await message.answer(domain_error(exc))
        return
    await state.set_state(Arriving.nik)
    await state.update_data({ARRIVAL_NAME: name})
    await message.answer(_("Please type their 16-digit NIK."))


@router.message(Arriving.nik, TYPED)
async def nik_typed(
    message: Message,
    state: FSMContext,
    domain: Domain,
    locale: str,
    bot: Bot,
    applicant: ApplicantView | None,
) -> None:
    assert message.from_user is not None
    # The typed NIK is personal data: remove it from the chat once read.
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError:
        pass
    data: dict[str, Any] = await state.get_data()
    token, name = data.get(ARRIVAL_TOKEN), data.get(ARRIVAL_NAME)
    if not token or not name:
        await reset_flow(state)
        await message.answer(_("This step has expired. Please scan the poster again."))
        return
    try:
        nik = validate_nik(domain, message.text or "")
    except InvalidNik as exc:
        await message.answer(domain_error(exc))
        return
    uid = message.from_user.id
    if applicant is None:
        await register_applicant(domain, telegram_id=uid, full_name=name, nik=nik, language=locale)
    member = await save_member(domain, telegram_id=uid, full_name=name, nik=nik.digits)
    await reset_flow(state)
    await message.answer(
        _("Thank you, {name}. NIK saved as {nik}.").format(
            name=member.full_name, nik=member.nik_masked
        )
        + "\n\n"
        + _("Which priority applies?"),
        reply_markup=reasons_kb(token, member.id),
    )


@router.callback_query(cb.WalkIn.filter(F.member > 0), cb.WalkIn.filter(F.reason.is_(None)))
async def choose_reason(query: CallbackQuery, callback_data: cb.WalkIn, domain: Domain) -> None:
    office = await office_of_arrival_token(domain, callback_data.token)
    people = await members_of(domain, query.from_user.id)
    member = next((m for m in people if m.id == callback_data.member), None)
    if member is None:  # another account's person
        raise MemberNotFound(callback_data.member)
    text = _(
        "Priority service at {office} for {name}: which priority applies? Age comes "
        "from the NIK; a disability or a pregnancy is checked at the counter."
    ).format(office=office.name, name=member.full_name)
    await show(query, text, reasons_kb(callback_data.token, member.id))


@router.callback_query(cb.WalkIn.filter(F.member > 0), cb.WalkIn.filter(F.reason.is_not(None)))
async def take_walk_in(query: CallbackQuery, callback_data: cb.WalkIn, domain: Domain) -> None:
    office = await office_of_arrival_token(domain, callback_data.token)
    assert callback_data.reason is not None
    try:
        ticket = await walk_in(
            domain,
            telegram_id=query.from_user.id,
            token=callback_data.token,
            member_id=callback_data.member,
            reason=callback_data.reason,
        )
    except PriorityNotEligible as exc:
        await show(query, domain_error(exc), reasons_kb(callback_data.token, callback_data.member))
        return
    except (WalkInQuotaFull, AlreadyInQueue) as exc:
        await show(
            query,
            f"{office.name}\n{domain_error(exc)}",
            home_kb(),
        )
        return
    head = _("✅ Priority walk-in: you have a queue number.")
    if callback_data.reason in (PriorityReason.DISABLED, PriorityReason.PREGNANT):
        head += "\n" + _("The priority is checked at the counter.")
    await show_queue(query, domain, office, [ticket], head)
