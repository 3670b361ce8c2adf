"""The people an account books for, as rows: saving one (the holder or a family
member) is an upsert by the account and the NIK's keyed hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.db.models import Person
from booking.people.nik import ParsedNik, mask_nik


def nik_fields(nik: ParsedNik, hashed: str) -> dict[str, Any]:
    """What a row keeps of a NIK: its keyed hash, masked form, birth date and sex."""
    return {
        "nik_hash": hashed,
        "nik_masked": mask_nik(nik.digits),
        "birth_date": nik.birth_date,
        "sex": nik.sex.value,
    }


async def upsert_person(
    session: AsyncSession,
    *,
    applicant_id: int,
    full_name: str,
    nik: ParsedNik,
    hashed: str,
    now: datetime,
) -> Person:
    """The account's person with this NIK, created or renamed, in the caller's
    transaction (``full_name`` already checked)."""
    row = (
        await session.exec(
            select(Person).where(Person.applicant_id == applicant_id, Person.nik_hash == hashed)
        )
    ).first()
    if row is None:
        row = Person(
            applicant_id=applicant_id,
            full_name=full_name,
            **nik_fields(nik, hashed),
            created_at=now,
            updated_at=now,
        )
    elif row.full_name != full_name:
        row.full_name = full_name
        row.updated_at = now
    session.add(row)
    await session.flush()  # a new row gets its id
    return row
