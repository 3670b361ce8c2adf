"""One racing process of the concurrency tests.

    python -m tests.race_worker DATABASE_URL SLOT_ID TELEGRAM_ID...

Connects, prints ``ready``, waits for a line on stdin, then books ``SLOT_ID`` for
every given Telegram account at once and prints one JSON line: the appointment
ids won, how many got ``SlotFull``, and any other error.
"""

from __future__ import annotations

import asyncio
import json
import sys

from pydantic import SecretStr
from sqlalchemy import text

from booking.appointments.service import book
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import SlotFull
from booking.core.kinds import ServiceType
from booking.db.engine import create_database
from tests.conftest import DEFAULT_NOW, TEST_NIK_SECRET


async def race(url: str, slot_id: int, telegram_ids: list[int]) -> dict[str, object]:
    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
    )
    db = create_database(url)
    ctx = Domain(db=db, clock=FixedClock(DEFAULT_NOW), settings=settings, nik_key=b"unused")
    try:
        async with db.engine.connect() as conn:  # connect before the start signal
            await conn.execute(text("SELECT 1"))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        results = await asyncio.gather(
            *(
                book(ctx, telegram_id=t, slot_id=slot_id, service=ServiceType.NEW)
                for t in telegram_ids
            ),
            return_exceptions=True,
        )
    finally:
        await db.dispose()
    won = [r.id for r in results if not isinstance(r, BaseException)]
    full = sum(isinstance(r, SlotFull) for r in results)
    other = [
        repr(r) for r in results if isinstance(r, BaseException) and not isinstance(r, SlotFull)
    ]
    return {"won": won, "full": full, "other": other}


def main() -> None:
    url, slot_id, *ids = sys.argv[1:]
    outcome = asyncio.run(race(url, int(slot_id), [int(i) for i in ids]))
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
