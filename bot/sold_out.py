"""Sessions just seen with every seat taken, remembered for a moment.

In a rush on a new date, thousands of "confirm" taps arrive after the last seat
went. The first that finds the session full marks it here; a tap on it from a
user still at the booking summary is then answered "full" without reading the
session again. When the mark is older than ``ttl_s``, one background read says
whether the session is still full: if so the mark is renewed, otherwise it is
dropped and the taps go on to book. Meanwhile the taps are answered from the
mark, so none waits for that read. A seat freed by a cancellation is offered
again at most ``ttl_s`` plus one read later; nothing is ever booked from a mark,
so it cannot overbook.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from booking.calendar.availability import session_by_id
from booking.calendar.seats import GroupShape, accepts_bookings, group_fits
from booking.calendar.views import SessionAvailability
from booking.core.context import Domain
from booking.core.errors import NotFound
from booking.core.kinds import QuotaPool

log = logging.getLogger(__name__)

Key = tuple[int, GroupShape]  # slot id, the group that found it full


@dataclass(frozen=True)
class Mark:
    at: float
    office_id: int
    session: SessionAvailability


def still_full(domain: Domain, session: SessionAvailability, shape: GroupShape) -> bool:
    """An open session still to come has not the seats the group needs: booking
    would raise ``SlotFull`` (a closed or started session raises its own error first)."""
    by_pool = {QuotaPool.REGULAR: session.seats_left, QuotaPool.PRIORITY: session.priority_left}
    open_ = accepts_bookings(session.is_open, session.start, domain.now() + domain.cutoff)
    return open_ and not group_fits(by_pool, shape)


class SoldOutSessions:
    MAX_ENTRIES = 4096

    def __init__(self, ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._marks: dict[Key, Mark] = {}
        self._checks: dict[Key, asyncio.Task[None]] = {}  # marks read again
        self._reads: dict[Key, asyncio.Task[tuple[int, SessionAvailability] | None]] = {}

    def mark(self, office_id: int, session: SessionAvailability, shape: GroupShape) -> None:
        if len(self._marks) >= self.MAX_ENTRIES:
            self._marks.clear()
        self._marks[(session.slot_id, shape)] = Mark(self.clock(), office_id, session)

    def get(
        self, domain: Domain, slot_id: int, shape: GroupShape
    ) -> tuple[int, SessionAvailability] | None:
        """(office id, session) of a session marked full, or None."""
        key = (slot_id, shape)
        mark = self._marks.get(key)
        if mark is None:
            return None
        if self.clock() - mark.at >= self.ttl_s and key not in self._checks:
            task = asyncio.get_running_loop().create_task(self._recheck(domain, key))
            self._checks[key] = task
            task.add_done_callback(lambda _: self._checks.pop(key, None))
        return mark.office_id, mark.session

    async def found_full(
        self, domain: Domain, slot_id: int, shape: GroupShape
    ) -> tuple[int, SessionAvailability] | None:
        """A booking was refused ``SlotFull``: mark the session. The taps that find it
        full at the same moment share one read; None if the session is gone."""
        key = (slot_id, shape)
        mark = self._marks.get(key)
        if mark is not None and self.clock() - mark.at < self.ttl_s:
            return mark.office_id, mark.session
        read = self._reads.get(key)
        if read is None:
            read = asyncio.get_running_loop().create_task(self._read(domain, key))
            self._reads[key] = read
            read.add_done_callback(lambda _: self._reads.pop(key, None))
        return await asyncio.shield(read)

    async def _read(self, domain: Domain, key: Key) -> tuple[int, SessionAvailability] | None:
        slot_id, shape = key
        try:
            office, session = await session_by_id(domain, slot_id, shape=shape)
        except NotFound:
            return None
        assert office.id is not None
        self.mark(office.id, session, shape)
        return office.id, session

    async def _recheck(self, domain: Domain, key: Key) -> None:
        """Read the session; renew its mark if it is still full, else drop it."""
        slot_id, shape = key
        try:
            office, session = await session_by_id(domain, slot_id, shape=shape)
        except NotFound:
            self._marks.pop(key, None)
            return
        except Exception:
            log.warning("could not read session %s again; taps on it go on to book", slot_id)
            self._marks.pop(key, None)
            return
        if office.id is not None and still_full(domain, session, shape):
            self.mark(office.id, session, shape)
        else:
            self._marks.pop(key, None)

    async def drain(self) -> None:
        """Wait for the background reads under way."""
        while self._checks:
            await asyncio.gather(*list(self._checks.values()), return_exceptions=True)
