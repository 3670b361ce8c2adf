"""At the counter: checking applicants in by booking code, and marking no-shows
once a session is over."""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.checkin import check_in, mark_no_shows
from booking.admin.daylist import day_list
from booking.admin.roles import offices_of_admin
from booking.core.context import Domain
from booking.core.errors import BookingError, SlotNotFound
from booking.core.kinds import AppointmentStatus
from booking.db.models import Office
from booking.offices.content import Content
from bot.config import BotSettings
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.access import current_office, office_of
from bot.handlers.admin.base import Env, Event, router, screen, typed
from bot.handlers.admin.menu import env_of
from bot.handlers.admin.states import ADMIN_OFFICE, AdminInput
from bot.handlers.admin.texts import admin_error, nothing_changed
from bot.handlers.common import refuse, show
from bot.texts import service_name, time_range

ALL = 100_000


@screen("checkin")
async def checkin_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.ask(AdminInput.checkin, office)
    await show(
        event,
        _(
            "✅ Check-in at {office}. Type a booking code (e.g. K7M2QX). "
            "You can type one code after another; /cancel ends it."
        ).format(office=office.code),
        kb.back_kb(office.id),
    )


async def do_check_in(message: Message, office: Office, env: Env, code: str) -> None:
    assert office.id is not None
    try:
        result = await check_in(env.domain, office.id, code, actor=env.actor)
    except BookingError as exc:
        await message.answer(admin_error(exc, env.locale))
        return
    v = result.appointment
    await message.answer(
        _(
            "✅ Checked in: {code}\nQueue number: {number} ({label} {time})\n"
            "{name} · {nik} · {service}"
        ).format(
            code=v.code,
            number=result.queue_number,
            label=v.label,
            time=time_range(v.start, v.end, v.zone),
            name=result.full_name,
            nik=result.nik_masked,
            service=service_name(env.content, v.service, env.locale),
        )
    )


@typed(AdminInput.checkin)
async def typed_code(message: Message, office: Office, env: Env) -> None:
    await do_check_in(message, office, env, message.text or "")


@router.message(Command("checkin"))
async def checkin_command(
    message: Message,
    command: CommandObject,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    """/checkin CODE at the office chosen with /admin (or the admin's only office)."""
    env = env_of(message, domain, settings, state, locale, content)
    office = await current_office(message, state, domain, settings)
    if office is None:
        offices = await offices_of_admin(domain, env.user_id, settings.admin_id_set)
        if len(offices) != 1:
            await message.answer(_("Choose the office first with /admin, then send /checkin CODE."))
            return
        office = offices[0]
        await state.update_data({ADMIN_OFFICE: office.id})
    code = (command.args or "").strip()
    if not code:
        await checkin_prompt(message, office, env)
        return
    await do_check_in(message, office, env, code)


@screen("noshow")
async def no_shows_screen(event: Event, office: Office, env: Env, prefix: str = "") -> None:
    assert office.id is not None
    await env.state.set_state(None)
    today = env.today(office)
    listed = await day_list(env.domain, office.id, today, page_size=ALL)
    now = env.domain.now()
    waiting = {s.slot_id: 0 for s in listed.sessions}
    for e in listed.entries:
        if e.status is AppointmentStatus.BOOKED:
            waiting[e.slot_id] = waiting.get(e.slot_id, 0) + 1
    ended = [(s, waiting[s.slot_id]) for s in listed.sessions if s.end <= now]
    lines = [_("🚫 No-shows at {office} today:").format(office=office.code)]
    for s in listed.sessions:
        state = _("ended") if s.end <= now else _("not ended yet")
        lines.append(
            _("• {label} {time}: {n} not checked in ({state})").format(
                label=s.label,
                time=time_range(s.start, s.end, s.zone),
                n=waiting[s.slot_id],
                state=state,
            )
        )
    if not listed.sessions:
        lines.append(_("No sessions today."))
    lines.append("")
    lines.append(_("Appointments of past days are closed out automatically at the end of the day."))
    text = "\n".join(lines)
    await show(event, f"{prefix}\n\n{text}" if prefix else text, kb.no_shows_kb(office.id, ended))


@router.callback_query(acb.AdminNoShow.filter())
async def mark(
    query: CallbackQuery,
    callback_data: acb.AdminNoShow,
    callback_answer: CallbackAnswer,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    office = await office_of(domain, settings, query.from_user.id, callback_data.office)
    if office is None:
        await refuse(query, callback_answer)
        return
    env = env_of(query, domain, settings, state, locale, content)
    assert office.id is not None
    try:
        result = await mark_no_shows(domain, office.id, slot_id=callback_data.slot, actor=env.actor)
    except SlotNotFound:  # a session of another office, or none at all
        await refuse(query, callback_answer)
        return
    except BookingError as exc:
        await no_shows_screen(query, office, env, f"{admin_error(exc, locale)} {nothing_changed()}")
        return
    await no_shows_screen(
        query, office, env, _("✅ {n} appointment(s) marked as no-show.").format(n=result.marked)
    )
