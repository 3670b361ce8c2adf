"""One process running the waitlist's jobs duty, for tests/test_holds.py.

    python -m tests.waitlist_worker DATABASE_URL NOW_ISO [one-by-one]

Connects, prints ``ready``, waits for a line on stdin, then runs the duty at
``NOW_ISO`` and prints one JSON line: ``{"expired": n, "offered": m}``. With
``one-by-one`` it settles the slots with held seats one at a time, printing
``settled SLOT_ID`` after each (a test may kill it in between), and a pause
between slots so that the kill lands mid-duty.
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
from booking.waitlist.duty import DutyResult, run_waitlist_duty, settle_slot, slots_with_held_seats
from tests.conftest import TEST_NIK_SECRET


async def one_by_one(ctx: Domain) -> DutyResult:
    result = DutyResult()
    for slot_id in await slots_with_held_seats(ctx):
        result += await settle_slot(ctx, slot_id)
        print(f"settled {slot_id}", flush=True)
        await asyncio.sleep(0.5)
    return result


async def run(url: str, now: datetime, slowly: bool) -> dict[str, int]:
    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
        confirmations_in_outbox=False,
    )
    db = create_database(url)
    ctx = Domain(db=db, clock=FixedClock(now), settings=settings, nik_key=b"unused")
    try:
        async with db.engine.connect() as conn:  # connect before the start signal
            await conn.execute(text("SELECT 1"))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        result = await (one_by_one(ctx) if slowly else run_waitlist_duty(ctx))
    finally:
        await db.dispose()
    return {"expired": result.expired, "offered": result.offered}


def main() -> None:
    url, now, *mode = sys.argv[1:]
    outcome = asyncio.run(run(url, datetime.fromisoformat(now), mode == ["one-by-one"]))
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
