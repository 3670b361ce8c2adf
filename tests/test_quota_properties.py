"""Property test: any sequence of bookings, cancellations, reschedules, quota
changes and clock moves keeps every slot's counters within capacity and equal to
its appointments that are not cancelled, on SQLite and PostgreSQL.

Each example gets a fresh database (a copy of the migrated SQLite template, or
PostgreSQL truncated). ``PROPERTY_EXAMPLES`` sets how many examples to run (25).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlmodel import col, func, select

from booking.admin.quotas import set_daily_quota
from booking.appointments.service import appointments_of, book, cancel, reschedule
from booking.calendar.availability import sessions_of
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import BookingError
from booking.core.kinds import ACTIVE_STATUSES, PriorityReason, ServiceType
from booking.db.engine import create_database
from booking.db.models import Appointment
from tests.conftest import DEFAULT_NOW, TEST_NIK_SECRET
from tests.db_helpers import fresh_database, slot_problems
from tests.factories import add_applicant, add_office, office_spec, two_sessions

USERS = 5
DAYS = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
SESSIONS = two_sessions()
SLOTS = len(DAYS) * len(SESSIONS)

user = st.integers(0, USERS - 1)
slot = st.integers(0, SLOTS - 1)
operation = st.one_of(
    st.tuples(st.just("book"), user, slot, st.sampled_from([None, PriorityReason.DISABLED])),
    st.tuples(st.just("cancel"), user),
    st.tuples(st.just("reschedule"), user, slot),
    st.tuples(
        st.just("quota"), st.integers(0, len(DAYS) - 1), st.integers(0, 4), st.integers(0, 2)
    ),
    st.tuples(st.just("advance"), st.integers(1, 30)),
)
example_number = itertools.count()


Step = Callable[[Domain, FixedClock, list[int], tuple], Awaitable[None]]


async def run_sequence(
    url: str,
    tmp: Path,
    ops: list[tuple],
    *,
    step: Step | None = None,
    days: list[date] = DAYS,
    users: int = USERS,
) -> None:
    """Run ``ops`` (each by ``step``, ``apply`` by default) on an office with
    ``days`` released and ``users`` registered accounts, checking the counters
    after each."""
    step = step or apply
    settings_ = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp,
        database_url=url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
        reschedule_limit=2,
    )
    clock = FixedClock(DEFAULT_NOW)
    ctx = Domain(
        db=create_database(url), clock=clock, settings=settings_, nik_key=settings_.nik_key()
    )
    try:
        office_id = await add_office(ctx, office_spec(daily=3, priority=1, sessions=SESSIONS))
        slot_ids = [s.slot_id for day in days for s in await sessions_of(ctx, office_id, day)]
        assert len(slot_ids) == len(days) * len(SESSIONS)
        for u in range(users):
            await add_applicant(ctx, 1000 + u)
        for op in ops:
            try:
                await step(ctx, clock, slot_ids, op)
                event(f"{op[0]}: done")
            except BookingError as exc:
                # Refusals are fine; the counters must stay right either way.
                event(f"{op[0]}: {type(exc).__name__}")
            problems = await slot_problems(ctx)
            assert problems == [], (op, problems)
            assert await accounts_with_two_active(ctx) == [], op
    finally:
        await ctx.db.dispose()


async def accounts_with_two_active(ctx: Domain) -> list[int]:
    """Accounts holding two active booking groups (a group holds one appointment per
    member), or a NIK held by two active appointments: both empty when sound."""
    async with ctx.db.reader() as session:
        accounts = await session.exec(
            select(Appointment.telegram_id)
            .where(col(Appointment.status).in_(ACTIVE_STATUSES))
            .group_by(Appointment.telegram_id)
            .having(func.count(func.distinct(Appointment.group_id)) > 1)
        )
        niks = await session.exec(
            select(func.min(Appointment.telegram_id))
            .where(col(Appointment.status).in_(ACTIVE_STATUSES))
            .group_by(Appointment.nik_hash)
            .having(func.count() > 1)
        )
        return [*accounts, *niks]


async def latest_appointment(ctx: Domain, telegram_id: int) -> int | None:
    appts = await appointments_of(ctx, telegram_id)
    return max((a.id for a in appts), default=None)


async def apply(ctx: Domain, clock: FixedClock, slot_ids: list[int], op: tuple) -> None:
    kind = op[0]
    if kind == "book":
        _, u, s, priority = op
        await book(
            ctx, telegram_id=1000 + u, slot_id=slot_ids[s], service=ServiceType.NEW,
            priority=priority,
        )  # fmt: skip
    elif kind == "cancel":
        appt = await latest_appointment(ctx, 1000 + op[1])
        if appt is not None:
            await cancel(ctx, telegram_id=1000 + op[1], appointment_id=appt)
    elif kind == "reschedule":
        _, u, s = op
        appt = await latest_appointment(ctx, 1000 + u)
        if appt is not None:
            await reschedule(
                ctx, telegram_id=1000 + u, appointment_id=appt, new_slot_id=slot_ids[s]
            )
    elif kind == "quota":
        _, d, regular, priority = op
        await set_daily_quota(ctx, "TEST", [DAYS[d]], regular, priority, actor="test")
    elif kind == "advance":
        clock.advance(timedelta(hours=op[1]))


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=20))
def test_counters_always_match_appointments(backend, sqlite_template, tmp_path, ops):
    async def example() -> None:
        name = f"example{next(example_number)}"
        url = await fresh_database(backend, sqlite_template, tmp_path, name)
        await run_sequence(url, tmp_path / name, ops)

    asyncio.run(example())
