"""Dates of an office: closing and reopening them, the day list with its CSV
export, and announcements to everyone booked on a date."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, flags
from aiogram.fsm.state import State
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.announcements import MAX_ANNOUNCEMENT, announce
from booking.admin.closures import MAX_REASON, close_day, closed_days, reopen_day
from booking.admin.daylist import CsvNames, DayList, day_list, export_day_csv
from booking.admin.input import check_not_past, check_text, parse_date
from booking.core.errors import DayAlreadyClosed
from booking.offices.views import OfficeView
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.states import ADMIN_DAY, ADMIN_OFFICE, ADMIN_REASON, TYPED, AdminInput
from bot.handlers.admin.texts import day_list_text, day_text
from bot.handlers.common import Event, RouterSpec, refuse, show
from bot.texts import priority_name, service_name, status_name

router = RouterSpec("admin-days")

LIST_PAGE = 10
CLOSURES_AHEAD = timedelta(days=366)


async def keep_for_confirmation(
    admin: AdminContext, office: OfficeView, text: str, confirm: State
) -> tuple[date, DayList]:
    """Keep ``text`` (a closure's reason, an announcement) for the step ``confirm``;
    returns the date it is about and the day list of that date."""
    day = date.fromisoformat((await admin.state.get_data())[ADMIN_DAY])
    listed = await day_list(admin.domain, office.id, day)
    await admin.state.update_data({ADMIN_REASON: text})
    await admin.state.set_state(confirm)
    return day, listed


async def confirmed(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    admin: AdminContext,
    prompt: State,
    office: OfficeView,
    day: date,
) -> str | None:
    """The text (a closure's reason, an announcement) of the confirmation this chat
    was asked for (``prompt``, about ``day`` at ``office``); any other tap is
    refused (None). Either way it cannot be confirmed twice."""
    stored = await admin.state.get_data()
    if (
        await admin.state.get_state() != prompt.state
        or stored.get(ADMIN_DAY) != day.isoformat()
        or stored.get(ADMIN_OFFICE) != office.id
    ):
        await refuse(query, callback_answer)
        return None
    await admin.leave_prompt()
    return str(stored.get(ADMIN_REASON, ""))


# --- closing and reopening -------------------------------------------------------------


async def show_closures(
    event: Event, admin: AdminContext, office: OfficeView, prefix: str = ""
) -> None:
    await admin.leave_prompt()
    today = admin.today(office)
    closed = await closed_days(admin.domain, office.id, today, today + CLOSURES_AHEAD)
    lines = [_("⛔ Closed dates of {office}:").format(office=office.code)]
    lines += [f"• {day_text(c.day, admin.locale)}: {c.reason}" for c in closed] or [_("none")]
    text = "\n".join(lines)
    await show(event, f"{prefix}\n\n{text}" if prefix else text, kb.closures_kb(office.id, closed))


@router.callback_query(acb.AdminAct.filter(F.action == "close"))
async def closures_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await show_closures(query, admin, office)


@router.callback_query(acb.AdminAct.filter(F.action == "close_ask"))
async def close_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _("Which date should {office} close? Type it, e.g. 3/12/2026.").format(
        office=office.code
    )
    await admin.ask(query, AdminInput.close_date, office, text, kb.back_kb(office.id))


@router.message(AdminInput.close_date, TYPED)
async def close_date(message: Message, admin: AdminContext, office: OfficeView) -> None:
    day = check_not_past(parse_date(message.text or ""), admin.today(office))
    if await closed_days(admin.domain, office.id, day, day):
        raise DayAlreadyClosed(office.id, day)
    await admin.state.update_data({ADMIN_DAY: day.isoformat()})
    await admin.state.set_state(AdminInput.close_reason)
    await message.answer(
        _(
            "Why is {day} closed (e.g. power outage, holiday, event)? "
            "The applicants booked that day will read it."
        ).format(day=day_text(day, admin.locale)),
        reply_markup=kb.back_kb(office.id),
    )


@router.message(AdminInput.close_reason, TYPED)
async def close_reason(message: Message, admin: AdminContext, office: OfficeView) -> None:
    reason = check_text("reason", message.text or "", MAX_REASON)
    day, listed = await keep_for_confirmation(admin, office, reason, AdminInput.close_confirm)
    await message.answer(
        ngettext(
            "Close {office} on {day} because: {reason}\n\n"
            "{n} appointment will be cancelled. Its applicant is told the reason "
            "and gets a button to choose a new date (it does not count as a reschedule).",
            "Close {office} on {day} because: {reason}\n\n"
            "{n} appointments will be cancelled. Each applicant is told the reason "
            "and gets a button to choose a new date (it does not count as a reschedule).",
            listed.total,
        ).format(
            office=office.code, day=day_text(day, admin.locale), reason=reason, n=listed.total
        ),
        reply_markup=kb.close_confirm_kb(office.id, day),
    )


@router.message(AdminInput.close_confirm, TYPED)
@router.message(AdminInput.announce_confirm, TYPED)
async def close_confirm_typed(message: Message) -> None:
    """The confirmation is a button."""
    await message.answer(_("Please use the buttons above, or send /cancel to stop."))


@router.callback_query(acb.AdminDay.filter(F.action == "close_yes"))
async def close(
    query: CallbackQuery,
    callback_data: acb.AdminDay,
    callback_answer: CallbackAnswer,
    admin: AdminContext,
    office: OfficeView,
) -> None:
    """The confirmation of the closure this chat was asked to confirm, and no other."""
    day = callback_data.calendar_day
    reason = await confirmed(query, callback_answer, admin, AdminInput.close_confirm, office, day)
    if reason is None:
        return
    result = await close_day(admin.domain, office.id, day, reason, actor=admin.actor)
    cancelled = len(result.displaced)
    text = " ".join(
        (
            _("✅ {day} is closed.").format(day=day_text(day, admin.locale)),
            ngettext("{n} appointment cancelled;", "{n} appointments cancelled;", cancelled).format(
                n=cancelled
            ),
            ngettext(
                "{m} applicant will be notified.",
                "{m} applicants will be notified.",
                result.notified,
            ).format(m=result.notified),
        )
    )
    await show_closures(query, admin, office, text)


@router.callback_query(acb.AdminDay.filter(F.action == "reopen"))
async def reopen(
    query: CallbackQuery, callback_data: acb.AdminDay, admin: AdminContext, office: OfficeView
) -> None:
    day = callback_data.calendar_day
    await reopen_day(admin.domain, office.id, day, actor=admin.actor)
    text = _("✅ {day} is open again. Cancelled appointments stay cancelled.").format(
        day=day_text(day, admin.locale)
    )
    await show_closures(query, admin, office, text)


# --- the day list ------------------------------------------------------------------------


@router.callback_query(acb.AdminAct.filter(F.action == "list"))
async def list_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _("Which date? Tap one, or type any date, e.g. 3/12/2026.")
    await admin.ask(
        query, AdminInput.list_date, office, text, kb.pick_day_kb(office.id, admin.today(office))
    )


async def show_day(
    event: Event, admin: AdminContext, office: OfficeView, day: date, page: int = 0
) -> None:
    listed = await day_list(admin.domain, office.id, day, page=page, page_size=LIST_PAGE)
    text = day_list_text(listed, admin.content, admin.locale, LIST_PAGE)
    await show(event, text, kb.day_list_kb(listed))


@router.callback_query(acb.AdminDay.filter(F.action == "list"))
async def day_page(
    query: CallbackQuery, callback_data: acb.AdminDay, admin: AdminContext, office: OfficeView
) -> None:
    await show_day(query, admin, office, callback_data.calendar_day, callback_data.page)


@router.message(AdminInput.list_date, TYPED)
@flags.plain_refusal
async def list_date(message: Message, admin: AdminContext, office: OfficeView) -> None:
    """Any date, one after another."""
    await show_day(message, admin, office, parse_date(message.text or ""))


@router.callback_query(acb.AdminDay.filter(F.action == "csv"))
async def send_csv(
    query: CallbackQuery, callback_data: acb.AdminDay, admin: AdminContext, office: OfficeView
) -> None:
    assert query.bot is not None
    day = callback_data.calendar_day
    names = CsvNames(
        service=lambda service: service_name(admin.content, service, admin.locale),
        priority=priority_name,
        status=status_name,
    )
    text = await export_day_csv(admin.domain, office.id, day, actor=admin.actor, names=names)
    document = BufferedInputFile(text.encode("utf-8"), filename=f"{office.code}-{day}.csv")
    await query.bot.send_document(
        admin.user_id,
        document,
        caption=_("Day list of {office} for {day} (UTF-8 CSV).").format(
            office=office.code, day=day_text(day, admin.locale)
        ),
    )


# --- announcements ------------------------------------------------------------------------


@router.callback_query(acb.AdminAct.filter(F.action == "announce"))
async def announce_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _(
        "Everyone booked at {office} on a date gets the announcement. Type the date, "
        "e.g. 3/12/2026."
    ).format(office=office.code)
    await admin.ask(query, AdminInput.announce_date, office, text, kb.back_kb(office.id))


@router.message(AdminInput.announce_date, TYPED)
async def announce_date(message: Message, admin: AdminContext, office: OfficeView) -> None:
    day = check_not_past(parse_date(message.text or ""), admin.today(office))
    listed = await day_list(admin.domain, office.id, day)
    await admin.state.update_data({ADMIN_DAY: day.isoformat()})
    await admin.state.set_state(AdminInput.announce_text)
    await message.answer(
        ngettext(
            "{n} appointment on {day}. Type the announcement (at most 3500 characters).",
            "{n} appointments on {day}. Type the announcement (at most 3500 characters).",
            listed.total,
        ).format(n=listed.total, day=day_text(day, admin.locale)),
        reply_markup=kb.back_kb(office.id),
    )


@router.message(AdminInput.announce_text, TYPED)
async def announce_text(message: Message, admin: AdminContext, office: OfficeView) -> None:
    """The announcement as the applicants will read it, and "Send?"."""
    text = check_text("announcement", message.text or "", MAX_ANNOUNCEMENT)
    day, listed = await keep_for_confirmation(admin, office, text, AdminInput.announce_confirm)
    preview = ngettext(
        "Send this to the {n} applicant booked on {day}?",
        "Send this to the {n} applicants booked on {day}?",
        listed.total,
    ).format(n=listed.total, day=day_text(day, admin.locale))
    await message.answer(
        "\n\n".join((_("Preview:"), text, preview)),
        reply_markup=kb.announce_confirm_kb(office.id, day),
    )


@router.callback_query(acb.AdminDay.filter(F.action == "announce_yes"))
async def announce_confirmed(
    query: CallbackQuery,
    callback_data: acb.AdminDay,
    callback_answer: CallbackAnswer,
    admin: AdminContext,
    office: OfficeView,
) -> None:
    """The announcement this chat previewed, and no other."""
    day = callback_data.calendar_day
    announcement = await confirmed(
        query, callback_answer, admin, AdminInput.announce_confirm, office, day
    )
    if announcement is None:
        return
    result = await announce(admin.domain, office.id, day, announcement, actor=admin.actor)
    text = ngettext(
        "✅ The announcement is queued for {n} applicant booked on {day}.",
        "✅ The announcement is queued for {n} applicants booked on {day}.",
        result.queued,
    ).format(n=result.queued, day=day_text(day, admin.locale))
    if result.queued < result.recipients:
        text += "\n" + _("{n} of them had already received this announcement.").format(
            n=result.recipients - result.queued
        )
    await show(query, text, kb.back_kb(office.id))
