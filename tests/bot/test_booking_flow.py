"""The main booking flow, on SQLite and PostgreSQL, in Indonesian and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import icalendar
import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto

from booking.applicants import get_applicant
from booking.appointments import appointments_of
from booking.context import Domain
from booking.models import AppointmentStatus
from tests.bot.flows import book_new
from tests.bot.recording import Chat_, file_bytes
from tests.factories import make_nik

NIK = make_nik(date(1990, 5, 17), serial=4321)


@pytest.mark.parametrize(
    ("language", "expect"),
    [
        ("id", ["Kode booking", "datang 30 menit lebih awal", "WIB"]),
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
