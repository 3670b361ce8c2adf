import csv
import io
from datetime import UTC, date, datetime

import pytest

from booking.admin.checkin import check_in
from booking.admin.closures import close_day
from booking.admin.daylist import (
    CSV_HEADER,
    CsvNames,
    day_list,
    export_day_csv,
    mask_phone,
    safe_cell,
)
from booking.appointments.service import cancel
from booking.core.errors import OfficeNotFound
from booking.core.kinds import AppointmentStatus, PriorityReason, ServiceType
from booking.db.models import AuditLog
from booking.people.applicants import set_phone
from tests.admin_helpers import book_on, rows
from tests.conftest import TUE, WED
from tests.factories import add_office, make_nik, office_spec, two_sessions

NAMES = [
    "Siti Nurhaliza",
    '=HYPERLINK("http://x","klik")',
    'Budi, "Si Kancil" Santoso',
    "Ñoño Ärzte Ṭanjung",
    "+628123",
]


@pytest.fixture
async def tuesday(ctx):
    spec = office_spec(
        daily=10,
        priority=2,
        sessions=two_sessions(),
    )
    office_id = await add_office(ctx, spec)
    morning = await book_on(ctx, office_id, TUE, [101, 102, 103], names=NAMES[:3])
    afternoon = await book_on(ctx, office_id, TUE, [104], session_index=1, names=NAMES[3:4])
    elderly = await book_on(
        ctx,
        office_id,
        TUE,
        [105],
        session_index=1,
        names=NAMES[4:],
        priority=PriorityReason.ELDERLY,
        born=date(1950, 3, 4),
    )
    gone = await book_on(ctx, office_id, TUE, [106], names=["Batal Saja"])
    await cancel(ctx, telegram_id=106, appointment_id=gone[0].id)
    return office_id, morning + afternoon + elderly, gone[0]


async def test_day_list_sessions_and_entries(ctx, tuesday):
    office_id, appts, gone = tuesday
    ctx.clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    await check_in(ctx, office_id, appts[2].code, actor="t")
    listing = await day_list(ctx, office_id, TUE, page_size=50)
    assert listing.total == 5 and listing.pages == 1 and listing.closed_reason is None
    assert [
        (s.label, s.booked, s.capacity, s.priority_booked, s.priority_capacity)
        for s in listing.sessions
    ] == [("Pagi", 3, 5, 0, 1), ("Siang", 1, 5, 1, 1)]
    assert listing.sessions[0].start.strftime("%H:%M") == "08:00"
    assert listing.sessions[0].zone == "WIB"
    first = listing.entries[0]
    # The checked-in applicant comes first in the session, with its number.
    assert (first.code, first.queue_number, first.status) == (
        appts[2].code,
        1,
        AppointmentStatus.CHECKED_IN,
    )
    by_code = {e.code: e for e in listing.entries}
    assert gone.code not in by_code
    elderly = by_code[appts[4].code]
    assert elderly.priority is PriorityReason.ELDERLY and elderly.session_label == "Siang"
    assert by_code[appts[0].code].service is ServiceType.NEW
    assert by_code[appts[0].code].full_name == "Siti Nurhaliza"
    plain_nik = make_nik(date(1990, 5, 17), serial=101)
    for e in listing.entries:
        assert e.nik_masked.count("*") == 10
        assert plain_nik not in repr(e)
    with_cancelled = await day_list(ctx, office_id, TUE, include_cancelled=True, page_size=50)
    assert with_cancelled.total == 6


async def test_day_list_pages(ctx, tuesday):
    office_id, _, _ = tuesday
    pages = [await day_list(ctx, office_id, TUE, page=p, page_size=2) for p in range(3)]
    assert [len(p.entries) for p in pages] == [2, 2, 1]
    assert {p.pages for p in pages} == {3}
    codes = [e.code for p in pages for e in p.entries]
    assert len(set(codes)) == 5
    beyond = await day_list(ctx, office_id, TUE, page=7, page_size=2)
    assert beyond.page == 2 and beyond.entries == pages[2].entries
    negative = await day_list(ctx, office_id, TUE, page=-1, page_size=2)
    assert negative.page == 0


async def test_day_list_of_a_closed_and_an_empty_day(ctx, tuesday):
    office_id, _, _ = tuesday
    await close_day(ctx, office_id, TUE, "Libur", actor="t")
    listing = await day_list(ctx, office_id, TUE)
    assert listing.closed_reason == "Libur" and listing.total == 0 and listing.pages == 1
    assert all(not s.is_open and s.booked == 0 for s in listing.sessions)
    empty = await day_list(ctx, office_id, date(2026, 12, 5))  # Saturday
    assert empty.sessions == [] and empty.entries == []
    with pytest.raises(OfficeNotFound):
        await day_list(ctx, 9999, TUE)


async def test_csv_export_parses_back(ctx, tuesday):
    office_id, appts, gone = tuesday
    text = await export_day_csv(ctx, office_id, TUE, actor="t")
    assert text.startswith("\ufeff")
    data = text.encode("utf-8")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == CSV_HEADER
    body = [dict(zip(CSV_HEADER, row, strict=True)) for row in parsed[1:]]
    assert len(body) == 5
    by_code = {r["code"]: r for r in body}
    assert gone.code not in by_code
    assert by_code[appts[0].code]["name"] == "Siti Nurhaliza"
    assert by_code[appts[0].code]["start"] == "08:00" and by_code[appts[0].code]["zone"] == "WIB"
    assert by_code[appts[1].code]["name"] == "'" + NAMES[1]
    assert by_code[appts[2].code]["name"] == NAMES[2]
    assert by_code[appts[3].code]["name"] == NAMES[3]
    assert by_code[appts[4].code]["name"] == "'+628123"
    assert by_code[appts[4].code]["priority"] == "elderly"
    assert by_code[appts[4].code]["session"] == "Siang"
    assert all(r["status"] == "booked" and r["queue_number"] == "" for r in body)
    assert all(r["nik_masked"].count("*") == 10 for r in body)
    every = await export_day_csv(ctx, office_id, TUE, actor="t", include_cancelled=True)
    assert len(list(csv.reader(io.StringIO(every.lstrip("\ufeff"))))) == 7


async def test_csv_export_of_an_empty_day_has_the_header(ctx, tuesday):
    text = await export_day_csv(ctx, tuesday[0], WED, actor="t")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [CSV_HEADER]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+62", "'+62"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Budi", "Budi"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    "phone,masked",
    [
        ("+6281234567890", "+628*******890"),
        ("081234567890", "0812*****890"),
        ("12345678", "*****678"),
        ("123", "123"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


async def test_day_list_masks_the_phone_and_the_csv_has_it_in_full(ctx, tuesday):
    office_id, appts, _ = tuesday
    await set_phone(ctx, 101, "+6281234567890")
    listing = await day_list(ctx, office_id, TUE, page_size=50)
    by_code = {e.code: e for e in listing.entries}
    assert by_code[appts[0].code].phone_masked == "+628*******890"
    assert by_code[appts[1].code].phone is None and by_code[appts[1].code].phone_masked is None
    text = await export_day_csv(ctx, office_id, TUE, actor="telegram:9")
    body = [dict(zip(CSV_HEADER, r, strict=True)) for r in csv.reader(io.StringIO(text[1:]))][1:]
    by_code_csv = {r["code"]: r for r in body}
    # In full, kept as text by a spreadsheet (a leading + would start a formula).
    assert by_code_csv[appts[0].code]["phone"] == "'+6281234567890"
    assert by_code_csv[appts[1].code]["phone"] == ""
    assert {r["date"] for r in body} == {"2026-12-01"}


async def test_csv_export_is_audited(ctx, tuesday):
    office_id, _, _ = tuesday
    ctx.clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    await export_day_csv(ctx, office_id, TUE, actor="telegram:9")
    await export_day_csv(ctx, office_id, WED, actor="cli:ops", include_cancelled=True)
    audit = await rows(ctx, AuditLog, AuditLog.action == "export_day_csv")
    assert [(a.actor, a.office_id, a.at, a.after) for a in audit] == [
        (
            "telegram:9",
            office_id,
            datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
            {"day": "2026-12-01", "rows": 5, "include_cancelled": False},
        ),
        (
            "cli:ops",
            office_id,
            datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
            {"day": "2026-12-02", "rows": 0, "include_cancelled": True},
        ),
    ]


async def test_csv_values_in_the_names_given(ctx, tuesday):
    office_id, appts, _ = tuesday
    names = CsvNames(
        service=lambda s: f"service {s.value}",
        priority=lambda p: f"priority {p.value}",
        status=lambda s: f"=status {s.value}",
    )
    text = await export_day_csv(ctx, office_id, TUE, actor="t", names=names)
    body = [dict(zip(CSV_HEADER, r, strict=True)) for r in csv.reader(io.StringIO(text[1:]))][1:]
    by_code = {r["code"]: r for r in body}
    elderly, plain = by_code[appts[4].code], by_code[appts[0].code]
    assert (elderly["service"], elderly["priority"]) == ("service new", "priority elderly")
    assert plain["priority"] == ""
    assert plain["status"] == "'=status booked"  # names are cells like any other
