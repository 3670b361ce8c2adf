"""My appointments: list, QR code again, cancel (with confirmation), reschedule."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.closures import displaced_of, rebook_displaced
from booking.appointments.service import (
    appointments_of,
    cancel,
    get_appointment,
    reschedule,
)
from booking.appointments.views import AppointmentView
from booking.calendar.availability import session_by_id
from booking.core.context import Domain
from booking.core.errors import (
    BookingError,
    DayClosed,
    NotActive,
    SessionStarted,
    SlotFull,
)
from booking.offices.content import Content
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.attachments import qr_png
from bot.files import FileSender
from bot.handlers.booking.shared import (
    moving,
    send_confirmation,
    session_gone,
    session_refused,
    show_calendar,
)
from bot.handlers.common import Event, RouterSpec, reset_flow, show
from bot.texts import appointment_line, domain_error, session_line, status_name


async def refusal_to_list(event: Event, data: dict[str, Any], exc: BookingError) -> None:
    """The refusal's explanation (too late, no reschedule left, no longer active, ...)
    above the applicant's appointments."""
    await show_appointments(event, data["state"], data["domain"], data["locale"], domain_error(exc))


router = RouterSpec("appointments", show_refusal=refusal_to_list)

PAST_SHOWN = 10


async def show_appointments(
    event: Event, state: FSMContext, domain: Domain, locale: str, note: str | None = None
) -> None:
    assert event.from_user is not None
    await reset_flow(state)
    views = await appointments_of(domain, event.from_user.id)
    now = domain.now()
    active = [v for v in views if v.active and v.end > now]
    displaced = await displaced_of(domain, event.from_user.id)
    current = {v.id for v in active} | {v.id for v in displaced}
    past = [v for v in views if v.id not in current]
    lines = [note, ""] if note else []
    if active:
        lines.append(_("Your active appointment:"))
        lines += [appointment_line(v, locale) for v in active]
    else:
        lines.append(_("You have no active appointment."))
    if displaced:
        lines += ["", _("Cancelled because the office closed; choose a new date:")]
        lines += [appointment_line(v, locale) for v in displaced]
    if past:
        lines += ["", _("Past appointments:")]
        lines += [
            f"{appointment_line(v, locale)} · {status_name(v.status)}"
            for v in reversed(past[-PAST_SHOWN:])
        ]
    await show(event, "\n".join(lines), kb.appointments_kb(active, displaced))


@router.message(Command("my"))
@router.callback_query(cb.Menu.filter(F.action == "mine"))
async def my_appointments(event: Event, state: FSMContext, domain: Domain, locale: str) -> None:
    await show_appointments(event, state, domain, locale)


async def active_appointment(domain: Domain, uid: int, appointment_id: int) -> AppointmentView:
    """The user's appointment, if still active; ``NotActive`` otherwise."""
    view = await get_appointment(domain, uid, appointment_id)
    if not view.active:
        raise NotActive(view.id, view.status)
    return view


@router.callback_query(cb.Appt.filter(F.action == "qr"))
async def show_qr(
    query: CallbackQuery, callback_data: cb.Appt, domain: Domain, locale: str, bot: Bot
) -> None:
    view = await active_appointment(domain, query.from_user.id, callback_data.id)
    await bot.send_photo(
        query.from_user.id,
        BufferedInputFile(qr_png(view.code), filename=f"{view.code}.png"),
        caption=_("Booking code {code}\n{when}").format(
            code=view.code, when=appointment_line(view, locale)
        ),
    )


@router.callback_query(cb.Appt.filter(F.action == "cancel"))
async def ask_cancel(
    query: CallbackQuery, callback_data: cb.Appt, state: FSMContext, domain: Domain, locale: str
) -> None:
    view = await active_appointment(domain, query.from_user.id, callback_data.id)
    await state.set_state(states.Changing.cancel)
    text = _("Cancel this appointment? The seat goes to someone else.\n\n{appointment}").format(
        appointment=appointment_line(view, locale)
    )
    await show(query, text, kb.cancel_confirm_kb(view.id))


@router.callback_query(cb.Appt.filter(F.action == "cancel_confirmed"))
async def do_cancel(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    view = await cancel(domain, telegram_id=query.from_user.id, appointment_id=callback_data.id)
    callback_answer.text = _("Cancelled.")
    note = _(
        "Appointment {code} is cancelled. If you added it to your calendar, "
        "delete the event there too."
    ).format(code=view.code)
    await show_appointments(query, state, domain, locale, note)


@router.callback_query(cb.Appt.filter(F.action.in_({"reschedule", "rebook"})))
async def start_moving(
    query: CallbackQuery, callback_data: cb.Appt, state: FSMContext, domain: Domain, locale: str
) -> None:
    """Reschedule an active appointment, or rebook one an office closure cancelled."""
    mode: cb.Mode = "reschedule" if callback_data.action == "reschedule" else "rebook"
    target = cb.Target(mode, callback_data.id)
    view = await moving(domain, query.from_user.id, target)
    assert view is not None
    await state.set_state(states.Changing.day)
    if mode == "reschedule":
        note = _("Reschedule {code}: choose a new date.").format(code=view.code)
    else:
        note = _("Choose a new date for {code}, cancelled because the office closed.").format(
            code=view.code
        )
    await show_calendar(
        query,
        domain,
        locale,
        view.office_id,
        view.service,
        target,
        priority=view.priority is not None,
        note=note,
    )


@router.callback_query(cb.Session.filter(F.mode != "book"))
async def moving_session(
    query: CallbackQuery, callback_data: cb.Session, state: FSMContext, domain: Domain, locale: str
) -> None:
    d = callback_data
    target = cb.Target(d.mode, d.appt)
    view = await moving(domain, query.from_user.id, target)
    assert view is not None
    office, session = await session_by_id(domain, d.slot, priority=view.priority is not None)
    assert office.id is not None
    if not session.bookable:
        await session_gone(
            query, domain, locale, office.id, d.service, target, session.start.date()
        )
        return
    await state.set_state(states.Changing.confirm)
    new = f"{office.name}\n{session_line(session, locale)}"
    if d.mode == "reschedule":
        text = _("Move appointment {code}\nfrom: {old}\nto: {new}\n\nConfirm?").format(
            code=view.code, old=appointment_line(view, locale), new=new
        )
        markup = kb.reschedule_confirm_kb(view.id, d.slot)
    else:
        text = _("Book a new date instead of {code}:\n{new}\n\nConfirm?").format(
            code=view.code, new=new
        )
        markup = kb.rebook_confirm_kb(view.id, d.slot)
    await show(query, text, markup)


@router.callback_query(cb.Reschedule.filter())
@router.callback_query(cb.Rebook.filter())
async def do_move(
    query: CallbackQuery,
    callback_data: cb.Reschedule | cb.Rebook,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
    files: FileSender,
) -> None:
    """Confirm the new slot of a reschedule, or of a rebooking after a closure;
    explain a refusal with fresh choices."""
    mode: cb.Mode = "reschedule" if isinstance(callback_data, cb.Reschedule) else "rebook"
    target, slot_id = cb.Target(mode, callback_data.appt), callback_data.slot
    uid = query.from_user.id
    try:
        if target.mode == "reschedule":
            view = await reschedule(
                domain, telegram_id=uid, appointment_id=target.appt, new_slot_id=slot_id
            )
        else:
            view = await rebook_displaced(
                domain, telegram_id=uid, appointment_id=target.appt, new_slot_id=slot_id
            )
    except (SlotFull, DayClosed, SessionStarted) as exc:
        old = await get_appointment(domain, uid, target.appt)
        priority = old.priority is not None
        await session_refused(
            query, domain, locale, callback_answer, slot_id, old.service, target, exc, priority
        )
        return
    await reset_flow(state)
    if target.mode == "reschedule":
        callback_answer.text = _("Rescheduled.")
        await show(query, _("Appointment {code} is moved.").format(code=view.code))
    else:
        callback_answer.text = _("Booked: {code}").format(code=view.code)
        await show(query, _("Your new booking code is {code}.").format(code=view.code))
    await send_confirmation(bot, uid, view, content, locale, domain, files)
