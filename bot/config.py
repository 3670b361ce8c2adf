"""Bot settings: the booking settings plus Telegram, webhook, Redis and reminders."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from booking.core.config import BookingSettings

TELEGRAM_API = "https://api.telegram.org"


class BotSettings(BookingSettings):
    bot_token: SecretStr | None = None
    # Base URL of a Bot API server: a self-hosted telegram-bot-api, or a test server.
    telegram_api_url: str = TELEGRAM_API
    # FSM storage in Redis (with event isolation) when set; in memory otherwise.
    redis_url: str | None = None
    # Webhook mode when webhook_url is set: Telegram posts to webhook_url, which a
    # reverse proxy forwards to webhook_host:webhook_port + webhook_path.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    # The "now serving" screens (bot/display.py) are served by the webhook server, or
    # in polling mode by `python -m bot display` on display_host:display_port.
    # display_url is their public address, shown to admins (https://antre.example.id);
    # by default the webhook's origin, else http://display_host:display_port.
    display_url: str | None = None
    display_host: str = "127.0.0.1"
    display_port: int = 8081
    default_locale: str = "id"
    # The running bot releases slots at each release moment, and looks again at
    # least this often (new offices, reopened days, end-of-day close-out).
    release_check_s: float = Field(default=60.0, gt=0)
    # Requirements, fees, FAQ and opening-hours texts; default: booking/data/content.yaml.
    content_file: Path | None = None
    # Comma-separated Telegram user ids of super-admins.
    admin_ids: str = ""
    # Processes rendering the QR code and .ics of each booking (0: in the bot's process).
    render_workers: int = Field(default=1, ge=0)
    # Per-user throttle: a token bucket of `throttle_burst` updates refilled at `throttle_rate`/s.
    throttle_rate: float = 1.0
    throttle_burst: int = 5
    # Telegram's limits, kept by every call the bot makes (``bot.session``): ~30
    # messages/s overall and ~1/s per chat with short bursts; shared by every
    # instance through REDIS_URL when it is set.
    send_rate_per_s: float = Field(default=30.0, gt=0)
    send_rate_per_chat_per_s: float = Field(default=1.0, gt=0)
    send_burst_per_chat: int = Field(default=2, ge=1)
    run_sender: bool = True
    # A message that fails (other than 429/403) is retried after send_retry_base_s,
    # doubling each time; after send_max_attempts it is marked failed.
    send_max_attempts: int = Field(default=5, ge=1)
    send_retry_base_s: float = Field(default=30.0, ge=0)
    # How long a sender holds the rows it claimed before another may take them.
    send_lease_s: float = Field(default=60.0, gt=0)

    @property
    def admin_id_set(self) -> frozenset[int]:
        return frozenset(int(x) for x in self.admin_ids.replace(" ", "").split(",") if x)
