"""Quotas: the default daily and priority quota, session shares, the release
policy, and quotas of single dates or ranges."""

from __future__ import annotations

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

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
from booking.core.errors import BookingError
from booking.db.models import Office
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.base import Env, Event, screen, typed
from bot.handlers.admin.inputs import (
    InvalidDateRangeText,
    parse_dates_and_quota,
    parse_range,
    parse_release_time,
    parse_shares,
    parse_window,
)
from bot.handlers.admin.states import AdminInput
from bot.handlers.admin.texts import admin_error, nothing_changed, quota_text
from bot.handlers.common import show


@screen("quota")
async def quota_screen(event: Event, office: Office, env: Env, prefix: str | None = None) -> None:
    assert office.id is not None
    await env.state.set_state(None)
    settings = await quota_settings(env.domain, office.id)
    text = quota_text(office, settings, env.locale)
    await show(
        event,
        f"{prefix}\n\n{text}" if prefix else text,
        kb.quota_kb(office.id),
        edit=prefix is None,
    )


PROMPTS = {
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


def _prompt(action: str) -> None:
    state, text = PROMPTS[action]

    @screen(action)
    async def ask(event: Event, office: Office, env: Env) -> None:
        assert office.id is not None
        await env.ask(state, office)
        await show(event, text(), kb.back_kb(office.id))


for _action in PROMPTS:
    _prompt(_action)


async def refused(message: Message, exc: BookingError, env: Env) -> None:
    """Bad input or a refused change: say why; the prompt stays open for another try."""
    await message.answer(f"{admin_error(exc, env.locale)} {nothing_changed()}")


async def done(message: Message, office: Office, env: Env, text: str) -> None:
    await quota_screen(message, office, env, prefix=text)


@typed(AdminInput.daily, AdminInput.priority)
async def default_quota(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        value = parse_quota(message.text or "")
        if await env.state.get_state() == AdminInput.daily.state:
            await set_office_quota(env.domain, office.id, value, actor=env.actor)
            text = _("✅ The daily quota is now {n}.").format(n=value)
        else:
            await set_office_quota(
                env.domain, office.id, office.daily_quota, value, actor=env.actor
            )
            text = _("✅ The daily priority quota is now {n}.").format(n=value)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(message, office, env, text)


@typed(AdminInput.shares)
async def shares(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    settings = await quota_settings(env.domain, office.id)
    try:
        values = parse_shares(message.text or "", [s.label for s in settings.sessions])
        await set_session_shares(env.domain, office.id, values, actor=env.actor)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(message, office, env, _("✅ Session shares saved."))


@typed(AdminInput.window)
async def window(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        days = parse_window(message.text or "")
        await set_release_policy(env.domain, office.id, days, office.release_rule, actor=env.actor)
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(message, office, env, _("✅ Dates now open {n} days ahead.").format(n=days))


@typed(AdminInput.rule)
async def rule(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        at, weekday = parse_release_time(message.text or "")
        await set_release_policy(
            env.domain,
            office.id,
            office.release_window_days,
            release_rule_for(at, weekday),
            actor=env.actor,
        )
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(message, office, env, _("✅ Release time saved."))


@typed(AdminInput.override)
async def override(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        first, last, value = parse_dates_and_quota(message.text or "")
        count = await set_quota_override(env.domain, office.id, first, last, value, actor=env.actor)
    except InvalidDateRangeText:
        await message.answer(PROMPTS["q_override"][1]())
        return
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(
        message, office, env, _("✅ Quota {n} set for {days} date(s).").format(n=value, days=count)
    )


@typed(AdminInput.clear)
async def clear(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    try:
        first, last = parse_range(message.text or "")
        count = await clear_quota_override(env.domain, office.id, first, last, actor=env.actor)
    except InvalidDateRangeText:
        await message.answer(PROMPTS["q_clear"][1]())
        return
    except BookingError as exc:
        await refused(message, exc, env)
        return
    await done(
        message,
        office,
        env,
        _("✅ {days} date(s) returned to the default quota.").format(days=count),
    )
