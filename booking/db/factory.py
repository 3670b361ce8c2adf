"""Building a ``Domain`` from settings; the one place the system clock is chosen."""

from __future__ import annotations

from booking.core.clock import Clock, SystemClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.db.engine import create_database


def build_domain(settings: BookingSettings, clock: Clock | None = None) -> Domain:
    db = create_database(
        settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    return Domain(
        db=db, clock=clock or SystemClock(), settings=settings, nik_key=settings.nik_key()
    )
