"""Calendar files over an appointment's life: the booking's event, the same event
(same UID, higher SEQUENCE) after a reschedule, and the cancellation that removes
it; read back with ``icalendar``. The reschedule calendar marks the current date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
from aiogram.methods import SendDocument

from booking.appointments.views import AppointmentView
from booking.core.context import Domain
from bot.attachments import BookingFiles, cancellation_ics, event_ics
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.flows import pick_day, press_in_my_appointments
from tests.bot.recording import Chat_, file_bytes
from tests.conftest import TOMORROW


def files(sequence: int) -> BookingFiles:
    wib = ZoneInfo("Asia/Jakarta")
    return BookingFiles(
        codes=("TA7K2M9Q",),
        uid="TA7K2M9Q",
        title="Passport TA7K2M9Q",
        description="Arrive early",
        location="Kantor Imigrasi X, Jl. Y",
        start=datetime(2026, 12, 2, 8, tzinfo=wib),
        end=datetime(2026, 12, 2, 10, tzinfo=wib),
        stamp=datetime(2026, 11, 30, tzinfo=UTC),
        sequence=sequence,
    )


def only_event(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_a_cancellation_file_removes_the_same_event() -> None:
    booked_cal, booked = only_event(event_ics(files(0)))
    assert booked_cal["METHOD"] == "PUBLISH" and booked["SEQUENCE"] == 0
    cancel_cal, cancelled = only_event(cancellation_ics(files(0)))
    assert cancel_cal["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == booked["UID"] == "TA7K2M9Q@tanpa-antre"
    assert cancelled["SEQUENCE"] > booked["SEQUENCE"]
    assert cancelled.decoded("dtstart") == booked.decoded("dtstart")


@SQLITE_ONLY
async def test_a_rescheduled_event_keeps_its_uid_with_a_higher_sequence(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    first = event_ics(BookingFiles.of(appt, title="t", description="d", stamp=appt.created_at))
    _, before = only_event(first)

    await press_in_my_appointments(chat, f"ap:reschedule:{appt.id}")
    # The calendar marks the date of the appointment being moved (1 December).
    await chat.press("mo:", "›")
    [current] = [t for t, d in chat.last_keyboard() if d.endswith(f":2026:12:{TOMORROW.day}")]
    assert current == f"{TOMORROW.day}📌"
    assert "📌 your current appointment" in chat.last_text()
    await pick_day(chat, date(2026, 12, 2))
    await chat.press("se:", "Pagi")
    sent = await chat.press(f"rs:{appt.id}:")

    [document] = [r for r in sent if isinstance(r, SendDocument)]
    _, after = only_event(file_bytes(document.document))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("dtstart") != before.decoded("dtstart")


@SQLITE_ONLY
async def test_a_cancellation_says_to_delete_the_calendar_event(
    ctx: Domain, booked_chat: tuple[Chat_, AppointmentView]
) -> None:
    chat, appt = booked_chat
    await press_in_my_appointments(chat, f"ap:cancel:{appt.id}")
    await chat.press("ap:cancel_confirmed:")
    assert "delete the event there too" in chat.last_text()
