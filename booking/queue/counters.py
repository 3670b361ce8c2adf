"""An office's counters (loket): how many there are (set by its admin), and which
are open, by whom. Opening, closing, calling and serving are for the office's
admins, super-admins and its petugas loket (``booking.admin.roles``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.admin.roles import require_counter_role
from booking.core.context import Domain
from booking.core.errors import CounterNotFound, InvalidCounterCount
from booking.core.kinds import QueueStatus
from booking.db.models import Counter, QueueTicket
from booking.offices.lookup import office_by_id
from booking.queue.tickets import of_the_day, office_today, ticket_views
from booking.queue.views import CounterView

MAX_COUNTERS = 50


async def counters_of(ctx: Domain, office_id: int) -> list[CounterView]:
    """The office's counters by number, each with the ticket called to it now."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        counters = await session.exec(
            select(Counter).where(Counter.office_id == office_id).order_by(col(Counter.number))
        )
        called = await session.exec(
            select(QueueTicket).where(
                *of_the_day(office_id, office_today(office, ctx.now())),
                col(QueueTicket.status) == QueueStatus.CALLED.value,
            )
        )
        current = {v.counter_id: v for v in await ticket_views(session, list(called))}
        return [CounterView.of(c, current.get(c.id)) for c in counters]


async def set_counters(ctx: Domain, office_id: int, count: int, *, actor: str) -> list[CounterView]:
    """Give the office counters 1 to ``count`` (audited): new ones start closed,
    those above ``count`` are removed (the tickets they called keep their names)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNTERS:
        raise InvalidCounterCount(count)

    async def tx(session: AsyncSession) -> list[CounterView]:
        now = ctx.now()
        await office_by_id(session, office_id)
        rows = await session.exec(select(Counter).where(Counter.office_id == office_id))
        have = {c.number for c in rows}
        await session.exec(
            delete(Counter).where(col(Counter.office_id) == office_id, col(Counter.number) > count)
        )
        for number in range(1, count + 1):
            if number not in have:
                session.add(Counter(office_id=office_id, number=number, updated_at=now))
        record(
            session,
            now,
            actor=actor,
            office_id=office_id,
            action="set_counters",
            before={"counters": len(have)},
            after={"counters": count},
        )
        await session.flush()
        counters = await session.exec(
            select(Counter).where(Counter.office_id == office_id).order_by(col(Counter.number))
        )
        return [CounterView.of(c) for c in counters]

    return await ctx.db.transact(tx)


async def counter_at(session: AsyncSession, office_id: int, counter_id: int) -> Counter:
    """The office's counter ``counter_id`` (``CounterNotFound`` for another office's)."""
    counter = await session.get(Counter, counter_id)
    if counter is None or counter.office_id != office_id:
        raise CounterNotFound(counter_id)
    return counter


async def _set_open(
    ctx: Domain,
    office_id: int,
    counter_id: int,
    telegram_id: int,
    admin_ids: Collection[int],
    *,
    is_open: bool,
) -> CounterView:
    await require_counter_role(ctx, telegram_id, office_id, admin_ids)

    async def tx(session: AsyncSession) -> CounterView:
        counter = await counter_at(session, office_id, counter_id)
        counter.is_open = is_open
        counter.staff_telegram_id = telegram_id if is_open else None
        counter.updated_at = ctx.now()
        session.add(counter)
        return CounterView.of(counter)

    return await ctx.db.transact(tx)


async def open_counter(
    ctx: Domain,
    *,
    office_id: int,
    counter_id: int,
    telegram_id: int,
    admin_ids: Collection[int] = (),
) -> CounterView:
    """Open the counter with ``telegram_id`` at it ("Buka loket 3")."""
    return await _set_open(ctx, office_id, counter_id, telegram_id, admin_ids, is_open=True)


async def close_counter(
    ctx: Domain,
    *,
    office_id: int,
    counter_id: int,
    telegram_id: int,
    admin_ids: Collection[int] = (),
) -> CounterView:
    return await _set_open(ctx, office_id, counter_id, telegram_id, admin_ids, is_open=False)
