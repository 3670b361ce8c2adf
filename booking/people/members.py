"""The people an account books for: the holder and saved family members.

The chat saves a member as soon as their name and NIK are typed and keeps only
the member's id: the plain NIK never waits in FSM storage. A NIK may be saved by
several accounts (both parents may book for a child); what holds a NIK to one
active appointment is the appointment table's index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.errors import ApplicantNotFound
from booking.db.models import Applicant, Appointment, Person
from booking.people.applicants import validate_nik
from booking.people.names import check_name
from booking.people.nik import ParsedNik, nik_hash
from booking.people.persons import upsert_person


@dataclass(frozen=True)
class MemberView:
    id: int
    full_name: str
    nik_masked: str
    birth_date: date
    sex: str
    is_holder: bool  # the account's own person (the applicant's NIK)

    @classmethod
    def of(cls, person: Person, applicant: Applicant) -> MemberView:
        assert person.id is not None
        return cls(
            id=person.id,
            full_name=person.full_name,
            nik_masked=person.nik_masked,
            birth_date=person.birth_date,
            sex=person.sex,
            is_holder=person.nik_hash == applicant.nik_hash,
        )


async def _account(session: AsyncSession, telegram_id: int) -> Applicant:
    applicant = (
        await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
    ).first()
    if applicant is None:
        raise ApplicantNotFound(telegram_id)
    return applicant


async def save_member(
    ctx: Domain, *, telegram_id: int, full_name: str, nik: str | ParsedNik
) -> MemberView:
    """Save a person of the account (``register_applicant`` first, else
    ``ApplicantNotFound``): the name must pass ``check_name`` (``InvalidName``),
    the NIK ``validate_nik`` (``InvalidNik``). The same NIK again renames that
    person and keeps their id."""
    name = check_name(full_name)
    parsed = nik if isinstance(nik, ParsedNik) else validate_nik(ctx, nik)
    hashed = nik_hash(parsed.digits, ctx.nik_key)

    async def tx(session: AsyncSession) -> MemberView:
        applicant = await _account(session, telegram_id)
        assert applicant.id is not None
        person = await upsert_person(
            session,
            applicant_id=applicant.id,
            full_name=name,
            nik=parsed,
            hashed=hashed,
            now=ctx.now(),
        )
        return MemberView.of(person, applicant)

    # A concurrent save of the same NIK may win the race: the run again finds its row.
    return await ctx.db.transact(tx)


async def members_of(ctx: Domain, telegram_id: int) -> list[MemberView]:
    """The account's saved people: the holder first, then the most recently
    booked, then the most recently saved. Empty for an unknown account."""
    async with ctx.db.reader() as session:
        applicant = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        if applicant is None:
            return []
        last_booked = (
            select(Appointment.person_id, func.max(Appointment.created_at).label("at"))
            .group_by(col(Appointment.person_id))
            .subquery()
        )
        rows = await session.exec(
            select(Person)
            .outerjoin(last_booked, last_booked.c.person_id == Person.id)
            .where(Person.applicant_id == applicant.id)
            .order_by(
                (col(Person.nik_hash) != applicant.nik_hash),
                last_booked.c.at.desc().nulls_last(),
                col(Person.created_at).desc(),
                col(Person.id).desc(),
            )
        )
        return [MemberView.of(person, applicant) for person in rows]
