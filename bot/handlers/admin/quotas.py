"""Quotas: the default daily and priority quota, session shares, the release
policy, and quotas of single dates or ranges.

A single value (the daily quota, the shares, ...) closes its prompt once saved.
The prompts of dates and ranges stay open for one entry after another, until the
admin taps a button or sends /cancel or /admin.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.input import parse_quota
from booking.admin.quotas import (
    clear_quota_override,
    quota_settings,
    release_rule_for,
    set_office_quota,
    set_quota_override,
    set_release_policy,
    set_session_shares,
)
from booking.offices.views import OfficeView
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.inputs import (
    InvalidDateRangeText,
    parse_dates_and_quota,
    parse_range,
    parse_release_time,
    parse_shares,
    parse_window,
)
from bot.handlers.admin.states import TYPED, AdminInput
from bot.handlers.admin.texts import quota_text
from bot.handlers.common import Event, RouterSpec, show

router = RouterSpec("admin-quotas")

# The button of each quota prompt: the state it waits at, and what it asks.
PROMPTS: dict[str, tuple[State, Callable[[], str]]] = {
    "q_daily": (
        AdminInput.daily,
        lambda: _("Type the new daily quota (regular seats, 0 to 100,000)."),
    ),
    "q_priority": (
        AdminInput.priority,
        lambda: _("Type the new daily priority quota (0 to 100,000)."),
    ),
    "q_shares": (
        AdminInput.shares,
        lambda: _(
            "Type each session's share of the daily quota, in session order "
            "(e.g. 2 1) or by label (e.g. Pagi=2 Siang=1)."
        ),
    ),
    "q_window": (
        AdminInput.window,
        lambda: _("Type how many days ahead dates open for booking (1 to 366)."),
    ),
    "q_rule": (
        AdminInput.rule,
        lambda: _(
            "Type when new dates are released: 14:00 (every day) or Fri 14:00 (every Friday)."
        ),
    ),
    "q_override": (
        AdminInput.override,
        lambda: _(
            "Type a date and its quota (2026-12-24 5), or a range and the quota of each of "
            "its dates (2026-12-22 2026-12-31 5)."
        ),
    ),
    "q_clear": (
        AdminInput.clear,
        lambda: _("Type a date or a range (2026-12-22 2026-12-31) to return to the default quota."),
    ),
}


async def show_quotas(
    event: Event, admin: AdminContext, office: OfficeView, prefix: str | None = None
) -> None:
    """The office's quotas; after a change, ``prefix`` says what changed."""
    settings = await quota_settings(admin.domain, office.id)
    text = quota_text(office, settings, admin.locale)
    await show(
        event,
        f"{prefix}\n\n{text}" if prefix else text,
        kb.quota_kb(office.id),
        edit=prefix is None,
    )


@router.callback_query(acb.AdminAct.filter(F.action == "quota"))
async def quota_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await admin.leave_prompt()
    await show_quotas(query, admin, office)


@router.callback_query(acb.AdminAct.filter(F.action.in_(PROMPTS)))
async def quota_prompt(
    query: CallbackQuery, callback_data: acb.AdminAct, admin: AdminContext, office: OfficeView
) -> None:
    prompt, text = PROMPTS[callback_data.action]
    await admin.ask(query, prompt, office, text(), kb.back_kb(office.id))


async def saved(message: Message, admin: AdminContext, office: OfficeView, text: str) -> None:
    """A single value saved: its prompt closes, the quotas show the change."""
    await admin.leave_prompt()
    await show_quotas(message, admin, office, prefix=text)


@router.message(AdminInput.daily, TYPED)
async def daily_quota(message: Message, admin: AdminContext, office: OfficeView) -> None:
    value = parse_quota(message.text or "")
    await set_office_quota(admin.domain, office.id, value, actor=admin.actor)
    await saved(message, admin, office, _("✅ The daily quota is now {n}.").format(n=value))


@router.message(AdminInput.priority, TYPED)
async def priority_quota(message: Message, admin: AdminContext, office: OfficeView) -> None:
    value = parse_quota(message.text or "")
    await set_office_quota(admin.domain, office.id, office.daily_quota, value, actor=admin.actor)
    text = _("✅ The daily priority quota is now {n}.").format(n=value)
    await saved(message, admin, office, text)


@router.message(AdminInput.shares, TYPED)
async def shares(message: Message, admin: AdminContext, office: OfficeView) -> None:
    settings = await quota_settings(admin.domain, office.id)
    values = parse_shares(message.text or "", [s.label for s in settings.sessions])
    await set_session_shares(admin.domain, office.id, values, actor=admin.actor)
    await saved(message, admin, office, _("✅ Session shares saved."))


@router.message(AdminInput.window, TYPED)
async def window(message: Message, admin: AdminContext, office: OfficeView) -> None:
    days = parse_window(message.text or "")
    await set_release_policy(admin.domain, office.id, days, office.release_rule, actor=admin.actor)
    await saved(message, admin, office, _("✅ Dates now open {n} days ahead.").format(n=days))


@router.message(AdminInput.rule, TYPED)
async def rule(message: Message, admin: AdminContext, office: OfficeView) -> None:
    at, weekday = parse_release_time(message.text or "")
    await set_release_policy(
        admin.domain,
        office.id,
        office.release_window_days,
        release_rule_for(at, weekday),
        actor=admin.actor,
    )
    await saved(message, admin, office, _("✅ Release time saved."))


@router.message(AdminInput.override, TYPED)
async def override(message: Message, admin: AdminContext, office: OfficeView) -> None:
    """A quota for a date or a range; the prompt stays open for the next one."""
    try:
        first, last, value = parse_dates_and_quota(message.text or "")
    except InvalidDateRangeText:
        await message.answer(PROMPTS["q_override"][1]())
        return
    count = await set_quota_override(admin.domain, office.id, first, last, value, actor=admin.actor)
    text = ngettext(
        "✅ Quota {n} set for {days} date.", "✅ Quota {n} set for {days} dates.", count
    ).format(n=value, days=count)
    await show_quotas(message, admin, office, prefix=text)


@router.message(AdminInput.clear, TYPED)
async def clear(message: Message, admin: AdminContext, office: OfficeView) -> None:
    """Dates back to the default quota; the prompt stays open for the next ones."""
    try:
        first, last = parse_range(message.text or "")
    except InvalidDateRangeText:
        await message.answer(PROMPTS["q_clear"][1]())
        return
    count = await clear_quota_override(admin.domain, office.id, first, last, actor=admin.actor)
    text = ngettext(
        "✅ {days} date returned to the default quota.",
        "✅ {days} dates returned to the default quota.",
        count,
    ).format(days=count)
    await show_quotas(message, admin, office, prefix=text)
