"""Statistics of a date range (appointments, and the questions and tickets), the chart
of the coming 14 days, and the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from aiogram import F, flags
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.audit import audit_log
from booking.admin.stats import capacity_series, stats
from booking.calendar.schedule import zone
from booking.offices.views import OfficeView
from booking.questions.stats import question_stats
from bot.charts import ChartWords, capacity_chart_png
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.inputs import InvalidDateRangeText, parse_range
from bot.handlers.admin.states import TYPED, AdminInput
from bot.handlers.admin.texts import audit_text, stats_text
from bot.handlers.common import Event, RouterSpec, show

router = RouterSpec("admin-reports")

AUDIT_ROWS = 15
CHART_DAYS = 14
# The buttons of the last days, today included.
RECENT_DAYS = {"stats7": 7, "stats30": 30}
JUST_BEFORE = timedelta(microseconds=1)


@router.callback_query(acb.AdminAct.filter(F.action == "stats"))
async def stats_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _(
        "📊 Statistics of {office}. Tap a period, or type a range (2026-11-01 2026-11-30)."
    ).format(office=office.code)
    await admin.ask(query, AdminInput.stats_range, office, text, kb.stats_kb(office.id))


async def show_stats(
    event: Event, admin: AdminContext, office: OfficeView, first: date, last: date
) -> None:
    result = await stats(admin.domain, office.id, first, last)
    tickets = await question_stats(admin.domain, office.id, *utc_bounds(office, first, last))
    text = stats_text(office, result, tickets, admin.locale)
    await show(event, text, kb.stats_kb(office.id))


def utc_bounds(office: OfficeView, first: date, last: date) -> tuple[datetime, datetime]:
    """The office-local days ``first`` to ``last`` as ``question_stats`` takes them:
    from just before the first day's midnight (exclusive) to just before the
    midnight after the last day (inclusive)."""
    tz = zone(office.timezone)
    start = datetime.combine(first, time.min, tz) - JUST_BEFORE
    end = datetime.combine(last + timedelta(days=1), time.min, tz) - JUST_BEFORE
    return start.astimezone(UTC), end.astimezone(UTC)


@router.callback_query(acb.AdminAct.filter(F.action.in_(RECENT_DAYS)))
async def recent_stats(
    query: CallbackQuery, callback_data: acb.AdminAct, admin: AdminContext, office: OfficeView
) -> None:
    today = admin.today(office)
    days = RECENT_DAYS[callback_data.action]
    await show_stats(query, admin, office, today - timedelta(days=days - 1), today)


@router.message(AdminInput.stats_range, TYPED)
@flags.plain_refusal
async def typed_range(message: Message, admin: AdminContext, office: OfficeView) -> None:
    try:
        first, last = parse_range(message.text or "")
    except InvalidDateRangeText:
        await message.answer(
            _("Please type one date, or two: the first and the last (2026-11-01 2026-11-30).")
        )
        return
    await show_stats(message, admin, office, first, last)


@router.callback_query(acb.AdminAct.filter(F.action == "chart"))
async def chart(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    assert query.bot is not None
    series = await capacity_series(admin.domain, office.id, admin.today(office), CHART_DAYS)
    title = f"{office.code}: {series[0].day} – {series[-1].day}"
    words = ChartWords(
        capacity=_("capacity"),
        booked=_("booked"),
        closed=_("closed"),
        no_service=_("no service"),
        seats=_("seats"),
    )
    png = await asyncio.to_thread(capacity_chart_png, series, title, words)
    with_sessions = [d for d in series if d.capacity]
    booked = sum(d.booked for d in with_sessions)
    capacity = sum(d.capacity for d in with_sessions)
    await query.bot.send_photo(
        admin.user_id,
        BufferedInputFile(png, filename=f"{office.code}-capacity.png"),
        caption=ngettext(
            "Booked against capacity, next {days} days: {booked} of {capacity} seats, "
            "on the {open} day with sessions.",
            "Booked against capacity, next {days} days: {booked} of {capacity} seats, "
            "on the {open} days with sessions.",
            len(with_sessions),
        ).format(days=CHART_DAYS, booked=booked, capacity=capacity, open=len(with_sessions)),
        reply_markup=kb.stats_kb(office.id),
    )


@router.callback_query(acb.AdminAct.filter(F.action == "audit"))
async def audit(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await admin.leave_prompt()
    entries = await audit_log(admin.domain, office.id, AUDIT_ROWS)
    await show(query, audit_text(office, entries, admin.locale), kb.back_kb(office.id))
