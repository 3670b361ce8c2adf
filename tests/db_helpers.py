"""Test helpers that look at the database directly, under the services."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from booking.core.context import Domain
from booking.core.kinds import ACTIVE_STATUSES, AppointmentStatus, QuotaPool
from booking.db.engine import create_database
from booking.db.models import Appointment, BookingGroup, Slot
from tests.conftest import reset_postgres


async def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic's own included), sorted, by table name."""
    db = create_database(url)
    dump: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with db.engine.connect() as conn:
            meta = MetaData()
            await conn.run_sync(meta.reflect)
            for table in meta.sorted_tables:
                rows = [tuple(r) for r in await conn.execute(sa_select(table))]
                dump[table.name] = sorted(rows, key=repr)
    finally:
        await db.dispose()
    return dump


async def fresh_database(backend: str, template: Path, directory: Path, name: str) -> str:
    """An empty migrated database: a copy of the SQLite template, or PostgreSQL truncated."""
    if backend == "sqlite":
        path = directory / f"{name}.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    from tests.conftest import need_postgres

    url = need_postgres()
    await reset_postgres(url)
    return url


async def slot_problems(ctx: Domain) -> list[str]:
    """Every slot whose counters break a quota invariant, and every active
    appointment outside its booking group's session (a split group), described;
    empty when sound."""
    problems = []
    async with ctx.db.reader() as session:
        split = await session.exec(
            select(Appointment.id, Appointment.group_id)
            .join(BookingGroup, col(BookingGroup.id) == Appointment.group_id)
            .where(
                col(Appointment.status).in_(ACTIVE_STATUSES),
                col(Appointment.slot_id) != col(BookingGroup.slot_id),
            )
        )
        problems += [f"appointment {a} is outside its group {g}'s session" for a, g in split]
        slots = list(await session.exec(select(Slot)))
        counts: dict[tuple[int, str], int] = {}
        rows = await session.exec(
            select(Appointment.slot_id, Appointment.pool, func.count())
            .where(col(Appointment.status) != AppointmentStatus.CANCELLED)
            .group_by(Appointment.slot_id, Appointment.pool)
        )
        for slot_id, pool, n in rows:
            counts[(slot_id, pool)] = n
    for slot in slots:
        regular = counts.get((slot.id, QuotaPool.REGULAR.value), 0)
        priority = counts.get((slot.id, QuotaPool.PRIORITY.value), 0)
        if not 0 <= slot.booked <= slot.capacity:
            problems.append(f"slot {slot.id}: booked {slot.booked} of {slot.capacity}")
        if not 0 <= slot.priority_booked <= slot.priority_capacity:
            problems.append(
                f"slot {slot.id}: priority {slot.priority_booked} of {slot.priority_capacity}"
            )
        if slot.booked != regular:
            problems.append(f"slot {slot.id}: booked {slot.booked} but {regular} appointments")
        if slot.priority_booked != priority:
            problems.append(
                f"slot {slot.id}: priority_booked {slot.priority_booked}"
                f" but {priority} priority appointments"
            )
    return problems
