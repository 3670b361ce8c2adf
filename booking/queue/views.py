"""Plain, frozen views of the queue for the chat and the display (no table rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.core.kinds import PriorityReason, QueueStatus
from booking.db.models import Counter, QueueTicket


def number_label(number: int) -> str:
    """A ticket number as shown and called out: 17 is "017"."""
    return f"{number:03d}"


def counter_name(number: int) -> str:
    return f"Loket {number}"


@dataclass(frozen=True)
class TicketTimes:
    arrived_at: datetime  # checked in (or walked in)
    called_at: datetime | None  # the latest call
    served_at: datetime | None
    missed_at: datetime | None


@dataclass(frozen=True)
class TicketView:
    id: int
    office_id: int
    number: int
    label: str  # "017"
    status: QueueStatus
    counter_name: str | None  # "Loket 3" once called
    counter_id: int | None
    call_count: int
    priority: bool
    priority_reason: PriorityReason | None
    verify_at_counter: bool  # a declared priority (disabled, pregnant): check it
    walk_in: bool
    requeued: bool
    telegram_id: int | None
    appointment_code: str | None
    times: TicketTimes

    @classmethod
    def of(cls, ticket: QueueTicket, appointment_code: str | None) -> TicketView:
        assert ticket.id is not None
        return cls(
            id=ticket.id,
            office_id=ticket.office_id,
            number=ticket.number,
            label=number_label(ticket.number),
            status=QueueStatus(ticket.status),
            counter_name=counter_name(ticket.counter_number) if ticket.counter_number else None,
            counter_id=ticket.counter_id,
            call_count=ticket.call_count,
            priority=ticket.priority,
            priority_reason=PriorityReason(ticket.priority_reason)
            if ticket.priority_reason
            else None,
            verify_at_counter=ticket.verify_at_counter,
            walk_in=ticket.walk_in,
            requeued=ticket.requeued,
            telegram_id=ticket.telegram_id,
            appointment_code=appointment_code,
            times=TicketTimes(
                ticket.arrived_at, ticket.called_at, ticket.served_at, ticket.missed_at
            ),
        )


@dataclass(frozen=True)
class TicketState:
    """A ticket and where it stands: ``ahead`` waiting before it (0 unless it is
    waiting), the office's latest called number, and the estimated wait."""

    ticket: TicketView
    ahead: int
    now_serving: str | None  # the label of the latest number called at the office
    estimated_wait: timedelta


@dataclass(frozen=True)
class CounterView:
    id: int
    office_id: int
    number: int
    name: str  # "Loket 3"
    open: bool
    staff_telegram_id: int | None
    current: TicketView | None = None  # the ticket called to it, not yet served or missed

    @classmethod
    def of(cls, counter: Counter, current: TicketView | None = None) -> CounterView:
        assert counter.id is not None
        return cls(
            id=counter.id,
            office_id=counter.office_id,
            number=counter.number,
            name=counter_name(counter.number),
            open=counter.is_open,
            staff_telegram_id=counter.staff_telegram_id,
            current=current,
        )


@dataclass(frozen=True)
class CalledNumber:
    label: str  # "017"
    counter: str  # "Loket 3"
    called_at: datetime


@dataclass(frozen=True)
class NowServing:
    """What the office's "now serving" screen shows: no names, no NIKs."""

    office_name: str
    timezone: str
    latest: tuple[CalledNumber, ...]  # newest first
    waiting: int
    version: str  # changes whenever any of the above does
