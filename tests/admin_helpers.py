"""Helpers of the office administration tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import SQLModel, col, select

from booking.appointments.service import book
from booking.appointments.views import AppointmentView
from booking.calendar.availability import sessions_of
from booking.core.context import Domain
from booking.core.kinds import PriorityReason, ServiceType
from booking.db.models import (
    AdminRole,
    Applicant,
    Appointment,
    AuditLog,
    Closure,
    Counter,
    CounterStaff,
    Notification,
    Office,
    Person,
    QueueDay,
    QueueTicket,
    QuotaOverride,
    SessionRule,
    Slot,
)
from tests.factories import add_applicant


async def rename_applicant(ctx: Domain, telegram_id: int, name: str) -> None:
    """Store any name for an applicant, even one ``check_name`` refuses ("Pemohon 101",
    "=1+2"): rows written before the rule hold such names, and staff screens and
    files must still show them safely. The holder's person row (what staff screens
    show for each appointment) gets the name too, as ``register_applicant`` does."""
    async with ctx.db.writer() as session:
        query = select(Applicant).where(Applicant.telegram_id == telegram_id)
        row = (await session.exec(query)).one()
        row.full_name = name
        session.add(row)
        holder = select(Person).where(
            Person.applicant_id == row.id, Person.nik_hash == row.nik_hash
        )
        person = (await session.exec(holder)).one()
        person.full_name = name
        session.add(person)
        await session.commit()


_TABLES: list[type[SQLModel]] = [
    Office,
    SessionRule,
    Slot,
    QuotaOverride,
    Closure,
    Appointment,
    Notification,
    AuditLog,
    AdminRole,
    CounterStaff,
    Counter,
    QueueDay,
    QueueTicket,
]


async def snapshot(ctx: Domain) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the admin services change, to prove nothing changed."""
    out = {}
    async with ctx.db.reader() as session:
        for table in _TABLES:
            rows = await session.exec(select(table).order_by(col(table.id)))  # type: ignore[attr-defined]
            out[table.__name__] = [r.model_dump(warnings=False) for r in rows]
    return out


async def slot_ids(ctx: Domain, office_id: int, day: date) -> list[int]:
    return [s.slot_id for s in await sessions_of(ctx, office_id, day)]


async def book_on(
    ctx: Domain,
    office_id: int,
    day: date,
    telegram_ids: list[int],
    *,
    session_index: int = 0,
    priority: PriorityReason | None = None,
    names: list[str] | None = None,
    born: date = date(1990, 5, 17),
) -> list[AppointmentView]:
    """Register an applicant per Telegram id and book each into one session of ``day``."""
    slot_id = (await slot_ids(ctx, office_id, day))[session_index]
    views = []
    for i, tg in enumerate(telegram_ids):
        await add_applicant(ctx, tg, born=born)
        await rename_applicant(ctx, tg, names[i] if names else f"Pemohon {tg}")
        views.append(
            await book(
                ctx,
                telegram_id=tg,
                slot_id=slot_id,
                service=ServiceType.NEW,
                priority=priority,
            )
        )
    return views


async def rows(ctx: Domain, table: type[SQLModel], *where: Any) -> list[Any]:
    async with ctx.db.reader() as session:
        return list(await session.exec(select(table).where(*where)))


async def slot_row(ctx: Domain, slot_id: int) -> Slot:
    async with ctx.db.reader() as session:
        slot = await session.get(Slot, slot_id)
        assert slot is not None
        return slot


async def counters_match(ctx: Domain) -> bool:
    """Every slot counter equals its appointments that are not cancelled, per pool."""
    async with ctx.db.reader() as session:
        slots = list(await session.exec(select(Slot)))
        appts = list(await session.exec(select(Appointment)))
    for slot in slots:
        live = [a for a in appts if a.slot_id == slot.id and a.status != "cancelled"]
        if slot.booked != sum(1 for a in live if a.pool == "regular"):
            return False
        if slot.priority_booked != sum(1 for a in live if a.pool == "priority"):
            return False
    return True
