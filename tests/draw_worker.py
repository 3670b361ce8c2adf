"""A jobs process running the draws due, slowly, for the kill test.

    python -m tests.draw_worker DATABASE_URL DATA_DIR

Prints ``assigning`` (flushed) before each request's turn, then sleeps 0.2 s: the
test kills it halfway through the draw's transaction.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from pydantic import SecretStr

from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.db.engine import create_database
from booking.draw.drawing import run_due_draws
from tests.conftest import TEST_NIK_SECRET
from tests.draw_helpers import DRAW_AT


def _slowly() -> None:
    print("assigning", flush=True)
    time.sleep(0.2)


async def main(url: str, data_dir: str) -> None:
    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=Path(data_dir),
        nik_secret=SecretStr(TEST_NIK_SECRET),
        confirmations_in_outbox=False,
    )
    db = create_database(url)
    ctx = Domain(db=db, clock=FixedClock(DRAW_AT), settings=settings, nik_key=settings.nik_key())
    try:
        await run_due_draws(ctx, between_assignments=_slowly)
    finally:
        await db.dispose()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
