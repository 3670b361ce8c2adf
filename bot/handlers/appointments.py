"""My appointments: the groups, a member's QR code again, cancelling a member or the
whole group (with confirmation), rescheduling or rebooking the whole group.

Every button names one of the group's appointments by id; the group is the one
holding it, looked up with the tapping user's id (``group_of``)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.closures import displaced_groups_of, rebook_group
from booking.appointments.groups import (
    cancel_group,
    cancel_member,
    check_group_reschedulable,
    groups_of,
    reschedule_group,
)
from booking.appointments.service import appointments_of, get_appointment
from booking.appointments.views import AppointmentView, GroupView
from booking.calendar.availability import session_by_id
from booking.core.context import Domain
from booking.core.errors import (
    BookingError,
    DayClosed,
    NotActive,
    RequestNotFound,
    RequestWindowClosed,
    RescheduleLimitReached,
    SessionStarted,
    SlotFull,
    TooLateToChange,
)
from booking.core.kinds import AppointmentStatus, RequestStatus
from booking.draw.requests import RequestView, requests_of, withdraw_request
from booking.draw.windows import open_draw
from booking.notify.confirmations import CANCELLATION, mark_handled
from booking.offices.content import Content
from booking.offices.lookup import get_office
from booking.people.views import ApplicantView
from booking.queue.tickets import queue_state
from booking.waitlist.entries import waitlist_of
from booking.waitlist.views import OfferView
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.attachments import qr_png
from bot.files import FileSender
from bot.handlers.booking.office import book_at
from bot.handlers.booking.request import choice_lines, choices_data, show_choices
from bot.handlers.booking.shared import (
    group_of,
    moving,
    moving_target,
    send_confirmation,
    session_gone,
    session_refused,
    show_calendar,
)
from bot.handlers.common import Event, RouterSpec, reset_flow, show
from bot.notices import CANCELLED
from bot.queue_texts import no_need_to_stay, queue_lines
from bot.texts import (
    appointment_line,
    cancelled_by,
    domain_error,
    group_lines,
    session_line,
    short_moment,
    status_name,
    wish_text,
)


async def refusal_to_list(event: Event, data: dict[str, Any], exc: BookingError) -> None:
    """The refusal's explanation (too late, no reschedule left, no longer active, ...)
    above the applicant's appointments."""
    await show_appointments(event, data["state"], data["domain"], data["locale"], domain_error(exc))


router = RouterSpec("appointments", show_refusal=refusal_to_list)

PAST_SHOWN = 10


def codes_of(group: GroupView) -> str:
    return ", ".join(m.code for m in group.active_members)


def reschedule_limit_note(limit: int) -> str:
    return ngettext(
        "An appointment can be rescheduled only once.",
        "An appointment can be rescheduled only {n} times.",
        limit,
    ).format(n=limit)


async def movable_groups(domain: Domain, uid: int, groups: list[GroupView]) -> set[int]:
    """The ids of the groups that may still be rescheduled: every member booked (none
    checked in yet), the reschedule not used and not too late."""
    movable = set()
    for g in groups:
        if any(m.status is not AppointmentStatus.BOOKED for m in g.active_members):
            continue
        try:
            await check_group_reschedulable(domain, uid, g.id)
        except (NotActive, TooLateToChange, RescheduleLimitReached):
            continue
        movable.add(g.id)
    return movable


async def show_appointments(
    event: Event, state: FSMContext, domain: Domain, locale: str, note: str | None = None
) -> None:
    """The active groups, those an office closure cancelled, the appointments
    cancelled before their day, and the past ones."""
    assert event.from_user is not None
    await reset_flow(state)
    uid = event.from_user.id
    now = domain.now()
    active = [g for g in await groups_of(domain, uid) if g.active_members and g.end > now]
    displaced = await displaced_groups_of(domain, uid)
    current = {m.id for g in active for m in g.active_members}
    current |= {m.id for g in displaced for m in g.members}
    others = [v for v in await appointments_of(domain, uid) if v.id not in current]
    cancelled = [v for v in others if v.status is AppointmentStatus.CANCELLED and v.end > now]
    past = [v for v in others if v not in cancelled]
    lines = [note, ""] if note else []
    if active:
        lines.append(_("Your active appointment:"))
        for g in active:
            lines += group_lines(g, locale)
    else:
        lines.append(_("You have no active appointment."))
    lines += await today_in_queue(domain, uid, active)
    if displaced:
        lines += ["", _("Cancelled because the office closed; choose a new date:")]
        for g in displaced:
            lines += group_lines(g, locale, everyone=True)
    if cancelled:
        lines += ["", _("Cancelled appointments:")]
        lines += [f"{appointment_line(v, locale)} · {cancelled_by(v)}" for v in cancelled]
    if past:
        lines += ["", _("Past appointments:")]
        lines += [
            f"{appointment_line(v, locale)} · {past_status(v)}"
            for v in reversed(past[-PAST_SHOWN:])
        ]
    fair_lines, extra = await fair_release_part(domain, uid, locale)
    lines += fair_lines
    movable = await movable_groups(domain, uid, active)
    await show(event, "\n".join(lines), kb.appointments_kb(active, displaced, movable, extra))


async def fair_release_part(
    domain: Domain, uid: int, locale: str
) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """The requests waiting for their draw and the waitlist entries: their lines and
    buttons (change or withdraw a request; take or skip an offer, leave a waitlist)."""
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    pending = [r for r in await requests_of(domain, uid) if r.status is RequestStatus.PENDING]
    if pending:
        lines += ["", _("Your requests for a draw:")]
    for r in pending:
        office = await get_office(domain, r.draw.office_id)
        when = short_moment(r.draw_at, office.timezone, locale)
        lines.append(_("• {office} · draw {when}").format(office=office.name, when=when))
        lines += [f"  {line}" for line in choice_lines(list(r.choices), locale)]
        rows += kb.request_buttons(r.id)
    waiting = await waitlist_of(domain, uid)
    if waiting:
        lines += ["", _("Your waitlist:")]
    for e in waiting:
        office = await get_office(domain, e.office_id)
        wish = wish_text(e.wish.first_day, e.wish.last_day, e.wish.slot_label, locale)
        line = _("• {office}: {wish}").format(office=e.office_name, wish=wish)
        if e.position is not None:
            line += " · " + _("position {n}").format(n=e.position)
        lines.append(line)
        if e.offer is not None:
            lines.append("  " + offer_line(e.offer, office.timezone, locale))
            rows += kb.offer_kb(e.offer.id).inline_keyboard
        rows += kb.waiting_buttons(e.id)
    return lines, rows


def offer_line(offer: OfferView, timezone: str, locale: str) -> str:
    return _("Seats held for you: {session}, until {until}.").format(
        session=f"{short_moment(offer.start_utc, timezone, locale)} ({offer.label})",
        until=short_moment(offer.expires_at, timezone, locale),
    )


async def today_in_queue(domain: Domain, uid: int, active: list[GroupView]) -> list[str]:
    """Today's place in the office's queue, once checked in (or with a walk-in
    number): each number, the number now served, how many are ahead, the wait."""
    tickets = await queue_state(domain, telegram_id=uid)
    if not tickets:
        return []
    names = {m.code: m.full_name for g in active for m in g.members}
    return ["", _("🎫 Today at the office:"), *queue_lines(tickets, names), no_need_to_stay()]


def past_status(v: AppointmentView) -> str:
    if v.status is AppointmentStatus.CANCELLED:
        return cancelled_by(v)
    return status_name(v.status)


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


async def active_group_of(domain: Domain, uid: int, appointment_id: int) -> GroupView:
    """The user's group holding ``appointment_id``, if that appointment is still
    active; ``NotActive`` otherwise."""
    await active_appointment(domain, uid, appointment_id)
    return await group_of(domain, uid, appointment_id)


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
    group = await active_group_of(domain, query.from_user.id, callback_data.id)
    [member] = [m for m in group.members if m.id == callback_data.id]
    await state.set_state(states.Changing.cancel)
    if len(group.active_members) == 1:
        text = _("Cancel this appointment? The seat goes to someone else.\n\n{appointment}")
    else:
        text = _(
            "Cancel {name}'s appointment? The seat goes to someone else; "
            "the others in the group keep theirs.\n\n{appointment}"
        )
    when = "\n".join(group_lines(group, locale)[:1])
    appointment = f"{member.code} · {member.full_name}\n{when}"
    await show(
        query,
        text.format(name=member.full_name, appointment=appointment),
        kb.cancel_confirm_kb(member.id),
    )


@router.callback_query(cb.Appt.filter(F.action.in_({"cancel_group", "renew"})))
async def ask_cancel_group(
    query: CallbackQuery, callback_data: cb.Appt, state: FSMContext, domain: Domain, locale: str
) -> None:
    """Cancelling the whole group; "renew" (cancel and book again) is offered once the
    group can no longer be rescheduled."""
    group = await active_group_of(domain, query.from_user.id, callback_data.id)
    await state.set_state(states.Changing.cancel)
    lines = "\n".join(group_lines(group, locale))
    if callback_data.action == "renew":
        text = _(
            "This appointment can no longer be rescheduled. Cancel it and book a new date? "
            "The seat goes to someone else.\n\n{group}"
        ).format(group=lines)
        markup = kb.cancel_confirm_kb(callback_data.id, renew=True)
    else:
        text = _(
            "Cancel the appointments of all {n} people? Their seats go to someone else.\n\n{group}"
        ).format(n=len(group.active_members), group=lines)
        markup = kb.cancel_confirm_kb(callback_data.id, whole_group=True)
    await show(query, text, markup)


@router.callback_query(
    cb.Appt.filter(F.action.in_({"cancel_confirmed", "cancel_group_confirmed", "renew_confirmed"}))
)
async def do_cancel(
    query: CallbackQuery,
    callback_data: cb.Appt,
    state: FSMContext,
    domain: Domain,
    locale: str,
    applicant: ApplicantView | None,
    callback_answer: CallbackAnswer,
) -> None:
    """Cancel one member, or the whole group of the appointment; after "renew", a new
    booking starts at the same office."""
    uid = query.from_user.id
    if callback_data.action == "cancel_confirmed":
        group = await cancel_member(domain, telegram_id=uid, appointment_id=callback_data.id)
        [member] = [m for m in group.members if m.id == callback_data.id]
        first, codes = member.id, member.code
    else:
        group = await active_group_of(domain, uid, callback_data.id)
        booked = [m for m in group.active_members if m.status == AppointmentStatus.BOOKED]
        first, codes = min(m.id for m in booked), codes_of(group)
        await cancel_group(domain, telegram_id=uid, group_id=group.id)
    callback_answer.text = _("Cancelled.")
    note = _(CANCELLED).format(code=codes)
    if callback_data.action != "renew_confirmed":
        await show_appointments(query, state, domain, locale, note)
    else:
        await reset_flow(state)
        await show(query, note)
    # Shown: the outbox need not send the cancellation (it does if this never runs).
    await mark_handled(domain, [(first, CANCELLATION)])
    if callback_data.action == "renew_confirmed":
        # The booking starts in a new message under the note, which stays.
        assert isinstance(query.message, Message)
        await book_at(query.message, state, domain, applicant, group.office_id)


@router.callback_query(cb.Appt.filter(F.action.in_({"reschedule", "rebook"})))
async def start_moving(
    query: CallbackQuery, callback_data: cb.Appt, state: FSMContext, domain: Domain, locale: str
) -> None:
    """Reschedule an active group, or rebook one an office closure cancelled."""
    mode: cb.Mode = "reschedule" if callback_data.action == "reschedule" else "rebook"
    group = await moving(domain, query.from_user.id, mode, callback_data.id)
    assert group is not None
    target = moving_target(mode, group, callback_data.id)
    await state.set_state(states.Changing.day)
    if mode == "reschedule":
        note = _("Reschedule {code}: choose a new date.").format(code=codes_of(group))
        note += " " + reschedule_limit_note(domain.settings.reschedule_limit)
    else:
        codes = ", ".join(m.code for m in group.members)
        note = _("Choose a new date for {code}, cancelled because the office closed.").format(
            code=codes
        )
    await show_calendar(query, domain, locale, group.office_id, target, note=note)


@router.callback_query(cb.Session.filter(F.mode != "book"))
async def moving_session(
    query: CallbackQuery, callback_data: cb.Session, state: FSMContext, domain: Domain, locale: str
) -> None:
    d = callback_data
    group = await moving(domain, query.from_user.id, d.mode, d.appt)
    assert group is not None
    target = moving_target(d.mode, group, d.appt)
    office, session = await session_by_id(domain, d.slot, shape=target.shape)
    assert office.id is not None
    if not session.bookable:
        await session_gone(query, domain, locale, office.id, target, session.start.date())
        return
    await state.set_state(states.Changing.confirm)
    new = f"{office.name}\n{session_line(session, locale)}"
    if d.mode == "reschedule":
        text = _("Move appointment {code}\nfrom: {old}\nto: {new}\n\nConfirm?").format(
            code=codes_of(group), old="\n".join(group_lines(group, locale)[:1]), new=new
        )
        markup = kb.reschedule_confirm_kb(d.appt, d.slot)
    else:
        codes = ", ".join(m.code for m in group.members)
        text = _("Book a new date instead of {code}:\n{new}\n\nConfirm?").format(
            code=codes, new=new
        )
        markup = kb.rebook_confirm_kb(d.appt, d.slot)
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
    """Confirm the new slot of a reschedule, or of a rebooking after a closure, for
    the whole group; explain a refusal with fresh choices."""
    mode: cb.Mode = "reschedule" if isinstance(callback_data, cb.Reschedule) else "rebook"
    appt, slot_id = callback_data.appt, callback_data.slot
    uid = query.from_user.id
    group = await moving(domain, uid, mode, appt)
    assert group is not None
    try:
        if mode == "reschedule":
            moved = await reschedule_group(
                domain, telegram_id=uid, group_id=group.id, new_slot_id=slot_id
            )
        else:
            moved = await rebook_group(
                domain, telegram_id=uid, group_id=group.id, new_slot_id=slot_id
            )
    except (SlotFull, DayClosed, SessionStarted) as exc:
        target = moving_target(mode, group, appt)
        await session_refused(query, domain, locale, callback_answer, slot_id, target, exc)
        return
    await reset_flow(state)
    if mode == "reschedule":
        callback_answer.text = _("Rescheduled.")
        await show(query, _("Appointment {code} is moved.").format(code=codes_of(moved)))
    else:
        callback_answer.text = _("Booked: {code}").format(code=codes_of(moved))[:200]
        await show(query, _("Your new booking code is {code}.").format(code=codes_of(moved)))
    await send_confirmation(bot, uid, moved, content, locale, domain, files)


async def pending_request(domain: Domain, uid: int, request_id: int) -> RequestView:
    """The user's request ``request_id``, still waiting for its draw; ``RequestNotFound``
    otherwise (another account's id, or one already drawn or withdrawn)."""
    for r in await requests_of(domain, uid):
        if r.id == request_id and r.status is RequestStatus.PENDING:
            return r
    raise RequestNotFound(request_id)


@router.callback_query(cb.Req.filter(F.action == "change"))
async def change_choices(
    query: CallbackQuery, callback_data: cb.Req, state: FSMContext, domain: Domain, locale: str
) -> None:
    """The request's choices, to change them (its people stay)."""
    request = await pending_request(domain, query.from_user.id, callback_data.id)
    draw = await open_draw(domain, request.draw.office_id)
    if draw is None or draw.id != request.draw.id:
        raise RequestWindowClosed(request.draw.office_id)
    await reset_flow(state)
    await state.update_data(
        {
            states.OFFICE: draw.office_id,
            states.DRAW: draw.id,
            states.REQUEST: request.id,
            **choices_data(list(request.choices)),
        }
    )
    note = _("Change your choices, then send the request again.")
    await show_choices(query, state, domain, locale, draw, note)


@router.callback_query(cb.Req.filter(F.action == "withdraw"))
async def ask_withdraw(
    query: CallbackQuery, callback_data: cb.Req, domain: Domain, locale: str
) -> None:
    request = await pending_request(domain, query.from_user.id, callback_data.id)
    office = await get_office(domain, request.draw.office_id)
    text = _(
        "Withdraw your request for the draw of {office} on {when}? "
        "You can send a new one while requests are open."
    ).format(office=office.name, when=short_moment(request.draw_at, office.timezone, locale))
    await show(query, text, kb.withdraw_confirm_kb(request.id))


@router.callback_query(cb.Req.filter(F.action == "withdraw_yes"))
async def do_withdraw(
    query: CallbackQuery,
    callback_data: cb.Req,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    await withdraw_request(domain, telegram_id=query.from_user.id, request_id=callback_data.id)
    callback_answer.text = _("Request withdrawn.")
    await show_appointments(query, state, domain, locale, _("Your request is withdrawn."))


@router.callback_query(cb.Req.filter(F.action == "hash"))
async def whole_hash(
    query: CallbackQuery, callback_data: cb.Req, domain: Domain, locale: str
) -> None:
    """The whole seed hash of the request's draw (and the seed, once drawn), in a new
    message: the request's confirmation stays."""
    request = next(
        (r for r in await requests_of(domain, query.from_user.id) if r.id == callback_data.id),
        None,
    )
    if request is None:
        raise RequestNotFound(callback_data.id)
    office = await get_office(domain, request.draw.office_id)
    lines = [
        _("Draw of {office} on {when}").format(
            office=office.name, when=short_moment(request.draw_at, office.timezone, locale)
        ),
        _("Seed hash (SHA-256):"),
        request.seed_hash,
    ]
    if request.draw.seed:
        lines += [_("Seed, revealed at the draw:"), request.draw.seed]
    await show(query, "\n".join(lines), edit=False)
