"""What every service needs: the database, the clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from booking.core.clock import Clock
from booking.core.config import BookingSettings

if TYPE_CHECKING:  # the Domain carries the database; core does not import it
    from booking.db.engine import Database


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
