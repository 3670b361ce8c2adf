"""The nearest dates with seats, remembered for a moment per office.

When a date fills up, everyone still pressing "confirm" for it is answered "full —
here are the nearest dates with seats". In a rush that is thousands of answers a
second, all listing the same dates; working them out once every ``ttl_s`` seconds
(and once for all the requests that ask at the same time) keeps the database free
for the bookings.

After ``ttl_s`` the list is worked out again by one background task while the
answers go on offering the previous one, so no answer waits for the database
once the first list is known. A list may thus be ``ttl_s`` plus one look-up old:
a date it offers is checked again, live, when it is tapped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from booking.calendar.availability import nearest_open_dates
from booking.calendar.seats import GroupShape
from booking.calendar.views import DayAvailability
from booking.core.context import Domain

log = logging.getLogger(__name__)

Key = tuple[int, date, GroupShape]


@dataclass
class _Entry:
    at: float
    dates: asyncio.Future[list[DayAvailability]]
    refreshing: bool = False


class NearestDates:
    MAX_ENTRIES = 1024

    def __init__(self, ttl_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[Key, _Entry] = {}
        self._refreshes: set[asyncio.Task[None]] = set()

    async def get(
        self, domain: Domain, office_id: int, around: date, shape: GroupShape
    ) -> list[DayAvailability]:
        key = (office_id, around, shape)
        entry = self._entries.get(key)
        if entry is None:
            return await self._first(domain, key)
        if not entry.dates.done():  # being worked out for the first time
            return list(await asyncio.shield(entry.dates))
        if self.clock() - entry.at >= self.ttl_s and not entry.refreshing:
            entry.refreshing = True
            task = asyncio.get_running_loop().create_task(self._refresh(domain, key, entry))
            self._refreshes.add(task)
            task.add_done_callback(self._refreshes.discard)
        return list(entry.dates.result())

    async def _first(self, domain: Domain, key: Key) -> list[DayAvailability]:
        """Work the list out, once for every request asking meanwhile."""
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        future: asyncio.Future[list[DayAvailability]] = asyncio.get_running_loop().create_future()
        self._entries[key] = _Entry(self.clock(), future)
        office_id, around, shape = key
        try:
            dates = await nearest_open_dates(domain, office_id, around, shape=shape)
        except BaseException as exc:
            # Not remembered: the next request tries again.
            if (entry := self._entries.get(key)) is not None and entry.dates is future:
                del self._entries[key]
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # marked retrieved: the waiters re-raise it
            raise
        future.set_result(dates)
        return list(dates)

    async def _refresh(self, domain: Domain, key: Key, entry: _Entry) -> None:
        office_id, around, shape = key
        try:
            dates = await nearest_open_dates(domain, office_id, around, shape=shape)
        except Exception:
            log.warning("could not work out the nearest dates again; offering the last ones")
            entry.refreshing = False  # the next request tries again
            return
        done: asyncio.Future[list[DayAvailability]] = asyncio.get_running_loop().create_future()
        done.set_result(dates)
        self._entries[key] = _Entry(self.clock(), done)

    async def drain(self) -> None:
        """Wait for the background look-ups under way."""
        while self._refreshes:
            await asyncio.gather(*list(self._refreshes), return_exceptions=True)
