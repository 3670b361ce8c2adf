"""Booking: province → office → service → calendar → session → details → priority →
summary → confirm. The calendar steps also serve rescheduling and rebooking an
appointment a closure cancelled (the ``mode`` and ``appt`` of their callback data)."""

from __future__ import annotations

import logging
from datetime import date

from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.closures import displaced_of
from booking.appointments.service import (
    appointments_of,
    book,
    check_priority,
    check_reschedulable,
    get_appointment,
)
from booking.appointments.views import AppointmentView
from booking.calendar.availability import (
    day_availability,
    nearest_open_dates,
    session_by_id,
    sessions_of,
)
from booking.calendar.schedule import local_now
from booking.calendar.views import DayAvailability, DayStatus, SessionAvailability
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    AppointmentNotFound,
    BookingError,
    DayClosed,
    InvalidNik,
    NikTaken,
    NotFound,
    PriorityNotEligible,
    SessionStarted,
    SlotFull,
)
from booking.core.kinds import PriorityReason, ServiceType
from booking.offices.content import Content
from booking.offices.lookup import get_office, list_offices, list_provinces
from booking.people.applicants import register_applicant, set_phone, validate_nik
from booking.people.views import ApplicantView
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.attachments import BookingFiles
from bot.files import FileSender
from bot.handlers.common import Event, RouterSpec, refuse, reset_flow, show, show_main_menu
from bot.nearest_dates import NearestDates
from bot.sold_out import SoldOutSessions
from bot.texts import (
    confirmation,
    documents,
    domain_error,
    long_date,
    priority_name,
    service_name,
    session_line,
)

router = RouterSpec("booking")
# The summary's confirm button has a router of its own, tried before every other:
# in a rush nearly every update is a confirm, and its callback prefix is its own.
confirm_router = RouterSpec("booking-confirm")
log = logging.getLogger(__name__)

# How many months after the current one the calendar can show.
MONTHS_AHEAD = 2
NAME_MIN, NAME_MAX = 3, 100
# What a person types at a step; a command (/my, /admin, ...) is left to its own handler.
TYPED = F.text & ~F.text.startswith("/")


# --- province and office ---------------------------------------------------------


@router.message(Command("book"))
@router.callback_query(cb.Menu.filter(F.action == "book"))
async def choose_province(event: Event, state: FSMContext, domain: Domain) -> None:
    assert event.from_user is not None
    now = domain.now()
    held = [
        v for v in await appointments_of(domain, event.from_user.id) if v.active and v.end > now
    ]
    if held:
        exc = AlreadyBooked(held[0].id, held[0].code)
        await show_main_menu(event, state, domain_error(exc))
        return
    provinces = await list_provinces(domain)
    if not provinces:
        await show_main_menu(event, state, _("No office takes bookings yet."))
        return
    await state.set_state(states.Booking.province)
    await show(
        event, _("Book an appointment. Choose your province:"), kb.provinces_kb(provinces, "b")
    )


async def province_offices(
    event: CallbackQuery, domain: Domain, purpose: cb.Purpose, index: int, page: int
) -> bool:
    """Show one page of a province's offices; False when the numbers are out of range."""
    provinces = await list_provinces(domain)
    if index >= len(provinces):
        return False
    offices = await list_offices(domain, provinces[index])
    if page >= kb.page_count(len(offices)):
        return False
    text = _("{province}: choose an office.").format(province=provinces[index])
    await show(event, text, kb.offices_kb(offices, purpose, index, page))
    return True


@router.callback_query(cb.Province.filter(F.purpose == "b"))
async def province_chosen(
    query: CallbackQuery,
    callback_data: cb.Province,
    state: FSMContext,
    domain: Domain,
    callback_answer: CallbackAnswer,
) -> None:
    if not await province_offices(query, domain, "b", callback_data.index, 0):
        await refuse(query, callback_answer)
        return
    await state.set_state(states.Booking.office)


@router.callback_query(cb.OfficePage.filter(F.purpose == "b"))
async def office_page(
    query: CallbackQuery,
    callback_data: cb.OfficePage,
    state: FSMContext,
    domain: Domain,
    callback_answer: CallbackAnswer,
) -> None:
    if not await province_offices(query, domain, "b", callback_data.province, callback_data.page):
        await refuse(query, callback_answer)


@router.callback_query(cb.OfficePick.filter(F.purpose == "b"))
async def office_chosen(
    query: CallbackQuery,
    callback_data: cb.OfficePick,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        office = await get_office(domain, callback_data.office)
    except NotFound:
        office = None
    if office is None or not office.active:
        await refuse(query, callback_answer)
        return
    await state.set_state(states.Booking.service)
    await state.update_data({states.OFFICE: callback_data.office})
    text = _("{office}\n\nWhich service do you need?").format(office=office.name)
    await show(query, text, kb.services_kb(callback_data.office, content, locale))


# --- calendar ------------------------------------------------------------------------


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
    header = _("{office}\nChoose a date. The number in brackets is the seats left.").format(
        office=office.name
    )
    text = "\n\n".join(x for x in (note, header, kb.calendar_legend()) if x)
    markup = kb.calendar_kb(
        office_id,
        service,
        target,
        year,
        month,
        days,
        locale,
        has_prev=(year, month) > first,
        has_next=(year, month) < last,
    )
    await show(event, text, markup)
    return True


async def moving(domain: Domain, uid: int, target: cb.Target) -> AppointmentView | None:
    """The appointment a calendar tap is for (None for a new booking), if it is the
    tapping user's and may still move; raises the domain's reason otherwise."""
    if target.mode == "b":
        if target.appt != 0:
            raise AppointmentNotFound(target.appt)
        return None
    if target.mode == "r":
        await check_reschedulable(domain, uid, target.appt)
        return await get_appointment(domain, uid, target.appt)
    for view in await displaced_of(domain, uid):
        if view.id == target.appt:
            return view
    raise AppointmentNotFound(target.appt)


@router.callback_query(cb.Service.filter())
async def service_chosen(
    query: CallbackQuery,
    callback_data: cb.Service,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        office = await get_office(domain, callback_data.office)
    except NotFound:
        await refuse(query, callback_answer)
        return
    if not office.active:
        await refuse(query, callback_answer)
        return
    await state.set_state(states.Booking.day)
    await state.update_data(
        {states.OFFICE: callback_data.office, states.SERVICE: callback_data.service.value}
    )
    await show_calendar(
        query, domain, locale, callback_data.office, callback_data.service, cb.NEW_BOOKING
    )


@router.callback_query(cb.Month.filter())
async def month_chosen(
    query: CallbackQuery,
    callback_data: cb.Month,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    d = callback_data
    target = cb.Target(d.mode, d.appt)
    try:
        moved = await moving(domain, query.from_user.id, target)
        priority = moved is not None and moved.priority is not None
        shown = await show_calendar(
            query, domain, locale, d.office, d.service, target, d.year, d.month, priority=priority
        )
        if not shown:
            # A calendar from an earlier month, or a forged month: show this month.
            callback_answer.text = _("That month cannot be booked.")
            await show_calendar(
                query,
                domain,
                locale,
                d.office,
                d.service,
                target,
                priority=priority,
                note=_("That month cannot be booked. Here is the current calendar."),
            )
    except NotFound:
        await refuse(query, callback_answer)
    except BookingError as exc:
        await show_main_menu(query, state, domain_error(exc))


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
        await refuse(query, callback_answer)
        return
    target = cb.Target(d.mode, d.appt)
    try:
        moved = await moving(domain, query.from_user.id, target)
        priority = moved is not None and moved.priority is not None
        await get_office(domain, d.office)
        [avail] = await day_availability(domain, d.office, day, day, priority=priority)
        if avail.status is DayStatus.OPEN:
            sessions = await sessions_of(domain, d.office, day, priority=priority)
            if any(s.bookable for s in sessions):
                await state.set_state(states.Changing.session if d.appt else states.Booking.session)
                text = _("{day}\nChoose a session:").format(day=long_date(day, locale))
                await show(query, text, kb.sessions_kb(sessions, d.office, d.service, target, day))
                return
        note = {
            DayStatus.PAST: _("That date has passed."),
            DayStatus.FULL: _("That date is fully booked."),
            DayStatus.CLOSED: _("The office is closed on that date."),
            DayStatus.HOLIDAY: _("That date is a national holiday."),
            DayStatus.NO_SERVICE: _("There is no service on that date."),
            DayStatus.NOT_RELEASED: _(
                "That date is not open for booking yet. New dates open regularly: "
                "please check again later."
            ),
        }.get(avail.status, _("That date has no seats left."))
        if avail.note:
            note = f"{note} ({avail.note})"
        callback_answer.text = note[:200]
        await offer_dates(query, domain, locale, d.office, d.service, target, day, note, priority)
    except NotFound:
        await refuse(query, callback_answer)
    except BookingError as exc:
        await show_main_menu(query, state, domain_error(exc))


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


# --- session and details --------------------------------------------------------------


@router.callback_query(cb.Session.filter(F.mode == "b"))
async def session_chosen(
    query: CallbackQuery,
    callback_data: cb.Session,
    state: FSMContext,
    domain: Domain,
    locale: str,
    applicant: ApplicantView | None,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        if callback_data.appt != 0:
            raise AppointmentNotFound(callback_data.appt)
        office, session = await session_by_id(domain, callback_data.slot)
    except NotFound:
        await refuse(query, callback_answer)
        return
    assert office.id is not None
    if not session.bookable:
        await session_gone(
            query,
            domain,
            locale,
            office.id,
            callback_data.service,
            cb.NEW_BOOKING,
            session.start.date(),
        )
        return
    await state.update_data(
        {
            states.OFFICE: office.id,
            states.SERVICE: callback_data.service.value,
            states.SLOT: callback_data.slot,
        }
    )
    if applicant is not None:
        await ask_saved(query, state, applicant)
    else:
        await ask_name(query, state)


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


async def flow_expired(event: Event, state: FSMContext) -> None:
    await show_main_menu(event, state, _("This step has expired. Please start the booking again."))


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
    name = " ".join(message.text.split())
    if not NAME_MIN <= len(name) <= NAME_MAX or any(ch.isdigit() for ch in name):
        await message.answer(
            _(
                "Please type your full name as on your KTP: {min} to {max} letters, no digits."
            ).format(min=NAME_MIN, max=NAME_MAX)
        )
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
        applicant = await register_applicant(
            domain,
            telegram_id=message.from_user.id,
            full_name=name,
            nik=nik,
            language=locale,
        )
    except InvalidNik as exc:
        await message.answer(domain_error(exc))
        return
    except (NikTaken, AlreadyBooked) as exc:
        await show_main_menu(message, state, domain_error(exc))
        return
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


async def ask_priority(event: Event, state: FSMContext) -> None:
    await state.set_state(states.Booking.priority)
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
            await show(query, domain_error(exc) + "\n\n" + _("Choose again:"), kb.priority_kb())
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


# --- confirm ---------------------------------------------------------------------------


async def answer_full(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    nearest_dates: NearestDates,
    locale: str,
    office_id: int,
    service: ServiceType,
    session: SessionAvailability,
    priority: PriorityReason | None,
) -> None:
    """The session is full: say so and offer the nearest dates with seats."""
    await state.set_state(states.Booking.day)
    day = session.start.date()
    nearest = await nearest_dates.get(domain, office_id, day, priority=priority is not None)
    note = domain_error(SlotFull(session.slot_id))
    await offer_dates(
        query,
        domain,
        locale,
        office_id,
        service,
        cb.NEW_BOOKING,
        day,
        note,
        priority is not None,
        nearest=nearest,
    )


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
    await bot.send_message(chat_id, confirmation(view, content, locale), reply_markup=kb.home_kb())
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


async def session_unavailable(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
    d: cb.Confirm,
    exc: DayClosed | SessionStarted,
) -> None:
    """The booking found the session's day closed or the session started: explain
    and offer what is left (the nearest dates, or that day's other sessions)."""
    priority = None if d.priority == "none" else PriorityReason(d.priority)
    try:
        office, session = await session_by_id(domain, d.slot, priority=priority is not None)
    except NotFound:
        await refuse(query, callback_answer)
        return
    assert office.id is not None
    if isinstance(exc, DayClosed):
        await state.set_state(states.Booking.day)
        await offer_dates(
            query,
            domain,
            locale,
            office.id,
            d.service,
            cb.NEW_BOOKING,
            session.start.date(),
            domain_error(exc),
            priority is not None,
        )
    else:
        await state.set_state(states.Booking.session)
        callback_answer.text = domain_error(exc)[:200]
        await session_gone(
            query, domain, locale, office.id, d.service, cb.NEW_BOOKING, session.start.date()
        )


@confirm_router.callback_query(cb.Confirm.filter())
async def confirm(
    query: CallbackQuery,
    callback_data: cb.Confirm,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
    nearest_dates: NearestDates,
    sold_out_sessions: SoldOutSessions,
    files: FileSender,
    raw_state: str | None = None,
) -> None:
    d = callback_data
    priority = None if d.priority == "none" else PriorityReason(d.priority)
    if raw_state == states.Booking.summary.state:
        # A user still at the summary holds no appointment (booking resets the flow,
        # and a new flow is refused while one is held): a session just seen full is
        # answered "full" without reading anything, and any other tap goes straight
        # to the booking, which decides.
        known = sold_out_sessions.get(domain, d.slot, priority is not None)
        if known is not None:
            office_id, session = known
            await answer_full(
                query, state, domain, nearest_dates, locale, office_id, d.service, session, priority
            )
            return
        held_before: set[int] = set()
    else:
        # A repeated tap (the flow already ended) finds its booking already made;
        # the domain then returns it.
        held_before = {v.id for v in await appointments_of(domain, query.from_user.id) if v.active}
    try:
        view = await book(
            domain,
            telegram_id=query.from_user.id,
            slot_id=d.slot,
            service=d.service,
            priority=priority,
        )
    except ApplicantNotFound:
        await flow_expired(query, state)
        return
    except NotFound:
        await refuse(query, callback_answer)
        return
    except SlotFull:
        full = await sold_out_sessions.found_full(domain, d.slot, priority is not None)
        if full is None:
            await refuse(query, callback_answer)
            return
        office_id, session = full
        await answer_full(
            query, state, domain, nearest_dates, locale, office_id, d.service, session, priority
        )
        return
    except (DayClosed, SessionStarted) as exc:
        await session_unavailable(query, state, domain, locale, callback_answer, d, exc)
        return
    except PriorityNotEligible as exc:
        await state.set_state(states.Booking.priority)
        await show(query, domain_error(exc) + "\n\n" + _("Choose again:"), kb.priority_kb())
        return
    except AlreadyBooked as exc:
        await show_main_menu(query, state, domain_error(exc))
        return
    if view.id in held_before:
        callback_answer.text = _("Already booked: {code}").format(code=view.code)
        text = _("This booking is already confirmed: {code}").format(code=view.code)
        await show(query, text, kb.home_kb(), edit=False)
        return
    await reset_flow(state)
    callback_answer.text = _("Booked: {code}").format(code=view.code)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError:
            pass
    await send_confirmation(bot, query.from_user.id, view, content, locale, domain, files)
    log.info("appointment %s booked", view.id)
