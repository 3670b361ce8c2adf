"""Statistics of a date range, the chart of the coming 14 days, and the audit log."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from booking.admin.audit import audit_log
from booking.admin.stats import capacity_series, stats
from booking.core.errors import BookingError
from booking.db.models import Office
from bot.charts import capacity_chart_png
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.base import Env, Event, screen, typed
from bot.handlers.admin.inputs import InvalidDateRangeText, parse_range
from bot.handlers.admin.states import AdminInput
from bot.handlers.admin.texts import admin_error, audit_text, stats_text
from bot.handlers.common import show

AUDIT_ROWS = 15
CHART_DAYS = 14


@screen("stats")
async def stats_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.ask(AdminInput.stats_range, office)
    await show(
        event,
        _(
            "📊 Statistics of {office}. Tap a period, or type a range (2026-11-01 2026-11-30)."
        ).format(office=office.code),
        kb.stats_kb(office.id),
    )


async def show_stats(event: Event, office: Office, env: Env, first: date, last: date) -> None:
    assert office.id is not None
    result = await stats(env.domain, office.id, first, last)
    await show(event, stats_text(office, result, env.locale), kb.stats_kb(office.id))


def _recent(days: int) -> None:
    """The screen of the last ``days`` days, today included."""

    @screen(f"stats{days}")
    async def recent_stats(event: Event, office: Office, env: Env) -> None:
        today = env.today(office)
        await show_stats(event, office, env, today - timedelta(days=days - 1), today)


_recent(7)
_recent(30)


@typed(AdminInput.stats_range)
async def typed_range(message: Message, office: Office, env: Env) -> None:
    try:
        first, last = parse_range(message.text or "")
        await show_stats(message, office, env, first, last)
    except InvalidDateRangeText:
        await message.answer(
            _("Please type one date, or two: the first and the last (2026-11-01 2026-11-30).")
        )
    except BookingError as exc:
        await message.answer(admin_error(exc, env.locale))


@screen("chart")
async def chart(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None and event.bot is not None
    series = await capacity_series(env.domain, office.id, env.today(office), CHART_DAYS)
    title = f"{office.code}: {series[0].day} – {series[-1].day}"
    png = await asyncio.to_thread(capacity_chart_png, series, title)
    booked = sum(d.booked for d in series)
    capacity = sum(d.capacity for d in series)
    await event.bot.send_photo(
        env.user_id,
        BufferedInputFile(png, filename=f"{office.code}-capacity.png"),
        caption=_(
            "Booked against capacity, next {days} days: {booked} of {capacity} seats."
        ).format(days=CHART_DAYS, booked=booked, capacity=capacity),
        reply_markup=kb.stats_kb(office.id),
    )


@screen("audit")
async def audit(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    await env.state.set_state(None)
    entries = await audit_log(env.domain, office.id, AUDIT_ROWS)
    await show(event, audit_text(office, entries), kb.back_kb(office.id))
