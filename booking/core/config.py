"""Settings of the booking domain, read from the environment and ``.env``."""

from __future__ import annotations

import os
import secrets
from datetime import time
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path("data")
    # Default: a SQLite file in data_dir. PostgreSQL: postgresql+asyncpg://user:pw@host/db
    database_url: str | None = None
    # Key of the NIK hash. Unset: a random key is created once in data_dir/nik_secret.
    # Several instances sharing a database must all be given the same NIK_SECRET.
    nik_secret: SecretStr | None = None
    # A session cannot be booked once it starts in less than this many minutes.
    booking_cutoff_minutes: int = 60
    # How often an appointment may be rescheduled, and until how many days before it.
    reschedule_limit: int = 1
    reschedule_until_days_before: int = 1
    sqlite_busy_timeout_ms: int = 5000
    # Reminders: the day before (H-1) at this office-local time, and this long before
    # the session (0 turns that reminder off).
    reminder_day_before_at: time = time(18, 0)
    reminder_before_minutes: int = Field(default=120, ge=0)
    # How many people one account may book into one session (a family).
    max_group_size: int = Field(default=5, ge=1, le=10)
    # A booking's confirmation (text, QR code, .ics) is written to the outbox with
    # it, and left to the bot's handler this long; then (a crash, a stuck send) the
    # outbox sender delivers it. False: the handler alone sends it (nothing durable;
    # the domain's own tests, which count outbox rows, run so).
    confirmations_in_outbox: bool = True
    confirmation_handoff_s: float = Field(default=120.0, gt=0)
    # Questions one account may hand to an office's staff in 24 hours.
    ticket_daily_limit: int = Field(default=5, ge=0)
    # Key of the draws' seeds (HMAC-SHA256 of the office and release moment). Unset: a
    # random key is created once in data_dir/draw_secret. Instances sharing a database
    # must all be given the same DRAW_SECRET.
    draw_secret: SecretStr | None = None
    # How long a waitlist offer holds its seats for the applicant to take them.
    waitlist_hold_minutes: int = Field(default=15, ge=1)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tanpa_antre.db').as_posix()}"

    def nik_key(self) -> bytes:
        return self._key(self.nik_secret, "nik_secret")

    def draw_key(self) -> bytes:
        return self._key(self.draw_secret, "draw_secret")

    def _key(self, secret: SecretStr | None, file_name: str) -> bytes:
        """The secret given, or a random one made once in ``data_dir/file_name``."""
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value().encode("utf-8")
        path = self.data_dir / file_name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().strip().encode("utf-8")
