"""Reading the day's queue: the calling order, the tickets of an account and where
they stand (``queue_state``).

The calling order: re-queued tickets (missed, then back) last; then priority
tickets (appointments and walk-ins) by arrival; then the checked-in appointments
in session order, by arrival within a session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, null
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.kinds import QueueStatus
from booking.db.models import Appointment, Office, QueueTicket
from booking.offices.lookup import office_by_id
from booking.queue.views import TicketState, TicketView, number_label
from booking.queue.waits import average_service, estimated_wait, open_counters


def office_today(office: Office, now: datetime) -> date:
    return local_now(now, office.timezone).date()


def calling_order() -> tuple[Any, ...]:
    """ORDER BY of waiting tickets: the first is called next."""
    return (
        col(QueueTicket.requeued).asc(),
        col(QueueTicket.priority).desc(),
        case((col(QueueTicket.priority), null()), else_=col(QueueTicket.session_start)).asc(),
        col(QueueTicket.queued_at).asc(),
        col(QueueTicket.id).asc(),
    )


def of_the_day(office_id: int, day: date) -> tuple[Any, ...]:
    return (col(QueueTicket.office_id) == office_id, col(QueueTicket.day) == day)


async def waiting_ids(session: AsyncSession, office_id: int, day: date) -> list[int]:
    """The ids of the day's waiting tickets in calling order."""
    rows = await session.exec(
        select(QueueTicket.id)
        .where(*of_the_day(office_id, day), col(QueueTicket.status) == QueueStatus.WAITING.value)
        .order_by(*calling_order())
    )
    return [i for i in rows if i is not None]


async def latest_called(session: AsyncSession, office_id: int, day: date) -> QueueTicket | None:
    return (
        await session.exec(
            select(QueueTicket)
            .where(*of_the_day(office_id, day), col(QueueTicket.called_at).is_not(None))
            .order_by(col(QueueTicket.called_at).desc(), col(QueueTicket.id).desc())
            .limit(1)
        )
    ).first()


async def ticket_views(session: AsyncSession, tickets: Sequence[QueueTicket]) -> list[TicketView]:
    """Views of ``tickets``, with their appointments' codes."""
    ids = [t.appointment_id for t in tickets if t.appointment_id is not None]
    codes: dict[int, str] = {}
    if ids:
        rows = await session.exec(
            select(Appointment.id, Appointment.code).where(col(Appointment.id).in_(ids))
        )
        codes = {i: c for i, c in rows if i is not None}
    return [
        TicketView.of(t, codes.get(t.appointment_id) if t.appointment_id else None) for t in tickets
    ]


async def states_of(
    ctx: Domain, session: AsyncSession, office: Office, tickets: Sequence[QueueTicket]
) -> list[TicketState]:
    """Where each of ``tickets`` (all of one day at ``office``) stands now."""
    if not tickets:
        return []
    assert office.id is not None
    day = tickets[0].day
    order = await waiting_ids(session, office.id, day)
    place = {ticket_id: index for index, ticket_id in enumerate(order)}
    latest = await latest_called(session, office.id, day)
    average = await average_service(
        session,
        office.id,
        day,
        timedelta(minutes=ctx.settings.default_service_minutes),
    )
    counters = await open_counters(session, office.id)
    states = []
    for view in await ticket_views(session, tickets):
        ahead = place.get(view.id, 0) if view.status is QueueStatus.WAITING else 0
        wait = (
            estimated_wait(ahead + 1, average, counters)
            if view.status is QueueStatus.WAITING
            else timedelta()
        )
        states.append(
            TicketState(
                ticket=view,
                ahead=ahead,
                now_serving=number_label(latest.number) if latest else None,
                estimated_wait=wait,
            )
        )
    return states


async def account_states(
    ctx: Domain, session: AsyncSession, telegram_id: int, office_id: int | None = None
) -> list[TicketState]:
    """The account's tickets of today (each office's own today), by office then number."""
    now = ctx.now()
    # Every office's local date is within a day of the UTC date.
    since = now.date() - timedelta(days=1)
    query = select(QueueTicket, Office).join(Office, col(Office.id) == QueueTicket.office_id)
    query = query.where(QueueTicket.telegram_id == telegram_id, col(QueueTicket.day) >= since)
    if office_id is not None:
        query = query.where(QueueTicket.office_id == office_id)
    by_office: dict[int, tuple[Office, list[QueueTicket]]] = {}
    for ticket, office in await session.exec(query.order_by(col(QueueTicket.number))):
        if ticket.day == office_today(office, now):
            by_office.setdefault(ticket.office_id, (office, []))[1].append(ticket)
    states: list[TicketState] = []
    for office_key in sorted(by_office):
        office, tickets = by_office[office_key]
        states.extend(await states_of(ctx, session, office, tickets))
    return states


async def queue_state(
    ctx: Domain, *, telegram_id: int, office_id: int | None = None
) -> list[TicketState]:
    """The account's tickets today, with how many are ahead, the number now being
    served and the estimated wait (empty when the account is in no queue today)."""
    async with ctx.db.reader() as session:
        return await account_states(ctx, session, telegram_id, office_id)


async def missed_tickets(ctx: Domain, office_id: int) -> list[TicketView]:
    """Today's missed tickets at the office, by number (for a staff re-queue; those
    with ``requeued`` went back once already and cannot again)."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        missed = await session.exec(
            select(QueueTicket)
            .where(
                *of_the_day(office_id, office_today(office, ctx.now())),
                col(QueueTicket.status) == QueueStatus.MISSED.value,
            )
            .order_by(col(QueueTicket.number))
        )
        return await ticket_views(session, list(missed))
