"""The day's queue: tickets made at check-in, the calling order, calling at the
counters, recall, missed and re-queue, the outbox messages, the display's state
and a restart."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from booking.admin.checkin import check_in, close_out_day
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyRequeued,
    CallsLeft,
    CounterNotOpen,
    MaxCallsReached,
    NotAuthorized,
    TicketNotCalled,
    TicketNotMissed,
)
from booking.core.kinds import PriorityReason, QueueStatus
from booking.db.engine import create_database
from booking.db.models import Notification, QueueTicket
from booking.queue.calling import call_next, mark_missed, mark_served, recall, requeue_ticket
from booking.queue.counters import close_counter, counters_of, set_counters
from booking.queue.display import now_serving
from booking.queue.tickets import missed_tickets, queue_state
from tests.admin_helpers import book_on, rows
from tests.conftest import TUE
from tests.queue_helpers import STAFF, TUE_0730, check_in_all, open_counters, queue_office


@pytest.fixture
async def office(ctx):
    return await queue_office(ctx)


async def call(ctx, office_id, counter):
    return await call_next(ctx, office_id=office_id, counter_id=counter.id, telegram_id=STAFF)


async def tickets(ctx) -> list[QueueTicket]:
    return sorted(await rows(ctx, QueueTicket), key=lambda t: t.number)


async def outbox(ctx, template):
    return sorted(
        (n.recipient, n.args["number"])
        for n in await rows(ctx, Notification, Notification.template == template)
    )


async def test_check_in_gives_each_person_a_ticket_numbered_through_the_day(ctx, office):
    morning = await book_on(ctx, office, TUE, [101, 102])
    noon = await book_on(ctx, office, TUE, [103], session_index=1)
    ctx.clock.set(TUE_0730)
    first = await check_in(ctx, office, noon[0].code, actor="t")
    second = await check_in(ctx, office, morning[1].code, actor="t")
    # One number a person a day, through the day's sessions: the queue number is
    # the ticket's (what the counter calls and the display shows).
    assert (first.queue_number, second.queue_number) == (1, 2)
    assert (first.members[0].queue_number, second.members[0].queue_number) == (1, 2)
    made = await tickets(ctx)
    assert [(t.number, t.telegram_id, t.status) for t in made] == [
        (1, 103, QueueStatus.WAITING),
        (2, 102, QueueStatus.WAITING),
    ]
    assert all(t.arrived_at == TUE_0730 and t.day == TUE for t in made)


async def test_the_calling_order(ctx, office):
    """Priority first (by arrival), then session order, then arrival; re-queued last."""
    noon = await book_on(ctx, office, TUE, [201], session_index=1)
    morning = await book_on(ctx, office, TUE, [202, 203])
    elderly = await book_on(
        ctx,
        office,
        TUE,
        [204],
        session_index=1,
        priority=PriorityReason.ELDERLY,
        born=date(1950, 1, 1),
    )
    ctx.clock.set(TUE_0730)
    for code in (noon[0].code, morning[1].code, elderly[0].code, morning[0].code):
        await check_in(ctx, office, code, actor="t")
        ctx.clock.advance(timedelta(minutes=1))
    (counter,) = await open_counters(ctx, office, 1)
    called = [await call(ctx, office, counter) for _ in range(5)]
    assert [c.telegram_id if c else None for c in called] == [204, 203, 202, 201, None]
    assert called[0].priority and called[0].priority_reason is PriorityReason.ELDERLY


async def test_call_next_marks_the_ticket_called_and_serves_the_one_before(ctx, office):
    appts = await book_on(ctx, office, TUE, [301, 302])
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (counter,) = await open_counters(ctx, office, 1)
    first = await call(ctx, office, counter)
    assert first is not None
    assert (first.label, first.status, first.counter_name, first.call_count) == (
        "001",
        QueueStatus.CALLED,
        "Loket 1",
        1,
    )
    ctx.clock.advance(timedelta(minutes=6))
    second = await call(ctx, office, counter)
    assert second is not None and second.label == "002"
    one, two = await tickets(ctx)
    assert one.status == QueueStatus.SERVED and one.served_at == TUE_0730 + timedelta(minutes=6)
    assert two.status == QueueStatus.CALLED
    (panel,) = await counters_of(ctx, office)
    assert panel.open and panel.staff_telegram_id == STAFF
    assert panel.current is not None and panel.current.label == "002"


async def test_nobody_waiting(ctx, office):
    (counter,) = await open_counters(ctx, office, 1)
    assert await call(ctx, office, counter) is None


async def test_calling_needs_an_open_counter_and_the_role(ctx, office):
    (counter,) = await set_counters(ctx, office, 1, actor="test")
    with pytest.raises(CounterNotOpen):
        await call(ctx, office, counter)
    with pytest.raises(NotAuthorized):
        await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=999)
    other = await queue_office(ctx, "OTHER")
    (elsewhere,) = await set_counters(ctx, other, 1, actor="test")
    # STAFF is petugas loket of TEST, and also of OTHER (queue_office grants it);
    # a stranger is refused at both.
    with pytest.raises(NotAuthorized):
        await close_counter(ctx, office_id=other, counter_id=elsewhere.id, telegram_id=999)


async def test_set_counters_grows_and_shrinks(ctx, office):
    assert [c.name for c in await set_counters(ctx, office, 3, actor="t")] == [
        "Loket 1",
        "Loket 2",
        "Loket 3",
    ]
    assert [c.number for c in await set_counters(ctx, office, 2, actor="t")] == [1, 2]
    assert [c.open for c in await counters_of(ctx, office)] == [False, False]


async def test_two_counters_calling_at_once_never_share_a_ticket(ctx, office):
    appts = await book_on(ctx, office, TUE, list(range(401, 413)))
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    counters = await open_counters(ctx, office, 2)

    async def keep_calling(counter):
        called = []
        while (ticket := await call(ctx, office, counter)) is not None:
            called.append(ticket.number)
        return called

    a, b = await asyncio.gather(*(keep_calling(c) for c in counters))
    assert not set(a) & set(b)
    assert sorted(a + b) == list(range(1, 13))


async def test_recall_then_missed_then_requeued_once(ctx, office):
    appts = await book_on(ctx, office, TUE, [501, 502, 503])
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (counter,) = await open_counters(ctx, office, 1)
    first = await call(ctx, office, counter)
    assert first is not None and first.telegram_id == 501
    with pytest.raises(CallsLeft):
        await mark_missed(ctx, ticket_id=first.id, telegram_id=STAFF)
    for count in (2, 3):
        again = await recall(ctx, ticket_id=first.id, counter_id=counter.id, telegram_id=STAFF)
        assert again.call_count == count
    with pytest.raises(MaxCallsReached):
        await recall(ctx, ticket_id=first.id, counter_id=counter.id, telegram_id=STAFF)
    missed = await mark_missed(ctx, ticket_id=first.id, telegram_id=STAFF)
    assert missed.status is QueueStatus.MISSED
    with pytest.raises(TicketNotCalled):
        await mark_served(ctx, ticket_id=first.id, telegram_id=STAFF)
    back = await requeue_ticket(ctx, ticket_id=first.id, telegram_id=STAFF)
    assert (back.status, back.label, back.call_count, back.requeued) == (
        QueueStatus.WAITING,
        "001",
        0,
        True,
    )
    # The re-queued ticket waits behind everyone else.
    order = [(await call(ctx, office, counter)).telegram_id for _ in range(3)]
    assert order == [502, 503, 501]
    for _ in range(2):  # the call_next was its first call after the re-queue
        await recall(ctx, ticket_id=first.id, counter_id=counter.id, telegram_id=STAFF)
    with pytest.raises(MaxCallsReached):
        await recall(ctx, ticket_id=first.id, counter_id=counter.id, telegram_id=STAFF)
    await mark_missed(ctx, ticket_id=first.id, telegram_id=STAFF)
    with pytest.raises(AlreadyRequeued):
        await requeue_ticket(ctx, ticket_id=first.id, telegram_id=STAFF)
    assert [(t.label, t.requeued) for t in await missed_tickets(ctx, office)] == [("001", True)]
    served = (await tickets(ctx))[1]
    with pytest.raises(TicketNotMissed):
        await requeue_ticket(ctx, ticket_id=served.id, telegram_id=STAFF)


async def test_the_called_and_heads_up_messages(ctx, office):
    appts = await book_on(ctx, office, TUE, list(range(601, 607)))
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (counter,) = await open_counters(ctx, office, 1)
    first = await call(ctx, office, counter)
    assert await outbox(ctx, "queue_called") == [(601, "001")]
    (row,) = await rows(ctx, Notification, Notification.template == "queue_called")
    assert row.args["counter"] == "Loket 1" and row.args["office_name"] == "Kantor Imigrasi TEST"
    # The next three (heads_up_at = 3) are told their turn is near.
    assert await outbox(ctx, "queue_heads_up") == [(602, "002"), (603, "003"), (604, "004")]
    await recall(ctx, ticket_id=first.id, counter_id=counter.id, telegram_id=STAFF)
    assert await outbox(ctx, "queue_called") == [(601, "001"), (601, "001")]
    await call(ctx, office, counter)
    # Once per ticket: 603 and 604 are not told again, 605 now is.
    assert await outbox(ctx, "queue_heads_up") == [
        (602, "002"),
        (603, "003"),
        (604, "004"),
        (605, "005"),
    ]


async def test_queue_state_ahead_and_the_estimated_wait(ctx, office):
    appts = await book_on(ctx, office, TUE, [701, 702, 703, 704])
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (state,) = await queue_state(ctx, telegram_id=704)
    # Nobody served yet, no counter open: the default 8 minutes a person.
    assert (state.ahead, state.now_serving, state.estimated_wait) == (
        3,
        None,
        timedelta(minutes=32),
    )
    counters = await open_counters(ctx, office, 2)
    await call(ctx, office, counters[0])
    ctx.clock.advance(timedelta(minutes=4))
    await call(ctx, office, counters[0])  # 701 served in 4 minutes; 702 called
    (state,) = await queue_state(ctx, telegram_id=704)
    assert (state.ahead, state.now_serving) == (1, "002")
    assert state.estimated_wait == timedelta(minutes=4) * 2 / 2
    (called,) = await queue_state(ctx, telegram_id=702)
    assert called.ticket.status is QueueStatus.CALLED and called.ahead == 0
    assert await queue_state(ctx, telegram_id=999) == []


async def test_now_serving_and_its_version(ctx, office):
    appts = await book_on(ctx, office, TUE, [801, 802, 803])
    ctx.clock.set(TUE_0730)
    empty = await now_serving(ctx, office)
    assert (empty.latest, empty.waiting) == ((), 0)
    await check_in_all(ctx, office, [a.code for a in appts])
    before = await now_serving(ctx, office)
    assert before.waiting == 3 and before.version != empty.version
    counters = await open_counters(ctx, office, 2)
    await call(ctx, office, counters[0])
    ctx.clock.advance(timedelta(seconds=30))
    await call(ctx, office, counters[1])
    screen = await now_serving(ctx, office)
    assert [(c.label, c.counter) for c in screen.latest] == [
        ("002", "Loket 2"),
        ("001", "Loket 1"),
    ]
    assert screen.waiting == 1 and screen.version != before.version
    assert (await now_serving(ctx, office)).version == screen.version
    assert screen.office_name == "Kantor Imigrasi TEST" and screen.timezone == "Asia/Jakarta"


async def test_a_restarted_domain_keeps_the_queue(ctx, office):
    appts = await book_on(ctx, office, TUE, [901, 902])
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (counter,) = await open_counters(ctx, office, 1)
    await call(ctx, office, counter)
    await ctx.db.dispose()
    db = create_database(ctx.settings.effective_database_url)
    fresh = Domain(db=db, clock=ctx.clock, settings=ctx.settings, nik_key=ctx.nik_key)
    try:
        (state,) = await queue_state(fresh, telegram_id=902)
        assert (state.ticket.label, state.ahead, state.now_serving) == ("002", 0, "001")
        nxt = await call_next(fresh, office_id=office, counter_id=counter.id, telegram_id=STAFF)
        assert nxt is not None and nxt.telegram_id == 902
    finally:
        await db.dispose()


async def test_close_out_finishes_the_days_tickets(ctx, office):
    appts = await book_on(ctx, office, TUE, [951, 952])
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    (counter,) = await open_counters(ctx, office, 1)
    await call(ctx, office, counter)
    ctx.clock.set(TUE_0730 + timedelta(days=1))
    await close_out_day(ctx)
    assert [t.status for t in await tickets(ctx)] == [QueueStatus.SERVED, QueueStatus.MISSED]
