"""QR code and .ics attachments, in every Indonesian zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from booking.models import AppointmentStatus, QuotaPool, ServiceType
from booking.views import AppointmentView
from bot.attachments import appointment_ics, qr_png


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
    data = appointment_ics(
        v, title="Passport TA7K2M9Q", description="Arrive early", stamp=v.created_at
    )
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
