"""Dates of an office: closing and reopening them, the day list with its CSV
export, and announcements to everyone booked on a date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.announcements import announce
from booking.admin.closures import MAX_REASON, close_day, closed_days, reopen_day
from booking.admin.daylist import day_list, export_day_csv
from booking.admin.input import check_not_past, check_text, parse_date
from booking.core.context import Domain
from booking.core.errors import BookingError, DayAlreadyClosed
from booking.db.models import Office
from booking.offices.content import Content
from bot.config import BotSettings
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.access import office_of
from bot.handlers.admin.base import Env, Event, router, screen, typed
from bot.handlers.admin.menu import env_of
from bot.handlers.admin.states import ADMIN_DAY, ADMIN_REASON, AdminInput
from bot.handlers.admin.texts import admin_error, day_list_text, day_text, nothing_changed
from bot.handlers.common import refuse, show

LIST_PAGE = 10
DayHandler = Callable[
    [CallbackQuery, Office, date, Env, acb.AdminDay, CallbackAnswer], Awaitable[None]
]
CLOSURES_AHEAD = timedelta(days=366)


async def refused(message: Message, exc: BookingError, env: Env) -> None:
    await message.answer(f"{admin_error(exc, env.locale)} {nothing_changed()}")


# --- closing and reopening -------------------------------------------------------------


@screen("close")
async def closures_screen(event: Event, office: Office, env: Env, prefix: str = "") -> None:
    assert office.id is not None
    await env.state.set_state(None)
    today = env.today(office)
    closed = await closed_days(env.domain, office.id, today, today + CLOSURES_AHEAD)
    lines = [_("⛔ Closed dates of {office}:").format(office=office.code)]
    lines += [f"• {day_text(c.day, env.locale)}: {c.reason}" for c in closed] or [_("none")]
    text = "\n".join(lines)
    await show(event, f"{prefix}\n\n{text}" if prefix else text, kb.closures_kb(office.id, closed))


@screen("close_ask")
async def close_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.ask(AdminInput.close_date, office)
    await show(
        event,
        _("Which date should {office} close? Type it as YYYY-MM-DD.").format(office=office.code),
        kb.back_kb(office.id),
    )


@typed(AdminInput.close_date)
async def close_date(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        day = check_not_past(parse_date(message.text or ""), env.today(office))
        if await closed_days(env.domain, office.id, day, day):
            raise DayAlreadyClosed(office.id, day)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await env.state.update_data({ADMIN_DAY: day.isoformat()})
    await env.state.set_state(AdminInput.close_reason)
    await message.answer(
        _(
            "Why is {day} closed (e.g. power outage, holiday, event)? "
            "The applicants booked that day will read it."
        ).format(day=day_text(day, env.locale)),
        reply_markup=kb.back_kb(office.id),
    )


@typed(AdminInput.close_reason)
async def close_reason(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        reason = check_text("reason", message.text or "", MAX_REASON)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    day = date.fromisoformat((await env.state.get_data())[ADMIN_DAY])
    listed = await day_list(env.domain, office.id, day)
    await env.state.update_data({ADMIN_REASON: reason})
    await env.state.set_state(AdminInput.close_confirm)
    await message.answer(
        _(
            "Close {office} on {day} because: {reason}\n\n"
            "{n} appointment(s) will be cancelled. Each applicant is told the reason "
            "and gets a button to choose a new date (it does not count as a reschedule)."
        ).format(office=office.code, day=day_text(day, env.locale), reason=reason, n=listed.total),
        reply_markup=kb.close_confirm_kb(office.id, day),
    )


async def day_action(
    query: CallbackQuery,
    data: acb.AdminDay,
    callback_answer: CallbackAnswer,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> tuple[Office, date, Env] | None:
    """The office and date of a day button, if the user administers that office."""
    office = await office_of(domain, settings, query.from_user.id, data.office)
    day = acb.day_of(data.day)
    if office is None or day is None:
        await refuse(query, callback_answer)
        return None
    return office, day, env_of(query, domain, settings, state, locale, content)


@router.callback_query(acb.AdminDay.filter())
async def on_day(
    query: CallbackQuery,
    callback_data: acb.AdminDay,
    callback_answer: CallbackAnswer,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    found = await day_action(
        query, callback_data, callback_answer, domain, settings, state, locale, content
    )
    if found is None:
        return
    office, day, env = found
    handlers: dict[str, DayHandler] = {
        "list": show_day,
        "csv": send_csv,
        "reopen": reopen,
        "close_yes": close,
    }
    await handlers[callback_data.action](query, office, day, env, callback_data, callback_answer)


async def close(
    query: CallbackQuery,
    office: Office,
    day: date,
    env: Env,
    data: acb.AdminDay,
    callback_answer: CallbackAnswer,
) -> None:
    assert office.id is not None
    stored = await env.state.get_data()
    if (
        await env.state.get_state() != AdminInput.close_confirm.state
        or stored.get(ADMIN_DAY) != day.isoformat()
    ):
        await refuse(query, callback_answer)
        return
    try:
        result = await close_day(
            env.domain, office.id, day, stored.get(ADMIN_REASON, ""), actor=env.actor
        )
    except BookingError as exc:
        await env.state.set_state(None)
        await show(
            query, f"{admin_error(exc, env.locale)} {nothing_changed()}", kb.back_kb(office.id)
        )
        return
    await closures_screen(
        query,
        office,
        env,
        _(
            "✅ {day} is closed. {n} appointment(s) cancelled; {m} applicant(s) will be notified."
        ).format(day=day_text(day, env.locale), n=len(result.displaced), m=result.notified),
    )


async def reopen(
    query: CallbackQuery,
    office: Office,
    day: date,
    env: Env,
    data: acb.AdminDay,
    callback_answer: CallbackAnswer,
) -> None:
    assert office.id is not None
    try:
        await reopen_day(env.domain, office.id, day, actor=env.actor)
    except BookingError as exc:
        await closures_screen(
            query, office, env, f"{admin_error(exc, env.locale)} {nothing_changed()}"
        )
        return
    await closures_screen(
        query,
        office,
        env,
        _("✅ {day} is open again. Cancelled appointments stay cancelled.").format(
            day=day_text(day, env.locale)
        ),
    )


# --- the day list ------------------------------------------------------------------------


@screen("list")
async def list_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.ask(AdminInput.list_date, office)
    await show(
        event,
        _("Which date? Tap one, or type any date as YYYY-MM-DD."),
        kb.pick_day_kb(office.id, env.today(office)),
    )


async def show_day(
    event: Event,
    office: Office,
    day: date,
    env: Env,
    data: acb.AdminDay | None = None,
    callback_answer: CallbackAnswer | None = None,
) -> None:
    assert office.id is not None
    page = data.page if data is not None else 0
    listed = await day_list(env.domain, office.id, day, page=page, page_size=LIST_PAGE)
    await show(
        event, day_list_text(listed, env.content, env.locale, LIST_PAGE), kb.day_list_kb(listed)
    )


@typed(AdminInput.list_date)
async def list_date(message: Message, office: Office, env: Env) -> None:
    try:
        day = parse_date(message.text or "")
    except BookingError as exc:
        await message.answer(admin_error(exc, env.locale))
        return
    await show_day(message, office, day, env)


async def send_csv(
    query: CallbackQuery,
    office: Office,
    day: date,
    env: Env,
    data: acb.AdminDay,
    callback_answer: CallbackAnswer,
) -> None:
    assert office.id is not None and query.bot is not None
    text = await export_day_csv(env.domain, office.id, day)
    document = BufferedInputFile(text.encode("utf-8"), filename=f"{office.code}-{day}.csv")
    await query.bot.send_document(
        env.user_id,
        document,
        caption=_("Day list of {office} for {day} (UTF-8 CSV).").format(
            office=office.code, day=day_text(day, env.locale)
        ),
    )


# --- announcements ------------------------------------------------------------------------


@screen("announce")
async def announce_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.ask(AdminInput.announce_date, office)
    await show(
        event,
        _(
            "Everyone booked at {office} on a date gets the announcement. "
            "Type the date (YYYY-MM-DD)."
        ).format(office=office.code),
        kb.back_kb(office.id),
    )


@typed(AdminInput.announce_date)
async def announce_date(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        day = check_not_past(parse_date(message.text or ""), env.today(office))
    except BookingError as exc:
        await refused(message, exc, env)
        return
    listed = await day_list(env.domain, office.id, day)
    await env.state.update_data({ADMIN_DAY: day.isoformat()})
    await env.state.set_state(AdminInput.announce_text)
    await message.answer(
        _("{n} appointment(s) on {day}. Type the announcement (at most 3500 characters).").format(
            n=listed.total, day=day_text(day, env.locale)
        ),
        reply_markup=kb.back_kb(office.id),
    )


@typed(AdminInput.announce_text)
async def announce_text(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    day = date.fromisoformat((await env.state.get_data())[ADMIN_DAY])
    try:
        result = await announce(env.domain, office.id, day, message.text or "", actor=env.actor)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await env.state.set_state(None)
    text = _("✅ The announcement is queued for {n} applicant(s) booked on {day}.").format(
        n=result.queued, day=day_text(day, env.locale)
    )
    if result.queued < result.recipients:
        text += "\n" + _("{n} of them had already received this announcement.").format(
            n=result.recipients - result.queued
        )
    await message.answer(text, reply_markup=kb.back_kb(office.id))
