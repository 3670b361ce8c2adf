"""The day list of an office: its sessions with seats, and who is coming.

One line per person; the members of a booking group (a family booked by one
account) come together, under the account's holder, each line with the group's
id and size. Each line carries the phone number the account gave, if any:
masked on screen (``phone_masked``), in full in the CSV.

``export_day_csv`` gives the same list as a CSV document for a spreadsheet
(its columns: ``CSV_HEADER``, documented in ``bot/README.md``); every export is
audited (who, when, which office and date), since it holds phone numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.calendar.schedule import zone, zone_abbrev
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, Passport, PriorityReason, ServiceType
from booking.db.models import Applicant, Appointment, Closure, Office, Person, Slot
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
    label_en: str | None = None  # None: the label serves


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
    group_id: int
    group_size: int  # people the group was booked for (one: booked alone)
    account_name: str  # the holder of the account that booked the group
    phone: str | None  # the account's phone number, if it gave one
    session_label_en: str | None = None  # None: the label serves
    passport: Passport | None = None  # the passport applied for (None: not asked)

    @property
    def phone_masked(self) -> str | None:
        return mask_phone(self.phone) if self.phone else None


def mask_phone(phone: str) -> str:
    """A phone number with all but its first 4 and last 3 digits hidden:
    ``0812*****678``. A short number shows only its last 3 digits."""
    text = phone.strip()
    if len(text) <= 8:
        return "*" * max(len(text) - 3, 0) + text[-3:]
    return text[:4] + "*" * (len(text) - 7) + text[-3:]


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
        label_en=slot.label_en,
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
            select(Appointment, Person, Applicant, Slot)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .join(Person, col(Person.id) == Appointment.person_id)
            .join(Applicant, col(Applicant.id) == Appointment.applicant_id)
            .where(Slot.office_id == office_id, Slot.day == day)
        )
        if not include_cancelled:
            query = query.where(Appointment.status != AppointmentStatus.CANCELLED)
        rows = list(await session.exec(query))
        sizes = dict(
            (group_id, int(size))
            for group_id, size in await session.exec(
                select(Appointment.group_id, func.count())
                .where(col(Appointment.group_id).in_({a.group_id for a, *_ in rows}))
                .group_by(col(Appointment.group_id))
            )
        )
    tz = zone(office.timezone)
    entries = []
    for appt, person, applicant, slot in rows:
        assert appt.id is not None and slot.id is not None
        entries.append(
            DayListEntry(
                appointment_id=appt.id,
                code=appt.code,
                full_name=person.full_name,
                nik_masked=person.nik_masked,
                service=ServiceType(appt.service),
                priority=PriorityReason(appt.priority) if appt.priority else None,
                status=AppointmentStatus(appt.status),
                queue_number=appt.queue_number,
                slot_id=slot.id,
                session_label=slot.label,
                start=slot.start_utc.astimezone(tz),
                cancel_reason=appt.cancel_reason,
                group_id=appt.group_id,
                group_size=sizes[appt.group_id],
                account_name=applicant.full_name,
                phone=applicant.phone,
                session_label_en=slot.label_en,
                passport=Passport(appt.passport) if appt.passport else None,
            )
        )
    return (
        office,
        closure.reason if closure else None,
        [_session_line(s, office) for s in slots],
        _in_order(entries),
    )


def _in_order(entries: list[DayListEntry]) -> list[DayListEntry]:
    """By session; groups that checked in, in queue order first, then the rest by
    the account's name; inside a group, checked-in members in queue order, then
    the rest in booking order."""
    groups: dict[int, list[DayListEntry]] = {}
    for e in entries:
        groups.setdefault(e.group_id, []).append(e)

    def member_key(e: DayListEntry) -> tuple[bool, int, int]:
        return (e.queue_number is None, e.queue_number or 0, e.appointment_id)

    def group_key(members: list[DayListEntry]) -> tuple[datetime, bool, int, str, str]:
        first = min(members, key=member_key)
        name = first.account_name if len(members) > 1 else first.full_name
        return (first.start, *member_key(first)[:2], name.casefold(), first.code)

    ordered = sorted(groups.values(), key=group_key)
    return [e for members in ordered for e in sorted(members, key=member_key)]


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


# The CSV's machine columns, in this order (documented in bot/README.md): the
# first eleven are those of the first exports; ``date`` and ``phone`` came later,
# before ``group``, which stays last.
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
    "date",
    "phone",
    "group",
]
# A cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class CsvNames:
    """How the CSV writes a service, a priority reason and a status: by default
    their stored values (``renewal``, ``elderly``, ``checked_in``); the bot gives
    the names in the admin's language."""

    service: Callable[[ServiceType], str] = str
    priority: Callable[[PriorityReason], str] = str
    status: Callable[[AppointmentStatus], str] = str


async def export_day_csv(
    ctx: Domain,
    office_id: int,
    day: date,
    *,
    actor: str,
    names: CsvNames = CsvNames(),
    include_cancelled: bool = False,
) -> str:
    """The whole day list as CSV text: a header row (``CSV_HEADER``), then one row
    per applicant; the export is audited as ``export_day_csv`` by ``actor``.

    It starts with a UTF-8 byte order mark (``\\ufeff``) so that spreadsheets
    read names with accents correctly; Python's ``utf-8-sig`` codec and most CSV
    readers skip it. Lines end with CRLF, as RFC 4180 says. Write the text as UTF-8.
    """
    _, _, sessions, entries = await _day(ctx, office_id, day, include_cancelled)

    async def audit(session: AsyncSession) -> None:
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office_id,
            action="export_day_csv",
            after={
                "day": day.isoformat(),
                "rows": len(entries),
                "include_cancelled": include_cancelled,
            },
        )

    await ctx.db.transact(audit)
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
                safe_cell(names.service(e.service)),
                safe_cell(names.priority(e.priority)) if e.priority else "",
                safe_cell(names.status(e.status)),
                day.isoformat(),
                safe_cell(e.phone),
                e.group_id,
            ]
        )
    return out.getvalue()
