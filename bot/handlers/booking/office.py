"""Booking, first step: province → office; the office leads to the people
(``details``)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import active_group
from booking.core.context import Domain
from booking.core.errors import AlreadyBooked
from booking.offices.lookup import list_provinces
from booking.people.views import ApplicantView
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking.details import ask_name, ask_saved
from bot.handlers.booking.shared import open_office, province_offices
from bot.handlers.common import Event, RouterSpec, show, show_main_menu
from bot.texts import domain_error

router = RouterSpec("booking-office")


@router.message(Command("book"))
@router.callback_query(cb.Menu.filter(F.action == "book"))
async def choose_province(event: Event, state: FSMContext, domain: Domain) -> None:
    assert event.from_user is not None
    held = await active_group(domain, event.from_user.id)
    if held is not None and held.end > domain.now():
        first = held.active_members[0]
        await show_main_menu(event, state, domain_error(AlreadyBooked(first.id, first.code)))
        return
    provinces = await list_provinces(domain)
    if not provinces:
        await show_main_menu(event, state, _("No office takes bookings yet."))
        return
    await state.set_state(states.Booking.province)
    await show(
        event, _("Book an appointment. Choose your province:"), kb.provinces_kb(provinces, "book")
    )


@router.callback_query(cb.Province.filter(F.purpose == "book"))
async def province_chosen(
    query: CallbackQuery, callback_data: cb.Province, state: FSMContext, domain: Domain
) -> None:
    await province_offices(query, domain, "book", callback_data.index, 0)
    await state.set_state(states.Booking.office)


@router.callback_query(cb.OfficePage.filter())
async def office_page(query: CallbackQuery, callback_data: cb.OfficePage, domain: Domain) -> None:
    """Another page of a province's offices, for booking or for office information."""
    d = callback_data
    await province_offices(query, domain, d.purpose, d.province, d.page)


@router.callback_query(cb.OfficePick.filter(F.purpose == "book"))
async def office_chosen(
    query: CallbackQuery,
    callback_data: cb.OfficePick,
    state: FSMContext,
    domain: Domain,
    applicant: ApplicantView | None,
) -> None:
    await book_at(query, state, domain, applicant, callback_data.office)


async def book_at(
    event: Event,
    state: FSMContext,
    domain: Domain,
    applicant: ApplicantView | None,
    office_id: int,
) -> None:
    """A new booking at the office ``office_id``: the people come next."""
    await open_office(domain, office_id)
    await state.update_data({states.OFFICE: office_id, states.MEMBERS: []})
    if applicant is not None:
        await ask_saved(event, state, domain, applicant)
    else:
        await ask_name(event, state)
