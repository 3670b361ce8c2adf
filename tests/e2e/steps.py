"""Steps of the applicant flows, driven through a ``Chat`` by the buttons the bot sent."""

from __future__ import annotations

from datetime import date

from booking.appointments.service import appointments_of
from booking.appointments.views import AppointmentView
from booking.calendar.availability import sessions_of
from booking.core.context import Domain
from booking.core.kinds import Passport, ServiceType
from bot import callbacks as cb
from bot.emulator import ApiCall
from tests.e2e.driver import Chat, has_button, keyboard_buttons, method_is
from tests.factories import make_nik

NIK = make_nik(date(1990, 5, 17), serial=42)
NAME = "Sari Wulandari"
DAY = date(2026, 12, 1)  # Tuesday; the fixed clock is Monday 30 November 2026, 07:00 WIB
OTHER_DAY = date(2026, 12, 2)
NEW = ServiceType.NEW


async def slot_on(domain: Domain, office_id: int, day: date) -> tuple[int, int]:
    """(slot id, seats left) of the office's only session on ``day``."""
    (session,) = await sessions_of(domain, office_id, day)
    return session.slot_id, session.seats_left


def asks_for_contact(call: ApiCall) -> bool:
    return any(b.get("request_contact") for b in keyboard_buttons(call))


async def choose_day(chat: Chat, office_id: int, day: date, appt: int = 0) -> None:
    """Press ``day`` on the calendar, turning to its month first when needed."""
    where = {"office": office_id, "appt": appt}
    try:
        chat.button_where(cb.Day, **where, year=day.year, month=day.month, day=day.day)
    except AssertionError:
        await chat.tap(cb.Month, has_button("dy:"), **where, year=day.year, month=day.month)
    await chat.tap(cb.Day, has_button("se:"), **where, year=day.year, month=day.month, day=day.day)


async def book_through_chat(chat: Chat, domain: Domain, office_id: int, day: date = DAY) -> str:
    """A first-time user books ``day`` (the office's only session) from /start to the
    confirmation; returns the code."""
    slot_id = await reach_the_summary(chat, domain, office_id, day)
    await chat.tap(cb.Confirm, method_is("sendDocument"), slot=slot_id)
    (view,) = await appointments_of(domain, chat.user_id)
    return view.code


async def reach_the_summary(
    chat: Chat, domain: Domain, office_id: int, day: date = DAY, nik: str = NIK
) -> int:
    """A first-time user goes from /start to the summary of ``day`` (the office's
    only session); returns the slot, for the confirm button."""
    await chat.send("/start", expect=has_button("lg:"))
    await chat.tap(cb.Lang, has_button("mn:"), code="en")
    await chat.tap(cb.Menu, has_button("pv:"), action="book")
    await chat.press("pv:", text="DKI Jakarta", expect=has_button("of:"))
    await chat.tap(cb.OfficePick, office=office_id)
    await chat.send(NAME)
    await chat.send(nik, expect=asks_for_contact)
    await chat.share_contact("+6281234567890", expect=has_button("sv:"))
    await chat.tap(cb.Service, has_button("pk:"), service=NEW)
    await chat.tap(cb.PassportPick, has_button("pr:"), passport=Passport.ORDINARY_5)
    await chat.tap(cb.Priority, has_button("gp:"), reason="none")
    await chat.tap(cb.Group, has_button("mo:"), action="continue")
    await choose_day(chat, office_id, day)
    slot_id, _ = await slot_on(domain, office_id, day)
    await chat.tap(cb.Session, has_button("cf:"), slot=slot_id, appt=0)
    return slot_id


async def open_my_appointments(chat: Chat, domain: Domain) -> AppointmentView:
    """Send /my, which shows the buttons of the user's only appointment; returns it."""
    (view,) = await appointments_of(domain, chat.user_id)
    await chat.send("/my", expect=has_button("ap:"))
    return view
