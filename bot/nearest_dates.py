"""The nearest dates with seats, remembered for a moment per office.

When a date fills up, everyone still pressing "confirm" for it is answered "full —
here are the nearest dates with seats". In a rush that is thousands of answers a
second, all listing the same dates; working them out once every ``ttl_s`` seconds
(and once for all the requests that ask at the same time) keeps the database free
for the bookings. The list may be up to ``ttl_s`` old: a date it offers is checked
again, live, when it is tapped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

from booking.availability import nearest_open_dates
from booking.context import Domain
from booking.views import DayAvailability

Key = tuple[int, date, bool]


class NearestDates:
    MAX_ENTRIES = 1024

    def __init__(self, ttl_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[Key, tuple[float, asyncio.Future[list[DayAvailability]]]] = {}

    async def get(
        self, domain: Domain, office_id: int, around: date, *, priority: bool = False
    ) -> list[DayAvailability]:
        key = (office_id, around, priority)
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl_s:
            return list(await asyncio.shield(entry[1]))
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        future: asyncio.Future[list[DayAvailability]] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        try:
            dates = await nearest_open_dates(domain, office_id, around, priority=priority)
        except BaseException as exc:
            # Not remembered: the next request tries again.
            if self._entries.get(key, (0.0, None))[1] is future:
                del self._entries[key]
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # marked retrieved: the waiters re-raise it
            raise
        future.set_result(dates)
        return list(dates)
