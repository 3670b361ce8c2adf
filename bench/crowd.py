"""A crowd of registered applicants, each with its own valid NIK: what the
benchmarks and the race tests book with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from booking.core.context import Domain
from booking.db.models import Applicant, Person
from booking.people.applicants import validate_nik
from booking.people.members import members_of
from booking.people.nik import mask_nik, nik_hash


def make_nik(telegram_id: int) -> str:
    """A valid NIK (Jakarta Pusat, born from 1960), distinct for every Telegram id
    of a crowd."""
    k = telegram_id // 9999
    born = date(1960 + k // 336 % 40, 1 + k // 28 % 12, 1 + k % 28)
    return f"317101{born.day:02d}{born.month:02d}{born.year % 100:02d}{1 + telegram_id % 9999:04d}"


async def register_crowd(domain: Domain, telegram_ids: Iterable[int]) -> None:
    """Register an applicant for each Telegram id, in one transaction (setting up
    is not what is measured or raced)."""
    now = domain.now()
    async with domain.db.writer() as session:
        for telegram_id in telegram_ids:
            nik = validate_nik(domain, make_nik(telegram_id))
            session.add(
                Applicant(
                    telegram_id=telegram_id,
                    full_name=f"Pemohon {telegram_id}",
                    language="id",
                    nik_hash=nik_hash(nik.digits, domain.nik_key),
                    nik_masked=mask_nik(nik.digits),
                    birth_date=nik.birth_date,
                    sex=nik.sex.value,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.flush()
        await session.exec(holders_of_applicants())
        await session.commit()


def holders_of_applicants() -> Any:
    """INSERT each applicant's own person (the holder of the account), as
    ``register_applicant`` saves it, for applicants inserted in bulk."""
    copied = [
        "full_name",
        "nik_hash",
        "nik_masked",
        "birth_date",
        "sex",
        "created_at",
        "updated_at",
    ]
    return insert(Person).from_select(
        ["applicant_id", *copied],
        select(col(Applicant.id), *(col(getattr(Applicant, name)) for name in copied)),
    )


async def holders_of(domain: Domain, telegram_ids: Iterable[int]) -> dict[int, int]:
    """The person id of each account's holder (what a booking of the holder names)."""
    holders = {}
    for telegram_id in telegram_ids:
        [holder] = [m for m in await members_of(domain, telegram_id) if m.is_holder]
        holders[telegram_id] = holder.id
    return holders
