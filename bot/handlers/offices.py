"""Offices: address, opening hours, time zone and a location pin."""

from __future__ import annotations

import re

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from babel.dates import get_day_names
from babel.lists import format_list

from booking.calendar.schedule import zone_abbrev
from booking.core.context import Domain
from booking.offices.content import Content
from booking.offices.lookup import list_provinces, office_sessions
from bot import callbacks as cb
from bot import keyboards as kb
from bot.handlers.booking.shared import open_office, province_offices
from bot.handlers.common import Event, RouterSpec, reset_flow, show, show_main_menu
from bot.texts import ordinal, session_name

router = RouterSpec("offices")

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"BYDAY=([^;]+)")


def days_of_rule(rule: str, locale: str) -> str:
    """The weekdays of a session's RRULE as people say them: "Mon, Tue", and
    "1SA,3SA" as "the 1st and 3rd Saturday of each month"."""
    match = _BYDAY.search(rule)
    if not match:
        return ""
    short = get_day_names("abbreviated", locale=locale)
    wide = get_day_names("wide", locale=locale)
    plain: list[str] = []
    ordinals: dict[int, list[str]] = {}
    for token in match.group(1).split(","):
        number, code = token[:-2], token[-2:]
        if code not in WEEKDAYS:
            continue
        day = WEEKDAYS.index(code)
        if number:
            ordinals.setdefault(day, []).append(number.lstrip("+"))
        else:
            plain.append(short[day])
    parts = plain + [
        _("the {ordinals} {weekday} of each month").format(
            weekday=wide[day],
            ordinals=format_list([ordinal(n, locale) for n in numbers], locale=locale),
        )
        for day, numbers in ordinals.items()
    ]
    return ", ".join(parts)


def has_weekend_sessions(rules: list[str]) -> bool:
    return any(re.search(r"BYDAY=[^;]*(SA|SU)", rule) for rule in rules)


@router.message(Command("offices"))
@router.callback_query(cb.Menu.filter(F.action == "offices"))
async def office_provinces(event: Event, state: FSMContext, domain: Domain) -> None:
    await reset_flow(state)
    provinces = await list_provinces(domain)
    if not provinces:
        await show_main_menu(event, state, _("No office takes bookings yet."))
        return
    await show(event, _("Offices. Choose a province:"), kb.provinces_kb(provinces, "info"))


@router.callback_query(cb.Province.filter(F.purpose == "info"))
async def office_province(query: CallbackQuery, callback_data: cb.Province, domain: Domain) -> None:
    await province_offices(query, domain, "info", callback_data.index, 0)


@router.callback_query(cb.OfficePick.filter(F.purpose == "info"))
async def office_details(
    query: CallbackQuery,
    callback_data: cb.OfficePick,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
) -> None:
    office = await open_office(domain, callback_data.office)
    zone = zone_abbrev(office.timezone, domain.now())
    lines = [
        office.name,
        _("Address: {address}").format(address=office.address),
        _("Time zone: {zone} ({tz})").format(zone=zone, tz=office.timezone),
    ]
    if office.phone:
        lines.append(_("Phone: {phone}").format(phone=office.phone))
    lines += ["", _("Sessions:")]
    rules = await office_sessions(domain, callback_data.office)
    for rule in rules:
        days = days_of_rule(rule.rule, locale)
        hours = f"{rule.start:%H:%M}–{rule.end:%H:%M} {zone}"
        lines.append(f"• {session_name(rule, locale)}: {hours} · {days}")
    if has_weekend_sessions([r.rule for r in rules]):
        # The fixed note speaks of working days: it would contradict a Saturday service.
        lines += ["", _("Counters open at the session times above, except national holidays.")]
    else:
        lines += ["", content.hours_note.get(locale)]
    await show(query, "\n".join(lines), kb.home_kb())
    if office.latitude is not None and office.longitude is not None:
        await bot.send_location(
            query.from_user.id, latitude=office.latitude, longitude=office.longitude
        )
