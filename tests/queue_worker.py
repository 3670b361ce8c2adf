"""One calling process of the queue's concurrency test.

    python -m tests.queue_worker DATABASE_URL OFFICE_ID COUNTER_ID STAFF_ID NOW

Connects, prints ``ready``, waits for a line on stdin, then calls the next
number at ``COUNTER_ID`` until nobody waits (the clock fixed at ``NOW``, ISO
8601) and prints one JSON line: the ticket numbers it called, in order.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import text

from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.db.engine import create_database
from booking.queue.calling import call_next
from tests.conftest import TEST_NIK_SECRET


async def keep_calling(
    url: str, office_id: int, counter_id: int, staff: int, now: str
) -> list[int]:
    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
    )
    db = create_database(url)
    clock = FixedClock(datetime.fromisoformat(now))
    ctx = Domain(db=db, clock=clock, settings=settings, nik_key=b"unused")
    called = []
    try:
        async with db.engine.connect() as conn:  # connect before the start signal
            await conn.execute(text("SELECT 1"))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        while True:
            ticket = await call_next(
                ctx, office_id=office_id, counter_id=counter_id, telegram_id=staff
            )
            if ticket is None:
                return called
            called.append(ticket.number)
    finally:
        await db.dispose()


def main() -> None:
    url, office_id, counter_id, staff, now = sys.argv[1:]
    called = asyncio.run(keep_calling(url, int(office_id), int(counter_id), int(staff), now))
    print(json.dumps(called), flush=True)


if __name__ == "__main__":
    main()
