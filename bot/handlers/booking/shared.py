"""What the booking steps share, and the reschedule and rebooking screens reuse:
the office list of a province, the month calendar, the nearest dates on offer,
the group a calendar is moving, and the confirmation message."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.closures import displaced_groups_of
from booking.appointments.groups import check_group_reschedulable, groups_of
from booking.appointments.service import get_appointment
from booking.appointments.views import GroupView
from booking.calendar.availability import (
    day_availability,
    nearest_open_dates,
    session_by_id,
    sessions_of,
)
from booking.calendar.schedule import local_now
from booking.calendar.views import DayAvailability
from booking.core.context import Domain
from booking.core.errors import (
    AppointmentNotFound,
    DayClosed,
    OfficeNotFound,
    SessionStarted,
    SlotFull,
)
from booking.offices.content import Content
from booking.offices.lookup import get_office, list_offices, list_provinces
from bot import callbacks as cb
from bot import keyboards as kb
from bot.files import Confirmation, FileSender
from bot.handlers.common import Event, show, show_main_menu
from bot.texts import domain_error, long_date

if TYPE_CHECKING:
    from booking.db.models import Office

# How many months after the current one the calendar can show.
MONTHS_AHEAD = 2


async def open_office(domain: Domain, office_id: int) -> Office:
    """The office, if it takes bookings; ``OfficeNotFound`` otherwise."""
    office = await get_office(domain, office_id)
    if not office.active:
        raise OfficeNotFound(office_id)
    return office


async def province_offices(
    event: CallbackQuery, domain: Domain, purpose: cb.Purpose, index: int, page: int
) -> None:
    """Show one page of a province's offices; ``OfficeNotFound`` when the numbers
    are out of range."""
    provinces = await list_provinces(domain)
    if index >= len(provinces):
        raise OfficeNotFound(("province", index))
    offices = await list_offices(domain, provinces[index])
    if page >= kb.page_count(len(offices)):
        raise OfficeNotFound(("page", page))
    text = _("{province}: choose an office.").format(province=provinces[index])
    await show(event, text, kb.offices_kb(offices, purpose, index, page))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


async def show_calendar(
    event: Event,
    domain: Domain,
    locale: str,
    office_id: int,
    target: cb.Target,
    year: int | None = None,
    month: int | None = None,
    *,
    note: str | None = None,
) -> bool:
    """Show a month with what fits the target's group; False when that month is
    outside the bookable range."""
    office = await get_office(domain, office_id)
    today = local_now(domain.now(), office.timezone).date()
    year, month = (year or today.year), (month or today.month)
    first = (today.year, today.month)
    last = _add_months(today.year, today.month, MONTHS_AHEAD)
    if not first <= (year, month) <= last:
        return False
    start = date(year, month, 1)
    end = date(*_add_months(year, month, 1), 1).replace(day=1)
    last_day = date.fromordinal(end.toordinal() - 1)
    days = await day_availability(domain, office_id, start, last_day, shape=target.shape)
    current = None
    if target.mode == "reschedule":
        assert event.from_user is not None
        current = (await get_appointment(domain, event.from_user.id, target.appt)).day
    header = _("{office}\nChoose a date; tap it to see its sessions and seats left.").format(
        office=office.name
    )
    size = target.shape.size
    if size > 1:
        header += "\n" + _("Only dates with seats for all {n} people can be chosen.").format(n=size)
    legend = kb.calendar_legend(moving=current is not None)
    text = "\n\n".join(x for x in (note, header, legend) if x)
    markup = kb.calendar_kb(
        office_id,
        target,
        year,
        month,
        days,
        locale,
        today=today,
        current=current,
        has_prev=(year, month) > first,
        has_next=(year, month) < last,
    )
    await show(event, text, markup)
    return True


async def group_of(domain: Domain, uid: int, appointment_id: int) -> GroupView:
    """The user's group holding appointment ``appointment_id``; ``AppointmentNotFound``
    when none of the user's groups does (another account's id, or a forged one)."""
    for group in await groups_of(domain, uid):
        if any(m.id == appointment_id for m in group.members):
            return group
    raise AppointmentNotFound(appointment_id)


async def moving(domain: Domain, uid: int, mode: cb.Mode, appt: int) -> GroupView | None:
    """The group a calendar tap is for (None for a new booking): the group of the
    user's appointment ``appt``, if it may still move; raises the domain's reason
    otherwise."""
    if mode == "book":
        if appt != 0:
            raise AppointmentNotFound(appt)
        return None
    if mode == "reschedule":
        group = await group_of(domain, uid, appt)
        await check_group_reschedulable(domain, uid, group.id)
        return group
    for group in await displaced_groups_of(domain, uid):
        if any(m.id == appt for m in group.members):
            return group
    raise AppointmentNotFound(appt)


def moving_target(mode: cb.Mode, group: GroupView, appointment_id: int) -> cb.Target:
    """The calendar's target for moving ``group``: its members' shape."""
    return cb.Target(mode, appointment_id, cb.people_of(cb.shape_for(group.active_members)))


async def offer_dates(
    event: Event,
    domain: Domain,
    locale: str,
    office_id: int,
    target: cb.Target,
    around: date,
    note: str,
    nearest: list[DayAvailability] | None = None,
) -> None:
    """An explanation plus fresh choices: the nearest dates with seats for the group
    (``nearest`` when the caller has them), or the calendar."""
    if nearest is None:
        nearest = await nearest_open_dates(domain, office_id, around, shape=target.shape)
    if nearest:
        text = note + "\n\n" + _("The nearest dates with seats left:")
        await show(event, text, kb.dates_kb(nearest, office_id, target, locale))
    else:
        await show_calendar(
            event,
            domain,
            locale,
            office_id,
            target,
            note=note + "\n" + _("No date has seats left right now."),
        )


def sessions_text(day: date, target: cb.Target, locale: str, note: str | None = None) -> str:
    size = target.shape.size
    text = _("{day}\nChoose a session:").format(day=long_date(day, locale))
    if size > 1:
        text += "\n" + _("{n} people: each session below still has enough seats.").format(n=size)
    return f"{note}\n\n{text}" if note else text


async def session_gone(
    event: Event, domain: Domain, locale: str, office_id: int, target: cb.Target, day: date
) -> None:
    """The chosen session cannot be booked any more: explain, offer what is left that day."""
    sessions = await sessions_of(domain, office_id, day, shape=target.shape)
    if any(s.bookable for s in sessions):
        note = _("Sorry, that session is no longer available. Choose another session:")
        await show(event, note, kb.sessions_kb(sessions, office_id, target, day, locale))
    else:
        note = _("Sorry, that session is no longer available.")
        await offer_dates(event, domain, locale, office_id, target, day, note)


async def session_refused(
    query: CallbackQuery,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
    slot_id: int,
    target: cb.Target,
    exc: SlotFull | DayClosed | SessionStarted,
) -> None:
    """A booking or a move found the session full, its day closed or the session
    started: explain, and offer that day's other sessions or the nearest dates."""
    office, session = await session_by_id(domain, slot_id)
    assert office.id is not None
    day = session.start.date()
    if isinstance(exc, SessionStarted):
        callback_answer.text = domain_error(exc)[:200]
        await session_gone(query, domain, locale, office.id, target, day)
    else:
        note = domain_error(exc)
        await offer_dates(query, domain, locale, office.id, target, day, note)


async def flow_expired(event: Event, state: FSMContext) -> None:
    await show_main_menu(event, state, _("This step has expired. Please start the booking again."))


async def send_confirmation(
    bot: Bot,
    chat_id: int,
    group: GroupView,
    content: Content,
    locale: str,
    domain: Domain,
    files: FileSender,
) -> None:
    """The confirmation text, then a QR code per member and an .ics file (sent in
    the background; what cannot be sent, the outbox delivers)."""
    files.send(
        bot, chat_id, Confirmation.of(group, content, locale, domain), reply_markup=kb.record_kb()
    )
