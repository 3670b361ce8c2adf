"""Scalpers against the release: first-come versus draw, same office and seats.

C seats (``--seats``, default 200) in one release of one office (two sessions of
C/2 on one day); ``--honest`` applicants (default 1,000) and one actor with
``--accounts`` accounts (default 50), each with its own valid, distinct NIK, each
wanting one seat. Both modes run the real domain services on a throw-away SQLite
database per mode and seed, with a fake clock, ``--workers`` seeds at a time
(processes, default 2):

- ``first-come``: the release moment comes (``release_slots``); the actor's
  accounts book within 50 ms of it, the honest applicants' taps arrive spread
  over the next 24 hours (a fifth of them refreshing at the moment itself, a few
  seconds late); in arrival order each books (``book_group``) Pagi, else Siang;
- ``draw``: the same people request during the 24-hour window (``submit_request``,
  Pagi first, else any session that day), then the draw runs at the release
  moment (``run_release_draws``).

Per mode over ``--seeds`` seeds (default 20): the actor's share of the seats
taken, its share of the requests (its accounts ÷ all), the advantage (seat share
÷ request share) with a 95% t-interval over the seeds (Student's t of the
per-seed advantages), honest applicants served (mean), and overbooked: over all
slots, appointments beyond capacity plus any counter that differs from its
appointments, counted in the database (0). Targets: draw advantage within
[0.8, 1.25]; first-come's is reported (far above 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import tempfile
import time as wall
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import col, select

from bench.crowd import register_crowd
from booking.admin.offices_file import (
    OfficeSpec,
    QuotaSpec,
    ReleaseSpec,
    SessionSpec,
    load_offices,
)
from booking.appointments.groups import MemberChoice, book_group
from booking.calendar.release import release_slots
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import SlotFull
from booking.core.kinds import ACTIVE_STATUSES, ReleaseMode, ServiceType
from booking.db.engine import create_database
from booking.db.migrate import migrate
from booking.db.models import Appointment, Office, Slot
from booking.draw.drawing import run_release_draws
from booking.draw.requests import Choice, submit_request
from booking.draw.windows import open_windows

# The release: Monday 7 Dec 2026 08:00 WIB opens Tuesday 8 Dec.
RELEASE_AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
DAY = RELEASE_AT.date() + timedelta(days=1)
WINDOW = timedelta(hours=24)
FIRST_HONEST, FIRST_ACTOR = 10_000_000, 20_000_000
ALONE = [MemberChoice(None, ServiceType.NEW)]
T_95 = {  # two-sided 95% quantiles of Student's t by degrees of freedom
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 19: 2.093, 24: 2.064, 29: 2.045, 49: 2.010,
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=20, help="runs per mode (default 20)")
    parser.add_argument("--seats", type=int, default=200, help="C (default 200)")
    parser.add_argument("--honest", type=int, default=1000, help="honest applicants (1000)")
    parser.add_argument("--accounts", type=int, default=50, help="the actor's accounts (50)")
    parser.add_argument("--workers", type=int, default=2, help="processes running seeds (2)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


def office_spec(seats: int, mode: ReleaseMode) -> OfficeSpec:
    daily = "FREQ=DAILY"
    return OfficeSpec(
        code="RUSH",
        name="Kantor Imigrasi Rush",
        address="Jl. Contoh No. 1",
        city="Jakarta",
        province="DKI Jakarta",
        timezone="Asia/Jakarta",
        quota=QuotaSpec(daily=seats, priority=0),
        release=ReleaseSpec(
            window_days=1, rule="FREQ=DAILY;BYHOUR=8;BYMINUTE=0", mode=mode, request_window_hours=24
        ),
        sessions=[
            SessionSpec(label="Pagi", start=clock_time(8), end=clock_time(12), rule=daily),
            SessionSpec(label="Siang", start=clock_time(13), end=clock_time(15), rule=daily),
        ],
    )


@dataclass(frozen=True)
class Arrival:
    at: datetime
    telegram_id: int


def arrivals(rng: random.Random, honest: int, accounts: int, start: datetime) -> list[Arrival]:
    """Everyone's one action, in time order from ``start``: the actor within 50 ms,
    a fifth of the honest a few seconds late, the others over 24 hours."""
    people = [
        Arrival(start + timedelta(seconds=rng.uniform(0, 0.05)), FIRST_ACTOR + i)
        for i in range(accounts)
    ]
    for i in range(honest):
        late = (
            rng.expovariate(1 / 5) if rng.random() < 0.2 else rng.uniform(0, WINDOW.total_seconds())
        )
        people.append(Arrival(start + timedelta(seconds=late), FIRST_HONEST + i))
    return sorted(people, key=lambda a: a.at)


def domain_of(path: Path, clock: FixedClock, seed: int) -> Domain:
    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=path.parent,
        database_url=f"sqlite+aiosqlite:///{path}",
        nik_secret=SecretStr("scalpers-bench"),
        draw_secret=SecretStr(f"scalpers-bench-{seed}"),
        confirmations_in_outbox=False,
    )
    db = create_database(settings.effective_database_url)
    return Domain(db=db, clock=clock, settings=settings, nik_key=settings.nik_key())


async def first_come(ctx: Domain, people: list[Arrival]) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.set(RELEASE_AT)
    await release_slots(ctx)
    async with ctx.db.reader() as session:
        slots = list(
            await session.exec(select(Slot.id).where(Slot.day == DAY).order_by(col(Slot.start_utc)))
        )

    async def taps(telegram_id: int) -> None:
        for slot_id in slots:  # Pagi, else Siang
            assert slot_id is not None
            try:
                await book_group(ctx, telegram_id=telegram_id, slot_id=slot_id, members=ALONE)
                return
            except SlotFull:
                continue

    # In arrival order: the write batches run them in the order they are submitted.
    await asyncio.gather(*(taps(a.telegram_id) for a in people))


async def draw(ctx: Domain, people: list[Arrival]) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.set(RELEASE_AT - WINDOW)
    await open_windows(ctx)
    async with ctx.db.reader() as session:
        office_id = (await session.exec(select(Office.id))).one()
    assert office_id is not None
    choices = [Choice(DAY, "Pagi"), Choice(DAY)]
    for a in people:
        clock.set(a.at)
        await submit_request(
            ctx, telegram_id=a.telegram_id, office_id=office_id, members=ALONE, choices=choices
        )
    clock.set(RELEASE_AT)
    await run_release_draws(ctx)


async def counted(ctx: Domain, accounts: int) -> dict[str, int]:
    """Seats of the actor and of the honest, and overbooked (see the module doc)."""
    async with ctx.db.reader() as session:
        rows = list(
            await session.exec(
                select(Appointment.slot_id, Appointment.telegram_id).where(
                    col(Appointment.status).in_(ACTIVE_STATUSES)
                )
            )
        )
        slots = list(await session.exec(select(Slot)))
        per_slot = dict(
            (
                await session.exec(
                    select(Appointment.slot_id, func.count())
                    .where(col(Appointment.status).in_(ACTIVE_STATUSES))
                    .group_by(Appointment.slot_id)
                )
            ).all()
        )
    overbooked = sum(
        max(0, per_slot.get(s.id, 0) - s.capacity - s.priority_capacity)
        + abs(s.booked + s.priority_booked - per_slot.get(s.id, 0))
        for s in slots
    )
    actor = sum(1 for _, t in rows if t >= FIRST_ACTOR)
    return {"actor": actor, "honest": len(rows) - actor, "overbooked": overbooked}


def run_in_process(
    template: Path, work: Path, mode: ReleaseMode, seed: int, args: argparse.Namespace
) -> dict[str, int]:
    """One run in a worker process (seeds run side by side on the cores)."""
    return asyncio.run(one_run(template, work, mode, seed, args))


async def one_run(
    template: Path, work: Path, mode: ReleaseMode, seed: int, args: argparse.Namespace
) -> dict[str, int]:
    path = work / f"{mode.value}-{seed}.db"
    shutil.copy(template, path)
    clock = FixedClock(RELEASE_AT - WINDOW - timedelta(hours=1))
    ctx = domain_of(path, clock, seed)
    try:
        await load_offices(ctx, [office_spec(args.seats, mode)], actor="bench")
        people = arrivals(random.Random(seed), args.honest, args.accounts, RELEASE_AT)
        if mode is ReleaseMode.DRAW:
            window_opens = RELEASE_AT - WINDOW
            people = [Arrival(window_opens + (a.at - RELEASE_AT), a.telegram_id) for a in people]
            await draw(ctx, people)
        else:
            await first_come(ctx, people)
        return await counted(ctx, args.accounts)
    finally:
        await ctx.db.dispose()
        path.unlink(missing_ok=True)


def t_interval(values: list[float]) -> list[float]:
    mean = statistics.fmean(values)
    if len(values) < 2:
        return [mean, mean]
    dof = len(values) - 1
    t = T_95[max(k for k in T_95 if k <= dof)]
    half = t * statistics.stdev(values) / len(values) ** 0.5
    return [round(mean - half, 3), round(mean + half, 3)]


async def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    request_share = args.accounts / (args.accounts + args.honest)
    result: dict[str, Any] = {"seeds": args.seeds, "seats": args.seats, "overbooked": 0}
    with tempfile.TemporaryDirectory(prefix="tanpa-scalpers-") as tmp:
        work = Path(tmp)
        template = work / "template.db"
        setup = domain_of(template, FixedClock(RELEASE_AT), 0)
        try:
            await migrate(setup.db)
            ids = [FIRST_HONEST + i for i in range(args.honest)]
            await register_crowd(setup, ids + [FIRST_ACTOR + i for i in range(args.accounts)])
        finally:
            await setup.db.dispose()
        for mode, key in ((ReleaseMode.FIRST_COME, "first_come"), (ReleaseMode.DRAW, "draw")):
            started = wall.perf_counter()
            with ProcessPoolExecutor(max(1, args.workers)) as pool:
                loop = asyncio.get_running_loop()
                runs = await asyncio.gather(
                    *(
                        loop.run_in_executor(pool, run_in_process, template, work, mode, seed, args)
                        for seed in range(args.seeds)
                    )
                )
            taken = [r["actor"] + r["honest"] for r in runs]
            advantages = [
                (r["actor"] / t if t else 0.0) / request_share
                for r, t in zip(runs, taken, strict=True)
            ]
            result[f"{key}_seat_share"] = round(
                statistics.fmean(r["actor"] / t for r, t in zip(runs, taken, strict=True) if t), 4
            )
            result[f"{key}_request_share"] = round(request_share, 4)
            result[f"{key}_advantage"] = round(statistics.fmean(advantages), 3)
            result[f"{key}_advantage_ci"] = t_interval(advantages)
            result[f"{key}_honest_served"] = round(statistics.fmean(r["honest"] for r in runs), 1)
            result[f"{key}_overbooked"] = sum(r["overbooked"] for r in runs)
            result["overbooked"] += result[f"{key}_overbooked"]
            log(
                f"{mode.value:>10}: actor seat share {result[f'{key}_seat_share']:.3f},"
                f" request share {request_share:.3f}, advantage {result[f'{key}_advantage']:.2f}"
                f" (95% CI {result[f'{key}_advantage_ci']}), honest served"
                f" {result[f'{key}_honest_served']}, overbooked {result[f'{key}_overbooked']}"
                f"  [{wall.perf_counter() - started:.1f} s]"
            )
    return result


def main(args: argparse.Namespace) -> int:
    result = asyncio.run(run(args, print))
    if args.json:
        print(json.dumps(result))
    return 0 if result["overbooked"] == 0 else 1
