"""What the booking steps share, and the reschedule and rebooking screens reuse:
the office list of a province, the month calendar, the nearest dates on offer,
the appointment a calendar is moving, and the confirmation message."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.closures import displaced_of
from booking.appointments.service import check_reschedulable, get_appointment
from booking.appointments.views import AppointmentView
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
from booking.core.kinds import ServiceType
from booking.offices.content import Content
from booking.offices.lookup import get_office, list_offices, list_provinces
from bot import callbacks as cb
from bot import keyboards as kb
from bot.attachments import BookingFiles
from bot.files import FileSender
from bot.handlers.common import Event, show, show_main_menu
from bot.texts import confirmation, domain_error

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
    service: ServiceType,
    target: cb.Target,
    year: int | None = None,
    month: int | None = None,
    *,
    priority: bool = False,
    note: str | None = None,
) -> bool:
    """Show a month; False when that month is outside the bookable range."""
    office = await get_office(domain, office_id)
    today = local_now(domain.now(), office.timezone).date()
    year, month = (year or today.year), (month or today.month)
    first = (today.year, today.month)
    last = _add_months(today.year, today.month, MONTHS_AHEAD)
    if not first <= (year, month) <= last:
        return False
    start = date(year, month, 1)
    end = date(*_add_months(year, month, 1), 1).replace(day=1)
    days = await day_availability(
        domain, office_id, start, date.fromordinal(end.toordinal() - 1), priority=priority
    )
    current = None
    if target.mode == "reschedule":
        assert event.from_user is not None
        current = (await get_appointment(domain, event.from_user.id, target.appt)).day
    header = _("{office}\nChoose a date; tap it to see its sessions and seats left.").format(
        office=office.name
    )
    legend = kb.calendar_legend(moving=current is not None)
    text = "\n\n".join(x for x in (note, header, legend) if x)
    markup = kb.calendar_kb(
        office_id,
        service,
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


async def moving(domain: Domain, uid: int, target: cb.Target) -> AppointmentView | None:
    """The appointment a calendar tap is for (None for a new booking), if it is the
    tapping user's and may still move; raises the domain's reason otherwise."""
    if target.mode == "book":
        if target.appt != 0:
            raise AppointmentNotFound(target.appt)
        return None
    if target.mode == "reschedule":
        await check_reschedulable(domain, uid, target.appt)
        return await get_appointment(domain, uid, target.appt)
    for view in await displaced_of(domain, uid):
        if view.id == target.appt:
            return view
    raise AppointmentNotFound(target.appt)


async def offer_dates(
    event: Event,
    domain: Domain,
    locale: str,
    office_id: int,
    service: ServiceType,
    target: cb.Target,
    around: date,
    note: str,
    priority: bool = False,
    nearest: list[DayAvailability] | None = None,
) -> None:
    """An explanation plus fresh choices: the nearest dates with seats (``nearest``
    when the caller has them), or the calendar."""
    if nearest is None:
        nearest = await nearest_open_dates(domain, office_id, around, priority=priority)
    if nearest:
        text = note + "\n\n" + _("The nearest dates with seats left:")
        await show(event, text, kb.dates_kb(nearest, office_id, service, target, locale))
    else:
        await show_calendar(
            event,
            domain,
            locale,
            office_id,
            service,
            target,
            priority=priority,
            note=note + "\n" + _("No date has seats left right now."),
        )


async def session_gone(
    event: Event,
    domain: Domain,
    locale: str,
    office_id: int,
    service: ServiceType,
    target: cb.Target,
    day: date,
) -> None:
    """The chosen session cannot be booked any more: explain, offer what is left that day."""
    sessions = await sessions_of(domain, office_id, day)
    if any(s.bookable for s in sessions):
        text = _("Sorry, that session is no longer available. Choose another session:")
        await show(event, text, kb.sessions_kb(sessions, office_id, service, target, day))
    else:
        note = _("Sorry, that session is no longer available.")
        await offer_dates(event, domain, locale, office_id, service, target, day, note)


async def session_refused(
    query: CallbackQuery,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
    slot_id: int,
    service: ServiceType,
    target: cb.Target,
    exc: SlotFull | DayClosed | SessionStarted,
    priority: bool,
) -> None:
    """A booking or a move found the session full, its day closed or the session
    started: explain, and offer that day's other sessions or the nearest dates."""
    office, session = await session_by_id(domain, slot_id, priority=priority)
    assert office.id is not None
    day = session.start.date()
    if isinstance(exc, SessionStarted):
        callback_answer.text = domain_error(exc)[:200]
        await session_gone(query, domain, locale, office.id, service, target, day)
    else:
        note = domain_error(exc)
        await offer_dates(query, domain, locale, office.id, service, target, day, note, priority)


async def flow_expired(event: Event, state: FSMContext) -> None:
    await show_main_menu(event, state, _("This step has expired. Please start the booking again."))


async def send_confirmation(
    bot: Bot,
    chat_id: int,
    view: AppointmentView,
    content: Content,
    locale: str,
    domain: Domain,
    files: FileSender,
) -> None:
    """The confirmation text; a QR code of the booking code and an .ics file follow."""
    await bot.send_message(
        chat_id, confirmation(view, content, locale), reply_markup=kb.record_kb()
    )
    title = _("Passport appointment {code}").format(code=view.code)
    description = _("{office}, {address}. Arrive 30 minutes early.").format(
        office=view.office_name, address=view.office_address
    )
    files.send(
        bot,
        chat_id,
        BookingFiles.of(view, title=title, description=description, stamp=domain.now()),
        photo_caption=_("Booking code {code}: show this QR code at the counter.").format(
            code=view.code
        ),
        document_caption=_("Add the appointment to your calendar."),
    )
