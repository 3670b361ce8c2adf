"""Booking, third step: the calendar of what fits the whole group; a month, a date,
then a session. The month and date taps also serve rescheduling and rebooking
(their ``mode`` and ``appt``); the session tap of a new booking leads to the
summary. A full date offers the waitlist; a date not open yet says when it opens
(and when its draw takes requests) with "Remind me"."""

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
from booking.core.kinds import ReleaseMode
from booking.draw.opening import Opening, opening_of
from booking.draw.reminders import remind_when_open
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
from bot.texts import long_date, moment_at

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
    if avail.status is DayStatus.NOT_RELEASED:
        opening = await opening_of(domain, d.office, day)
        if opening is not None:
            callback_answer.text = _("That date is not open yet.")
            await show_opening(query, domain, locale, d.office, day, target, opening)
            return
    if avail.status is DayStatus.FULL and d.mode == "book":
        text = (
            note
            + "\n\n"
            + _("Join the waitlist: when a seat frees up it is offered to the first in line.")
        )
        await show(query, text, kb.full_day_kb(d.office, day, target))
        return
    await offer_dates(query, domain, locale, d.office, target, day, note)


async def show_opening(
    query: CallbackQuery,
    domain: Domain,
    locale: str,
    office_id: int,
    day: date,
    target: cb.Target,
    opening: Opening,
) -> None:
    """A date not open yet: when it opens, in the office's zone; in draw mode also
    when requests open; "Remind me"."""
    office = await get_office(domain, office_id)
    tz = office.timezone
    lines = [
        _("{day} is not open yet.").format(day=long_date(day, locale)),
        _("It opens {when}.").format(when=moment_at(opening.release_at, tz, locale)),
    ]
    if opening.mode is ReleaseMode.DRAW and opening.requests_open_at is not None:
        if opening.requests_open_at <= domain.now():
            lines.append(_("Requests for its draw are open now: book to send a request."))
        else:
            lines.append(
                _("Requests for its draw open {when}.").format(
                    when=moment_at(opening.requests_open_at, tz, locale)
                )
            )
        lines.append(
            _("Seats are drawn among the requests at the opening, so speed does not matter.")
        )
    lines += ["", _("“Remind me” sends you one message when it is time.")]
    await show(query, "\n".join(lines), kb.not_open_kb(office_id, day, target))


@router.callback_query(cb.Remind.filter())
async def remind_me(
    query: CallbackQuery,
    callback_data: cb.Remind,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """One notice when requests open (draw) or at the opening (first come)."""
    d = callback_data
    try:
        day = cb.day_of(d.day)
    except ValueError:
        raise SlotNotFound((d.office, d.day)) from None
    office = await get_office(domain, d.office)
    reminder = await remind_when_open(
        domain, telegram_id=query.from_user.id, office_id=d.office, day=day, language=locale
    )
    when = moment_at(reminder.due_at, office.timezone, locale)
    text = _("Done: we will send you one message {when}.").format(when=when)
    callback_answer.text = text[:200]
    await show(query, text, kb.home_kb(), edit=False)


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
