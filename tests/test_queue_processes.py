"""Counters calling from separate OS processes (two bot instances) never get the
same ticket, and nobody waiting is skipped: the database decides."""

from __future__ import annotations

from booking.core.kinds import QueueStatus
from booking.db.models import QueueTicket
from tests.admin_helpers import book_on, rows
from tests.conftest import TUE
from tests.processes import run_together
from tests.queue_helpers import STAFF, TUE_0730, check_in_all, open_counters, queue_office


async def call_in_processes(url: str, office_id: int, counter_ids: list[int]) -> list[list[int]]:
    """Run a ``tests.queue_worker`` per counter, start them together, and return
    the numbers each called."""
    argvs = [[url, str(office_id), str(c), str(STAFF), TUE_0730.isoformat()] for c in counter_ids]
    return await run_together("tests.queue_worker", argvs)


async def test_two_processes_calling_never_share_a_ticket(ctx, settings):
    office = await queue_office(ctx, daily=40)
    appts = await book_on(ctx, office, TUE, list(range(1001, 1021)))
    ctx.clock.set(TUE_0730)
    await check_in_all(ctx, office, [a.code for a in appts])
    counters = await open_counters(ctx, office, 2)
    first, second = await call_in_processes(
        settings.effective_database_url, office, [c.id for c in counters]
    )
    assert not set(first) & set(second)
    assert sorted(first + second) == list(range(1, 21))
    assert first == sorted(first) and second == sorted(second)  # in calling order
    # Each worker's last "call next" found nobody and served the ticket before.
    assert {t.status for t in await rows(ctx, QueueTicket)} == {QueueStatus.SERVED}
