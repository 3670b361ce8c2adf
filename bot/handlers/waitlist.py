"""The waitlist in the chat: joining it with the group being booked (from a full
date, or for a range of typed dates), the offer's "Take" / "Skip", and leaving it
from "My appointments".

An offer's buttons carry its id only; the domain checks that it is the tapping
account's (another account's id is ``OfferNotFound``: "no longer valid", and
nothing changes)."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.calendar.availability import sessions_of
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyWaiting,
    ApplicantNotFound,
    OfferAlreadyAnswered,
    OfferExpired,
    SlotNotFound,
    WaitlistEntryNotFound,
)
from booking.core.limits import MAX_RANGE_DAYS
from booking.offices.content import Content
from booking.offices.lookup import get_office
from booking.waitlist.answers import accept_offer, decline_offer
from booking.waitlist.entries import Wish, join_waitlist, leave_waitlist, waitlist_of
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.files import FileSender
from bot.handlers.appointments import show_appointments
from bot.handlers.booking.confirm import GROUP_REFUSALS
from bot.handlers.booking.group import chosen, show_group
from bot.handlers.booking.shared import flow_expired, send_confirmation
from bot.handlers.common import Event, RouterSpec, refusal_to_menu, reset_flow, show
from bot.texts import domain_error, wish_text

router = RouterSpec("waitlist", show_refusal=refusal_to_menu)

# What the group must change before joining: shown on the group list.
JOIN_REFUSALS = (*GROUP_REFUSALS, ActiveAppointmentExists)


def parse_dates(text: str) -> tuple[date, date] | None:
    """One date or two (``2026-12-07 2026-12-11``), as typed; None when it is neither."""
    parts = text.split()
    if not 1 <= len(parts) <= 2:
        return None
    try:
        days = [date.fromisoformat(p) for p in parts]
    except ValueError:
        return None
    return days[0], days[-1]


async def join(
    event: Event,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    office_id: int,
    wish: Wish,
) -> None:
    """Put the group of the booking flow on the office's waitlist for ``wish``."""
    assert event.from_user is not None
    members = chosen(await state.get_data())
    if not members:
        await flow_expired(event, state)
        return
    try:
        entry = await join_waitlist(
            domain, telegram_id=event.from_user.id, office_id=office_id, members=members, wish=wish
        )
    except ApplicantNotFound:
        await flow_expired(event, state)
        return
    except JOIN_REFUSALS as exc:
        await show_group(event, state, domain, content, locale, domain_error(exc))
        return
    except AlreadyWaiting as exc:
        await show_appointments(event, state, domain, locale, domain_error(exc))
        return
    await reset_flow(state)
    text = _(
        "You are on the waitlist of {office}: {wish}. Your position: {n}.\n"
        "When seats free up they are offered in this chat, held for you for {minutes} minutes."
    ).format(
        office=entry.office_name,
        wish=wish_text(wish.first_day, wish.last_day, wish.slot_label, locale),
        n=entry.position,
        minutes=domain.settings.waitlist_hold_minutes,
    )
    await show(event, text, kb.mine_kb())


@router.callback_query(cb.WaitJoin.filter(F.first == 0))
async def ask_dates(
    query: CallbackQuery, callback_data: cb.WaitJoin, state: FSMContext, domain: Domain
) -> None:
    """The waitlist for a range of dates: ask for them."""
    await get_office(domain, callback_data.office)
    if not chosen(await state.get_data()):
        await flow_expired(query, state)
        return
    await state.update_data({states.OFFICE: callback_data.office})
    await state.set_state(states.Waitlisting.dates)
    text = _(
        "Type the dates you can come, as YYYY-MM-DD: one date (2026-12-07) or a range "
        "(2026-12-07 2026-12-11), at most {n} days."
    ).format(n=MAX_RANGE_DAYS)
    await show(query, text, kb.home_kb())


@router.message(states.Waitlisting.dates, F.text)
async def dates_typed(
    message: Message, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    office_id = (await state.get_data()).get(states.OFFICE)
    if not office_id:
        await flow_expired(message, state)
        return
    office = await get_office(domain, office_id)
    days = parse_dates(message.text or "")
    today = local_now(domain.now(), office.timezone).date()
    if days is None or days[0] > days[1] or (days[1] - days[0]).days >= MAX_RANGE_DAYS:
        text = _(
            "Please type one date (2026-12-07) or two (2026-12-07 2026-12-11), the first "
            "not after the second, at most {n} days."
        ).format(n=MAX_RANGE_DAYS)
        await message.answer(text, reply_markup=kb.home_kb())
        return
    if days[0] < today:
        await message.answer(_("That date has passed."), reply_markup=kb.home_kb())
        return
    await join(message, state, domain, content, locale, office_id, Wish(days[0], days[1], None))


@router.callback_query(cb.WaitJoin.filter(F.first != 0))
async def join_day(
    query: CallbackQuery,
    callback_data: cb.WaitJoin,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
) -> None:
    """The waitlist for one full date: any session, or the one the button names."""
    d = callback_data
    try:
        first, last = cb.day_of(d.first), cb.day_of(d.last)
    except ValueError:
        raise SlotNotFound((d.office, d.first, d.last)) from None
    label = None
    if d.slot:
        sessions = await sessions_of(domain, d.office, first)
        if d.slot > len(sessions):
            raise SlotNotFound((d.office, d.first, d.slot))
        label = sessions[d.slot - 1].label
    await join(query, state, domain, content, locale, d.office, Wish(first, last, label))


@router.callback_query(cb.Offer.filter(F.action == "take"))
async def take_offer(
    query: CallbackQuery,
    callback_data: cb.Offer,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
    files: FileSender,
) -> None:
    """Book the held seats: the confirmation follows, as for any booking."""
    uid = query.from_user.id
    try:
        group = await accept_offer(domain, telegram_id=uid, offer_id=callback_data.id)
    except (OfferExpired, OfferAlreadyAnswered) as exc:
        callback_answer.text = domain_error(exc)[:200]
        await show(query, domain_error(exc), kb.home_kb())
        return
    await reset_flow(state)
    codes = ", ".join(m.code for m in group.active_members)
    callback_answer.text = _("Booked: {code}").format(code=codes)[:200]
    await show(query, _("✅ You took the offer: {code}.").format(code=codes))
    await send_confirmation(bot, uid, group, content, locale, domain, files)


@router.callback_query(cb.Offer.filter(F.action == "skip"))
async def skip_offer(
    query: CallbackQuery, callback_data: cb.Offer, callback_answer: CallbackAnswer, domain: Domain
) -> None:
    """Let the held seats go to the next in line."""
    try:
        await decline_offer(domain, telegram_id=query.from_user.id, offer_id=callback_data.id)
    except (OfferExpired, OfferAlreadyAnswered) as exc:
        callback_answer.text = domain_error(exc)[:200]
        await show(query, domain_error(exc), kb.home_kb())
        return
    callback_answer.text = _("Skipped.")
    await show(
        query,
        _("You skipped this offer: the seats go to the next person waiting."),
        kb.home_kb(),
    )


@router.callback_query(cb.Waiting.filter(F.action == "leave"))
async def ask_leave(
    query: CallbackQuery, callback_data: cb.Waiting, domain: Domain, locale: str
) -> None:
    entries = await waitlist_of(domain, query.from_user.id)
    entry = next((e for e in entries if e.id == callback_data.id), None)
    if entry is None:
        raise WaitlistEntryNotFound(callback_data.id)
    wish = wish_text(entry.wish.first_day, entry.wish.last_day, entry.wish.slot_label, locale)
    text = _("Leave the waitlist of {office} ({wish})? Your place in line is lost.").format(
        office=entry.office_name, wish=wish
    )
    await show(query, text, kb.leave_confirm_kb(entry.id))


@router.callback_query(cb.Waiting.filter(F.action == "leave_yes"))
async def do_leave(
    query: CallbackQuery,
    callback_data: cb.Waiting,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    await leave_waitlist(domain, telegram_id=query.from_user.id, entry_id=callback_data.id)
    callback_answer.text = _("You left the waitlist.")
    await show_appointments(query, state, domain, locale, _("You left the waitlist."))
