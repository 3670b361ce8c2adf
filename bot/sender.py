"""The sender loop: claims due outbox rows and sends them within Telegram's limits.

* Pace: sends are spaced so that no one-second window holds more than
  ``send_rate_per_s`` messages overall or ``send_rate_per_chat_per_s`` to one chat,
  with a small safety margin against network jitter. Rows whose chat must wait
  do not hold up rows for other chats.
* Errors, as aiogram raises them: ``TelegramRetryAfter`` pauses every send of this
  sender for ``retry_after`` seconds and gives the row back unsent (the attempt is
  not counted); ``TelegramForbiddenError`` marks the applicant unreachable, no retry;
  anything else is retried with backoff and marked failed after the attempt limit.
* Delivery is at least once (see ``docs/reminders.md``): a row is marked sent
  after Telegram accepted it. A crash in between leaves the row leased; once the
  lease expires a sender sends it again, so the recipient may get it twice but
  never zero times.

It runs inside the bot process (``start_sender`` / ``setup_sender``, started and
stopped with the dispatcher) or alone (``python -m bot worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.notify.confirmations import CONFIRMATION_KINDS
from booking.notify.outbox import (
    ClaimedNotification,
    RetryPolicy,
    claim_due,
    mark_retry,
    mark_sent,
    mark_unreachable,
    release,
)
from booking.offices.content import Content, load_content
from bot.attachments import Renderer
from bot.config import BotSettings
from bot.files import FileSender
from bot.notices import Notices

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SenderConfig:
    rate_per_s: float = 30.0
    rate_per_chat_per_s: float = 1.0
    # Each window is treated as (1 + safety) seconds long: headroom for jitter.
    # A chat's sends are sparse, so its margin is wider at no cost in throughput.
    safety: float = 0.05
    chat_safety: float = 0.2
    batch_size: int = 60
    lease_seconds: float = 60.0
    poll_interval_s: float = 1.0
    max_in_flight: int = 64
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_settings(cls, settings: BotSettings) -> SenderConfig:
        rate = settings.send_rate_per_s
        return cls(
            rate_per_s=rate,
            rate_per_chat_per_s=settings.send_rate_per_chat_per_s,
            batch_size=max(20, math.ceil(2 * rate)),
            lease_seconds=settings.send_lease_s,
            retry=RetryPolicy(
                max_attempts=settings.send_max_attempts,
                base_delay=timedelta(seconds=settings.send_retry_base_s),
            ),
        )


class _Spacing:
    """Spacing of events so that no window of one second holds more than ``rate``.

    Events are ``(1 + safety) / rate`` apart. A late event (a sleep that woke a
    little late) may be credited up to a quarter of the margin, so the pace does
    not drift down; the rest of the margin absorbs jitter on the way to the server.
    """

    def __init__(self, rate: float, safety: float) -> None:
        self.interval = (1 + safety) / rate
        allowed = max(math.floor(rate), 1)
        self.credit = max(allowed * self.interval - 1.0, 0.0) / 4

    def next_after(self, previous_next: float, now: float) -> float:
        return max(previous_next, now - self.credit) + self.interval


class Pacer:
    """When the next message may go, overall and to each chat; and 429 pauses."""

    def __init__(
        self, rate_per_s: float, per_chat_per_s: float, safety: float, chat_safety: float
    ) -> None:
        self.overall = _Spacing(rate_per_s, safety)
        self.per_chat = _Spacing(per_chat_per_s, chat_safety)
        self.next_any = 0.0
        self.next_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def ready_at(self) -> float:
        return max(self.next_any, self.paused_until)

    def chat_ready_at(self, chat: int) -> float:
        return self.next_chat.get(chat, 0.0)

    def take(self, chat: int, now: float) -> None:
        self.next_any = self.overall.next_after(self.next_any, now)
        self.next_chat[chat] = self.per_chat.next_after(self.next_chat.get(chat, 0.0), now)
        if len(self.next_chat) > 10_000:
            self.next_chat = {c: t for c, t in self.next_chat.items() if t > now}

    def pause(self, seconds: float, now: float) -> None:
        self.paused_until = max(self.paused_until, now + seconds)


@dataclass
class SenderStats:
    sent: int = 0
    retry_after: int = 0
    unreachable: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0


class NotificationSender:
    def __init__(
        self,
        bot: Bot,
        domain: Domain,
        config: SenderConfig | None = None,
        *,
        notices: Notices | None = None,
        confirmations: tuple[FileSender, Content] | None = None,
        owner: str | None = None,
    ) -> None:
        self.bot = bot
        self.domain = domain
        self.config = config or SenderConfig()
        self.notices = notices or Notices()
        # Sends the rows of bookings' confirmations (text, QR code, .ics).
        self.confirmations = confirmations
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        cfg = self.config
        self.pacer = Pacer(cfg.rate_per_s, cfg.rate_per_chat_per_s, cfg.safety, cfg.chat_safety)
        self.stats = SenderStats()
        self._buffer: list[tuple[float, ClaimedNotification]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._stopping = asyncio.Event()
        self._rows_arrived = asyncio.Event()
        self._rows_wanted = asyncio.Event()
        self._hungry = False  # every buffered row waits on its chat
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name=f"notification-sender {self.owner}")
        self._task.add_done_callback(self._report_crash)
        return self._task

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("notification sender %s stopped", self.owner, exc_info=task.exception())

    async def stop(self, grace_s: float = 15.0) -> None:
        """Finish the sends under way, give back the rows not yet sent, and return."""
        self._stopping.set()
        self._rows_arrived.set()
        self._rows_wanted.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_s)
        except TimeoutError:
            log.warning("sender %s did not stop in %.0fs; cancelling it", self.owner, grace_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """Send until ``stop()``. Cancelling this task is a crash: rows stay leased."""
        prefetch = asyncio.create_task(self._prefetch())
        try:
            await self._send_loop()
            await prefetch
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._give_back(self._take_buffer(), "sender stopped")
        except asyncio.CancelledError:
            prefetch.cancel()
            for task in list(self._in_flight):
                task.cancel()
            raise

    # --- claiming -----------------------------------------------------------------

    async def _prefetch(self) -> None:
        """Keep the buffer filled: about two batches, up to five while every buffered
        row waits on its chat (so other chats' rows are not held back)."""
        cfg = self.config
        failures = 0
        while not self._stopping.is_set():
            target = cfg.batch_size * (5 if self._hungry else 2)
            want = target - len(self._buffer)
            paused = self.pacer.paused_until > time.monotonic()
            if want < cfg.batch_size or paused:
                await self._wait(self._rows_wanted, cfg.poll_interval_s)
                continue
            try:
                rows = await claim_due(
                    self.domain,
                    self.owner,
                    want,
                    cfg.lease_seconds,
                    max_attempts=cfg.retry.max_attempts,
                    per_recipient=True,
                )
                failures = 0
            except Exception:
                failures += 1
                log.exception("claiming due notifications failed")
                await self._sleep(min(cfg.poll_interval_s * failures, 30))
                continue
            if rows:
                claimed_at = time.monotonic()
                self._buffer.extend((claimed_at, row) for row in rows)
                self._hungry = False
                self._rows_arrived.set()
            if len(rows) < want:  # nothing more is due yet
                await self._sleep(cfg.poll_interval_s)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, unless the sender is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _wait(self, event: asyncio.Event, seconds: float) -> None:
        event.clear()
        if self._stopping.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def _take_buffer(self) -> list[int]:
        ids = [row.id for _, row in self._buffer]
        self._buffer.clear()
        return ids

    async def _give_back(self, ids: list[int], reason: str) -> None:
        if not ids:
            return
        try:
            await release(self.domain, ids, self.owner, reason)
        except Exception:
            log.exception("giving back %d notifications failed; their leases will expire", len(ids))

    def _pick(self, now: float) -> ClaimedNotification | None:
        """The next row to send: the earliest due among those whose chat may receive
        now; among rows due at the same moment, the chat with the most rows waiting
        goes first (so no chat is left with a tail of messages at the end).
        Rows held for half their lease are given back."""
        stale_after = self.config.lease_seconds / 2
        stale = [row.id for at, row in self._buffer if now - at > stale_after]
        if stale:
            self._buffer = [(at, r) for at, r in self._buffer if now - at <= stale_after]
            self._spawn(self._give_back(stale, "held too long"))
        ready = [
            i
            for i, (_, row) in enumerate(self._buffer)
            if self.pacer.chat_ready_at(row.recipient) <= now
        ]
        if not ready:
            return None
        first_due = self._buffer[ready[0]][1].due_at
        waiting = Counter(row.recipient for _, row in self._buffer)
        best = max(
            (i for i in ready if self._buffer[i][1].due_at == first_due),
            key=lambda i: (waiting[self._buffer[i][1].recipient], -i),
        )
        row = self._buffer.pop(best)[1]
        if len(self._buffer) < self.config.batch_size:
            self._rows_wanted.set()
        return row

    # --- sending ------------------------------------------------------------------

    async def _send_loop(self) -> None:
        cfg = self.config
        while not self._stopping.is_set():
            now = time.monotonic()
            ready = self.pacer.ready_at()
            if now < ready:
                await self._sleep(ready - now)
                continue
            row = self._pick(now)
            if row is None:
                self._hungry = bool(self._buffer)
                self._rows_wanted.set()
                waits = [self.pacer.chat_ready_at(r.recipient) for _, r in self._buffer]
                delay = min([w - now for w in waits] + [cfg.poll_interval_s])
                await self._wait(self._rows_arrived, max(delay, 0.001))
                continue
            await self._slots.acquire()
            now = time.monotonic()
            if now < self.pacer.paused_until:  # a 429 arrived meanwhile
                self._slots.release()
                self._buffer.insert(0, (now, row))
                continue
            self.pacer.take(row.recipient, now)
            self._spawn(self._deliver(row), holds_slot=True)

    def _spawn(self, work: Awaitable[None], *, holds_slot: bool = False) -> None:
        async def run() -> None:
            try:
                await work
            finally:
                if holds_slot:
                    self._slots.release()

        task = asyncio.create_task(run())
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _send(self, row: ClaimedNotification) -> None:
        if row.kind in CONFIRMATION_KINDS and self.confirmations is not None:
            files, content = self.confirmations
            await files.deliver(self.bot, row, content, self.notices)
            return
        rendered = self.notices.render(row)
        await self.bot.send_message(
            chat_id=row.recipient,
            text=rendered.text,
            reply_markup=rendered.reply_markup,
            parse_mode=None,
        )

    async def _deliver(self, row: ClaimedNotification) -> None:
        try:
            await self._send(row)
        except TelegramRetryAfter as exc:
            self.stats.retry_after += 1
            self.pacer.pause(exc.retry_after, time.monotonic())
            log.warning("Telegram asked to wait %ss; all sends pause", exc.retry_after)
            ids = [row.id]
            if exc.retry_after > self.config.lease_seconds / 3:
                ids += self._take_buffer()
            await self._record(release(self.domain, ids, self.owner, exc.message))
        except TelegramForbiddenError as exc:
            self.stats.unreachable += 1
            await self._record(mark_unreachable(self.domain, row.id, self.owner, exc.message))
        except Exception as exc:
            log.warning("sending notification %s failed: %r", row.id, exc)
            status = await self._record(
                mark_retry(self.domain, row.id, self.owner, repr(exc), self.config.retry)
            )
            if status is NotificationStatus.FAILED:
                self.stats.failed += 1
            else:
                self.stats.retried += 1
        else:
            self.stats.sent += 1
            sent = mark_sent(
                self.domain, row.id, self.owner, chat_gap_s=self.pacer.per_chat.interval
            )
            if not await self._record(sent):
                self.stats.lost_lease += 1
                log.warning("notification %s was sent but its lease had passed", row.id)

    async def _record(self, outcome: Awaitable[T]) -> T | None:
        """Write an outcome; if the database fails, the lease expires and the row is
        sent again (a possible duplicate, never a loss)."""
        try:
            return await outcome
        except Exception:
            log.exception("recording a notification outcome failed")
            return None


# --- wiring into the bot --------------------------------------------------------------


def build_notices(settings: BotSettings) -> Notices:
    from bot.i18n import build_i18n
    from bot.notice_buttons import add_notice_buttons

    return add_notice_buttons(Notices(build_i18n(settings.default_locale), settings.default_locale))


def build_sender(bot: Bot, domain: Domain, settings: BotSettings) -> NotificationSender:
    """The sender of the bot's settings; it renders bookings' files in its own process."""
    return NotificationSender(
        bot,
        domain,
        SenderConfig.from_settings(settings),
        notices=build_notices(settings),
        confirmations=(FileSender(Renderer(0), domain), load_content(settings.content_file)),
    )


async def start_sender(
    bot: Bot, domain: Domain, settings: BotSettings
) -> Callable[[], Awaitable[None]]:
    """Start a sender in this process; returns the coroutine function that stops it."""
    sender = build_sender(bot, domain, settings)
    sender.start()
    log.info("notification sender %s started", sender.owner)
    return sender.stop


def setup_sender(dp: Dispatcher, settings: BotSettings, domain: Domain) -> None:
    """Start the sender with the dispatcher and stop it with the dispatcher."""
    stoppers: list[Callable[[], Awaitable[None]]] = []

    async def on_startup(bot: Bot) -> None:
        if settings.run_sender:
            stoppers.append(await start_sender(bot, domain, settings))

    async def on_shutdown() -> None:
        while stoppers:
            await stoppers.pop()()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
