"""Races for the last seats: many coroutines, several OS processes, double taps.
The database decides: exactly as many win as there are seats, and the counters
match the rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import col, func, select

from bench.crowd import make_nik as crowd_nik
from bench.crowd import register_crowd as add_applicants
from booking.admin.quotas import set_daily_quota
from booking.appointments.groups import groups_of
from booking.appointments.service import book, cancel, reschedule
from booking.appointments.views import AppointmentView
from booking.calendar.availability import sessions_of
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    NikTaken,
    NotActive,
    QuotaBelowBooked,
    RescheduleLimitReached,
    SameSlot,
    SlotFull,
)
from booking.core.kinds import AppointmentStatus, ServiceType
from booking.db.models import Applicant, Appointment, Slot
from booking.people.applicants import register_applicant, validate_nik
from booking.people.members import members_of, save_member
from tests.conftest import TUE
from tests.db_helpers import slot_problems
from tests.factories import add_office, make_nik, office_spec
from tests.processes import run_workers, start_workers

SEATS = 10


async def ten_seat_slot(ctx: Domain) -> int:
    office_id = await add_office(ctx, office_spec(daily=SEATS))
    [session] = await sessions_of(ctx, office_id, TUE)
    return session.slot_id


async def booked_rows(ctx: Domain, slot_id: int) -> tuple[int, int]:
    """(the slot's counter, its appointments that are not cancelled)."""
    async with ctx.db.reader() as session:
        slot = await session.get(Slot, slot_id)
        count = (
            await session.exec(
                select(func.count())
                .select_from(Appointment)
                .where(
                    Appointment.slot_id == slot_id,
                    col(Appointment.status) != AppointmentStatus.CANCELLED,
                )
            )
        ).one()
    assert slot is not None
    return slot.booked, count


async def test_200_coroutines_race_for_10_seats(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(10_000, 10_200))
    await add_applicants(ctx, users)
    results = await asyncio.gather(
        *(book(ctx, telegram_id=t, slot_id=slot_id, service=ServiceType.NEW) for t in users),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    full = [r for r in results if isinstance(r, SlotFull)]
    others = [r for r in results if isinstance(r, BaseException) and not isinstance(r, SlotFull)]
    assert others == []
    assert len(winners) == SEATS and len(full) == 190
    assert len({w.id for w in winners}) == SEATS
    assert await booked_rows(ctx, slot_id) == (SEATS, SEATS)
    assert await slot_problems(ctx) == []


async def race_in_processes(url: str, slot_id: int, per_process: list[list[str]]) -> list[dict]:
    """Run a ``tests.race_worker`` per list of accounts, start them together, and
    return what each printed."""
    argv = [[url, str(slot_id), *accounts] for accounts in per_process]
    return await run_workers(await start_workers("tests.race_worker", argv))


async def test_processes_race_for_10_seats(ctx, settings):
    slot_id = await ten_seat_slot(ctx)
    processes, per_process = 4, 10
    users = [20_000 + i for i in range(processes * per_process)]
    await add_applicants(ctx, users)
    url = settings.effective_database_url
    results = await race_in_processes(
        url,
        slot_id,
        [
            [str(u) for u in users[p * per_process : (p + 1) * per_process]]
            for p in range(processes)
        ],
    )
    assert [r["other"] for r in results] == [[]] * processes
    won = [i for r in results for i in r["won"]]
    assert len(won) == SEATS and len(set(won)) == SEATS
    assert sum(r["full"] for r in results) == processes * per_process - SEATS
    assert await booked_rows(ctx, slot_id) == (SEATS, SEATS)
    assert await slot_problems(ctx) == []


async def test_concurrent_double_taps_give_one_appointment(ctx):
    slot_id = await ten_seat_slot(ctx)
    await add_applicants(ctx, [30_000])
    results = await asyncio.gather(
        *(
            book(ctx, telegram_id=30_000, slot_id=slot_id, service=ServiceType.NEW)
            for _ in range(20)
        ),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert len({r.id for r in results}) == 1  # type: ignore[union-attr]
    assert await booked_rows(ctx, slot_id) == (1, 1)


async def test_concurrent_taps_on_different_slots_give_one_appointment(ctx):
    office_id = await add_office(ctx, office_spec(daily=SEATS))
    slot_ids = [
        s.slot_id
        for day in (date(2026, 12, d) for d in (1, 2, 3, 4, 7, 8))
        for s in await sessions_of(ctx, office_id, day)
    ]
    await add_applicants(ctx, [30_001])
    results = await asyncio.gather(
        *(book(ctx, telegram_id=30_001, slot_id=s, service=ServiceType.NEW) for s in slot_ids),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, AlreadyBooked) for r in results if isinstance(r, BaseException))
    async with ctx.db.reader() as session:
        booked = list(await session.exec(select(Slot.booked).where(col(Slot.id).in_(slot_ids))))
    assert sorted(booked) == [0] * (len(slot_ids) - 1) + [1]
    assert await slot_problems(ctx) == []


async def test_concurrent_cancel_taps_free_one_seat(ctx):
    slot_id = await ten_seat_slot(ctx)
    await add_applicants(ctx, [30_002, 30_003])
    mine = await book(ctx, telegram_id=30_002, slot_id=slot_id, service=ServiceType.NEW)
    await book(ctx, telegram_id=30_003, slot_id=slot_id, service=ServiceType.NEW)
    results = await asyncio.gather(
        *(cancel(ctx, telegram_id=30_002, appointment_id=mine.id) for _ in range(10)),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(done) == 1
    assert all(isinstance(r, NotActive) for r in results if isinstance(r, BaseException))
    assert await booked_rows(ctx, slot_id) == (1, 1)
    assert await slot_problems(ctx) == []


async def test_concurrent_reschedule_taps_move_once(ctx):
    office_id = await add_office(ctx, office_spec(daily=SEATS))
    [tue] = await sessions_of(ctx, office_id, TUE)
    [wed] = await sessions_of(ctx, office_id, date(2026, 12, 2))
    await add_applicants(ctx, [30_004, 30_005])
    mine = await book(ctx, telegram_id=30_004, slot_id=tue.slot_id, service=ServiceType.NEW)
    await book(ctx, telegram_id=30_005, slot_id=tue.slot_id, service=ServiceType.NEW)
    results = await asyncio.gather(
        *(
            reschedule(ctx, telegram_id=30_004, appointment_id=mine.id, new_slot_id=wed.slot_id)
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    moved = [r for r in results if not isinstance(r, BaseException)]
    assert len(moved) == 1 and moved[0].slot_id == wed.slot_id
    refusals = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, SameSlot | RescheduleLimitReached) for r in refusals), refusals
    assert await booked_rows(ctx, tue.slot_id) == (1, 1)
    assert await booked_rows(ctx, wed.slot_id) == (1, 1)
    assert await slot_problems(ctx) == []


async def test_quota_cut_racing_bookings_never_overbooks(ctx):
    slot_id = await ten_seat_slot(ctx)
    users = list(range(30_100, 30_110))
    await add_applicants(ctx, users)
    cut = set_daily_quota(ctx, "TEST", [TUE], 4, actor="test")
    bookings = [book(ctx, telegram_id=t, slot_id=slot_id, service=ServiceType.NEW) for t in users]
    results = await asyncio.gather(*bookings[:5], cut, *bookings[5:], return_exceptions=True)
    cut_result = results[5]
    booked = [r for r in results if isinstance(r, AppointmentView)]
    unexpected = [
        r
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, SlotFull | QuotaBelowBooked)
    ]
    assert unexpected == []
    row_booked, rows = await booked_rows(ctx, slot_id)
    assert row_booked == rows == len(booked)
    async with ctx.db.reader() as session:
        slot = await session.get(Slot, slot_id)
    assert slot is not None
    if isinstance(cut_result, QuotaBelowBooked):
        assert slot.capacity == SEATS
    else:
        assert slot.capacity == 4 and len(booked) <= 4
    assert await slot_problems(ctx) == []


async def test_one_nik_registered_from_two_accounts_at_once(ctx):
    nik = validate_nik(ctx, make_nik(date(1990, 5, 17), serial=4321))
    results = await asyncio.gather(
        *(
            register_applicant(ctx, telegram_id=t, full_name="Rina", nik=nik)
            for t in range(30_200, 30_206)
        ),
        return_exceptions=True,
    )
    registered = [r for r in results if not isinstance(r, BaseException)]
    assert len(registered) == 1
    assert all(isinstance(r, NikTaken) for r in results if isinstance(r, BaseException)), results
    async with ctx.db.reader() as session:
        count = (await session.exec(select(func.count()).select_from(Applicant))).one()
    assert count == 1


async def saved_families(
    ctx: Domain, accounts: list[int], sizes: list[int]
) -> dict[int, list[int]]:
    """Each account with ``size - 1`` family members saved besides its holder: the
    member ids of each account's group, the holder first."""
    await add_applicants(ctx, accounts)
    families = {}
    for account, size in zip(accounts, sizes, strict=True):
        [holder] = await members_of(ctx, account)
        ids = [holder.id]
        for k in range(1, size):
            nik = crowd_nik(account + 100_000 * k)  # distinct from every holder's
            saved = await save_member(ctx, telegram_id=account, full_name="Anggota", nik=nik)
            ids.append(saved.id)
        families[account] = ids
    return families


async def test_processes_race_50_groups_for_60_seats_never_splitting_one(ctx, settings):
    office_id = await add_office(ctx, office_spec(daily=60))
    [session] = await sessions_of(ctx, office_id, TUE)
    accounts = [40_000 + i for i in range(50)]
    sizes = [1 + i % 5 for i in range(50)]  # 150 people for 60 seats
    families = await saved_families(ctx, accounts, sizes)
    specs = [f"{a}={','.join(map(str, families[a]))}" for a in accounts]
    processes = 4
    results = await race_in_processes(
        settings.effective_database_url,
        session.slot_id,
        [specs[p::processes] for p in range(processes)],
    )
    assert [r["other"] for r in results] == [[]] * processes
    won = [g for r in results for g in r["won"]]
    assert len(won) + sum(r["full"] for r in results) == 50
    groups = {g.id: g for a in accounts for g in await groups_of(ctx, a)}
    assert set(groups) == set(won)  # a refused group left nothing behind
    for group in groups.values():  # and a booked one is whole
        assert [m.member_id for m in group.members] == families[group.telegram_id]
    seated = sum(g.size for g in groups.values())
    assert seated <= 60
    assert await booked_rows(ctx, session.slot_id) == (seated, seated)
    # Every group still waiting is larger than the seats left: the race seated greedily.
    left = 60 - seated
    refused = [
        len(families[a]) for a in accounts if not any(g.telegram_id == a for g in groups.values())
    ]
    assert all(size > left for size in refused)
    assert await slot_problems(ctx) == []
