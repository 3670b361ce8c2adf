"""Sessions just seen with every seat taken, remembered for a moment.

In a rush on a new date, thousands of "confirm" taps arrive after the last seat
went. The first that finds the session full marks it here; for ``ttl_s`` seconds
after, a tap on it from a user still at the booking summary is answered "full"
without reading the session again. When the mark is older than that, one read
(shared by every tap asking at that moment) says whether the session is still
full: if so the mark is renewed, otherwise it is dropped and the taps go on to
book. A seat freed meanwhile (a cancellation) is offered again at most ``ttl_s``
later; nothing is ever booked from this mark, so it cannot overbook.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from booking.availability import session_by_id
from booking.context import Domain
from booking.errors import NotFound
from booking.views import SessionAvailability

Key = tuple[int, bool]  # slot id, counting the priority quota


@dataclass(frozen=True)
class Mark:
    at: float
    office_id: int
    session: SessionAvailability


def still_full(domain: Domain, session: SessionAvailability, priority: bool) -> bool:
    """Every seat of an open session still to come is taken: booking would raise
    ``SlotFull`` (a closed or started session raises its own error first)."""
    left = session.seats_left + (session.priority_left if priority else 0)
    return session.is_open and session.start > domain.now() + domain.cutoff and left <= 0


class SoldOutSessions:
    MAX_ENTRIES = 4096

    def __init__(self, ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._marks: dict[Key, Mark] = {}
        self._checks: dict[Key, asyncio.Future[Mark | None]] = {}

    def mark(self, office_id: int, session: SessionAvailability, priority: bool) -> None:
        if len(self._marks) >= self.MAX_ENTRIES:
            self._marks.clear()
        self._marks[(session.slot_id, priority)] = Mark(self.clock(), office_id, session)

    async def get(
        self, domain: Domain, slot_id: int, priority: bool
    ) -> tuple[int, SessionAvailability] | None:
        """(office id, session) of a session known to be full, or None: not marked,
        or no longer full."""
        key = (slot_id, priority)
        mark = self._marks.get(key)
        if mark is None:
            return None
        if self.clock() - mark.at >= self.ttl_s:
            mark = await self._recheck(domain, key)
            if mark is None:
                return None
        return mark.office_id, mark.session

    async def _recheck(self, domain: Domain, key: Key) -> Mark | None:
        """Read the session once for everyone asking now; renew or drop its mark."""
        pending = self._checks.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Mark | None] = asyncio.get_running_loop().create_future()
        self._checks[key] = future
        slot_id, priority = key
        try:
            office, session = await session_by_id(domain, slot_id, priority=priority)
        except NotFound:
            office = session = None
        except BaseException:
            del self._checks[key]
            future.set_result(None)  # undecided: the waiting taps go on to book
            raise
        del self._checks[key]
        renewed = None
        if office is not None and office.id is not None and session is not None:
            if still_full(domain, session, priority):
                self.mark(office.id, session, priority)
                renewed = self._marks[key]
        if renewed is None:
            self._marks.pop(key, None)
        future.set_result(renewed)
        return renewed
