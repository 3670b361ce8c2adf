"""Booking, third step: the calendar of what fits the whole group; a month, a date,
then a session. The month and date taps also serve rescheduling and rebooking
(their ``mode`` and ``appt``); the session tap of a new booking leads to the
summary."""

from __future__ import annotations

from datetime import date

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.calendar.availability import day_availability, session_by_id, sessions_of
from booking.calendar.views import DayStatus
from booking.core.context import Domain
from booking.core.errors import AppointmentNotFound, SlotNotFound
from booking.offices.content import Content
from booking.offices.lookup import get_office
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking.group import show_summary
from bot.handlers.booking.shared import (
    flow_expired,
    moving,
    offer_dates,
    session_gone,
    sessions_text,
    show_calendar,
)
from bot.handlers.common import RouterSpec, refusal_to_menu, show

router = RouterSpec("booking-calendar", show_refusal=refusal_to_menu)


@router.callback_query(cb.Month.filter())
async def month_chosen(
    query: CallbackQuery,
    callback_data: cb.Month,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    d = callback_data
    await moving(domain, query.from_user.id, d.mode, d.appt)
    shown = await show_calendar(query, domain, locale, d.office, cb.target_of(d), d.year, d.month)
    if not shown:
        # A calendar from an earlier month, or a forged month: show this month.
        callback_answer.text = _("That month cannot be booked.")
        await show_calendar(
            query,
            domain,
            locale,
            d.office,
            cb.target_of(d),
            note=_("That month cannot be booked. Here is the current calendar."),
        )


def day_note(status: DayStatus) -> str:
    """Why a date offers no session."""
    notes = {
        DayStatus.PAST: _("That date has passed."),
        DayStatus.FULL: _("That date is fully booked."),
        DayStatus.CLOSED: _("The office is closed on that date."),
        DayStatus.HOLIDAY: _("That date is a national holiday."),
        DayStatus.NO_SERVICE: _("There is no service on that date."),
        DayStatus.NOT_RELEASED: _(
            "That date is not open for booking yet. New dates open regularly: "
            "please check again later."
        ),
    }
    return notes.get(status, _("That date has no seats left."))


@router.callback_query(cb.Day.filter())
async def day_chosen(
    query: CallbackQuery,
    callback_data: cb.Day,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    d = callback_data
    try:
        day = date(d.year, d.month, d.day)
    except ValueError:
        raise SlotNotFound((d.office, d.year, d.month, d.day)) from None
    target = cb.target_of(d)
    await moving(domain, query.from_user.id, d.mode, d.appt)
    await get_office(domain, d.office)
    [avail] = await day_availability(domain, d.office, day, day, shape=target.shape)
    if avail.status is DayStatus.OPEN:
        sessions = await sessions_of(domain, d.office, day, shape=target.shape)
        if any(s.bookable for s in sessions):
            await state.set_state(states.Changing.session if d.appt else states.Booking.session)
            text = sessions_text(day, target, locale)
            await show(query, text, kb.sessions_kb(sessions, d.office, target, day, locale))
            return
    note = day_note(avail.status)
    if avail.note:
        note = f"{note} ({avail.note})"
    callback_answer.text = note[:200]
    await offer_dates(query, domain, locale, d.office, target, day, note)


@router.callback_query(cb.Session.filter(F.mode == "book"))
async def session_chosen(
    query: CallbackQuery,
    callback_data: cb.Session,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
) -> None:
    if callback_data.appt != 0:
        raise AppointmentNotFound(callback_data.appt)
    target = cb.target_of(callback_data)
    office, session = await session_by_id(domain, callback_data.slot, shape=target.shape)
    assert office.id is not None
    if not (await state.get_data()).get(states.MEMBERS):
        await flow_expired(query, state)
        return
    if not session.bookable:
        await session_gone(query, domain, locale, office.id, target, session.start.date())
        return
    await show_summary(query, state, domain, content, locale, office, session)
