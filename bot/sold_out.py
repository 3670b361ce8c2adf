"""Sessions just seen with every seat taken, remembered for a moment.

In a rush on a new date, thousands of "confirm" taps arrive after the last seat
went. The first that finds the session full marks it here; for ``ttl_s`` seconds
after, a tap on it from a user still at the booking summary is answered "full"
without reading the session again. A seat freed meanwhile (a cancellation) is
offered again at most ``ttl_s`` later; nothing is ever booked from this mark.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from booking.views import SessionAvailability

Key = tuple[int, bool]  # slot id, counting the priority quota


class SoldOutSessions:
    MAX_ENTRIES = 4096

    def __init__(self, ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._marks: dict[Key, tuple[float, int, SessionAvailability]] = {}

    def mark(self, office_id: int, session: SessionAvailability, priority: bool) -> None:
        if len(self._marks) >= self.MAX_ENTRIES:
            self._marks.clear()
        self._marks[(session.slot_id, priority)] = (self.clock(), office_id, session)

    def get(self, slot_id: int, priority: bool) -> tuple[int, SessionAvailability] | None:
        """(office id, session) of a session marked full less than ``ttl_s`` ago."""
        mark = self._marks.get((slot_id, priority))
        if mark is None or self.clock() - mark[0] >= self.ttl_s:
            return None
        return mark[1], mark[2]
