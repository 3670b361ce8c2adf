"""Tickets: questions handed to an office's staff, and the thread that follows.

A ticket is posted to the office's staff chat (a Telegram group) with its number,
the applicant's language and masked name, never a NIK or a phone number (long
numbers in the text are masked). A staff member's reply is relayed to the
applicant, who may answer back on the same ticket. Every message goes through the
outbox, in the transaction that records it, so nothing is lost and Telegram's
limits hold. Open -> answered (the staff replied) -> closed (the applicant is
thanked); an applicant's message reopens an answered ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.errors import BookingError, NotFound
from booking.core.kinds import TicketSender, TicketStatus
from booking.db.models import Office, StaffChat, Ticket, TicketMessage
from booking.notify.outbox import enqueue
from booking.offices.lookup import office_by_id
from booking.questions.asked import owned
from booking.questions.redact import mask_numbers

MAX_MESSAGE_CHARS = 1000
LIMIT_WINDOW = timedelta(hours=24)
STAFF_LANGUAGE = "id"

# Outbox templates (rendered by the bot's notices).
TO_STAFF = "ticket_to_staff"  # a new ticket, posted to the staff chat
FOLLOW_UP = "ticket_follow_up"  # the applicant answered back
STAFF_REPLY = "ticket_reply"  # the staff's reply, relayed to the applicant
CLOSED = "ticket_closed"  # "ticket closed, thank you"


class TicketNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("ticket", key)


class TicketClosed(BookingError):
    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is closed")


class NoStaffChat(BookingError):
    """The office has no staff chat: its staff cannot be asked here."""

    def __init__(self, office_id: int) -> None:
        super().__init__(f"office {office_id} has no staff chat")


class OverLimit(BookingError):
    """A limit of the hand-off reached; ``limit`` is told to the user."""

    counted = ""  # what the limit counts

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} {self.counted}")
        self.limit = limit


class TicketLimitReached(OverLimit):
    counted = "tickets in 24 hours"


class MessageTooLong(OverLimit):
    counted = "characters in a message"


@dataclass(frozen=True)
class TicketView:
    id: int
    office_id: int
    office_name: str
    telegram_id: int
    language: str
    display_name: str
    status: TicketStatus
    created_at: datetime
    first_answer_at: datetime | None
    closed_at: datetime | None


def _view(ticket: Ticket, office: Office) -> TicketView:
    """The ticket's own columns, with its office's name and its status as the enum."""
    assert ticket.id is not None
    own = {f.name: getattr(ticket, f.name) for f in fields(TicketView) if hasattr(Ticket, f.name)}
    return TicketView(**{**own, "office_name": office.name, "status": TicketStatus(ticket.status)})


def checked_text(text: str) -> str:
    """The message as kept and relayed; ``MessageTooLong`` beyond the limit."""
    text = text.strip()
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageTooLong(MAX_MESSAGE_CHARS)
    return text


async def staff_chat_of(ctx: Domain, office_id: int) -> int | None:
    async with ctx.db.reader() as session:
        return await _staff_chat(session, office_id)


async def _staff_chat(session: AsyncSession, office_id: int) -> int | None:
    row = await session.exec(select(StaffChat.chat_id).where(StaffChat.office_id == office_id))
    return row.first()


async def _add_message(
    session: AsyncSession,
    ctx: Domain,
    ticket: Ticket,
    sender: TicketSender,
    text: str,
    author_id: int | None = None,
) -> int:
    assert ticket.id is not None
    message = TicketMessage(
        ticket_id=ticket.id, sender=sender, author_id=author_id, text=text, at=ctx.now()
    )
    session.add(message)
    await session.flush()
    assert message.id is not None
    return message.id


async def _to_staff(
    session: AsyncSession,
    ctx: Domain,
    ticket: Ticket,
    office: Office,
    template: str,
    message_id: int,
    text: str,
) -> None:
    chat_id = await _staff_chat(session, ticket.office_id)
    if chat_id is None:
        raise NoStaffChat(ticket.office_id)
    await enqueue(
        session,
        recipient=chat_id,
        kind=template,
        template=template,
        dedupe_key=f"ticket:{ticket.id}:message:{message_id}",
        due_at=ctx.now(),
        now=ctx.now(),
        args={
            "ticket": ticket.id,
            "office": office.name,
            "language": ticket.language,
            "name": ticket.display_name,
            "text": text,
        },
        language=STAFF_LANGUAGE,
        office_id=ticket.office_id,
    )


async def _to_applicant(
    session: AsyncSession,
    ctx: Domain,
    ticket: Ticket,
    office: Office,
    template: str,
    key: str,
    text: str = "",
) -> None:
    await enqueue(
        session,
        recipient=ticket.telegram_id,
        kind=template,
        template=template,
        dedupe_key=f"ticket:{ticket.id}:{key}",
        due_at=ctx.now(),
        now=ctx.now(),
        args={"ticket": ticket.id, "office": office.name, "text": text},
        language=ticket.language,
        office_id=ticket.office_id,
    )


async def _move(
    session: AsyncSession, ticket: Ticket, status: TicketStatus, now: datetime
) -> Office:
    """Move a ticket not yet closed to ``status`` and return its office;
    ``TicketClosed`` for a closed one."""
    assert ticket.id is not None
    if ticket.status == TicketStatus.CLOSED:
        raise TicketClosed(ticket.id)
    ticket.status = status
    ticket.updated_at = now
    session.add(ticket)
    return await office_by_id(session, ticket.office_id)


async def open_ticket(
    ctx: Domain,
    *,
    telegram_id: int,
    office_id: int,
    text: str,
    language: str,
    display_name: str,
    question_id: int | None = None,
) -> TicketView:
    """Hand a question to the office's staff; for a question that has a ticket
    already, that ticket. Raises ``MessageTooLong``, ``TicketLimitReached``,
    ``NoStaffChat`` or ``OfficeNotFound``."""
    text = mask_numbers(checked_text(text))
    limit = ctx.settings.ticket_daily_limit

    async def tx(session: AsyncSession) -> TicketView:
        now = ctx.now()
        office = await office_by_id(session, office_id)
        if question_id is not None:  # a repeated tap: the ticket it made already
            existing = (
                await session.exec(select(Ticket).where(Ticket.question_id == question_id))
            ).first()
            if existing is not None:
                return _view(existing, office)
        recent = await session.exec(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.telegram_id == telegram_id, Ticket.created_at > now - LIMIT_WINDOW)
        )
        if recent.one() >= limit:
            raise TicketLimitReached(limit)
        ticket = Ticket(
            office_id=office_id,
            telegram_id=telegram_id,
            language=language,
            display_name=display_name,
            question_id=question_id,
            created_at=now,
            updated_at=now,
        )
        session.add(ticket)
        await session.flush()
        message_id = await _add_message(session, ctx, ticket, TicketSender.APPLICANT, text)
        await _to_staff(session, ctx, ticket, office, TO_STAFF, message_id, text)
        return _view(ticket, office)

    return await ctx.db.transact(tx)


async def applicant_message(
    ctx: Domain, *, ticket_id: int, telegram_id: int, text: str
) -> TicketView:
    """The applicant answers back on their ticket. Raises ``TicketNotFound`` (also for
    someone else's ticket), ``TicketClosed``, ``MessageTooLong`` or ``NoStaffChat``."""
    text = mask_numbers(checked_text(text))

    async def tx(session: AsyncSession) -> TicketView:
        ticket = await owned(session, Ticket, ticket_id, telegram_id, TicketNotFound)
        office = await _move(session, ticket, TicketStatus.OPEN, ctx.now())
        message_id = await _add_message(session, ctx, ticket, TicketSender.APPLICANT, text)
        await _to_staff(session, ctx, ticket, office, FOLLOW_UP, message_id, text)
        return _view(ticket, office)

    return await ctx.db.transact(tx)


async def ticket_of(ctx: Domain, ticket_id: int, telegram_id: int) -> TicketView:
    """The applicant's own ticket; ``TicketNotFound`` for anyone else's."""
    async with ctx.db.reader() as session:
        ticket = await owned(session, Ticket, ticket_id, telegram_id, TicketNotFound)
        return _view(ticket, await office_by_id(session, ticket.office_id))


async def _ticket_in_chat(session: AsyncSession, chat_id: int, ticket_id: int) -> Ticket:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or await _staff_chat(session, ticket.office_id) != chat_id:
        raise TicketNotFound(ticket_id)
    return ticket


async def ticket_in_chat(ctx: Domain, chat_id: int, ticket_id: int) -> TicketView:
    """The ticket, if it belongs to an office whose staff chat is ``chat_id``."""
    async with ctx.db.reader() as session:
        ticket = await _ticket_in_chat(session, chat_id, ticket_id)
        return _view(ticket, await office_by_id(session, ticket.office_id))


async def staff_reply(
    ctx: Domain, *, chat_id: int, ticket_id: int, staff_id: int, text: str
) -> TicketView:
    """Relay a staff member's reply to the applicant (the caller checked that
    ``staff_id`` is staff of the ticket's office). Raises ``TicketNotFound``,
    ``TicketClosed`` or ``MessageTooLong``."""
    text = checked_text(text)

    async def tx(session: AsyncSession) -> TicketView:
        now = ctx.now()
        ticket = await _ticket_in_chat(session, chat_id, ticket_id)
        office = await _move(session, ticket, TicketStatus.ANSWERED, now)
        ticket.first_answer_at = ticket.first_answer_at or now
        message_id = await _add_message(
            session, ctx, ticket, TicketSender.STAFF, text, author_id=staff_id
        )
        await _to_applicant(session, ctx, ticket, office, STAFF_REPLY, f"reply:{message_id}", text)
        return _view(ticket, office)

    return await ctx.db.transact(tx)


async def close_ticket(ctx: Domain, *, chat_id: int, ticket_id: int, staff_id: int) -> TicketView:
    """Close the ticket and thank the applicant. Raises ``TicketNotFound`` or
    ``TicketClosed`` (closed already)."""

    async def tx(session: AsyncSession) -> TicketView:
        now = ctx.now()
        ticket = await _ticket_in_chat(session, chat_id, ticket_id)
        office = await _move(session, ticket, TicketStatus.CLOSED, now)
        ticket.closed_at = now
        ticket.closed_by = staff_id
        await _to_applicant(session, ctx, ticket, office, CLOSED, "closed")
        return _view(ticket, office)

    return await ctx.db.transact(tx)


async def open_tickets(ctx: Domain, chat_id: int, limit: int = 50) -> list[TicketView]:
    """Tickets not closed of the offices whose staff chat is ``chat_id``, oldest first."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Ticket, Office)
            .join(Office, col(Office.id) == col(Ticket.office_id))
            .join(StaffChat, col(StaffChat.office_id) == col(Ticket.office_id))
            .where(StaffChat.chat_id == chat_id, Ticket.status != TicketStatus.CLOSED.value)
            .order_by(col(Ticket.created_at), col(Ticket.id))
            .limit(limit)
        )
        return [_view(t, o) for t, o in rows.all()]


async def staff_chat_offices(ctx: Domain, chat_id: int) -> list[int]:
    """The offices whose staff chat is ``chat_id``."""
    async with ctx.db.reader() as session:
        rows = await session.exec(select(StaffChat.office_id).where(StaffChat.chat_id == chat_id))
        return list(rows.all())
