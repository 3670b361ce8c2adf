"""Admin roles: super-admins manage every office, office admins their own offices.

Authorization is decided by the numeric Telegram user id only. Super-admins come
from the ``ADMIN_IDS`` setting (passed in as ``settings_admin_ids``) or from an
``AdminRole`` row without an office.

Counter staff (petugas loket, ``CounterStaff`` rows) of an office may open its
counters, call and serve there (``require_counter_role``), and nothing else: they
are not admins (``is_admin`` and ``require_office_admin`` refuse them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.input import parse_telegram_id
from booking.core.context import Domain
from booking.core.errors import (
    AdminRoleNotFound,
    CounterStaffNotFound,
    NotAuthorized,
    OfficeNotFound,
)
from booking.core.kinds import StaffRole
from booking.db.models import AdminRole, CounterStaff, Office
from booking.offices.lookup import office_by_code
from booking.offices.views import OfficeView


@dataclass(frozen=True)
class AdminRoleView:
    telegram_id: int
    office_id: int | None  # None: super-admin
    office_code: str | None
    created_at: datetime
    created_by: str

    @property
    def is_super(self) -> bool:
        return self.office_id is None


async def _role(session: AsyncSession, telegram_id: int, office_id: int | None) -> AdminRole | None:
    query = select(AdminRole).where(AdminRole.telegram_id == telegram_id)
    if office_id is None:
        query = query.where(col(AdminRole.office_id).is_(None))
    else:
        query = query.where(AdminRole.office_id == office_id)
    return (await session.exec(query)).first()


def _view(role: AdminRole, office: Office | None) -> AdminRoleView:
    return AdminRoleView(
        telegram_id=role.telegram_id,
        office_id=role.office_id,
        office_code=office.code if office else None,
        created_at=role.created_at,
        created_by=role.created_by,
    )


async def add_admin(
    ctx: Domain, telegram_id: int | str, office_code: str | None = None, *, actor: str
) -> AdminRoleView:
    """Appoint an admin of ``office_code``, or a super-admin when it is None.

    Appointing someone who already has the role returns the existing role.
    """
    user = parse_telegram_id(telegram_id)

    async def tx(session: AsyncSession) -> AdminRoleView:
        office = await office_by_code(session, office_code) if office_code else None
        office_id = office.id if office else None
        existing = await _role(session, user, office_id)
        if existing is not None:
            return _view(existing, office)
        role = AdminRole(
            telegram_id=user, office_id=office_id, created_at=ctx.now(), created_by=actor
        )
        session.add(role)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office_id,
            action="add_admin",
            after={"telegram_id": user, "office": office_code, "super": office is None},
        )
        return _view(role, office)

    # The same role added concurrently: the run again after its IntegrityError finds it.
    return await ctx.db.transact(tx)


async def remove_admin(
    ctx: Domain, telegram_id: int | str, office_code: str | None = None, *, actor: str
) -> None:
    """Remove the role of ``office_code`` (the super-admin role when None).

    Super-admins from ``ADMIN_IDS`` stay super-admins: only the setting removes them.
    """
    user = parse_telegram_id(telegram_id)

    async def tx(session: AsyncSession) -> None:
        office = await office_by_code(session, office_code) if office_code else None
        office_id = office.id if office else None
        role = await _role(session, user, office_id)
        if role is None:
            raise AdminRoleNotFound(user, office_code)
        await session.exec(delete(AdminRole).where(col(AdminRole.id) == role.id))
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office_id,
            action="remove_admin",
            before={"telegram_id": user, "office": office_code, "super": office is None},
        )

    await ctx.db.transact(tx)


async def list_admins(ctx: Domain, office_id: int | None = None) -> list[AdminRoleView]:
    """The roles of one office (``office_id``), or every role when None."""
    async with ctx.db.reader() as session:
        query = select(AdminRole, Office).join(
            Office, col(Office.id) == AdminRole.office_id, isouter=True
        )
        if office_id is not None:
            query = query.where(AdminRole.office_id == office_id)
        rows = await session.exec(
            query.order_by(col(AdminRole.office_id), col(AdminRole.telegram_id))
        )
        return [_view(role, office) for role, office in rows]


async def is_super(ctx: Domain, telegram_id: int, settings_admin_ids: Collection[int] = ()) -> bool:
    if telegram_id in settings_admin_ids:
        return True
    async with ctx.db.reader() as session:
        return await _role(session, telegram_id, None) is not None


async def is_admin(ctx: Domain, telegram_id: int, settings_admin_ids: Collection[int] = ()) -> bool:
    """True for a super-admin or an admin of at least one office."""
    if telegram_id in settings_admin_ids:
        return True
    async with ctx.db.reader() as session:
        role = (
            await session.exec(select(AdminRole).where(AdminRole.telegram_id == telegram_id))
        ).first()
        return role is not None


async def offices_of_admin(
    ctx: Domain, telegram_id: int, settings_admin_ids: Collection[int] = ()
) -> list[Office]:
    """The offices this user administers, by name; every active office for a super-admin."""
    if await is_super(ctx, telegram_id, settings_admin_ids):
        query = select(Office).where(col(Office.active).is_(True))
    else:
        query = (
            select(Office)
            .join(AdminRole, col(AdminRole.office_id) == Office.id)
            .where(AdminRole.telegram_id == telegram_id)
        )
    async with ctx.db.reader() as session:
        return list(await session.exec(query.order_by(Office.name)))


async def require_office_admin(
    ctx: Domain, telegram_id: int, office_id: int, settings_admin_ids: Collection[int] = ()
) -> Office:
    """The office, if ``telegram_id`` may administer it; ``NotAuthorized`` otherwise.

    A non-super user asking for an office that does not exist is told only that
    they are not authorized, so office ids cannot be probed.
    """
    superuser = await is_super(ctx, telegram_id, settings_admin_ids)
    async with ctx.db.reader() as session:
        office = await session.get(Office, office_id)
        if superuser:
            if office is None:
                raise OfficeNotFound(office_id)
            return office
        if office is None or await _role(session, telegram_id, office_id) is None:
            raise NotAuthorized(telegram_id, office_id)
        return office


# --- counter staff (petugas loket) -------------------------------------------------


@dataclass(frozen=True)
class CounterStaffView:
    telegram_id: int
    office_id: int
    office_code: str
    created_at: datetime
    created_by: str


async def _counter_staff(
    session: AsyncSession, telegram_id: int, office_id: int
) -> CounterStaff | None:
    query = select(CounterStaff).where(
        CounterStaff.telegram_id == telegram_id, CounterStaff.office_id == office_id
    )
    return (await session.exec(query)).first()


def _staff_view(row: CounterStaff, office: Office) -> CounterStaffView:
    return CounterStaffView(
        row.telegram_id, row.office_id, office.code, row.created_at, row.created_by
    )


async def grant_counter_staff(
    ctx: Domain, telegram_id: int | str, office_code: str, *, actor: str
) -> CounterStaffView:
    """Make ``telegram_id`` a petugas loket of ``office_code`` (audited). Granting
    the role again returns the existing one."""
    user = parse_telegram_id(telegram_id)

    async def tx(session: AsyncSession) -> CounterStaffView:
        office = await office_by_code(session, office_code)
        assert office.id is not None
        existing = await _counter_staff(session, user, office.id)
        if existing is not None:
            return _staff_view(existing, office)
        row = CounterStaff(
            telegram_id=user, office_id=office.id, created_at=ctx.now(), created_by=actor
        )
        session.add(row)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="grant_counter_staff",
            after={"telegram_id": user, "office": office.code},
        )
        return _staff_view(row, office)

    # Granted concurrently: the run again after its IntegrityError finds the row.
    return await ctx.db.transact(tx)


async def revoke_counter_staff(
    ctx: Domain, telegram_id: int | str, office_code: str, *, actor: str
) -> None:
    """Take the petugas loket role of ``office_code`` away (audited);
    ``CounterStaffNotFound`` if they do not have it."""
    user = parse_telegram_id(telegram_id)

    async def tx(session: AsyncSession) -> None:
        office = await office_by_code(session, office_code)
        assert office.id is not None
        row = await _counter_staff(session, user, office.id)
        if row is None:
            raise CounterStaffNotFound(user, office.code)
        await session.exec(delete(CounterStaff).where(col(CounterStaff.id) == row.id))
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office.id,
            action="revoke_counter_staff",
            before={"telegram_id": user, "office": office.code},
        )

    await ctx.db.transact(tx)


async def list_counter_staff(ctx: Domain, office_id: int) -> list[int]:
    """The Telegram ids of the office's petugas loket, in order."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(CounterStaff.telegram_id)
            .where(CounterStaff.office_id == office_id)
            .order_by(col(CounterStaff.telegram_id))
        )
        return list(rows)


async def counter_offices(
    ctx: Domain, telegram_id: int, settings_admin_ids: Collection[int] = ()
) -> list[OfficeView]:
    """The offices where the user may call and serve, by name: those they are
    petugas loket or admin of; every active office for a super-admin."""
    if await is_super(ctx, telegram_id, settings_admin_ids):
        query = select(Office).where(col(Office.active).is_(True))
    else:
        staff = select(CounterStaff.office_id).where(CounterStaff.telegram_id == telegram_id)
        admin = select(AdminRole.office_id).where(AdminRole.telegram_id == telegram_id)
        query = select(Office).where(or_(col(Office.id).in_(staff), col(Office.id).in_(admin)))
    async with ctx.db.reader() as session:
        return [OfficeView.of(o) for o in await session.exec(query.order_by(Office.name))]


async def role_of(
    ctx: Domain, telegram_id: int, office_id: int, settings_admin_ids: Collection[int] = ()
) -> StaffRole | None:
    """What ``telegram_id`` is at ``office_id``: the highest of super-admin, office
    admin and counter staff, or None."""
    if await is_super(ctx, telegram_id, settings_admin_ids):
        return StaffRole.SUPER_ADMIN
    async with ctx.db.reader() as session:
        if await _role(session, telegram_id, office_id) is not None:
            return StaffRole.OFFICE_ADMIN
        if await _counter_staff(session, telegram_id, office_id) is not None:
            return StaffRole.COUNTER_STAFF
    return None


async def require_counter_role(
    ctx: Domain, telegram_id: int, office_id: int, settings_admin_ids: Collection[int] = ()
) -> StaffRole:
    """The user's role at the office if they may call and serve there (an admin of
    it, a super-admin or its counter staff); ``NotAuthorized`` otherwise."""
    role = await role_of(ctx, telegram_id, office_id, settings_admin_ids)
    if role is None:
        raise NotAuthorized(telegram_id, office_id)
    return role
