"""QR code and .ics attachments, in every Indonesian zone; rendered in a worker
process or in the bot's, and sent after the confirmation."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import segno
from aiogram import Bot
from aiogram.methods import SendDocument, SendPhoto

from bench.recording import TOKEN, RecordingSession
from booking.appointments.views import AppointmentView
from booking.core.kinds import AppointmentStatus, QuotaPool, ServiceType
from booking.notify.confirmations import CALENDAR, CONFIRMATION, QR_CODE
from bot.attachments import BookingFiles, Renderer, qr_png, render
from bot.files import Confirmation, FileSender


def view(tz: str, zone: str) -> AppointmentView:
    start = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo(tz))
    return AppointmentView(
        id=1,
        code="TA7K2M9Q",
        status=AppointmentStatus.BOOKED,
        service=ServiceType.NEW,
        priority=None,
        pool=QuotaPool.REGULAR,
        reschedule_count=0,
        queue_number=None,
        telegram_id=1,
        slot_id=1,
        office_id=1,
        office_code="X",
        office_name="Kantor Imigrasi X",
        office_address="Jl. Contoh No. 1, Kota",
        timezone=tz,
        zone=zone,
        day=date(2026, 12, 1),
        label="Pagi",
        start=start,
        end=start + timedelta(hours=2),
        start_utc=start.astimezone(UTC),
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
        cancel_reason=None,
    )


@pytest.mark.parametrize(
    ("tz", "zone", "utc_hour"),
    [("Asia/Jakarta", "WIB", 1), ("Asia/Makassar", "WITA", 0), ("Asia/Jayapura", "WIT", 23)],
)
def test_ics_is_in_the_offices_zone_with_an_alarm(tz: str, zone: str, utc_hour: int) -> None:
    v = view(tz, zone)
    files = BookingFiles.of(
        v, title="Passport TA7K2M9Q", description="Arrive early", stamp=v.created_at
    )
    _, data = render(files)  # what a render worker runs
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    [vtz] = cal.walk("VTIMEZONE")
    assert vtz["TZID"] == tz
    [event] = cal.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == tz
    start = event.decoded("dtstart")
    assert start.astimezone(UTC).hour == utc_hour  # 08:00 local in that zone
    assert event.decoded("dtend") - start == timedelta(hours=2)
    assert event["uid"] == "TA7K2M9Q@tanpa-antre"
    assert "Kantor Imigrasi X" in event["location"]
    [alarm] = event.walk("VALARM")
    assert alarm["action"] == "DISPLAY"
    assert alarm.decoded("trigger") == timedelta(hours=-1)
    assert b"\r\n" in data  # RFC 5545 line endings


def test_qr_png_is_a_png_of_reasonable_size() -> None:
    png = qr_png("TA7K2M9Q")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert 100 <= width <= 1000
    assert qr_png("TA7K2M9Q") == png and qr_png("TA7K2M9R") != png


def files_of(code: str) -> BookingFiles:
    v = view("Asia/Makassar", "WITA")
    return BookingFiles.of(
        replace(v, code=code), title=f"Passport {code}", description="Early", stamp=v.created_at
    )


async def test_a_render_worker_makes_the_same_files_as_the_bot_process() -> None:
    renderer = Renderer(1)
    try:
        await renderer.start()
        [worker] = multiprocessing.active_children()
        assert worker.is_alive()
        for code in ("TA7K2M9Q", "TA7K2M9R"):
            assert await renderer.render(files_of(code)) == render(files_of(code))
    finally:
        renderer.close()
    assert not multiprocessing.active_children()


async def test_files_waiting_together_go_to_the_worker_in_one_trip() -> None:
    renderer = Renderer(1)
    try:
        await renderer.start()
        pool = renderer._pool
        assert pool is not None
        trips: list[int] = []
        submit = pool.submit

        def counted(fn: Any, batch: list[BookingFiles]) -> Any:
            trips.append(len(batch))
            return submit(fn, batch)

        pool.submit = counted  # type: ignore[method-assign, assignment]
        codes = [f"TA7K2M{i:02d}" for i in range(10)]
        results = await asyncio.gather(*(renderer.render(files_of(c)) for c in codes))
        assert results == [render(files_of(c)) for c in codes]  # each its own files
        assert trips == [10]
    finally:
        renderer.close()


async def test_a_file_that_cannot_be_rendered_fails_alone() -> None:
    renderer = Renderer(1)
    try:
        await renderer.start()
        too_long = files_of("X" * 5000)  # more than a QR code holds
        bad, good = await asyncio.gather(
            renderer.render(too_long), renderer.render(files_of("TA7K2M9Q")), return_exceptions=True
        )
        assert isinstance(bad, segno.DataOverflowError)
        assert good == render(files_of("TA7K2M9Q"))
        assert await renderer.render(files_of("TA7K2M9R")) == render(files_of("TA7K2M9R"))
    finally:
        renderer.close()


async def test_a_dead_render_worker_costs_no_file(caplog: pytest.LogCaptureFixture) -> None:
    renderer = Renderer(1)
    try:
        await renderer.start()
        [worker] = multiprocessing.active_children()
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        worker.join(5)
        png, ics = await renderer.render(files_of("TA7K2M9Q"))  # rendered here instead
        assert (png, ics) == render(files_of("TA7K2M9Q"))
        assert "render worker died" in caplog.text
        # The next one starts a fresh worker.
        assert await renderer.render(files_of("TA7K2M9R")) == render(files_of("TA7K2M9R"))
        assert [p.is_alive() for p in multiprocessing.active_children()] == [True]
    finally:
        renderer.close()


async def test_without_workers_the_files_are_rendered_in_the_bot_process() -> None:
    renderer = Renderer(0)
    await renderer.start()
    assert await renderer.render(files_of("TA7K2M9Q")) == render(files_of("TA7K2M9Q"))
    assert not multiprocessing.active_children()


def files_only(code: str) -> Confirmation:
    """A confirmation of one member's files, without its text."""
    parts = ((1, CONFIRMATION), (1, QR_CODE), (1, CALENDAR))
    return Confirmation(None, files_of(code), ("QR",), "ics", parts)


async def test_files_that_cannot_be_sent_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = RecordingSession()
    session.refuse.add("sendPhoto")
    bot = Bot(TOKEN, session=session)
    sender = FileSender(Renderer(0))
    sender.send(bot, 42, files_only("TA7K2M9Q"))
    await sender.drain()
    assert "could not send the files of booking TA7K2M9Q" in caplog.text
    assert [r.__api_method__ for r in session.requests] == ["sendPhoto"]  # the .ics waits

    session.refuse.clear()
    sender.send(bot, 42, files_only("TA7K2M9R"))
    await sender.drain()
    photo, document = session.requests[1:]
    assert isinstance(photo, SendPhoto) and isinstance(document, SendDocument)
    assert photo.photo.data == qr_png("TA7K2M9R")  # type: ignore[union-attr]
    assert document.document.filename == "TA7K2M9R.ics"  # type: ignore[union-attr]
