"""The seat rule: every statement and predicate about a slot's seats.

A slot has two pools of seats: regular (``booked`` and ``held`` of ``capacity``)
and priority (``priority_booked`` and ``priority_held`` of ``priority_capacity``).
A *held* seat is kept for the waitlist (``booking.waitlist``): offered to a
waiting group, or about to be; nobody else can book it. A slot is *bookable* for
a list of pools when it is open, starts after ``not_before`` (now plus the
booking cut-off), and has a seat left in one of those pools. What decides is the
database: a seat is taken by the conditional

    UPDATE slot SET booked = booked + 1
    WHERE id = :target_slot AND booked + held < capacity
      AND is_open AND start_utc > :not_before

(``priority_booked``/``priority_held`` for the priority pool), in the same
transaction as the appointment's insert, with ``CHECK (booked + held <=
capacity)`` as a backstop. Every ``booked`` counter equals the number of its
appointments that are not cancelled; every ``held`` counter the seats of the
slot's open waitlist offers plus its held seats not offered yet.

**Freed seats go to the waitlist while anyone waits.** ``free_seat_in`` (a
cancellation, ``booking.appointments.groups.cancel_held``; a group moved away,
``move_group``) turns the seat into a held one, in its one statement
(``booked - 1, held + 1``), when the slot is open and a waiting entry of its
office covers it (``waiting_for_slot``: the slot's date in the entry's range, its
session label the entry's when it names one); otherwise the seat is public again.
New seats of a quota raise (``booking.admin.quotas``) and of a reopened day
(``booking.admin.closures.reopen_day``) are held by ``hold_for_waiting`` in the
same transaction, up to the waiting demand (the members of the entries covering
the slot, less the seats held already). The waitlist's jobs duty then offers the
held seats, or returns them to the public (``return_held_seats``) when no waiting
group fits; an accepted offer books its group from them
(``take_held_group_seats_in``: ``held - n, booked + n``).

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
- ``seats_taken``: both pools' seats taken (booked or held);
- ``held_by_pool``: a loaded slot's held seats; ``waiting_for_slot``: SQL, a
  waiting entry covers a slot; ``hold_for_waiting``, ``return_held_seats``,
  ``take_held_group_seats_in``: the held seats' statements (see above).

It lives in ``calendar`` (the slots) rather than ``appointments`` because
availability, in this layer, counts seats by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.errors import DayClosed, NotEnoughSeats, SessionStarted, SlotFull
from booking.core.kinds import PriorityReason, QuotaPool, WaitlistStatus
from booking.db.models import Slot, WaitlistEntry, WaitlistMember

SLOT = Slot.__table__  # type: ignore[attr-defined]
ENTRY = WaitlistEntry.__table__  # type: ignore[attr-defined]
ENTRY_MEMBER = WaitlistMember.__table__  # type: ignore[attr-defined]

# Each pool's counter and its capacity, as column names of ``slot``.
_COUNTERS = {
    QuotaPool.REGULAR: ("booked", "capacity"),
    QuotaPool.PRIORITY: ("priority_booked", "priority_capacity"),
}
# Each pool's held seats, as column names of ``slot``.
_HELD = {QuotaPool.REGULAR: "held", QuotaPool.PRIORITY: "priority_held"}


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


def _taken(pool: QuotaPool) -> Any:
    booked, _ = _COUNTERS[pool]
    return SLOT.c[booked] + SLOT.c[_HELD[pool]]


def _has_seat(pool: QuotaPool) -> Any:
    _, capacity = _COUNTERS[pool]
    return _taken(pool) < SLOT.c[capacity]


def _accepting(not_before: Any) -> Any:
    return and_(SLOT.c.is_open.is_(True), SLOT.c.start_utc > not_before)


def bookable_condition(pools: Sequence[QuotaPool], not_before: Any) -> Any:
    """SQL: the slot row is bookable for ``pools`` (see the module doc)."""
    return and_(_accepting(not_before), or_(*(_has_seat(pool) for pool in pools)))


def fits_taken_seats(regular: int, priority: int) -> Any:
    """SQL: capacities ``regular`` and ``priority`` still hold the seats taken."""
    return and_(_taken(QuotaPool.REGULAR) <= regular, _taken(QuotaPool.PRIORITY) <= priority)


def has_held_seats() -> Any:
    """SQL: the slot row holds seats for the waitlist."""
    return or_(*(SLOT.c[held] > 0 for held in _HELD.values()))


def waiting_for_slot(office_id: Any, day: Any, label: Any) -> Any:
    """SQL: the ``waitlist_entry`` row waits (no offer open) at ``office_id`` for
    a seat on ``day`` in the session ``label`` (columns or values)."""
    return and_(
        ENTRY.c.office_id == office_id,
        ENTRY.c.status == WaitlistStatus.WAITING.value,
        ENTRY.c.first_day <= day,
        ENTRY.c.last_day >= day,
        or_(ENTRY.c.slot_label.is_(None), ENTRY.c.slot_label == label),
    )


def _waitlist_takes_freed_seat() -> Any:
    """SQL of the slot row: a seat freed now goes to the waitlist (see the module doc)."""
    return and_(
        SLOT.c.is_open.is_(True),
        exists().where(waiting_for_slot(SLOT.c.office_id, SLOT.c.day, SLOT.c.label)),
    )


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
    held = _HELD[pool]
    return (
        update(SLOT)
        .where(SLOT.c.id == bindparam("target_slot"), SLOT.c[booked] > 0)
        .values(
            {
                booked: SLOT.c[booked] - 1,
                held: SLOT.c[held] + case((_waitlist_takes_freed_seat(), 1), else_=0),
            }
        )
    )


def _take_held_statement(pool: QuotaPool) -> Any:
    booked, _ = _COUNTERS[pool]
    held = _HELD[pool]
    return (
        update(SLOT)
        .where(
            SLOT.c.id == bindparam("target_slot"),
            SLOT.c[held] >= bindparam("seats"),
            _accepting(bindparam("not_before")),
        )
        .values(
            {booked: SLOT.c[booked] + bindparam("seats"), held: SLOT.c[held] - bindparam("seats")}
        )
    )


def _return_held_statement(pool: QuotaPool) -> Any:
    held = _HELD[pool]
    return (
        update(SLOT)
        .where(SLOT.c.id == bindparam("target_slot"), SLOT.c[held] >= bindparam("seats"))
        .values({held: SLOT.c[held] - bindparam("seats")})
    )


def _hold_free_statement(pool: QuotaPool) -> Any:
    held = _HELD[pool]
    _, capacity = _COUNTERS[pool]
    return (
        update(SLOT)
        .where(
            SLOT.c.id == bindparam("target_slot"),
            _taken(pool) + bindparam("seats") <= SLOT.c[capacity],
        )
        .values({held: SLOT.c[held] + bindparam("seats")})
    )


# Parameters: target_slot, not_before (take) / target_slot (free).
TAKE_SEAT = {pool: _take_seat_statement(pool) for pool in QuotaPool}
FREE_SEAT = {pool: _free_seat_statement(pool) for pool in QuotaPool}
# Parameters: target_slot, seats (and not_before for taking held seats).
_TAKE_HELD = {pool: _take_held_statement(pool) for pool in QuotaPool}
_RETURN_HELD = {pool: _return_held_statement(pool) for pool in QuotaPool}
_HOLD_FREE = {pool: _hold_free_statement(pool) for pool in QuotaPool}
_WHY_NOT = select(
    SLOT.c.is_open,
    SLOT.c.start_utc,
    *(SLOT.c[column] for counter in _COUNTERS.values() for column in counter),
    *(SLOT.c[column] for column in _HELD.values()),
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
        pool: row._mapping[capacity]
        - row._mapping[booked]
        - row._mapping[_HELD[pool]]
        + taken.count(pool)
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
    """Give back a seat of ``pool`` (an appointment cancelled or moved away): to the
    waitlist, held, while a waiting entry covers the slot; else to the public."""
    if conn.execute(FREE_SEAT[pool], {"target_slot": slot_id}).rowcount != 1:
        raise AssertionError(f"slot {slot_id} counter out of step with its appointments")


async def free_seat(session: AsyncSession, slot_id: int, pool: QuotaPool) -> None:
    """``free_seat_in`` in an ORM session's transaction."""
    await session.run_sync(lambda sync: free_seat_in(sync.connection(), slot_id, pool))


def held_seats_for(
    priorities: Sequence[PriorityReason | None], held: Mapping[QuotaPool, int]
) -> list[QuotaPool]:
    """Each member's pool when a group takes the seats ``held`` for it: members
    with a priority reason take the priority seats while there are any."""
    priority_left = held[QuotaPool.PRIORITY]
    pools = []
    for priority in priorities:
        pool = QuotaPool.PRIORITY if priority and priority_left > 0 else QuotaPool.REGULAR
        priority_left -= pool == QuotaPool.PRIORITY
        pools.append(pool)
    return pools


def take_held_group_seats_in(
    conn: Connection,
    slot_id: int,
    priorities: Sequence[PriorityReason | None],
    held: Mapping[QuotaPool, int],
    not_before: datetime,
) -> list[QuotaPool]:
    """Book a group into the seats ``held`` for it (an accepted waitlist offer):
    ``held - n, booked + n`` per pool, and return each member's pool; or raise
    ``DayClosed`` / ``SessionStarted``. Runs in the caller's transaction or
    savepoint, rolled back when this raises."""
    pools = held_seats_for(priorities, held)
    params: dict[str, Any] = {"target_slot": slot_id, "not_before": not_before}
    for pool in QuotaPool:
        seats = pools.count(pool)
        if seats and conn.execute(_TAKE_HELD[pool], {**params, "seats": seats}).rowcount != 1:
            row = conn.execute(_WHY_NOT, params).one()
            _refuse(slot_id, row.is_open, row.start_utc, not_before)
    return pools


def _held_change(
    conn: Connection, statements: Any, slot_id: int, seats: Mapping[QuotaPool, int]
) -> int:
    """Run a held-seats statement per pool with its seats; the seats it moved."""
    moved = 0
    for pool, n in seats.items():
        if n > 0:
            params = {"target_slot": slot_id, "seats": n}
            moved += n * conn.execute(statements[pool], params).rowcount
    return moved


async def return_held_seats(
    session: AsyncSession, slot_id: int, seats: Mapping[QuotaPool, int]
) -> None:
    """Held seats of the slot go back to the public (no waiting group fits them)."""
    returned = await session.run_sync(
        lambda sync: _held_change(sync.connection(), _RETURN_HELD, slot_id, seats)
    )
    if returned != sum(seats.values()):
        raise AssertionError(f"slot {slot_id} held seats out of step with its offers")


async def hold_for_waiting(
    session: AsyncSession, slot_id: int, new_seats: Mapping[QuotaPool, int] | None = None
) -> int:
    """Hold the free seats of an open slot for the waitlist, up to the waiting
    demand (see the module doc), and up to ``new_seats`` per pool when given (a
    quota raise: the seats it adds; a reopened day: all of them); returns the
    seats held. (Seats held in a session about to start go back to the public at
    the waitlist duty's next round.)"""
    slot = await session.get(Slot, slot_id, with_for_update=True, populate_existing=True)
    if slot is None or not slot.is_open:
        return 0
    members, priority_members = (
        await session.exec(  # type: ignore[call-overload]
            select(func.count(), func.count(ENTRY_MEMBER.c.priority))
            .select_from(ENTRY_MEMBER.join(ENTRY, ENTRY.c.id == ENTRY_MEMBER.c.entry_id))
            .where(waiting_for_slot(slot.office_id, slot.day, slot.label))
        )
    ).one()
    held = held_by_pool(slot)
    free = seats_left_by_pool(slot)
    if new_seats is not None:
        free = {pool: min(n, new_seats[pool]) for pool, n in free.items()}
    wanted = max(0, members - sum(held.values()))
    priority = min(free[QuotaPool.PRIORITY], max(0, priority_members - held[QuotaPool.PRIORITY]))
    priority = min(priority, wanted)
    seats = {
        QuotaPool.PRIORITY: priority,
        QuotaPool.REGULAR: min(free[QuotaPool.REGULAR], wanted - priority),
    }
    taken = await session.run_sync(
        lambda sync: _held_change(sync.connection(), _HOLD_FREE, slot_id, seats)
    )
    await session.refresh(slot)
    return int(taken)


# --- Loaded slots and plain values ---------------------------------------------


def accepts_bookings(is_open: bool, start_utc: datetime, not_before: datetime) -> bool:
    """Open, and not started within the cut-off."""
    return is_open and start_utc > not_before


def seats_left_by_pool(slot: Slot) -> dict[QuotaPool, int]:
    """Seats of each pool neither booked nor held."""
    return {
        pool: getattr(slot, capacity) - getattr(slot, booked) - getattr(slot, _HELD[pool])
        for pool, (booked, capacity) in _COUNTERS.items()
    }


def held_by_pool(slot: Slot) -> dict[QuotaPool, int]:
    """Seats of each pool held for the waitlist."""
    return {pool: int(getattr(slot, held)) for pool, held in _HELD.items()}


def seats_left(left: Slot | Mapping[QuotaPool, int], pools: Sequence[QuotaPool]) -> int:
    """Seats left in ``pools``, of a loaded slot or of each pool's seats left."""
    by_pool = seats_left_by_pool(left) if isinstance(left, Slot) else left
    return sum(by_pool[pool] for pool in pools)


def is_full(is_open: bool, start_utc: datetime, left: int, not_before: datetime) -> bool:
    """Open and still to come, but no seat left: taking one would raise ``SlotFull``."""
    return accepts_bookings(is_open, start_utc, not_before) and left <= 0


def seats_taken(slot: Slot) -> int:
    """Seats taken in both pools: booked or held for the waitlist."""
    return int(slot.booked + slot.priority_booked + slot.held + slot.priority_held)
