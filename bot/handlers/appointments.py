"""My appointments: list, QR code again, cancel (with confirmation), reschedule."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.appointments import (
    appointments_of,
    cancel,
    check_reschedulable,
    get_appointment,
    reschedule,
)
from booking.availability import session_by_id
from booking.content import Content
from booking.context import Domain
from booking.errors import (
    BookingError,
    DayClosed,
    NotActive,
    NotFound,
    SessionStarted,
    SlotFull,
)
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.attachments import qr_png
from bot.handlers.booking import offer_dates, send_confirmation, session_gone, show_calendar
from bot.handlers.common import Event, RouterSpec, reset_flow, show
from bot.texts import appointment_line, domain_error, session_line, status_name

router = RouterSpec("appointments")

PAST_SHOWN = 10


async def show_appointments(
    event: Event, state: FSMContext, domain: Domain, locale: str, note: str | None = None
) -> None:
    assert event.from_user is not None
    await reset_flow(state)
    views = await appointments_of(domain, event.from_user.id)
    now = domain.now()
    active = [v for v in views if v.active and v.end > now]
    past = [v for v in views if v not in active]
    lines = [note, ""] if note else []
    if active:
        lines.append(_("Your active appointment:"))
        lines += [appointment_line(v, locale) for v in active]
    else:
        lines.append(_("You have no active appointment."))
    if past:
        lines += ["", _("Past appointments:")]
        lines += [
            f"{appointment_line(v, locale)} · {status_name(v.status)}"
            for v in reversed(past[-PAST_SHOWN:])
        ]
    await show(event, "\n".join(lines), kb.appointments_kb(active))


@router.message(Command("my"))
@router.callback_query(cb.Menu.filter(F.action == "mine"))
async def my_appointments(event: Event, state: FSMContext, domain: Domain, locale: str) -> None:
    await show_appointments(event, state, domain, locale)


@router.callback_query(cb.Appt.filter(F.action == "qr"))
async def show_qr(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        view = await get_appointment(domain, query.from_user.id, callback_data.id)
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    if not view.active:
        exc = NotActive(view.id, view.status)
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    await bot.send_photo(
        query.from_user.id,
        BufferedInputFile(qr_png(view.code), filename=f"{view.code}.png"),
        caption=_("Booking code {code}\n{when}").format(
            code=view.code, when=appointment_line(view, locale)
        ),
    )


@router.callback_query(cb.Appt.filter(F.action == "cancel"))
async def ask_cancel(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        view = await get_appointment(domain, query.from_user.id, callback_data.id)
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    if not view.active:
        exc = NotActive(view.id, view.status)
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    await state.set_state(states.Changing.cancel)
    text = _("Cancel this appointment? The seat goes to someone else.\n\n{appointment}").format(
        appointment=appointment_line(view, locale)
    )
    await show(query, text, kb.cancel_confirm_kb(view.id))


@router.callback_query(cb.Appt.filter(F.action == "cancel_yes"))
async def do_cancel(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        view = await cancel(domain, telegram_id=query.from_user.id, appointment_id=callback_data.id)
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    except BookingError as exc:
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    callback_answer.text = _("Cancelled.")
    note = _("Appointment {code} is cancelled.").format(code=view.code)
    await show_appointments(query, state, domain, locale, note)


@router.callback_query(cb.Appt.filter(F.action == "resched"))
async def start_reschedule(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        await check_reschedulable(domain, query.from_user.id, callback_data.id)
        view = await get_appointment(domain, query.from_user.id, callback_data.id)
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    except BookingError as exc:
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    await state.set_state(states.Changing.day)
    note = _("Reschedule {code}: choose a new date.").format(code=view.code)
    await show_calendar(
        query,
        domain,
        locale,
        view.office_id,
        view.service,
        view.id,
        priority=view.priority is not None,
        note=note,
    )


@router.callback_query(cb.Session.filter(F.appt > 0))
async def reschedule_session(
    query: CallbackQuery,
    callback_data: cb.Session,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    d = callback_data
    try:
        await check_reschedulable(domain, query.from_user.id, d.appt)
        view = await get_appointment(domain, query.from_user.id, d.appt)
        office, session = await session_by_id(domain, d.slot, priority=view.priority is not None)
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    except BookingError as exc:
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    assert office.id is not None
    if not session.bookable:
        await session_gone(
            query, domain, locale, office.id, d.service, d.appt, session.start.date()
        )
        return
    await state.set_state(states.Changing.confirm)
    text = _("Move appointment {code}\nfrom: {old}\nto: {new}\n\nConfirm?").format(
        code=view.code,
        old=appointment_line(view, locale),
        new=f"{office.name}\n{session_line(session, locale)}",
    )
    await show(query, text, kb.reschedule_confirm_kb(view.id, d.slot))


@router.callback_query(cb.Reschedule.filter())
async def do_reschedule(
    query: CallbackQuery,
    callback_data: cb.Reschedule,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    d = callback_data
    try:
        view = await reschedule(
            domain, telegram_id=query.from_user.id, appointment_id=d.appt, new_slot_id=d.slot
        )
    except NotFound:
        callback_answer.text = _("This button is no longer valid.")
        await show_appointments(query, state, domain, locale, _("This button is no longer valid."))
        return
    except (SlotFull, DayClosed, SessionStarted) as exc:
        office, session = await session_by_id(domain, d.slot)
        old = await get_appointment(domain, query.from_user.id, d.appt)
        assert office.id is not None
        if isinstance(exc, SessionStarted):
            callback_answer.text = domain_error(exc)[:200]
            await session_gone(
                query, domain, locale, office.id, old.service, d.appt, session.start.date()
            )
        else:
            await offer_dates(
                query,
                domain,
                locale,
                office.id,
                old.service,
                d.appt,
                session.start.date(),
                domain_error(exc),
                old.priority is not None,
            )
        return
    except BookingError as exc:
        await show_appointments(query, state, domain, locale, domain_error(exc))
        return
    await reset_flow(state)
    callback_answer.text = _("Rescheduled.")
    await show(query, _("Appointment {code} is moved.").format(code=view.code))
    await send_confirmation(bot, query.from_user.id, view, content, locale, domain)
