"""The main booking flow, on SQLite and PostgreSQL, in Indonesian and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import icalendar
import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import ReplyKeyboardMarkup

from booking.appointments.service import appointments_of
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, PriorityReason, QuotaPool
from booking.people.applicants import get_applicant
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.flows import (
    book_new,
    choose_for_person,
    choose_language,
    reach_people,
    switch_language,
    to_summary,
)
from tests.bot.recording import Chat_, file_bytes
from tests.factories import add_applicant, make_nik

NIK = make_nik(date(1990, 5, 17), serial=4321)


@pytest.mark.parametrize(
    ("language", "expect"),
    [
        ("id", ["Kode jadwal", "datang 30 menit lebih awal", "WIB"]),
        ("en", ["Booking code", "arrive 30 minutes early", "WIB"]),
    ],
)
async def test_first_booking_end_to_end(
    ctx: Domain,
    office: int,
    new_chat: Callable[..., Chat_],
    language: str,
    expect: list[str],
) -> None:
    chat = new_chat()
    sent = await book_new(chat, NIK, language=language)

    [appt] = await appointments_of(ctx, chat.user_id)
    assert appt.status is AppointmentStatus.BOOKED
    assert appt.office_id == office
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.language == language
    assert applicant.nik_masked == NIK[:4] + "*" * 10 + NIK[-2:]

    texts = [r.text for r in sent if isinstance(r, SendMessage)]
    [confirmation] = [t for t in texts if appt.code in t]
    for fragment in expect:
        assert fragment in confirmation
    assert appt.office_address in confirmation
    assert f"{appt.start:%H:%M}" in confirmation

    [photo] = [r for r in sent if isinstance(r, SendPhoto)]
    assert file_bytes(photo.photo).startswith(b"\x89PNG")
    [doc] = [r for r in sent if isinstance(r, SendDocument)]
    cal = icalendar.Calendar.from_ical(file_bytes(doc.document))
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtstart") == appt.start
    assert str(event["dtstart"].params["TZID"]) == "Asia/Jakarta"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    assert len(event.walk("VALARM")) == 1
    assert appt.code in str(event["summary"])


async def _to_details(chat: Chat_, language: str = "en") -> None:
    await choose_language(chat, language)
    await reach_people(chat)


@pytest.fixture
async def details_chat(new_chat: Callable[..., Chat_]) -> Chat_:
    """A new chat in English at the details step: the bot asks for the full name."""
    chat = new_chat()
    await _to_details(chat)
    return chat


@SQLITE_ONLY
async def test_returning_applicant_only_confirms_saved_details(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await add_applicant(ctx, chat.user_id, born=date(1988, 3, 9), name="Siti Aminah")
    await switch_language(chat, "en")
    await reach_people(chat)
    text = chat.last_text()
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None
    assert "Siti Aminah" in text and applicant.nik_masked in text
    await chat.press("sd:use")
    # No phone saved yet: asked once, optionally.
    assert "share your phone number" in chat.last_text()
    await chat.send("Skip")
    await choose_for_person(chat)
    await to_summary(chat)
    summary = chat.last_text()
    assert "Siti Aminah" in summary and applicant.nik_masked in summary
    await chat.press("cf:")
    assert len(await appointments_of(ctx, chat.user_id)) == 1


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("12345", "exactly 16 digits"),
        ("0000000000000000", "all zeros"),
        ("9971011705900001", "province, regency and district code"),
        ("3171013213900001", "not a valid birth date"),
        ("3171011712260001", "in the future"),
    ],
)
async def test_invalid_nik_gets_its_reason_and_the_step_stays(
    ctx: Domain, office: int, details_chat: Chat_, typed: str, reason: str
) -> None:
    await details_chat.send("Budi Santoso")
    await details_chat.send(typed)
    assert reason in details_chat.last_text()
    assert await get_applicant(ctx, details_chat.user_id) is None
    # The same step goes on: a valid NIK is accepted.
    await details_chat.send(NIK)
    applicant = await get_applicant(ctx, details_chat.user_id)
    assert applicant is not None and applicant.full_name == "Budi Santoso"


@SQLITE_ONLY
async def test_invalid_nik_reason_in_indonesian(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await _to_details(chat, "id")
    await chat.send("Budi Santoso")
    await chat.send("12345")
    assert "NIK terdiri dari tepat 16 angka." in chat.last_text()


@SQLITE_ONLY
async def test_nik_of_another_account_is_refused(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    first, second = new_chat(), new_chat()
    await add_applicant(ctx, first.user_id, born=date(1990, 5, 17), serial=4321)
    await _to_details(second)
    await second.send("Ani Wijaya")
    await second.send(NIK)
    assert "already registered to another Telegram account" in second.last_text()
    assert await get_applicant(ctx, second.user_id) is None


@SQLITE_ONLY
async def test_name_must_look_like_a_name(ctx: Domain, office: int, details_chat: Chat_) -> None:
    await details_chat.send("B2")
    assert "3 to 100 letters, no digits" in details_chat.last_text()
    await details_chat.send("Budi")
    assert "type your NIK" in details_chat.last_text()


@SQLITE_ONLY
async def test_phone_through_contact_sharing_only_ones_own(
    ctx: Domain, office: int, details_chat: Chat_
) -> None:
    await details_chat.send("Budi Santoso")
    await details_chat.send(NIK)
    contact_kb = details_chat.sent_to_me()[-1].reply_markup
    assert isinstance(contact_kb, ReplyKeyboardMarkup)
    assert contact_kb.keyboard[0][0].request_contact is True
    await details_chat.share_contact("+6281234567890", user_id=999)
    assert "your own number" in details_chat.last_text()
    await details_chat.share_contact("+6281234567890")
    applicant = await get_applicant(ctx, details_chat.user_id)
    assert applicant is not None and applicant.phone == "+6281234567890"
    await details_chat.press("sv:new")
    await details_chat.press("pk:")
    assert "priority service" in details_chat.last_text()


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("born", "female", "claim", "accepted"),
    [
        (date(1990, 5, 17), False, "elderly", False),
        (date(1950, 5, 17), False, "elderly", True),
        (date(2023, 1, 10), False, "child", True),
        (date(2015, 1, 10), False, "child", False),
        (date(1990, 5, 17), False, "pregnant", False),
        (date(1990, 5, 17), True, "pregnant", True),
        (date(1990, 5, 17), False, "disabled", True),
    ],
)
async def test_priority_claim_checked_against_the_nik(
    ctx: Domain,
    office: int,
    details_chat: Chat_,
    born: date,
    female: bool,
    claim: str,
    accepted: bool,
) -> None:
    await details_chat.send("Budi Santoso")
    await details_chat.send(make_nik(born, female=female, serial=77))
    await details_chat.send("Skip")
    await details_chat.press("sv:new")
    await details_chat.press("pk:")
    await details_chat.press(f"pr:{claim}")
    if not accepted:
        assert "Choose again:" in details_chat.last_text()
        assert details_chat.button("pr:none")
        await details_chat.press("pr:none")
    await to_summary(details_chat)
    await details_chat.press("cf:")
    [appt] = await appointments_of(ctx, details_chat.user_id)
    assert appt.priority == (PriorityReason(claim) if accepted else None)
    assert appt.pool is (QuotaPool.PRIORITY if accepted else QuotaPool.REGULAR)


@SQLITE_ONLY
async def test_holder_of_an_active_appointment_is_shown_its_code(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    appt = await booked(ctx, office, chat.user_id, date(2026, 12, 1))
    await switch_language(chat, "en")
    await chat.tap("mn:book")
    assert f"You already hold an active appointment ({appt.code})" in chat.last_text()
    assert len(await appointments_of(ctx, chat.user_id)) == 1
