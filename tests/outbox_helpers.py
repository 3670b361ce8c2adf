"""Helpers of the outbox and sender tests: bookings in a zone, queued notices, rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select

from booking.appointments.service import book
from booking.appointments.views import AppointmentView
from booking.calendar.availability import sessions_of
from booking.core.context import Domain
from booking.core.kinds import ServiceType
from booking.db.models import Notification
from booking.notify.outbox import enqueue
from tests.factories import add_applicant, add_office, office_spec

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


async def office_in(ctx: Domain, tz_name: str, code: str = "TEST") -> int:
    return await add_office(ctx, office_spec(code, timezone=tz_name))


async def book_on(
    ctx: Domain, office_id: int, telegram_id: int, day: date, *, register: bool = True
) -> AppointmentView:
    """Register ``telegram_id`` (unless told not to) and book the first session of ``day``."""
    if register:
        await add_applicant(ctx, telegram_id)
    sessions = await sessions_of(ctx, office_id, day)
    assert sessions, f"no session on {day}"
    return await book(
        ctx, telegram_id=telegram_id, slot_id=sessions[0].slot_id, service=ServiceType.NEW
    )


async def rows(ctx: Domain, appointment_id: int | None = None) -> list[Notification]:
    async with ctx.db.reader() as session:
        stmt = select(Notification).order_by(col(Notification.id))
        if appointment_id is not None:
            stmt = stmt.where(Notification.appointment_id == appointment_id)
        return list((await session.exec(stmt)).all())


async def by_kind(ctx: Domain, appointment_id: int) -> dict[str, Notification]:
    return {n.kind: n for n in await rows(ctx, appointment_id)}


async def queue_notices(
    ctx: Domain,
    count: int,
    *,
    chats: int,
    due_at: datetime | None = None,
    first_chat: int = 5_000_000,
    prefix: str = "notice",
    in_runs: bool = False,
) -> list[int]:
    """``count`` plain-text notices due at ``due_at`` (default: now), spread round-robin
    over ``chats`` chats, or ``in_runs`` (each chat's notices one after another); the
    text of notice ``i`` is ``"<prefix> #i"``. Returns the chat id of each notice."""
    now = ctx.now()
    per_chat = -(-count // chats)
    recipients = [first_chat + (i // per_chat if in_runs else i % chats) for i in range(count)]
    async with ctx.db.writer() as session:
        for i, chat in enumerate(recipients):
            await enqueue(
                session,
                recipient=chat,
                kind="announcement",
                template="text",
                dedupe_key=f"{prefix}:{i}",
                due_at=due_at or now,
                now=now,
                args={"text": f"{prefix} #{i}"},
            )
        await session.commit()
    return recipients
