"""Calling at the counters: the next number, recalls, served and missed, re-queueing.

``call_next`` picks the first waiting ticket in calling order
(``booking.queue.tickets``) and marks it called by the counter in one statement:
an UPDATE whose ticket comes from a subquery that is ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (a second counter calling at the same moment takes the next ticket
instead of waiting) and runs in the write transaction on SQLite (``BEGIN
IMMEDIATE``: one caller at a time). The ``status = 'waiting'`` condition makes
sure a ticket is called once. "Call next" also ends the counter's current ticket
as served.

The called applicant gets a ``queue_called`` outbox row in the same transaction,
and everyone within ``heads_up_at`` places of the front a ``queue_heads_up`` row,
once per ticket (its dedupe key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.checkin import touch_queue_day
from booking.admin.roles import require_counter_role
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyRequeued,
    CallsLeft,
    CounterNotOpen,
    MaxCallsReached,
    QueueTicketNotFound,
    TicketNotCalled,
    TicketNotMissed,
)
from booking.core.kinds import QueueStatus
from booking.db.models import Applicant, Counter, Office, QueueTicket
from booking.notify.outbox import enqueue
from booking.offices.lookup import office_by_id
from booking.queue.counters import counter_at
from booking.queue.tickets import calling_order, of_the_day, office_today, ticket_views, waiting_ids
from booking.queue.views import TicketView, counter_name, number_label

# A staff change of one ticket: (session, office, the locked ticket, now).
TicketChange = Callable[[AsyncSession, Office, QueueTicket, datetime], Awaitable[None]]

CALLED_TEMPLATE = "queue_called"
HEADS_UP_TEMPLATE = "queue_heads_up"


async def _language(session: AsyncSession, telegram_id: int) -> str:
    language = (
        await session.exec(select(Applicant.language).where(Applicant.telegram_id == telegram_id))
    ).first()
    return language or "id"


async def _notify(
    session: AsyncSession,
    office: Office,
    ticket: QueueTicket,
    *,
    template: str,
    dedupe: str,
    args: dict[str, object],
    now: datetime,
) -> None:
    if ticket.telegram_id is None:
        return
    await enqueue(
        session,
        recipient=ticket.telegram_id,
        kind=template,
        template=template,
        args={
            **args,
            "number": number_label(ticket.number),
            "office": office.name,
            "office_code": office.code,
            "office_name": office.name,
        },
        language=await _language(session, ticket.telegram_id),
        dedupe_key=f"queue_ticket:{ticket.id}:{dedupe}",
        due_at=now,
        now=now,
        appointment_id=ticket.appointment_id,
        office_id=office.id,
    )


async def _notify_called(
    session: AsyncSession, office: Office, ticket: QueueTicket, now: datetime
) -> None:
    assert ticket.counter_number is not None
    await _notify(
        session,
        office,
        ticket,
        template=CALLED_TEMPLATE,
        dedupe=f"called:{int(ticket.requeued)}:{ticket.call_count}",
        args={
            "counter": counter_name(ticket.counter_number),
            "counter_number": ticket.counter_number,
        },
        now=now,
    )


async def send_heads_up(
    ctx: Domain, session: AsyncSession, office: Office, day: date, now: datetime
) -> None:
    """A ``queue_heads_up`` row to each of the first ``heads_up_at`` waiting (once each)."""
    assert office.id is not None
    front = (await waiting_ids(session, office.id, day))[: ctx.settings.heads_up_at]
    for ahead, ticket_id in enumerate(front):
        ticket = await session.get(QueueTicket, ticket_id)
        assert ticket is not None
        await _notify(
            session,
            office,
            ticket,
            template=HEADS_UP_TEMPLATE,
            dedupe="heads_up",
            args={"ahead": ahead},
            now=now,
        )


async def _open_counter(session: AsyncSession, office_id: int, counter_id: int) -> Counter:
    counter = await counter_at(session, office_id, counter_id)
    if not counter.is_open:
        raise CounterNotOpen(counter_id)
    return counter


async def call_next(
    ctx: Domain,
    *,
    office_id: int,
    counter_id: int,
    telegram_id: int,
    admin_ids: Collection[int] = (),
) -> TicketView | None:
    """Call the next waiting ticket to the (open) counter; None when nobody waits.
    The counter's current ticket, if any, is served first (see the module doc)."""
    await require_counter_role(ctx, telegram_id, office_id, admin_ids)

    async def tx(session: AsyncSession) -> TicketView | None:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        counter = await _open_counter(session, office_id, counter_id)
        day = office_today(office, now)
        await session.exec(
            update(QueueTicket)
            .where(
                *of_the_day(office_id, day),
                col(QueueTicket.counter_id) == counter_id,
                col(QueueTicket.status) == QueueStatus.CALLED.value,
            )
            .values(status=QueueStatus.SERVED.value, served_at=now)
        )
        first = (
            select(QueueTicket.id)
            .where(
                *of_the_day(office_id, day), col(QueueTicket.status) == QueueStatus.WAITING.value
            )
            .order_by(*calling_order())
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        called = await session.exec(
            update(QueueTicket)
            .where(
                col(QueueTicket.id) == first, col(QueueTicket.status) == QueueStatus.WAITING.value
            )
            .values(
                status=QueueStatus.CALLED.value,
                counter_id=counter_id,
                counter_number=counter.number,
                call_count=1,
                called_at=now,
                first_called_at=func.coalesce(col(QueueTicket.first_called_at), now),
            )
            .returning(col(QueueTicket.id))
        )
        ticket_id = called.scalar_one_or_none()
        await touch_queue_day(session, office_id, day)
        if ticket_id is None:
            return None
        ticket = await session.get(QueueTicket, ticket_id, populate_existing=True)
        assert ticket is not None
        await _notify_called(session, office, ticket, now)
        await send_heads_up(ctx, session, office, day, now)
        return (await ticket_views(session, [ticket]))[0]

    return await ctx.db.transact(tx)


async def _office_of_ticket(ctx: Domain, ticket_id: int) -> int:
    async with ctx.db.reader() as session:
        ticket = await session.get(QueueTicket, ticket_id)
        if ticket is None:
            raise QueueTicketNotFound(ticket_id)
        return ticket.office_id


async def _locked_ticket(session: AsyncSession, ticket_id: int) -> QueueTicket:
    ticket = (
        await session.exec(select(QueueTicket).where(QueueTicket.id == ticket_id).with_for_update())
    ).first()
    if ticket is None:
        raise QueueTicketNotFound(ticket_id)
    await session.refresh(ticket)
    return ticket


def _require_called(ticket: QueueTicket) -> None:
    if ticket.status != QueueStatus.CALLED:
        raise TicketNotCalled(ticket.number, ticket.status)


async def _staff_change(
    ctx: Domain, ticket_id: int, telegram_id: int, admin_ids: Collection[int], change: TicketChange
) -> TicketView:
    """Run ``change(session, office, ticket, now)`` on the locked ticket, for staff
    of its office, and return the ticket as it is then."""
    office_id = await _office_of_ticket(ctx, ticket_id)
    await require_counter_role(ctx, telegram_id, office_id, admin_ids)

    async def tx(session: AsyncSession) -> TicketView:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        ticket = await _locked_ticket(session, ticket_id)
        await change(session, office, ticket, now)
        session.add(ticket)
        await touch_queue_day(session, office_id, ticket.day)
        await session.flush()
        return (await ticket_views(session, [ticket]))[0]

    return await ctx.db.transact(tx)


async def recall(
    ctx: Domain,
    *,
    ticket_id: int,
    counter_id: int,
    telegram_id: int,
    admin_ids: Collection[int] = (),
) -> TicketView:
    """Call a called ticket again (call count + 1; the applicant is told again),
    to ``counter_id``. ``MaxCallsReached`` after ``max_calls`` calls."""

    async def change(
        session: AsyncSession, office: Office, ticket: QueueTicket, now: datetime
    ) -> None:
        assert office.id is not None
        _require_called(ticket)
        if ticket.call_count >= ctx.settings.max_calls:
            raise MaxCallsReached(ticket.number, ctx.settings.max_calls)
        counter = await _open_counter(session, office.id, counter_id)
        ticket.call_count += 1
        ticket.called_at = now
        ticket.counter_id = counter_id
        ticket.counter_number = counter.number
        await _notify_called(session, office, ticket, now)

    return await _staff_change(ctx, ticket_id, telegram_id, admin_ids, change)


async def mark_served(
    ctx: Domain,
    *,
    ticket_id: int,
    telegram_id: int,
    counter_id: int | None = None,
    admin_ids: Collection[int] = (),
) -> TicketView:
    """The called ticket is done ("Selesai"). ``counter_id`` is not needed."""

    async def change(
        session: AsyncSession, office: Office, ticket: QueueTicket, now: datetime
    ) -> None:
        _require_called(ticket)
        ticket.status = QueueStatus.SERVED
        ticket.served_at = now

    return await _staff_change(ctx, ticket_id, telegram_id, admin_ids, change)


async def mark_missed(
    ctx: Domain,
    *,
    ticket_id: int,
    telegram_id: int,
    counter_id: int | None = None,
    admin_ids: Collection[int] = (),
) -> TicketView:
    """The called person did not come ("Tidak hadir"): only after ``max_calls``
    calls (``CallsLeft`` before)."""

    async def change(
        session: AsyncSession, office: Office, ticket: QueueTicket, now: datetime
    ) -> None:
        _require_called(ticket)
        if ticket.call_count < ctx.settings.max_calls:
            raise CallsLeft(ticket.number, ticket.call_count, ctx.settings.max_calls)
        ticket.status = QueueStatus.MISSED
        ticket.missed_at = now

    return await _staff_change(ctx, ticket_id, telegram_id, admin_ids, change)


def requeue_once(ticket: QueueTicket, now: datetime) -> None:
    """Put a missed ticket back at the end of the waiting queue, with its number:
    once (``AlreadyRequeued`` the second time; ``TicketNotMissed`` if not missed)."""
    if ticket.status != QueueStatus.MISSED:
        raise TicketNotMissed(ticket.number, ticket.status)
    if ticket.requeued:
        raise AlreadyRequeued(ticket.number)
    ticket.status = QueueStatus.WAITING
    ticket.requeued = True
    ticket.queued_at = now
    ticket.call_count = 0
    ticket.counter_id = None
    ticket.counter_number = None
    ticket.missed_at = None


async def requeue_ticket(
    ctx: Domain, *, ticket_id: int, telegram_id: int, admin_ids: Collection[int] = ()
) -> TicketView:
    """Staff put a missed person who came back into the queue again (once)."""

    async def change(
        session: AsyncSession, office: Office, ticket: QueueTicket, now: datetime
    ) -> None:
        requeue_once(ticket, now)

    return await _staff_change(ctx, ticket_id, telegram_id, admin_ids, change)
