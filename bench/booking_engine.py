"""The booking services alone, against a raw driver doing the same seat rule.

Two runs, each on a fresh database migrated by Alembic, with ``--concurrency``
tasks (default 64) calling ``booking.appointments.service.book``:

(a) ``--attempts`` bookings that all succeed: distinct registered applicants
    spread over ``--slots`` slots of ``--seats`` seats each;
(b) ``--attempts`` bookings by distinct applicants for one slot of
    ``--contended-seats`` seats: that many succeed, the rest get ``SlotFull``.

Baseline, same run, same schema and seeding: the raw driver (stdlib ``sqlite3``,
or ``asyncpg`` with ``--database-url postgresql+asyncpg://...``) doing per
attempt one transaction of the conditional ``UPDATE slot SET booked = booked + 1
WHERE id = ? AND booked < capacity`` and, when it took a seat, the ``INSERT`` of
the appointment. SQLite runs in a temp dir with the production pragmas (WAL,
synchronous=NORMAL, busy timeout, BEGIN IMMEDIATE); the stdlib baseline runs its
transactions one after another, which is the fastest way to drive one SQLite
writer.

After every run the database is checked: no slot over capacity, every slot
counter equal to its appointments not cancelled, as many appointments as
successes. PostgreSQL: the database given is emptied (its tables truncated).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from bench.crowd import holders_of_applicants
from booking.appointments.codes import new_booking_code
from booking.appointments.groups import MemberChoice, book_group
from booking.appointments.service import book
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import SlotFull
from booking.core.kinds import ServiceType
from booking.db.engine import Database, create_database
from booking.db.migrate import migrate
from booking.db.models import Applicant, Appointment, Notification, Office, Person, Slot
from booking.notify.outbox import REMINDER_KINDS

TARGET_RATIO = 0.05
# (g), people in groups: at most this fraction below (a)'s ratio to the same baseline.
TARGET_GROUP_SPREAD = 0.2
NEW = ServiceType.NEW
NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 12, 7)
TELEGRAM_BASE = 7_000_000_000
TABLES = (
    "notification, admin_role, audit_log, appointment, booking_group, person, slot,"
    " quota_override, closure, session_rule, applicant, office"
)


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def database_url(text: str) -> str:
    """An argparse type: a PostgreSQL URL for asyncpg."""
    if not text.startswith("postgresql+asyncpg://"):
        raise argparse.ArgumentTypeError("expected postgresql+asyncpg://user@host:port/name")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--attempts", type=positive, default=10_000, help="per run (default 10000)")
    parser.add_argument("--slots", type=positive, default=50, help="slots of run (a) (default 50)")
    parser.add_argument(
        "--seats",
        type=positive,
        default=None,
        help="seats per slot in run (a) (default: attempts / slots, rounded up)",
    )
    parser.add_argument(
        "--contended-seats", type=positive, default=100, help="seats of run (b) (default 100)"
    )
    parser.add_argument("--concurrency", type=positive, default=64, help="tasks (default 64)")
    parser.add_argument(
        "--database-url",
        type=database_url,
        default=None,
        help="postgresql+asyncpg://... to run on PostgreSQL (its tables are emptied);"
        " default: a SQLite file in a temp dir",
    )
    parser.add_argument(
        "--group-size",
        type=positive,
        default=None,
        help="also run (g): --attempts people booked in groups of this size (booking groups"
        " of one account each, over --slots slots)",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


# --- setup ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Who books which slot: account ``i`` books ``slot_of[i]``, for a group of
    ``group_size`` people (the holder and ``group_size - 1`` saved members)."""

    capacities: list[int]
    slot_of: list[int]  # index into capacities, per attempt
    group_size: int = 1


def all_succeed(attempts: int, slots: int, seats: int) -> Layout:
    return Layout([seats] * slots, [i % slots for i in range(attempts)])


def in_groups(people: int, slots: int, size: int) -> Layout:
    """``people // size`` groups spread over ``slots`` slots, each with room for all
    the groups it gets: every booking succeeds."""
    groups = people // size
    seats = math.ceil(groups / slots) * size
    return Layout([seats] * slots, [i % slots for i in range(groups)], size)


def contended(attempts: int, seats: int) -> Layout:
    return Layout([seats], [0] * attempts)


@dataclass
class Seeded:
    slot_ids: list[int]
    office_id: int


async def seed(db: Database, layout: Layout) -> Seeded:
    """One office, the layout's slots (one a day at 08:00 WIB), one applicant per attempt."""
    async with db.engine.begin() as conn:
        office_id = (
            await conn.execute(
                insert(Office)
                .values(
                    code="BENCH",
                    name="Kantor Imigrasi Bench",
                    kind="kanim",
                    address="Jl. Bench 1",
                    city="Jakarta",
                    province="DKI Jakarta",
                    timezone="Asia/Jakarta",
                    daily_quota=max(layout.capacities),
                    priority_quota=0,
                    release_window_days=60,
                    release_rule="FREQ=DAILY;BYHOUR=8",
                    active=True,
                )
                .returning(col(Office.id))
            )
        ).scalar_one()
        slot_rows = []
        for i, capacity in enumerate(layout.capacities):
            day = FIRST_DAY + timedelta(days=i)
            start = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 08:00 WIB
            slot_rows.append(
                {
                    "office_id": office_id,
                    "day": day,
                    "label": "Pagi",
                    "share": 1,
                    "start_utc": start,
                    "end_utc": start + timedelta(hours=4),
                    "capacity": capacity,
                    "booked": 0,
                    "priority_capacity": 0,
                    "priority_booked": 0,
                    "is_open": True,
                }
            )
        await conn.execute(insert(Slot), slot_rows)
        slot_ids = list((await conn.execute(select(col(Slot.id)).order_by(col(Slot.id)))).scalars())
        applicants = [
            {
                "telegram_id": TELEGRAM_BASE + i,
                "full_name": f"Pemohon {i}",
                "language": "id",
                "phone": None,
                "nik_hash": f"{i:064x}",
                "nik_masked": "3171********0000",
                "birth_date": date(1990, 1, 1),
                "sex": "M",
                "unreachable": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(len(layout.slot_of))
        ]
        for chunk in chunks(applicants, 2000):
            await conn.execute(insert(Applicant), chunk)
        await conn.execute(holders_of_applicants())
        ids = (await conn.execute(select(col(Applicant.id)).order_by(col(Applicant.id)))).scalars()
        members = [
            {
                "applicant_id": applicant_id,
                "full_name": f"Anggota {k}",
                "nik_hash": f"{k:02x}{i:062x}",
                "nik_masked": "3171********0000",
                "birth_date": date(2015, 1, 1),
                "sex": "F",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i, applicant_id in enumerate(ids)
            for k in range(1, layout.group_size)
        ]
        for chunk in chunks(members, 2000):
            await conn.execute(insert(Person), chunk)
    return Seeded([int(i) for i in slot_ids if i is not None], int(office_id or 0))


async def people_of(db: Database) -> dict[int, list[int]]:
    """Each account's people (holder first, then its members), by Telegram id."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(col(Applicant.telegram_id), col(Person.id))
            .join(Person, col(Person.applicant_id) == col(Applicant.id))
            .order_by(col(Applicant.telegram_id), col(Person.nik_hash) != col(Applicant.nik_hash))
            .order_by(col(Person.id))
        )
        people: dict[int, list[int]] = {}
        for telegram_id, person_id in rows:
            assert person_id is not None
            people.setdefault(telegram_id, []).append(person_id)
        return people


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def fresh_database(url: str) -> Database:
    """The database at ``url``, migrated and empty."""
    db = create_database(url)
    await migrate(db)
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return db


# --- checks -------------------------------------------------------------------------


@dataclass
class Check:
    appointments: int
    overbooked: int
    counters_match: bool
    reminders: int

    def ok(self, successes: int) -> bool:
        return self.overbooked == 0 and self.counters_match and self.appointments == successes


async def check(db: Database) -> Check:
    """Read the invariants back from the database."""
    async with db.engine.connect() as conn:
        counted = (
            select(col(Appointment.slot_id), func.count().label("n"))
            .where(col(Appointment.status) != "cancelled")
            .group_by(col(Appointment.slot_id))
            .subquery()
        )
        rows = (
            await conn.execute(
                select(
                    col(Slot.booked),
                    col(Slot.capacity),
                    col(Slot.priority_booked),
                    col(Slot.priority_capacity),
                    func.coalesce(counted.c.n, 0),
                ).outerjoin(counted, counted.c.slot_id == col(Slot.id))
            )
        ).all()
        total = (await conn.execute(select(func.count()).select_from(Appointment))).scalar_one()
        reminders = (
            await conn.execute(
                select(func.count())
                .select_from(Notification)
                .where(col(Notification.kind).in_(REMINDER_KINDS))
            )
        ).scalar_one()
    overbooked = sum(
        max(0, booked - cap) + max(0, pbooked - pcap) + max(0, n - cap - pcap)
        for booked, cap, pbooked, pcap, n in rows
    )
    match = all(booked + pbooked == n for booked, _, pbooked, _, n in rows)
    return Check(total, overbooked, match, reminders)


# --- the project ------------------------------------------------------------------------


@dataclass
class Outcome:
    seconds: float
    attempts: int
    results: Counter[str] = field(default_factory=Counter)
    check: Check | None = None
    batches: int = 0
    group_size: int = 1  # people each attempt books

    @property
    def successes(self) -> int:
        """People booked."""
        return self.results["booked"] * self.group_size

    @property
    def per_s(self) -> float:
        return self.attempts / self.seconds if self.seconds else 0.0

    @property
    def bookings_per_s(self) -> float:
        return self.successes / self.seconds if self.seconds else 0.0


async def run_tasks(
    attempts: int, concurrency: int, attempt: Callable[[int], Awaitable[str]]
) -> tuple[float, Counter[str]]:
    """Run ``attempt(i)`` for every i with ``concurrency`` tasks; time it all."""
    results: Counter[str] = Counter()
    indexes = iter(range(attempts))

    async def worker() -> None:
        for i in indexes:
            results[await attempt(i)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, results


async def run_project(url: str, layout: Layout, concurrency: int, data_dir: Path) -> Outcome:
    db = await fresh_database(url)
    try:
        seeded = await seed(db, layout)
        settings = BookingSettings(
            _env_file=None,
            data_dir=data_dir,
            database_url=url,
            nik_secret=SecretStr("bench"),
        )
        domain = Domain(db=db, clock=FixedClock(NOW), settings=settings, nik_key=b"bench")
        people = await people_of(db) if layout.group_size > 1 else {}

        async def attempt(i: int) -> str:
            telegram_id, slot_id = TELEGRAM_BASE + i, seeded.slot_ids[layout.slot_of[i]]
            try:
                if layout.group_size == 1:
                    await book(domain, telegram_id=telegram_id, slot_id=slot_id, service=NEW)
                else:
                    members = [MemberChoice(p, NEW) for p in people[telegram_id]]
                    await book_group(
                        domain, telegram_id=telegram_id, slot_id=slot_id, members=members
                    )
            except SlotFull:
                return "full"
            except Exception as exc:  # noqa: BLE001 (counted and reported)
                return type(exc).__name__
            return "booked"

        seconds, results = await run_tasks(len(layout.slot_of), concurrency, attempt)
        outcome = Outcome(
            seconds,
            len(layout.slot_of),
            results,
            batches=db.batcher.batches,
            group_size=layout.group_size,
        )
        outcome.check = await check(db)
        return outcome
    finally:
        await db.dispose()


# --- the baselines ----------------------------------------------------------------------

UPDATE_SQL = "UPDATE slot SET booked = booked + 1 WHERE id = {p1} AND booked < capacity"
GROUP_SQL = (
    "INSERT INTO booking_group (telegram_id, applicant_id, office_id, slot_id, status,"
    " reschedule_count, created_at, updated_at)"
    " VALUES ({p1}, {p2}, {p3}, {p4}, 'active', 0, {p5}, {p5}) RETURNING id"
)
INSERT_SQL = (
    "INSERT INTO appointment (code, applicant_id, group_id, person_id, office_id, slot_id,"
    " service, pool, status, telegram_id, nik_hash, created_at, updated_at)"
    " VALUES ({p1}, {p2}, {p8}, {p9}, {p3}, {p4}, 'new', 'regular', 'booked', {p5}, {p6},"
    " {p7}, {p7})"
)
# Each account's applicant and holder person: (telegram_id, applicant id, person id).
PEOPLE_SQL = (
    "SELECT a.telegram_id, a.id, p.id FROM applicant a"
    " JOIN person p ON p.applicant_id = a.id AND p.nik_hash = a.nik_hash"
)
MARKS = range(1, 10)


def group_values(
    i: int, slot_id: int, seeded: Seeded, people: dict[int, tuple[int, int]], stamp: object
) -> tuple[object, ...]:
    """The GROUP_SQL parameters of attempt ``i``'s group (of one)."""
    telegram_id = TELEGRAM_BASE + i
    return (telegram_id, people[telegram_id][0], seeded.office_id, slot_id, stamp)


def insert_values(
    i: int,
    slot_id: int,
    seeded: Seeded,
    people: dict[int, tuple[int, int]],
    stamp: object,
    group_id: int,
) -> tuple[object, ...]:
    """The INSERT_SQL parameters of attempt ``i``'s appointment."""
    telegram_id = TELEGRAM_BASE + i
    applicant_id, person_id = people[telegram_id]
    return (
        new_booking_code(),
        applicant_id,
        seeded.office_id,
        slot_id,
        telegram_id,
        f"{i:064x}",
        stamp,
        group_id,
        person_id,
    )


def sqlite_baseline(path: str, layout: Layout, seeded: Seeded, busy_timeout_ms: int) -> Outcome:
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    marks = {f"p{n}": f"?{n}" for n in MARKS}
    update_sql, insert_sql = UPDATE_SQL.format(**marks), INSERT_SQL.format(**marks)
    group_sql = GROUP_SQL.format(**marks)
    people = {t: (a, p) for t, a, p in conn.execute(PEOPLE_SQL).fetchall()}
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    results: Counter[str] = Counter()
    started = time.perf_counter()
    for i, slot_index in enumerate(layout.slot_of):
        slot_id = seeded.slot_ids[slot_index]
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute(update_sql, (slot_id,)).rowcount == 1:
            values = group_values(i, slot_id, seeded, people, stamp)
            (group_id,) = conn.execute(group_sql, values).fetchone()
            conn.execute(insert_sql, insert_values(i, slot_id, seeded, people, stamp, group_id))
            results["booked"] += 1
        else:
            results["full"] += 1
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return Outcome(seconds, len(layout.slot_of), results)


async def asyncpg_baseline(
    url: str, layout: Layout, seeded: Seeded, concurrency: int, connections: int
) -> Outcome:
    import asyncpg  # only needed for PostgreSQL

    marks = {f"p{n}": f"${n}" for n in MARKS}
    update_sql, insert_sql = UPDATE_SQL.format(**marks), INSERT_SQL.format(**marks)
    group_sql = GROUP_SQL.format(**marks)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    try:
        async with pool.acquire() as conn:
            people = {t: (a, p) for t, a, p in await conn.fetch(PEOPLE_SQL)}
        stamp = NOW.replace(tzinfo=None)

        async def attempt(i: int) -> str:
            slot_id = seeded.slot_ids[layout.slot_of[i]]
            async with pool.acquire() as conn, conn.transaction():
                if await conn.execute(update_sql, slot_id) != "UPDATE 1":
                    return "full"
                group_id = await conn.fetchval(
                    group_sql, *group_values(i, slot_id, seeded, people, stamp)
                )
                await conn.execute(
                    insert_sql, *insert_values(i, slot_id, seeded, people, stamp, group_id)
                )
            return "booked"

        seconds, results = await run_tasks(len(layout.slot_of), concurrency, attempt)
    finally:
        await pool.close()
    return Outcome(seconds, len(layout.slot_of), results)


async def run_baseline(url: str, layout: Layout, concurrency: int) -> Outcome:
    db = await fresh_database(url)
    try:
        seeded = await seed(db, layout)
        if db.is_sqlite:
            path = db.engine.url.database
            assert path is not None
            await db.dispose()
            outcome = await asyncio.to_thread(sqlite_baseline, path, layout, seeded, 5000)
        else:
            await db.dispose()
            pool: Any = db.engine.pool
            connections = pool.size() + pool._max_overflow
            outcome = await asyncpg_baseline(url, layout, seeded, concurrency, connections)
        outcome.check = await check(db)
        return outcome
    finally:
        await db.dispose()


# --- report ----------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def row(name: str, o: Outcome) -> str:
    c = o.check
    assert c is not None
    return (
        f"{name:<28} {o.attempts:>8} {o.successes:>8} {o.seconds:>8.2f}"
        f" {o.per_s:>10.0f} {o.bookings_per_s:>10.0f} {c.overbooked:>6}"
        f" {'yes' if c.ok(o.successes) else 'NO':>6}"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    seats = args.seats or math.ceil(args.attempts / args.slots)
    if args.slots * seats < args.attempts:
        raise SystemExit("booking-engine: --slots x --seats must reach --attempts for run (a)")
    runs = {
        "a": all_succeed(args.attempts, args.slots, seats),
        "b": contended(args.attempts, args.contended_seats),
    }
    if args.group_size:
        runs["g"] = in_groups(args.attempts, args.slots, args.group_size)
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="tanpa-bench-") as tmp:
        for name, layout in runs.items():
            # (g) is measured against (a)'s baseline: the same people, booked one by one.
            for side in ("project",) if name == "g" else ("project", "baseline"):
                url = args.database_url or f"sqlite+aiosqlite:///{tmp}/{name}-{side}.db"
                if side == "project":
                    outcome = await run_project(url, layout, args.concurrency, Path(tmp))
                else:
                    outcome = await run_baseline(url, layout, args.concurrency)
                outcomes[f"{name}-{side}"] = outcome
    a, a0 = outcomes["a-project"], outcomes["a-baseline"]
    b, b0 = outcomes["b-project"], outcomes["b-baseline"]
    backend = "postgresql" if args.database_url else "sqlite"
    print(
        f"booking-engine on {backend}: {args.attempts} attempts per run, "
        f"{args.concurrency} tasks, {os.cpu_count()} cores"
    )
    print(
        f"{'run':<28} {'attempts':>8} {'booked':>8} {'seconds':>8}"
        f" {'attempts/s':>10} {'bookings/s':>10} {'over':>6} {'checks':>6}"
    )
    print(row(f"(a) project, {args.slots}x{seats}", a))
    print(row("(a) baseline", a0))
    print(row(f"(b) project, {args.contended_seats} seats", b))
    print(row("(b) baseline", b0))
    g = outcomes.get("g-project")
    if g is not None:
        print(row(f"(g) project, groups of {args.group_size}", g))
    projects = [o for k, o in outcomes.items() if k.endswith("project")]
    errors = {k: v for o in projects for k, v in o.results.items() if k not in ("booked", "full")}
    checks = [o.check for o in outcomes.values()]
    overbooked = sum(c.overbooked for c in checks if c is not None)
    invariants_ok = all(o.check is not None and o.check.ok(o.successes) for o in outcomes.values())
    summary = {
        "scenario": "booking-engine",
        "backend": backend,
        "nproc": os.cpu_count(),
        "attempts": args.attempts,
        "slots": args.slots,
        "seats": seats,
        "contended_seats": args.contended_seats,
        "concurrency": args.concurrency,
        "bookings_per_s": round(a.bookings_per_s, 1),
        "baseline_bookings_per_s": round(a0.bookings_per_s, 1),
        "ratio_all_succeed": round(ratio(a.bookings_per_s, a0.bookings_per_s), 4),
        "attempts_per_s_contended": round(b.per_s, 1),
        "baseline_attempts_per_s_contended": round(b0.per_s, 1),
        "ratio_contended": round(ratio(b.per_s, b0.per_s), 4),
        "booked_all_succeed": a.successes,
        "booked_contended": b.successes,
        "baseline_booked_contended": b0.successes,
        "transactions_all_succeed": a.batches,
        "transactions_contended": b.batches,
        "reminders_queued": a.check.reminders if a.check else 0,
        "errors": errors,
        "overbooked": overbooked,
        "invariants_ok": invariants_ok,
        "target_ratio_all_succeed": TARGET_RATIO,
    }
    if g is not None:
        summary |= {
            "group_size": args.group_size,
            "people_booked": g.successes,
            "people_booked_per_s": round(g.bookings_per_s, 1),
            "groups_per_s": round(g.bookings_per_s / args.group_size, 1),
            "ratio_group": round(ratio(g.bookings_per_s, a0.bookings_per_s), 4),
            "transactions_group": g.batches,
            "reminders_queued_group": g.check.reminders if g.check else 0,
            "target_group_spread": TARGET_GROUP_SPREAD,
        }
        print(
            f"ratio (g) people/s in groups of {args.group_size}: {summary['ratio_group']}"
            f" (target: at least {1 - TARGET_GROUP_SPREAD:.0%} of (a)'s"
            f" {summary['ratio_all_succeed']})"
        )
    print(
        f"ratio (a) bookings/s: {summary['ratio_all_succeed']} (target >= {TARGET_RATIO});"
        f" ratio (b) attempts/s: {summary['ratio_contended']};"
        f" transactions: (a) {a.batches}, (b) {b.batches};"
        f" overbooked: {overbooked}; invariants {'hold' if invariants_ok else 'BROKEN'}"
    )
    if errors:
        print(f"unexpected errors: {errors}")
    return summary


def main(args: argparse.Namespace) -> int:
    try:
        summary = asyncio.run(run(args))
    except (OSError, DBAPIError) as exc:
        print(f"booking-engine: cannot use the database: {exc.__class__.__name__}: {exc}")
        return 2
    if args.json:
        print(json.dumps(summary))
    ok = summary["invariants_ok"] and not summary["errors"]
    ok = ok and summary["booked_contended"] == min(args.contended_seats, args.attempts)
    if args.group_size:
        groups = args.attempts // args.group_size
        ok = ok and summary["people_booked"] == groups * args.group_size
    return 0 if ok else 1
