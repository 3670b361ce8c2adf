"""NIK validation, masking and keyed hashing, and proof that a plain NIK is never
stored in any table nor written to any log record."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from booking.appointments.groups import MemberChoice, book_group, cancel_member
from booking.appointments.service import book, cancel, reschedule
from booking.calendar.availability import sessions_of
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import InvalidNik, NikReason, NikTaken
from booking.core.kinds import PriorityReason, ServiceType
from booking.db.engine import create_database
from booking.db.models import Applicant
from booking.people.applicants import register_applicant, validate_nik
from booking.people.members import members_of, save_member
from booking.people.nik import Sex, age_on, mask_nik, nik_hash, parse_nik
from tests.conftest import TEST_NIK_SECRET
from tests.db_helpers import table_rows
from tests.factories import add_office, make_nik

TODAY = date(2026, 11, 30)
MALE = "3171011705900001"  # Jakarta Pusat, born 17 May 1990
FEMALE = "3171015705900002"  # same birth date, day + 40


def test_valid_male_nik():
    nik = parse_nik(MALE, TODAY)
    assert nik.digits == MALE
    assert nik.birth_date == date(1990, 5, 17)
    assert nik.sex is Sex.MALE


def test_valid_female_nik_has_day_plus_40():
    nik = parse_nik(FEMALE, TODAY)
    assert nik.birth_date == date(1990, 5, 17)
    assert nik.sex is Sex.FEMALE


def test_separators_are_ignored():
    assert parse_nik("3171 0117 0590 0001", TODAY).digits == MALE
    assert parse_nik("3171.0117.0590-0001", TODAY).digits == MALE


def test_two_digit_year_is_this_century_unless_still_ahead():
    assert parse_nik("3171010101200001", TODAY).birth_date == date(2020, 1, 1)
    assert parse_nik("3171010101500001", TODAY).birth_date == date(1950, 1, 1)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("317101170590001", NikReason.LENGTH),  # 15 digits
        ("31710117059000012", NikReason.LENGTH),  # 17 digits
        ("31710117059O0001", NikReason.LENGTH),  # letter O
        ("٣١٧١٠١١٧٠٥٩٠٠٠٠١", NikReason.LENGTH),  # Arabic-Indic digits
        ("", NikReason.LENGTH),
        ("0000000000000000", NikReason.ALL_ZEROS),
        ("9971011705900001", NikReason.REGION),  # no province 99
        ("3100011705900001", NikReason.REGION),  # regency 00
        ("3171001705900001", NikReason.REGION),  # district 00
        ("3171013102900001", NikReason.BIRTH_DATE),  # 31 February
        ("3171017205900001", NikReason.BIRTH_DATE),  # woman, day 72 - 40 = 32
        ("3171010013900001", NikReason.BIRTH_DATE),  # month 13
        ("3171010005900001", NikReason.BIRTH_DATE),  # day 0
        ("3171011512260001", NikReason.FUTURE_BIRTH_DATE),  # 15 December 2026
    ],
)
def test_invalid_nik_names_the_wrong_part(raw, reason):
    with pytest.raises(InvalidNik) as caught:
        parse_nik(raw, TODAY)
    assert caught.value.reason is reason


def test_birth_today_is_valid_and_tomorrow_is_future():
    assert parse_nik("3171013011260001", TODAY).birth_date == TODAY
    with pytest.raises(InvalidNik) as caught:
        parse_nik("3171010112260001", TODAY)
    assert caught.value.reason is NikReason.FUTURE_BIRTH_DATE


def test_masking_hides_the_birth_date_and_serial():
    assert mask_nik(MALE) == "3171**********01"
    nik = parse_nik(MALE, TODAY)
    assert nik.masked == "3171**********01"


def test_parsed_nik_and_errors_never_show_the_digits():
    nik = parse_nik(MALE, TODAY)
    for text in (repr(nik), str(nik), f"{nik}"):
        assert MALE not in text and "1705900001" not in text
        assert "3171**********01" in text
    for bad in ("3171013102900001", "9971011705900001", "3171011512260001"):
        with pytest.raises(InvalidNik) as caught:
            parse_nik(bad, TODAY)
        shown = f"{caught.value} {caught.value!r} {caught.value.args}"
        assert bad not in shown and bad[6:12] not in shown


def test_hash_is_hmac_keyed_by_the_secret():
    one = nik_hash(MALE, b"secret-one")
    two = nik_hash(MALE, b"secret-two")
    assert one != two
    assert len(one) == 64
    assert one == nik_hash(MALE, b"secret-one")
    assert one != hashlib.sha256(MALE.encode()).hexdigest()
    assert nik_hash(FEMALE, b"secret-one") != one


def test_age_on_counts_whole_years():
    born = date(1966, 12, 2)
    assert age_on(born, date(2026, 12, 1)) == 59
    assert age_on(born, date(2026, 12, 2)) == 60


# --- the plain NIK is never stored or logged --------------------------------------------


PLAIN = make_nik(date(1988, 3, 9), region="517102", serial=4242)  # a Denpasar NIK
OTHER = make_nik(date(1991, 7, 23), female=True, region="947101", serial=7777)


def _forbidden(nik: str) -> list[str]:
    # The whole NIK, and the part the mask hides.
    return [nik, nik[4:14]]


CHILD = make_nik(date(2023, 2, 14), female=True, region="517102", serial=4343)


async def _every_cell(url: str) -> list[str]:
    rows = await table_rows(url)
    assert {"applicant", "appointment", "audit_log", "slot", "person", "booking_group"} <= set(rows)
    return [str(value) for table in rows.values() for row in table for value in row]


async def _use_every_nik_path(ctx: Domain, office_id: int) -> None:
    nik = validate_nik(ctx, PLAIN)
    await register_applicant(ctx, telegram_id=501, full_name="Made Wirawan", nik=nik)
    with pytest.raises(NikTaken):
        await register_applicant(ctx, telegram_id=502, full_name="Orang Lain", nik=nik)
    other = validate_nik(ctx, OTHER)
    await register_applicant(ctx, telegram_id=502, full_name="Orang Lain", nik=other)
    with pytest.raises(InvalidNik):
        validate_nik(ctx, PLAIN[:6] + "3102" + PLAIN[10:])  # 31 February
    first, second = (
        await sessions_of(ctx, office_id, date(2026, 12, 2)),
        await sessions_of(ctx, office_id, date(2026, 12, 3)),
    )
    appt = await book(ctx, telegram_id=501, slot_id=first[0].slot_id, service=ServiceType.NEW)
    await reschedule(ctx, telegram_id=501, appointment_id=appt.id, new_slot_id=second[0].slot_id)
    other_appt = await book(
        ctx, telegram_id=502, slot_id=first[0].slot_id, service=ServiceType.RENEWAL
    )
    await cancel(ctx, telegram_id=502, appointment_id=other_appt.id)
    # A family: the holder of 502 and a child saved by its NIK, booked together.
    child = await save_member(ctx, telegram_id=502, full_name="Putu Kecil", nik=CHILD)
    [holder] = [m for m in await members_of(ctx, 502) if m.is_holder]
    group = await book_group(
        ctx,
        telegram_id=502,
        slot_id=second[0].slot_id,
        members=[
            MemberChoice(holder.id, ServiceType.NEW),
            MemberChoice(child.id, ServiceType.NEW, PriorityReason.CHILD),
        ],
    )
    await cancel_member(ctx, telegram_id=502, appointment_id=group.members[1].id)


async def test_plain_nik_is_in_no_table_column(ctx, settings):
    office_id = await add_office(ctx)
    await _use_every_nik_path(ctx, office_id)
    cells = await _every_cell(settings.effective_database_url)
    joined = "\n".join(cells)
    assert "5171**********42" in joined  # the masked form is stored: the dump sees rows
    for nik in (PLAIN, OTHER, CHILD):
        for secret in _forbidden(nik):
            assert secret not in joined
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        # Nor anywhere in the database file or its write-ahead log.
        assert url.database is not None
        raw = b"".join(
            p.read_bytes() for p in Path(url.database).parent.glob(Path(url.database).name + "*")
        )
        assert b"5171**********42" in raw
        for nik in (PLAIN, OTHER, CHILD):
            assert nik.encode() not in raw


async def test_plain_nik_is_in_no_log_record(ctx, settings, caplog):
    caplog.set_level(logging.DEBUG)
    noisy = create_database(settings.effective_database_url, echo=True)
    logged = Domain(db=noisy, clock=ctx.clock, settings=ctx.settings, nik_key=ctx.nik_key)
    try:
        office_id = await add_office(logged)
        await _use_every_nik_path(logged, office_id)
    finally:
        await noisy.dispose()
    texts = []
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    joined = "\n".join(texts)
    # SQL echo was on: the statements and their parameters were logged.
    assert "INSERT INTO applicant" in joined and "5171**********42" in joined
    for nik in (PLAIN, OTHER, CHILD):
        for secret in _forbidden(nik):
            assert secret not in joined


async def test_stored_hash_is_the_hmac_under_nik_secret(ctx):
    nik = validate_nik(ctx, PLAIN)
    view = await register_applicant(ctx, telegram_id=601, full_name="Ketut", nik=nik)
    assert view.nik_masked == "5171**********42"
    assert view.birth_date == date(1988, 3, 9)
    assert view.sex == "M"
    async with ctx.db.reader() as session:
        row = await session.get(Applicant, view.id)
    assert row is not None
    assert row.nik_hash == nik_hash(PLAIN, TEST_NIK_SECRET.encode())
    assert row.nik_hash != nik_hash(PLAIN, b"another-secret")
    assert row.nik_hash != hashlib.sha256(PLAIN.encode()).hexdigest()


def test_future_birth_date_uses_the_easternmost_zone(tmp_path):
    # 23:00 WIB on 30 November is already 1 December in Jayapura: born then is valid.
    clock = FixedClock(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    settings = BookingSettings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    ctx = Domain(db=None, clock=clock, settings=settings, nik_key=b"k")  # type: ignore[arg-type]
    assert validate_nik(ctx, make_nik(date(2026, 12, 1))).birth_date == date(2026, 12, 1)
    with pytest.raises(InvalidNik) as caught:
        validate_nik(ctx, make_nik(date(2026, 12, 2)))
    assert caught.value.reason is NikReason.FUTURE_BIRTH_DATE
