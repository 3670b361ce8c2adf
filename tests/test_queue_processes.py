"""Counters calling from separate OS processes (two bot instances) never get the
same ticket, and nobody waiting is skipped: the database decides."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from booking.core.kinds import QueueStatus
from booking.db.models import QueueTicket
from tests.admin_helpers import book_on, rows
from tests.conftest import TUE
from tests.queue_helpers import STAFF, TUE_0730, check_in_all, open_counters, queue_office

ROOT = Path(__file__).resolve().parents[1]


async def call_in_processes(url: str, office_id: int, counter_ids: list[int]) -> list[list[int]]:
    """Run a ``tests.queue_worker`` per counter, start them together, and return
    the numbers each called."""
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.queue_worker",
            url,
            str(office_id),
            str(counter_id),
            str(STAFF),
            TUE_0730.isoformat(),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for counter_id in counter_ids
    ]
    try:
        for worker in workers:  # every process connected before any calls
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), timeout=60)
            assert line.strip() == b"ready", line
        outputs = await asyncio.wait_for(
            asyncio.gather(*(w.communicate(b"go\n") for w in workers)), timeout=120
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
    results = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


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
