"""Reading offices and their session rules."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.errors import OfficeNotFound
from booking.db.models import Office, SessionRule


async def office_by_code(session: AsyncSession, code: str) -> Office:
    """The office of ``code``, whatever its case ("jaksel" is JAKSEL)."""
    wanted = func.upper(col(Office.code)) == code.strip().upper()
    office = (await session.exec(select(Office).where(wanted))).first()
    if office is None:
        raise OfficeNotFound(code)
    return office


async def office_by_id(session: AsyncSession, office_id: int) -> Office:
    office = await session.get(Office, office_id)
    if office is None:
        raise OfficeNotFound(office_id)
    return office


async def session_rules(session: AsyncSession, office_id: int) -> list[SessionRule]:
    rows = await session.exec(
        select(SessionRule)
        .where(SessionRule.office_id == office_id)
        .order_by(col(SessionRule.start))
    )
    return list(rows)


async def get_office(ctx: Domain, office_id: int) -> Office:
    async with ctx.db.reader() as session:
        return await office_by_id(session, office_id)


async def get_office_by_code(ctx: Domain, code: str) -> Office:
    async with ctx.db.reader() as session:
        return await office_by_code(session, code)


async def list_offices(ctx: Domain, province: str | None = None) -> list[Office]:
    """Active offices, by province then name."""
    query = select(Office).where(col(Office.active).is_(True))
    if province is not None:
        query = query.where(Office.province == province)
    async with ctx.db.reader() as session:
        rows = await session.exec(query.order_by(Office.province, Office.name))
        return list(rows)


async def list_provinces(ctx: Domain) -> list[str]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Office.province)
            .where(col(Office.active).is_(True))
            .distinct()
            .order_by(Office.province)
        )
        return list(rows)


async def office_sessions(ctx: Domain, office_id: int) -> list[SessionRule]:
    async with ctx.db.reader() as session:
        return await session_rules(session, office_id)
