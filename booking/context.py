"""What every service needs: the database, the clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.clock import Clock
from booking.config import BookingSettings
from booking.db import Database


@dataclass
class Domain:
    db: Database
    clock: Clock
    settings: BookingSettings
    nik_key: bytes

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def cutoff(self) -> timedelta:
        return timedelta(minutes=self.settings.booking_cutoff_minutes)
