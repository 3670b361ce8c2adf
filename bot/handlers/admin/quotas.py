"""Quotas: the default daily and priority quota, session shares, the release
policy, the release mode (first come or a draw, with the draws' seed hashes), and
quotas of single dates or ranges.

A single value (the daily quota, the shares, ...) closes its prompt once saved.
The prompts of dates and ranges stay open for one entry after another, until the
admin taps a button or sends /cancel or /admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
    set_release_mode,
    set_release_policy,
    set_session_shares,
)
from booking.core.kinds import DrawStatus, ReleaseMode
from booking.draw.windows import DrawView, draw_status
from booking.offices.lookup import get_office
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
from bot.texts import short_moment

if TYPE_CHECKING:
    from booking.db.models import Office

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


# --- the release mode: first come or a draw, with the draws' seed hashes ---------------------


def release_mode_text(office: Office, draws: list[DrawView], locale: str) -> str:
    """The office's release mode, its request window and its latest draws: status,
    requests, seed hash (and seed once drawn)."""
    draw_mode = office.release_mode == ReleaseMode.DRAW
    lines = [
        _("🎲 Release mode of {office}").format(office=office.name),
        "",
        _(
            "Mode: draw. Requests open {hours} hours before each release; at the release the "
            "seats are given in a random order, verifiable by the seed."
        ).format(hours=office.request_window_hours)
        if draw_mode
        else _(
            "Mode: first come. Seats can be booked from the release moment by whoever is first."
        ),
    ]
    if draws:
        lines += ["", _("Draws:")]
    for d in draws:
        status = _("drawn") if d.status is DrawStatus.DRAWN else _("taking requests")
        when = short_moment(d.release_at, office.timezone, locale)
        lines.append(
            _("• {when}: {status}, {n} requests").format(when=when, status=status, n=d.requests)
        )
        lines.append("  " + _("seed hash: {hash}").format(hash=d.seed_hash))
        if d.seed:
            lines.append("  " + _("seed: {seed}").format(seed=d.seed))
    return "\n".join(lines)


async def show_release_mode(
    event: Event, admin: AdminContext, office: OfficeView, prefix: str | None = None
) -> None:
    record = await get_office(admin.domain, office.id)
    draws = await draw_status(admin.domain, office.id)
    text = release_mode_text(record, draws, admin.locale)
    markup = kb.release_mode_kb(office.id, record.release_mode == ReleaseMode.DRAW)
    await show(event, f"{prefix}\n\n{text}" if prefix else text, markup, edit=prefix is None)


@router.callback_query(acb.AdminAct.filter(F.action == "q_mode"))
async def release_mode_screen(
    query: CallbackQuery, admin: AdminContext, office: OfficeView
) -> None:
    await admin.leave_prompt()
    await show_release_mode(query, admin, office)


@router.callback_query(acb.AdminMode.filter())
async def switch_mode(
    query: CallbackQuery, callback_data: acb.AdminMode, admin: AdminContext, office: OfficeView
) -> None:
    mode = ReleaseMode(callback_data.mode)
    await set_release_mode(admin.domain, office.id, mode, actor=admin.actor)
    text = (
        _("✅ The office now releases its dates by a draw.")
        if mode is ReleaseMode.DRAW
        else _("✅ The office now releases its dates first come, first served.")
    )
    await show_release_mode(query, admin, office, prefix=text)


@router.callback_query(acb.AdminAct.filter(F.action == "q_hours"))
async def hours_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _("Type how many hours before each release requests open (1 to 336).")
    await admin.ask(query, AdminInput.request_hours, office, text, kb.back_kb(office.id))


@router.message(AdminInput.request_hours, TYPED)
async def request_hours(message: Message, admin: AdminContext, office: OfficeView) -> None:
    text = (message.text or "").strip()
    if not text.isdigit():
        await message.answer(_("Type a whole number of hours, 1 to 336."))
        return
    await set_release_mode(
        admin.domain, office.id, ReleaseMode.DRAW, actor=admin.actor, request_window_hours=int(text)
    )
    await admin.leave_prompt()
    note = _("✅ Requests now open {n} hours before each release.").format(n=int(text))
    await show_release_mode(message, admin, office, prefix=note)
