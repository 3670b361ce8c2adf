"""The day list of an office: its sessions with seats, and who is coming.

``export_day_csv`` gives the same list as a CSV document for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from booking.calendar.schedule import zone, zone_abbrev
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, PriorityReason, ServiceType
from booking.db.models import Applicant, Appointment, Closure, Office, Slot
from booking.offices.lookup import office_by_id

PAGE_SIZE = 10


@dataclass(frozen=True)
class SessionLine:
    slot_id: int
    label: str
    start: datetime  # office-local, aware
    end: datetime
    zone: str
    booked: int
    capacity: int
    priority_booked: int
    priority_capacity: int
    is_open: bool


@dataclass(frozen=True)
class DayListEntry:
    appointment_id: int
    code: str
    full_name: str
    nik_masked: str
    service: ServiceType
    priority: PriorityReason | None
    status: AppointmentStatus
    queue_number: int | None
    slot_id: int
    session_label: str
    start: datetime  # office-local, aware
    cancel_reason: str | None


@dataclass(frozen=True)
class DayList:
    office_id: int
    office_code: str
    office_name: str
    day: date
    closed_reason: str | None
    sessions: list[SessionLine]
    entries: list[DayListEntry]  # this page only
    total: int  # entries on every page
    page: int  # from 0
    pages: int


def _session_line(slot: Slot, office: Office) -> SessionLine:
    assert slot.id is not None
    tz = zone(office.timezone)
    return SessionLine(
        slot_id=slot.id,
        label=slot.label,
        start=slot.start_utc.astimezone(tz),
        end=slot.end_utc.astimezone(tz),
        zone=zone_abbrev(office.timezone, slot.start_utc),
        booked=slot.booked,
        capacity=slot.capacity,
        priority_booked=slot.priority_booked,
        priority_capacity=slot.priority_capacity,
        is_open=slot.is_open,
    )


async def _day(
    ctx: Domain, office_id: int, day: date, include_cancelled: bool
) -> tuple[Office, str | None, list[SessionLine], list[DayListEntry]]:
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        closure = (
            await session.exec(
                select(Closure).where(Closure.office_id == office_id, Closure.day == day)
            )
        ).first()
        slots = list(
            await session.exec(
                select(Slot)
                .where(Slot.office_id == office_id, Slot.day == day)
                .order_by(col(Slot.start_utc))
            )
        )
        query = (
            select(Appointment, Applicant, Slot)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .join(Applicant, col(Applicant.id) == Appointment.applicant_id)
            .where(Slot.office_id == office_id, Slot.day == day)
        )
        if not include_cancelled:
            query = query.where(Appointment.status != AppointmentStatus.CANCELLED)
        rows = list(await session.exec(query))
    tz = zone(office.timezone)
    entries = []
    for appt, applicant, slot in rows:
        assert appt.id is not None and slot.id is not None
        entries.append(
            DayListEntry(
                appointment_id=appt.id,
                code=appt.code,
                full_name=applicant.full_name,
                nik_masked=applicant.nik_masked,
                service=ServiceType(appt.service),
                priority=PriorityReason(appt.priority) if appt.priority else None,
                status=AppointmentStatus(appt.status),
                queue_number=appt.queue_number,
                slot_id=slot.id,
                session_label=slot.label,
                start=slot.start_utc.astimezone(tz),
                cancel_reason=appt.cancel_reason,
            )
        )
    # By session; checked-in people in queue order first, then the rest by name.
    entries.sort(
        key=lambda e: (
            e.start,
            e.queue_number is None,
            e.queue_number or 0,
            e.full_name.casefold(),
            e.code,
        )
    )
    sessions = [_session_line(s, office) for s in slots]
    return office, closure.reason if closure else None, sessions, entries


async def day_list(
    ctx: Domain,
    office_id: int,
    day: date,
    *,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    include_cancelled: bool = False,
) -> DayList:
    """One page of the day's applicants, with every session's booked/capacity.

    A page past the end gives the last page.
    """
    page_size = max(1, page_size)
    office, closed_reason, sessions, entries = await _day(ctx, office_id, day, include_cancelled)
    pages = max(1, -(-len(entries) // page_size))
    page = min(max(0, page), pages - 1)
    assert office.id is not None
    return DayList(
        office_id=office.id,
        office_code=office.code,
        office_name=office.name,
        day=day,
        closed_reason=closed_reason,
        sessions=sessions,
        entries=entries[page * page_size : (page + 1) * page_size],
        total=len(entries),
        page=page,
        pages=pages,
    )


CSV_HEADER = [
    "session",
    "start",
    "end",
    "zone",
    "queue_number",
    "code",
    "name",
    "nik_masked",
    "service",
    "priority",
    "status",
]
# A cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def export_day_csv(
    ctx: Domain, office_id: int, day: date, *, include_cancelled: bool = False
) -> str:
    """The whole day list as CSV text: a header row, then one row per applicant.

    It starts with a UTF-8 byte order mark (``\\ufeff``) so that spreadsheets
    read names with accents correctly; Python's ``utf-8-sig`` codec and most CSV
    readers skip it. Lines end with CRLF, as RFC 4180 says. Write the text as UTF-8.
    """
    _, _, sessions, entries = await _day(ctx, office_id, day, include_cancelled)
    ends = {s.slot_id: s for s in sessions}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for e in entries:
        line = ends[e.slot_id]
        writer.writerow(
            [
                safe_cell(e.session_label),
                line.start.strftime("%H:%M"),
                line.end.strftime("%H:%M"),
                line.zone,
                "" if e.queue_number is None else e.queue_number,
                safe_cell(e.code),
                safe_cell(e.full_name),
                safe_cell(e.nik_masked),
                e.service.value,
                e.priority.value if e.priority else "",
                e.status.value,
            ]
        )
    return out.getvalue()
