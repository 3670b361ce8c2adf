"""Shared write transactions: bookings that arrive together commit together, each
in its own savepoint, each still checked by the database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select

from booking.appointments.service import book, cancel
from booking.core.errors import AlreadyBooked, ApplicantNotFound, SlotFull
from booking.core.kinds import ServiceType
from booking.db.batching import RequestTx, WriteBatcher
from booking.db.models import Appointment, Notification, Slot
from tests.conftest import TUE
from tests.db_helpers import slot_problems
from tests.factories import add_applicant
from tests.test_concurrency import add_applicants, booked_rows, ten_seat_slot


async def count(ctx, model, *where) -> int:
    async with ctx.db.reader() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


def book_all(ctx, slot_id, users):
    return asyncio.gather(
        *(book(ctx, telegram_id=t, slot_id=slot_id, service=ServiceType.NEW) for t in users),
        return_exceptions=True,
    )


async def test_one_batch_mixes_bookings_full_and_unknown(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(30_000, 30_012))
    await add_applicants(ctx, users)
    before = ctx.db.batcher.batches
    results = await book_all(ctx, slot_id, [*users, 99])  # 99 never registered
    assert ctx.db.batcher.batches == before + 1  # all arrived together: one transaction
    booked = [r for r in results if not isinstance(r, BaseException)]
    assert [type(r) for r in results if isinstance(r, BaseException)] == [SlotFull] * 2 + [
        ApplicantNotFound
    ]
    assert len(booked) == 10 and len({b.id for b in booked}) == 10
    assert await booked_rows(ctx, slot_id) == (10, 10)
    # Every booking's reminders were written in the same transaction.
    assert await count(ctx, Notification) == 2 * 10
    assert await slot_problems(ctx) == []


async def test_a_failing_request_is_rolled_back_alone(ctx):
    slot_id = await ten_seat_slot(ctx)

    def take(tx: RequestTx) -> int:
        stmt = update(Slot).where(col(Slot.id) == slot_id).values(booked=col(Slot.booked) + 1)
        return tx.conn.execute(stmt).rowcount

    def take_then_fail(tx: RequestTx) -> int:
        take(tx)
        raise ValueError("after its write")

    results = await asyncio.gather(
        ctx.db.batcher.submit(take),
        ctx.db.batcher.submit(take_then_fail),
        ctx.db.batcher.submit(take),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 1
    assert isinstance(results[1], ValueError)
    booked, _ = await booked_rows(ctx, slot_id)
    assert booked == 2  # the failed request's increment was undone, the others kept


async def test_double_taps_in_one_batch_give_one_appointment(ctx):
    slot_id = await ten_seat_slot(ctx)
    await add_applicant(ctx, 40_001)
    results = await book_all(ctx, slot_id, [40_001] * 5)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert len({r.id for r in results}) == 1
    assert await booked_rows(ctx, slot_id) == (1, 1)
    assert await count(ctx, Notification) == 2


async def test_taps_for_two_slots_in_one_batch_book_one(ctx):
    slot_id = await ten_seat_slot(ctx)
    async with ctx.db.reader() as session:
        later = select(Slot.id).where(col(Slot.day) > TUE).limit(1)
        other = (await session.exec(later)).one()
    await add_applicant(ctx, 40_002)
    results = await asyncio.gather(
        book(ctx, telegram_id=40_002, slot_id=slot_id, service=ServiceType.NEW),
        book(ctx, telegram_id=40_002, slot_id=other, service=ServiceType.NEW),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, AlreadyBooked)]
    assert len(booked) == 1 and len(refused) == 1
    assert refused[0].appointment_id == booked[0].id
    assert await count(ctx, Appointment) == 1
    assert await slot_problems(ctx) == []


async def test_200_coroutines_for_10_seats_share_few_transactions(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(50_000, 50_200))
    await add_applicants(ctx, users)
    before = ctx.db.batcher.batches
    results = await book_all(ctx, slot_id, users)
    assert len([r for r in results if not isinstance(r, BaseException)]) == 10
    assert all(isinstance(r, SlotFull) for r in results if isinstance(r, BaseException))
    assert ctx.db.batcher.batches - before <= 2
    assert await booked_rows(ctx, slot_id) == (10, 10)
    assert await slot_problems(ctx) == []


async def test_the_holder_of_the_last_seat_gets_it_back_not_full(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(60_000, 60_010))
    await add_applicants(ctx, users)
    first = await book_all(ctx, slot_id, users)
    await add_applicant(ctx, 60_999)
    with pytest.raises(SlotFull):  # the slot is now known full to this process
        await book(ctx, telegram_id=60_999, slot_id=slot_id, service=ServiceType.NEW)
    again = await book(ctx, telegram_id=users[-1], slot_id=slot_id, service=ServiceType.NEW)
    assert again.id == first[-1].id


async def test_full_is_answered_by_a_read_on_postgresql_only(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(62_000, 62_012))
    await add_applicants(ctx, users)
    await book_all(ctx, slot_id, users[:11])  # the 11th saw the slot full
    before = ctx.db.batcher.batches
    with pytest.raises(SlotFull):
        await book(ctx, telegram_id=users[11], slot_id=slot_id, service=ServiceType.NEW)
    assert ctx.db.batcher.batches - before == (1 if ctx.db.is_sqlite else 0)
    assert await booked_rows(ctx, slot_id) == (10, 10)


async def test_a_freed_seat_of_a_slot_seen_full_can_be_booked(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(61_000, 61_011))
    await add_applicants(ctx, users)
    results = await book_all(ctx, slot_id, users)
    assert isinstance(results[-1], SlotFull)
    await cancel(ctx, telegram_id=users[0], appointment_id=results[0].id)
    view = await book(ctx, telegram_id=users[-1], slot_id=slot_id, service=ServiceType.NEW)
    assert view.slot_id == slot_id
    assert await booked_rows(ctx, slot_id) == (10, 10)


async def test_a_commit_failure_reaches_every_request():
    def no_write(work) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    async def run_write(work) -> None:
        no_write(work)

    batcher = WriteBatcher(run_write)

    def ok(tx: RequestTx) -> str:
        return "done"

    results = await asyncio.gather(batcher.submit(ok), batcher.submit(ok), return_exceptions=True)
    assert [type(r) for r in results] == [OperationalError, OperationalError]


async def test_requests_run_in_order_key_order(ctx):
    seen: list[int] = []

    def note(key: int):
        def work(tx: RequestTx) -> int:
            assert isinstance(tx.conn, Connection)
            seen.append(key)
            return key

        return work

    keys = [5, 1, 4, 2, 3]
    results = await asyncio.gather(*(ctx.db.batcher.submit(note(k), order_key=k) for k in keys))
    assert results == keys  # each gets its own answer
    assert seen == sorted(keys)


async def test_bookings_refused_full_in_a_batch_open_no_savepoint(ctx):
    """Once the slot is full in the batch's transaction, the bookings after it are
    answered ``SlotFull`` from their read: only the bookings that took a seat
    opened a savepoint, and nothing is overbooked."""
    slot_id = await ten_seat_slot(ctx)
    users = list(range(50_000, 50_016))
    await add_applicants(ctx, users)
    savepoints: list[str] = []
    engine = ctx.db.sqlite_sync or ctx.db.engine.sync_engine
    event.listen(engine, "savepoint", lambda conn, name: savepoints.append(name))
    results = await book_all(ctx, slot_id, users)
    refused = [type(r) for r in results if isinstance(r, BaseException)]
    assert refused == [SlotFull] * 6
    assert len(savepoints) == 10  # one per booking that took a seat
    assert await booked_rows(ctx, slot_id) == (10, 10)
    assert await slot_problems(ctx) == []
