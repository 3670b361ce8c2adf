"""Offices: address, opening hours, time zone and a location pin."""

from __future__ import annotations

import re

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from babel.dates import get_day_names

from booking.calendar.schedule import zone_abbrev
from booking.core.context import Domain
from booking.offices.content import Content
from booking.offices.lookup import list_provinces, office_sessions
from bot import callbacks as cb
from bot import keyboards as kb
from bot.handlers.booking.shared import open_office, province_offices
from bot.handlers.common import Event, RouterSpec, reset_flow, show, show_main_menu

router = RouterSpec("offices")

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"BYDAY=([^;]+)")


def days_of_rule(rule: str, locale: str) -> str:
    """The weekdays of a session's RRULE, e.g. "Mon, Tue"; "1SA,3SA" keeps its ordinals."""
    match = _BYDAY.search(rule)
    if not match:
        return ""
    names = get_day_names("abbreviated", locale=locale)
    parts = []
    for token in match.group(1).split(","):
        ordinal, code = token[:-2], token[-2:]
        if code in WEEKDAYS:
            name = names[WEEKDAYS.index(code)]
            parts.append(f"{name} ({ordinal})" if ordinal else name)
    return ", ".join(parts)


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
    for rule in await office_sessions(domain, callback_data.office):
        days = days_of_rule(rule.rule, locale)
        lines.append(f"• {rule.label}: {rule.start:%H:%M}–{rule.end:%H:%M} {zone} · {days}")
    lines += ["", content.hours_note.get(locale)]
    await show(query, "\n".join(lines), kb.home_kb())
    if office.latitude is not None and office.longitude is not None:
        await bot.send_location(
            query.from_user.id, latitude=office.latitude, longitude=office.longitude
        )
