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
- ``GroupShape``, ``seats_for``, ``group_fits``: how many people of a group draw
  from which pools, and whether the seats left hold them all (``no_room``: the
  error when they do not);
- ``TAKE_SEAT`` / ``FREE_SEAT``: the Core statements, per pool, and
  ``take_group_seats_in`` / ``free_seat_in`` that run them with a connection (of
  a batch), and ``take_group_seats`` / ``free_seat`` with an ORM session: a
  whole group's seats (one person is a group of one) or none, and one seat back;
- ``bookable_condition`` (SQL) and ``accepts_bookings``, ``seats_left``,
  ``is_full`` (of a loaded slot, or of plain values);
- ``fits_taken_seats``: a new capacity still holds the seats taken;
- ``seats_taken``: both pools' seats taken.

It lives in ``calendar`` (the slots) rather than ``appointments`` because
availability, in this layer, counts seats by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.errors import DayClosed, NotEnoughSeats, SessionStarted, SlotFull
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


@dataclass(frozen=True)
class GroupShape:
    """How many people of a group draw only from regular seats, and how many may
    take a priority seat first (then a regular one)."""

    regular: int
    priority: int

    @classmethod
    def single(cls, priority: PriorityReason | bool | None = None) -> GroupShape:
        """One person (with a priority reason, or not)."""
        return cls(regular=0, priority=1) if priority else cls(regular=1, priority=0)

    @classmethod
    def of(cls, priorities: Sequence[PriorityReason | None]) -> GroupShape:
        """The shape of a group whose members have these priority reasons (or None)."""
        claiming = sum(1 for p in priorities if p)
        return cls(regular=len(priorities) - claiming, priority=claiming)

    @property
    def size(self) -> int:
        return self.regular + self.priority

    @property
    def pools(self) -> list[QuotaPool]:
        """Every pool some member of the group may draw from."""
        return seat_pools(self.priority > 0)


def seats_for(shape: GroupShape, left_by_pool: Mapping[QuotaPool, int]) -> dict[QuotaPool, int]:
    """How many seats of each pool the group takes, by the rule: members with a
    priority reason take priority seats while there are any, then regular ones;
    everyone else regular seats. (The greedy order seats a group whenever any
    order could.) Whether they are there is ``group_fits``."""
    priority = min(shape.priority, max(left_by_pool[QuotaPool.PRIORITY], 0))
    return {QuotaPool.PRIORITY: priority, QuotaPool.REGULAR: shape.size - priority}


def group_fits(left_by_pool: Mapping[QuotaPool, int], shape: GroupShape) -> bool:
    """The seats left hold the whole group."""
    return all(n <= left_by_pool[pool] for pool, n in seats_for(shape, left_by_pool).items())


def no_room(slot_id: int, left_by_pool: Mapping[QuotaPool, int], shape: GroupShape) -> SlotFull:
    """The error for a group the seats left cannot hold: ``SlotFull`` when no seat
    of its pools is left, else ``NotEnoughSeats`` saying how many are."""
    left = seats_left(left_by_pool, shape.pools)
    return NotEnoughSeats(slot_id, left, shape.size) if left > 0 else SlotFull(slot_id)


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
_WHY_NOT = select(
    SLOT.c.is_open,
    SLOT.c.start_utc,
    *(SLOT.c[column] for counter in _COUNTERS.values() for column in counter),
).where(SLOT.c.id == bindparam("target_slot"))


def _refuse(slot_id: int, is_open: bool, start_utc: datetime, not_before: datetime) -> None:
    """Raise why no seat of the slot was taken."""
    if not is_open:
        raise DayClosed(slot_id)
    if start_utc <= not_before:
        raise SessionStarted(slot_id)
    raise SlotFull(slot_id)


def take_group_seats_in(
    conn: Connection,
    slot_id: int,
    priorities: Sequence[PriorityReason | None],
    not_before: datetime,
) -> list[QuotaPool]:
    """Take a seat for each member of a group (their priority reasons, or None),
    each from their own pool order, and return each member's pool; or raise why
    not (``DayClosed``, ``SessionStarted``, ``no_room``: ``SlotFull``, or
    ``NotEnoughSeats`` with the seats the session has left for this group). Runs in
    the caller's transaction or savepoint, which must be rolled back when this
    raises: the seats taken before the one that failed are given back that way, so
    nobody is booked."""
    params = {"target_slot": slot_id, "not_before": not_before}
    taken: list[QuotaPool] = []
    for priority in priorities:
        pool = next(
            (p for p in seat_pools(priority) if conn.execute(TAKE_SEAT[p], params).rowcount == 1),
            None,
        )
        if pool is None:
            break
        taken.append(pool)
    else:
        return taken
    row = conn.execute(_WHY_NOT, params).one()
    if not accepts_bookings(row.is_open, row.start_utc, not_before):
        _refuse(slot_id, row.is_open, row.start_utc, not_before)
    left = {
        pool: row._mapping[capacity] - row._mapping[booked] + taken.count(pool)
        for pool, (booked, capacity) in _COUNTERS.items()
    }
    raise no_room(slot_id, left, GroupShape.of(priorities))


async def take_group_seats(
    session: AsyncSession,
    slot_id: int,
    priorities: Sequence[PriorityReason | None],
    not_before: datetime,
) -> list[QuotaPool]:
    """``take_group_seats_in`` in an ORM session's transaction."""
    return await session.run_sync(
        lambda sync: take_group_seats_in(sync.connection(), slot_id, priorities, not_before)
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


def is_full(is_open: bool, start_utc: datetime, left: int, not_before: datetime) -> bool:
    """Open and still to come, but no seat left: taking one would raise ``SlotFull``."""
    return accepts_bookings(is_open, start_utc, not_before) and left <= 0


def seats_taken(slot: Slot) -> int:
    """Seats taken in both pools."""
    return int(slot.booked + slot.priority_booked)
