"""Applicants: registered by Telegram account, identified by a keyed NIK hash."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import AlreadyBooked, ApplicantNotFound, NikTaken
from booking.core.kinds import ACTIVE_STATUSES
from booking.db.models import Applicant, Appointment, Person
from booking.people.names import check_name
from booking.people.nik import ParsedNik, nik_hash, parse_nik
from booking.people.persons import nik_fields, upsert_person
from booking.people.views import ApplicantView

# A birth date is "in the future" only if it is after today in the easternmost zone (WIT).
_EASTERNMOST = "Asia/Jayapura"


def validate_nik(ctx: Domain, raw: str) -> ParsedNik:
    """Parse a typed NIK; raises ``InvalidNik`` with the reason."""
    return parse_nik(raw, today=local_now(ctx.now(), _EASTERNMOST).date())


async def get_applicant(ctx: Domain, telegram_id: int) -> ApplicantView | None:
    async with ctx.db.reader() as session:
        row = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        return ApplicantView.of(row) if row else None


async def register_applicant(
    ctx: Domain,
    *,
    telegram_id: int,
    full_name: str,
    nik: ParsedNik,
    language: str = "id",
    phone: str | None = None,
) -> ApplicantView:
    """Create or update the applicant of a Telegram account.

    The name must pass ``check_name`` (``InvalidName`` otherwise). A NIK belongs
    to one account (``NikTaken`` otherwise); it cannot change while the account
    holds an active appointment (``AlreadyBooked``). The holder is also saved as
    one of the account's people (``booking.people.members``).
    """
    hashed = nik_hash(nik.digits, ctx.nik_key)
    name = check_name(full_name)

    async def tx(session: AsyncSession) -> ApplicantView:
        now = ctx.now()
        owner = (await session.exec(select(Applicant).where(Applicant.nik_hash == hashed))).first()
        if owner is not None and owner.telegram_id != telegram_id:
            raise NikTaken()
        row = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        if row is None:
            row = Applicant(
                telegram_id=telegram_id,
                full_name=name,
                language=language,
                phone=phone,
                **nik_fields(nik, hashed),
                created_at=now,
                updated_at=now,
            )
        else:
            if row.nik_hash != hashed:
                active = (
                    await session.exec(
                        select(Appointment).where(
                            Appointment.telegram_id == telegram_id,
                            col(Appointment.status).in_(ACTIVE_STATUSES),
                        )
                    )
                ).first()
                if active is not None:
                    assert active.id is not None
                    raise AlreadyBooked(active.id, active.code)
            for field, value in nik_fields(nik, hashed).items():
                setattr(row, field, value)
            row.full_name = name
            row.language = language
            if phone is not None:
                row.phone = phone
            row.updated_at = now
        session.add(row)
        await session.flush()  # a new row gets its id
        assert row.id is not None
        await upsert_person(
            session, applicant_id=row.id, full_name=name, nik=nik, hashed=hashed, now=now
        )
        return ApplicantView.of(row)

    # A concurrent registration of the same NIK or account may win the race: the
    # run again after its IntegrityError finds the winner's row.
    return await ctx.db.transact(tx)


async def _update_applicant(ctx: Domain, telegram_id: int, **fields: object) -> None:
    """Set ``fields`` on the applicant of ``telegram_id``; nothing when there is none."""

    async def tx(session: AsyncSession) -> None:
        row = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        if row is not None:
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = ctx.now()
            session.add(row)

    await ctx.db.transact(tx)


async def rename_holder(ctx: Domain, telegram_id: int, full_name: str) -> str:
    """Correct the account holder's name (``check_name``: ``InvalidName``), on the
    account and on the holder's saved person; their NIK stays. Returns the name as
    saved; ``ApplicantNotFound`` for an unknown account."""
    name = check_name(full_name)

    async def tx(session: AsyncSession) -> str:
        row = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        if row is None:
            raise ApplicantNotFound(telegram_id)
        row.full_name = name
        row.updated_at = ctx.now()
        session.add(row)
        holder = await session.exec(
            select(Person).where(Person.applicant_id == row.id, Person.nik_hash == row.nik_hash)
        )
        for person in holder:
            person.full_name = name
            person.updated_at = row.updated_at
            session.add(person)
        return name

    return await ctx.db.transact(tx)


async def set_language(ctx: Domain, telegram_id: int, language: str) -> None:
    await _update_applicant(ctx, telegram_id, language=language)


async def set_phone(ctx: Domain, telegram_id: int, phone: str) -> None:
    await _update_applicant(ctx, telegram_id, phone=phone)


async def forget_phone(ctx: Domain, telegram_id: int) -> None:
    """Remove the saved phone number: the applicant chose not to give one."""
    await _update_applicant(ctx, telegram_id, phone=None)
