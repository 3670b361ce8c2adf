"""Property test of the seat rule: every path that moves a seat -- book alone or
as a family group, cancel, reschedule, close a day, reopen it, rebook after the
closure, change the office default quota or a date's override, and time passing
-- in random order, on SQLite and PostgreSQL. After every step each slot's
``booked`` equals its regular appointments that are not cancelled,
``priority_booked`` its priority ones, and both stay within capacity; no account
holds two active groups, no NIK two active appointments, and no group is split
over two sessions. Accounts 0 and 1 save the same children, so their groups
compete for the same NIKs.

Each example gets a fresh database. ``SEAT_PROPERTY_EXAMPLES`` sets how many
examples to run (40); ``WAITLIST_PROPERTY_EXAMPLES`` those of the waitlist's
test (25), whose steps add joining, leaving, answering offers and the jobs duty.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from booking.admin.closures import close_day, displaced_of, rebook_displaced, reopen_day
from booking.admin.quotas import set_office_quota, set_quota_override
from booking.appointments.groups import MemberChoice, book_group
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.errors import BookingError
from booking.core.kinds import PriorityReason, ServiceType
from booking.offices.lookup import get_office_by_code
from booking.people.members import members_of, save_member
from booking.waitlist.answers import accept_offer, decline_offer
from booking.waitlist.duty import run_waitlist_duty
from booking.waitlist.entries import Wish, join_waitlist, leave_waitlist, waitlist_of
from tests.db_helpers import fresh_database
from tests.factories import make_nik
from tests.test_quota_properties import DAYS as ALL_DAYS
from tests.test_quota_properties import SESSIONS, run_sequence
from tests.test_quota_properties import apply as apply_booking_step
from tests.waitlist_helpers import held_problems

# Few accounts and dates, so that closures often displace someone who then rebooks.
USERS = 3
DAYS = ALL_DAYS[:2]
SLOTS = len(DAYS) * len(SESSIONS)

user = st.integers(0, USERS - 1)
slot = st.integers(0, SLOTS - 1)
day = st.integers(0, len(DAYS) - 1)
booking = st.tuples(st.just("book"), user, slot, st.sampled_from([None, PriorityReason.DISABLED]))
# A group: the holder and 1 or 2 children, the first child with a priority claim or not.
group = st.tuples(
    st.just("group"), user, slot, st.integers(1, 2), st.sampled_from([None, PriorityReason.CHILD])
)
step = st.one_of(
    booking,
    booking,  # bookings twice as often: the other steps need appointments to move
    group,
    st.tuples(st.just("cancel"), user),
    st.tuples(st.just("reschedule"), user, slot),
    st.tuples(st.just("close"), day),
    st.tuples(st.just("reopen"), day),
    st.tuples(st.just("rebook"), user, slot),
    st.tuples(st.just("office quota"), st.integers(0, 6), st.integers(0, 2)),
    st.tuples(st.just("date quota"), day, st.integers(0, 4), st.integers(0, 2)),
    st.tuples(st.just("advance"), st.integers(1, 8)),
)
example_number = itertools.count()


def child_nik(u: int, k: int) -> str:
    """Child ``k`` of account ``u``: accounts 0 and 1 share their children."""
    family = 0 if u < 2 else u
    return make_nik(date(2023, 1 + k, 10), serial=500 + 10 * family + k)


async def apply(ctx: Domain, clock: FixedClock, slot_ids: list[int], op: tuple) -> None:
    """The closure and quota steps here; book, cancel, reschedule and advance as
    in the quota property test."""
    office_id = (await get_office_by_code(ctx, "TEST")).id
    assert office_id is not None
    kind = op[0]
    if kind == "group":
        _, u, s, children, priority = op
        [holder] = [m for m in await members_of(ctx, 1000 + u) if m.is_holder]
        members = [MemberChoice(holder.id, ServiceType.NEW)]
        for k in range(children):
            child = await save_member(
                ctx, telegram_id=1000 + u, full_name="Anak", nik=child_nik(u, k)
            )
            members.append(MemberChoice(child.id, ServiceType.NEW, priority if k == 0 else None))
        group = await book_group(ctx, telegram_id=1000 + u, slot_id=slot_ids[s], members=members)
        event(f"group of {group.size}")
    elif kind == "close":
        await close_day(ctx, office_id, DAYS[op[1]], "banjir", actor="test")
    elif kind == "reopen":
        await reopen_day(ctx, office_id, DAYS[op[1]], actor="test")
    elif kind == "rebook":
        _, u, s = op
        for displaced in await displaced_of(ctx, 1000 + u):
            event("rebook: a displaced appointment")
            await rebook_displaced(
                ctx, telegram_id=1000 + u, appointment_id=displaced.id, new_slot_id=slot_ids[s]
            )
    elif kind == "office quota":
        _, daily, priority = op
        await set_office_quota(ctx, office_id, daily, priority, actor="test")
    elif kind == "date quota":
        _, d, regular, priority = op
        await set_quota_override(ctx, office_id, DAYS[d], DAYS[d], regular, priority, actor="test")
    else:
        await apply_booking_step(ctx, clock, slot_ids, op)


@settings(
    max_examples=int(os.environ.get("SEAT_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(step, min_size=10, max_size=30))
def test_every_seat_move_keeps_counters_equal_to_appointments(
    backend, sqlite_template, tmp_path, ops
):
    async def example() -> None:
        name = f"seats{next(example_number)}"
        url = await fresh_database(backend, sqlite_template, tmp_path, name)
        await run_sequence(url, tmp_path / name, ops, step=apply, days=DAYS, users=USERS)

    asyncio.run(example())


# --- the waitlist: held seats and offers among every other seat move ----------------------

WAITING_USERS = 5
waiting_user = st.integers(0, WAITING_USERS - 1)
# Bookings and cancels often (they fill sessions and free the seats the waitlist
# gets), then joins, answers and the duty; every other seat move now and then.
waitlist_step = st.one_of(
    booking,
    booking,
    group,
    step,
    st.tuples(
        st.just("join"), waiting_user, day, st.integers(0, 1), st.sampled_from([None, "Pagi"])
    ),
    st.tuples(
        st.just("join group"), waiting_user, day, st.sampled_from([None, PriorityReason.CHILD])
    ),
    st.tuples(st.just("cancel"), waiting_user),
    st.tuples(st.just("cancel"), waiting_user),  # cancels free the seats the waitlist gets
    st.just(("accept",)),  # whoever holds an offer
    st.just(("accept",)),
    st.tuples(st.just("decline"), waiting_user),
    st.tuples(st.just("leave"), waiting_user),
    st.just(("duty",)),
    st.just(("expire",)),
    # A booker's seat freed while someone waits for its date, and the duty run.
    st.tuples(st.just("hand over"), user, waiting_user, slot),
    st.tuples(st.just("hand over"), user, waiting_user, slot),
)


async def _entry(ctx: Domain, u: int):
    entries = await waitlist_of(ctx, 1000 + u)
    return entries[0] if entries else None


async def _offered(ctx: Domain) -> int | None:
    """An account holding an open offer, if any."""
    for u in range(WAITING_USERS):
        entry = await _entry(ctx, u)
        if entry is not None and entry.offer is not None:
            return u
    return None


async def apply_waitlist(ctx: Domain, clock: FixedClock, slot_ids: list[int], op: tuple) -> None:
    """The waitlist's steps here, the others as above; after each (refused or not)
    the held seats are checked too, and after the jobs duty none is left unoffered."""
    office_id = (await get_office_by_code(ctx, "TEST")).id
    assert office_id is not None
    kind = op[0]
    settled = False
    try:
        if kind == "join":
            _, u, d, span, label = op
            wish = Wish(DAYS[d], DAYS[min(d + span, len(DAYS) - 1)], label)
            members = [MemberChoice(None, ServiceType.NEW)]
            await join_waitlist(
                ctx, telegram_id=1000 + u, office_id=office_id, members=members, wish=wish
            )
        elif kind == "join group":
            _, u, d, priority = op
            [holder] = [m for m in await members_of(ctx, 1000 + u) if m.is_holder]
            child = await save_member(
                ctx, telegram_id=1000 + u, full_name="Anak", nik=child_nik(u, 0)
            )
            members = [
                MemberChoice(holder.id, ServiceType.NEW),
                MemberChoice(child.id, ServiceType.NEW, priority),
            ]
            await join_waitlist(
                ctx,
                telegram_id=1000 + u,
                office_id=office_id,
                members=members,
                wish=Wish.day(DAYS[d]),
            )
        elif kind == "accept":
            u = await _offered(ctx)
            if u is not None:
                entry = await _entry(ctx, u)
                assert entry is not None and entry.offer is not None
                event("accept: an offer")
                await accept_offer(ctx, telegram_id=1000 + u, offer_id=entry.offer.id)
        elif kind in ("decline", "leave"):
            entry = await _entry(ctx, op[1])
            if entry is not None and kind == "leave":
                await leave_waitlist(ctx, telegram_id=1000 + op[1], entry_id=entry.id)
            elif entry is not None and entry.offer is not None:
                await decline_offer(ctx, telegram_id=1000 + op[1], offer_id=entry.offer.id)
                event("decline: an offer")
        elif kind == "hand over":
            _, u, w, s = op
            d = s // len(SESSIONS)
            for sub in (("book", u, s, None), ("join", w, d, 0, None), ("cancel", u), ("duty",)):
                with contextlib.suppress(BookingError):
                    await apply_waitlist(ctx, clock, slot_ids, sub)
        elif kind in ("duty", "expire"):
            if kind == "expire":
                clock.advance(timedelta(minutes=16))
            result = await run_waitlist_duty(ctx)
            settled = True
            event(f"duty: {result.offered > 0} offered, {result.expired > 0} expired")
        else:
            await apply(ctx, clock, slot_ids, op)
    finally:
        assert await held_problems(ctx, settled=settled) == [], op


# All examples together may outlast the default timeout on PostgreSQL on a busy machine.
@pytest.mark.timeout(900)
@settings(
    max_examples=int(os.environ.get("WAITLIST_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(waitlist_step, min_size=10, max_size=30))
def test_waitlist_holds_and_offers_keep_every_seat_counted_once(
    backend, sqlite_template, tmp_path, ops
):
    async def example() -> None:
        name = f"waitlist{next(example_number)}"
        url = await fresh_database(backend, sqlite_template, tmp_path, name)
        await run_sequence(
            url, tmp_path / name, ops, step=apply_waitlist, days=DAYS, users=WAITING_USERS
        )

    asyncio.run(example())
