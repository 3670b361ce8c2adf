"""One racing process of the concurrency tests.

    python -m tests.race_worker DATABASE_URL SLOT_ID TELEGRAM_ID...
    python -m tests.race_worker DATABASE_URL SLOT_ID TELEGRAM_ID=MEMBER_ID,MEMBER_ID...

Connects, prints ``ready``, waits for a line on stdin, then books ``SLOT_ID`` for
every given Telegram account at once (the holder alone, or with ``=`` a group of
those saved members) and prints one JSON line: the appointment ids won (for
groups: the group ids), how many got ``SlotFull`` (``NotEnoughSeats`` too), and
any other error.
"""

from __future__ import annotations

import asyncio
import json
import sys

from pydantic import SecretStr
from sqlalchemy import text

from booking.appointments.groups import MemberChoice, book_group
from booking.appointments.service import book
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import SlotFull
from booking.core.kinds import ServiceType
from booking.db.engine import create_database
from tests.conftest import DEFAULT_NOW, TEST_NIK_SECRET

NEW = ServiceType.NEW


async def _booking(ctx: Domain, slot_id: int, account: str) -> int:
    """Book for one command-line account: ``TELEGRAM_ID`` or ``TELEGRAM_ID=MEMBERS``."""
    telegram_id, _, members = account.partition("=")
    if not members:
        appt = await book(ctx, telegram_id=int(telegram_id), slot_id=slot_id, service=NEW)
        return appt.id
    choices = [MemberChoice(int(m), NEW) for m in members.split(",")]
    group = await book_group(ctx, telegram_id=int(telegram_id), slot_id=slot_id, members=choices)
    return group.id


async def race(url: str, slot_id: int, accounts: list[str]) -> dict[str, object]:
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
            *(_booking(ctx, slot_id, account) for account in accounts),
            return_exceptions=True,
        )
    finally:
        await db.dispose()
    won = [r for r in results if not isinstance(r, BaseException)]
    full = sum(isinstance(r, SlotFull) for r in results)
    other = [
        repr(r) for r in results if isinstance(r, BaseException) and not isinstance(r, SlotFull)
    ]
    return {"won": won, "full": full, "other": other}


def main() -> None:
    url, slot_id, *accounts = sys.argv[1:]
    outcome = asyncio.run(race(url, int(slot_id), accounts))
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
