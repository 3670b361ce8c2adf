"""Helpers that build test data through the real services."""

from __future__ import annotations

from datetime import date, time

from booking.admin.offices_file import OfficeSpec, QuotaSpec, ReleaseSpec, SessionSpec, load_offices
from booking.calendar.release import release_slots
from booking.core.context import Domain
from booking.core.kinds import OfficeKind
from booking.people.applicants import register_applicant, validate_nik
from booking.people.views import ApplicantView

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def make_nik(born: date, *, female: bool = False, region: str = "317101", serial: int = 1) -> str:
    """A valid NIK string for a birth date (women: day + 40)."""
    day = born.day + 40 if female else born.day
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def two_sessions() -> list[SessionSpec]:
    """A morning and an afternoon session on weekdays: Pagi 08:00-10:00, Siang 13:00-15:00."""
    return [
        SessionSpec(label="Pagi", start=time(8), end=time(10), rule=WEEKDAYS),
        SessionSpec(label="Siang", start=time(13), end=time(15), rule=WEEKDAYS),
    ]


def office_spec(
    code: str = "TEST",
    *,
    timezone: str = "Asia/Jakarta",
    daily: int = 10,
    priority: int = 0,
    window_days: int = 14,
    release_rule: str = "FREQ=DAILY;BYHOUR=0;BYMINUTE=0",
    sessions: list[SessionSpec] | None = None,
    province: str = "DKI Jakarta",
) -> OfficeSpec:
    return OfficeSpec(
        code=code,
        name=f"Kantor Imigrasi {code}",
        kind=OfficeKind.KANIM,
        address="Jl. Contoh No. 1",
        city="Kota Contoh",
        province=province,
        timezone=timezone,
        quota=QuotaSpec(daily=daily, priority=priority),
        release=ReleaseSpec(window_days=window_days, rule=release_rule),
        sessions=sessions
        or [SessionSpec(label="Pagi", start=time(8), end=time(10), rule=WEEKDAYS)],
    )


async def add_office(ctx: Domain, spec: OfficeSpec | None = None, *, release: bool = True) -> int:
    from booking.offices.lookup import get_office_by_code

    spec = spec or office_spec()
    await load_offices(ctx, [spec], actor="test")
    if release:
        await release_slots(ctx, spec.code)
    office = await get_office_by_code(ctx, spec.code)
    assert office.id is not None
    return office.id


async def add_applicant(
    ctx: Domain,
    telegram_id: int,
    *,
    born: date = date(1990, 5, 17),
    female: bool = False,
    serial: int | None = None,
    name: str = "Budi Santoso",
) -> ApplicantView:
    nik = validate_nik(
        ctx, make_nik(born, female=female, serial=serial or telegram_id % 10000 or 1)
    )
    return await register_applicant(ctx, telegram_id=telegram_id, full_name=name, nik=nik)
