"""Files sent with a confirmation: a QR code of the booking code and an .ics event."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from functools import lru_cache

import segno
from icalendar import Alarm, Calendar, Event, Timezone

from booking.views import AppointmentView

PRODID = "-//Tanpa Antre//Passport appointment//EN"


def qr_png(code: str) -> bytes:
    """A PNG QR code holding just the booking code."""
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def appointment_ics(v: AppointmentView, *, title: str, description: str, stamp: datetime) -> bytes:
    """An RFC 5545 calendar with one event in the office's time zone (with its
    VTIMEZONE) and an alarm an hour before, so the applicant arrives early."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{v.code}@tanpa-antre")
    event.add("dtstamp", stamp)
    event.add("dtstart", v.start)
    event.add("dtend", v.end)
    event.add("summary", title)
    event.add("location", f"{v.office_name}, {v.office_address}")
    event.add("description", description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    cal.add_component(event)
    for tzid in sorted(cal.get_missing_tzids()):
        vtimezone = _vtimezone(tzid)
        if vtimezone is not None:
            cal.subcomponents.insert(0, vtimezone)
    return cal.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of a zone, built once: its transitions take ~30 ms to work out."""
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None
