"""The seat rule: every statement and predicate about a slot's seats.

A slot has two pools of seats: regular (``booked`` of ``capacity``) and priority
(``priority_booked`` of ``priority_capacity``). A slot is *bookable* for a list of
pools when it is open, starts after ``not_before`` (now plus the booking
cut-off), and has a seat left in one of those pools. What decides is the
database: a seat is taken by the conditional

    UPDATE slot SET booked = booked + 1
    WHERE id = :target_slot AND booked < capacity AND is_open AND start_utc > :not_before

(``priority_booked`` for the priority pool), in the same transaction as the
appointment's insert, with ``CHECK (booked <= capacity)`` as a backstop. Every
slot counter equals the number of its appointments that are not cancelled.

Here, for every path that moves a seat (the batched booking path, reschedule,
rebooking after a closure, closing a day, quota changes) and every view that
counts seats (availability, the sold-out recheck, admin views):

- ``seat_pools``: the pools a booking draws from, in order;
- ``TAKE_SEAT`` / ``FREE_SEAT``: the Core statements, per pool, and
  ``take_seat_in`` / ``free_seat_in`` that run them with a connection (of a
  batch), and ``take_seat`` / ``free_seat`` with an ORM session;
- ``bookable_condition`` (SQL) and ``accepts_bookings``, ``seats_left``,
  ``is_bookable``, ``is_full`` (of a loaded slot, or of plain values);
- ``fits_taken_seats``: a new capacity still holds the seats taken;
- ``seats_taken``: both pools' seats taken.

It lives in ``calendar`` (the slots) rather than ``appointments`` because
availability, in this layer, counts seats by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.errors import DayClosed, SessionStarted, SlotFull
from booking.core.kinds import PriorityReason, QuotaPool
from booking.db.models import Slot

SLOT = Slot.__table__  # type: ignore[attr-defined]

# Each pool's counter and its capacity, as column names of ``slot``.
_COUNTERS = {
    QuotaPool.REGULAR: ("booked", "capacity"),
    QuotaPool.PRIORITY: ("priority_booked", "priority_capacity"),
}


def seat_pools(priority: PriorityReason | bool | None) -> list[QuotaPool]:
    """A priority applicant (or a view counting the priority quota) takes a
    priority seat, or a regular one when those are gone; anyone else a regular one."""
    return [QuotaPool.PRIORITY, QuotaPool.REGULAR] if priority else [QuotaPool.REGULAR]


# --- SQL ---------------------------------------------------------------------


def _has_seat(pool: QuotaPool) -> Any:
    booked, capacity = _COUNTERS[pool]
    return SLOT.c[booked] < SLOT.c[capacity]


def _accepting(not_before: Any) -> Any:
    return and_(SLOT.c.is_open.is_(True), SLOT.c.start_utc > not_before)


def bookable_condition(pools: Sequence[QuotaPool], not_before: Any) -> Any:
    """SQL: the slot row is bookable for ``pools`` (see the module doc)."""
    return and_(_accepting(not_before), or_(*(_has_seat(pool) for pool in pools)))


def fits_taken_seats(regular: int, priority: int) -> Any:
    """SQL: capacities ``regular`` and ``priority`` still hold the seats taken."""
    return and_(SLOT.c.booked <= regular, SLOT.c.priority_booked <= priority)


def _take_seat_statement(pool: QuotaPool) -> Any:
    booked, _ = _COUNTERS[pool]
    return (
        update(SLOT)
        .where(
            SLOT.c.id == bindparam("target_slot"),
            bookable_condition([pool], bindparam("not_before")),
        )
        .values({booked: SLOT.c[booked] + 1})
    )


def _free_seat_statement(pool: QuotaPool) -> Any:
    booked, _ = _COUNTERS[pool]
    return (
        update(SLOT)
        .where(SLOT.c.id == bindparam("target_slot"), SLOT.c[booked] > 0)
        .values({booked: SLOT.c[booked] - 1})
    )


# Parameters: target_slot, not_before (take) / target_slot (free).
TAKE_SEAT = {pool: _take_seat_statement(pool) for pool in QuotaPool}
FREE_SEAT = {pool: _free_seat_statement(pool) for pool in QuotaPool}
_WHY_NOT = select(SLOT.c.is_open, SLOT.c.start_utc).where(SLOT.c.id == bindparam("target_slot"))


def _refuse(slot_id: int, is_open: bool, start_utc: datetime, not_before: datetime) -> None:
    """Raise why no seat of the slot was taken."""
    if not is_open:
        raise DayClosed(slot_id)
    if start_utc <= not_before:
        raise SessionStarted(slot_id)
    raise SlotFull(slot_id)


def take_seat_in(
    conn: Connection, slot_id: int, pools: Sequence[QuotaPool], not_before: datetime
) -> QuotaPool:
    """Take one seat from the first of ``pools`` that has one, with a connection
    inside a write transaction; or raise why not (``DayClosed``,
    ``SessionStarted``, ``SlotFull``)."""
    params = {"target_slot": slot_id, "not_before": not_before}
    for pool in pools:
        if conn.execute(TAKE_SEAT[pool], params).rowcount == 1:
            return pool
    row = conn.execute(_WHY_NOT, params).one()
    _refuse(slot_id, row.is_open, row.start_utc, not_before)
    raise AssertionError("unreachable")


async def take_seat(
    session: AsyncSession, slot_id: int, pools: Sequence[QuotaPool], not_before: datetime
) -> QuotaPool:
    """``take_seat_in`` in an ORM session's transaction."""
    return await session.run_sync(
        lambda sync: take_seat_in(sync.connection(), slot_id, pools, not_before)
    )


def free_seat_in(conn: Connection, slot_id: int, pool: QuotaPool) -> None:
    """Give back a seat of ``pool`` (an appointment cancelled or moved away)."""
    if conn.execute(FREE_SEAT[pool], {"target_slot": slot_id}).rowcount != 1:
        raise AssertionError(f"slot {slot_id} counter out of step with its appointments")


async def free_seat(session: AsyncSession, slot_id: int, pool: QuotaPool) -> None:
    """``free_seat_in`` in an ORM session's transaction."""
    await session.run_sync(lambda sync: free_seat_in(sync.connection(), slot_id, pool))


# --- Loaded slots and plain values ---------------------------------------------


def accepts_bookings(is_open: bool, start_utc: datetime, not_before: datetime) -> bool:
    """Open, and not started within the cut-off."""
    return is_open and start_utc > not_before


def seats_left_by_pool(slot: Slot) -> dict[QuotaPool, int]:
    return {
        pool: getattr(slot, capacity) - getattr(slot, booked)
        for pool, (booked, capacity) in _COUNTERS.items()
    }


def seats_left(left: Slot | Mapping[QuotaPool, int], pools: Sequence[QuotaPool]) -> int:
    """Seats left in ``pools``, of a loaded slot or of each pool's seats left."""
    by_pool = seats_left_by_pool(left) if isinstance(left, Slot) else left
    return sum(by_pool[pool] for pool in pools)


def is_bookable(slot: Slot, pools: Sequence[QuotaPool], not_before: datetime) -> bool:
    """The loaded slot is bookable for ``pools`` (what ``bookable_condition`` says in SQL)."""
    return accepts_bookings(slot.is_open, slot.start_utc, not_before) and (
        seats_left(slot, pools) > 0
    )


def is_full(is_open: bool, start_utc: datetime, left: int, not_before: datetime) -> bool:
    """Open and still to come, but no seat left: taking one would raise ``SlotFull``."""
    return accepts_bookings(is_open, start_utc, not_before) and left <= 0


def seats_taken(slot: Slot) -> int:
    """Seats taken in both pools."""
    return int(slot.booked + slot.priority_booked)
