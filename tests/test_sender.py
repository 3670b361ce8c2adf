"""The sender against the Bot API emulator: texts, exactly-once with two senders,
crash recovery, 429/403/500 handling and the rate limits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from pydantic import SecretStr
from sqlalchemy import update
from sqlmodel import col, select

from bench.reminders import max_in_window, max_per_chat_in_window
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.db.engine import create_database
from booking.db.models import Applicant
from booking.notify.outbox import RetryPolicy, claim_due
from bot import sender as sender_module
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from bot.notices import Notices
from bot.sender import NotificationSender, SenderConfig, setup_sender
from tests.factories import add_applicant
from tests.outbox_helpers import ZONES, book_on, office_in, queue_notices, rows
from tests.sender_helpers import bot_for, delivered, delivered_texts
from tests.waiting import wait_until

FAST = SenderConfig(rate_per_s=500, rate_per_chat_per_s=100, batch_size=10, poll_interval_s=0.05)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def api():
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(api):
    b = bot_for(api)
    yield b
    await b.session.close()


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each sender (by owner) has asked the outbox for due rows."""
    counts: Counter[str] = Counter()
    claim_due = sender_module.claim_due

    async def counted(domain, owner, *args, **kwargs):
        rows = await claim_due(domain, owner, *args, **kwargs)
        counts[owner] += 1
        return rows

    monkeypatch.setattr(sender_module, "claim_due", counted)
    return counts


async def claim_rounds(claims: Counter[str], *senders: NotificationSender, rounds: int = 2) -> None:
    """Wait until each sender asked for due rows ``rounds`` more times: a row it
    could still send (a duplicate, a retry) it has claimed by then, and ``stop``
    waits for the sends under way."""
    start = {s.owner: claims[s.owner] for s in senders}
    await wait_until(
        lambda: all(claims[owner] >= n + rounds for owner, n in start.items()),
        what=f"{rounds} more claims of each sender",
    )


def running_sender(bot: Bot, ctx: Domain, **config: Any) -> NotificationSender:
    """A running sender with the ``FAST`` configuration, changed by ``config``."""
    sender = NotificationSender(bot, ctx, replace(FAST, **config))
    sender.start()
    return sender


async def set_language(ctx: Domain, telegram_id: int, language: str) -> None:
    async with ctx.db.writer() as session:
        await session.exec(
            update(Applicant)
            .where(col(Applicant.telegram_id) == telegram_id)
            .values(language=language)
        )
        await session.commit()


async def test_reminders_arrive_in_each_language_in_the_office_zone(ctx, clock, api, bot):
    tuesday = date(2026, 12, 1)
    people = {}
    for n, (zone_name, tz_name) in enumerate(ZONES.items()):
        office_id = await office_in(ctx, tz_name, f"K{zone_name}")
        for m, language in enumerate(("id", "en")):
            telegram_id = 1000 + 10 * n + m
            await add_applicant(ctx, telegram_id)
            await set_language(ctx, telegram_id, language)
            await book_on(ctx, office_id, telegram_id, tuesday, register=False)
            people[telegram_id] = (zone_name, language)
    clock.set(utc(2026, 11, 30, 11))  # 18:00 WIB, the last of the three H-1 times
    sender = running_sender(bot, ctx)
    await wait_until(lambda: len(delivered(api)) == 6)
    await sender.stop()
    for telegram_id, (zone_name, language) in people.items():
        [call] = api.calls_of("sendMessage", telegram_id)
        text = call.params["text"]
        assert f"08:00 {zone_name}" in text
        assert "Kantor Imigrasi K" + zone_name in text
        if language == "id":
            assert "Selasa, 1 Desember 2026" in text and "Kode jadwal" in text
        else:
            assert "Tuesday, 1 December 2026" in text and "Booking code" in text
    assert {n.status for n in await rows(ctx)} == {
        NotificationStatus.SENT,
        NotificationStatus.PENDING,
    }
    sent = [n for n in await rows(ctx) if n.status == NotificationStatus.SENT]
    assert len(sent) == 6 and all(n.kind == "reminder_day_before" for n in sent)


async def test_two_senders_send_each_row_exactly_once(ctx, api, bot, settings, clock, claims):
    await queue_notices(ctx, 150, chats=150)
    other_db = create_database(settings.effective_database_url)
    other = Domain(db=other_db, clock=clock, settings=settings, nik_key=ctx.nik_key)
    a = NotificationSender(bot, ctx, FAST, owner="a")
    b = NotificationSender(bot, other, FAST, owner="b")
    try:
        a.start()
        b.start()
        await wait_until(lambda: len(delivered(api)) >= 150)
        await claim_rounds(claims, a, b)  # time for a duplicate to show up, if there were one
        await asyncio.gather(a.stop(), b.stop())
    finally:
        await other_db.dispose()
    counts = delivered_texts(api)
    assert len(counts) == 150 and set(counts.values()) == {1}
    assert a.stats.sent > 0 and b.stats.sent > 0
    assert a.stats.sent + b.stats.sent == 150
    assert {n.status for n in await rows(ctx)} == {NotificationStatus.SENT}


async def test_a_crash_between_send_and_mark_duplicates_but_loses_nothing(
    ctx, api, bot, clock, claims
):
    await queue_notices(ctx, 12, chats=12)
    config = replace(FAST, rate_per_s=50)
    crashed = NotificationSender(bot, ctx, config, owner="crashed")
    at_crash: list[str] = []

    def crash_on_third(call, result):
        sends = delivered(api)
        if len(sends) == 3 and not at_crash:
            at_crash.extend(str(c.params["text"]) for c in sends)
            task.cancel()  # the process dies while Telegram is answering

    api.listeners.append(crash_on_third)
    task = crashed.start()
    with pytest.raises(asyncio.CancelledError):
        await task
    api.listeners.clear()
    pending = {n.args["text"] for n in await rows(ctx) if n.status == NotificationStatus.PENDING}
    held = {n.lease_owner for n in await rows(ctx) if n.status == NotificationStatus.PENDING}
    assert held == {"crashed"}
    # The message being answered at the crash was delivered but not marked sent.
    assert at_crash[-1] in pending
    expected_duplicates = set(at_crash) & pending

    rescuer = NotificationSender(bot, ctx, config, owner="rescuer")
    rescuer.start()
    await claim_rounds(claims, rescuer)
    assert len(delivered(api)) == len(at_crash)  # the leases still hold
    clock.advance(timedelta(seconds=config.lease_seconds + 1))
    await wait_until(lambda: len(delivered(api)) == len(at_crash) + len(pending))
    await rescuer.stop()

    counts = delivered_texts(api)
    assert set(counts) == {f"notice #{i}" for i in range(12)}  # nothing lost
    assert {t for t, k in counts.items() if k > 1} == expected_duplicates
    assert max(counts.values()) == 2
    assert {n.status for n in await rows(ctx)} == {NotificationStatus.SENT}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_retry_after_pauses_every_send(ctx, api, bot):
    await queue_notices(ctx, 5, chats=5)
    api.fail_next("sendMessage", 429, retry_after=1)
    # Slow enough that the 429 is back before the next send would start.
    sender = running_sender(bot, ctx, rate_per_s=4)
    await wait_until(lambda: len(delivered(api)) == 5)
    await sender.stop()
    calls = api.calls_of("sendMessage")
    [refused] = [c for c in calls if c.status == 429]
    later = [c for c in calls if c.at > refused.at]
    assert len(later) == 5  # the refused row was sent again, after the pause
    # No send, to any chat, during the pause.
    assert min(c.at for c in later) - refused.at >= 1.0
    assert sender.stats.retry_after == 1 and api.retry_after_sent == 1
    assert set(delivered_texts(api).values()) == {1}
    retried = [n for n in await rows(ctx) if n.args["text"] == refused.params["text"]]
    assert retried[0].status == NotificationStatus.SENT and retried[0].attempts == 1


async def test_forbidden_marks_the_applicant_unreachable_without_retry(ctx, api, bot, claims):
    await add_applicant(ctx, 1001)
    await queue_notices(ctx, 1, chats=1, first_chat=1001)
    await queue_notices(ctx, 1, chats=1, first_chat=1002, prefix="other")
    api.blocked_chats.add(1001)
    sender = running_sender(bot, ctx)
    await wait_until(lambda: len(api.calls_of("sendMessage")) == 2)
    await claim_rounds(claims, sender)
    await sender.stop()
    assert [c.status for c in api.calls_of("sendMessage", 1001)] == [403]
    by_chat = {n.recipient: n for n in await rows(ctx)}
    assert by_chat[1001].status == NotificationStatus.UNREACHABLE
    assert by_chat[1002].status == NotificationStatus.SENT
    async with ctx.db.reader() as session:
        applicant = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == 1001))
        ).one()
    assert applicant.unreachable


async def test_server_errors_are_retried_with_backoff_then_failed(ctx, api, bot, clock, claims):
    await queue_notices(ctx, 1, chats=1)
    api.fail_next("sendMessage", 500, times=3)
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=10))
    sender = running_sender(bot, ctx, retry=policy)
    for attempt, wait in ((1, 10), (2, 20)):
        await wait_until(lambda n=attempt: len(api.calls_of("sendMessage")) == n)
        await claim_rounds(claims, sender)
        assert len(api.calls_of("sendMessage")) == attempt  # not again before the backoff
        clock.advance(timedelta(seconds=wait))
    await wait_until(lambda: len(api.calls_of("sendMessage")) == 3)
    await wait_until(lambda: sender.stats.failed == 1)
    await sender.stop()
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.FAILED and row.attempts == 3
    assert "500" in (row.last_error or "") or "Internal" in (row.last_error or "")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_retried_send_succeeds_later(ctx, api, bot, clock):
    await queue_notices(ctx, 1, chats=1)
    api.fail_next("sendMessage", 500)
    sender = running_sender(bot, ctx)
    await wait_until(lambda: sender.stats.retried == 1)
    clock.advance(timedelta(seconds=30))
    await wait_until(lambda: len(delivered(api)) == 1)
    await sender.stop()
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.SENT and row.attempts == 2


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("count", "chats"),
    [
        (160, 80),  # more chats than the overall limit: the overall limit binds
        (100, 20),  # five messages a chat: the per-chat limit binds
    ],
)
async def test_the_send_rate_never_exceeds_the_limits(ctx, count, chats):
    limit, per_chat = 40, 1
    async with BotApiEmulator(global_per_s=limit, per_chat_per_s=per_chat) as api:
        b = bot_for(api)
        try:
            # Each chat's notices come one after another: the sender must not wait on
            # a chat while others could receive.
            await queue_notices(ctx, count, chats=chats, in_runs=True)
            sender = NotificationSender(
                b, ctx, SenderConfig(rate_per_s=limit, rate_per_chat_per_s=per_chat)
            )
            sender.start()
            await wait_until(lambda: len(delivered(api)) == count, within=30)
            await sender.stop()
        finally:
            await b.session.close()
    # Every request counts, refused ones too: the sender itself must keep the limits.
    calls = api.calls_of("sendMessage")
    times = [c.at for c in calls]
    assert max_in_window(times) <= limit
    assert max_per_chat_in_window(calls) <= per_chat
    assert api.retry_after_sent == 0
    assert set(delivered_texts(api).values()) == {1}
    # How close the rate comes to the limits is a figure of ``python -m bench reminders``.


def test_the_window_count_sees_a_burst():
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.2]) == 4  # (0.2, 1.2]
    assert max_in_window([0.0, 0.5, 1.0]) == 2  # 0.0 has left the window at 1.0
    assert max_in_window([0.0, 0.1, 0.2]) == 3
    assert max_in_window([0.0, 1.0, 2.0]) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_stop_gives_back_the_rows_not_yet_sent(ctx, api, bot):
    await queue_notices(ctx, 10, chats=10)
    sender = running_sender(bot, ctx, rate_per_s=5)
    await wait_until(lambda: len(delivered(api)) >= 1)
    await sender.stop()
    sent = len(delivered(api))
    assert sent < 10
    # Another sender takes the rest at once, without waiting for a lease to expire.
    rest = await claim_due(ctx, "next", 20, 60)
    assert len(rest) == 10 - sent


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_an_unknown_template_is_retried_then_failed(ctx, api, bot, clock):
    now = ctx.now()
    from booking.notify.outbox import enqueue

    async with ctx.db.writer() as session:
        await enqueue(session, recipient=5, kind="x", template="no-such-template",
                      dedupe_key="x", due_at=now, now=now)  # fmt: skip
        await session.commit()
    sender = running_sender(bot, ctx, retry=RetryPolicy(max_attempts=1))
    await wait_until(lambda: sender.stats.failed == 1)
    await sender.stop()
    [row] = await rows(ctx)
    assert row.status == NotificationStatus.FAILED and "no-such-template" in (row.last_error or "")
    assert api.calls_of("sendMessage") == []


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_setup_sender_runs_with_the_dispatcher(ctx, api, bot, tmp_path):
    await queue_notices(ctx, 3, chats=3)
    settings = BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=ctx.settings.effective_database_url,
        nik_secret=SecretStr("x"),
        send_rate_per_s=100,
    )
    dp = Dispatcher()
    setup_sender(dp, settings, ctx)
    await dp.emit_startup(bot=bot)
    await wait_until(lambda: len(delivered(api)) == 3)
    await dp.emit_shutdown(bot=bot)
    assert {n.status for n in await rows(ctx)} == {NotificationStatus.SENT}


def test_notices_render_announcement_and_closure_in_both_languages():
    from booking.notify.outbox import ClaimedNotification

    def claimed(template, args, language):
        return ClaimedNotification(1, 7, "k", template, args, language, utc(2026, 1, 1),
                                   False, 1, None, None)  # fmt: skip

    notices = Notices()
    args = {
        "text": "Listrik padam",
        "office_name": "Kanim X",
        "day": "2026-12-02",
        "code": "ABCD2345",
    }
    id_text = notices.render(claimed("office_announcement", args, "id")).text
    en_text = notices.render(claimed("office_announcement", args, "en")).text
    assert "Pengumuman dari Kanim X" in id_text and "Rabu, 2 Desember 2026" in id_text
    assert "Announcement from Kanim X" in en_text and "Wednesday, 2 December 2026" in en_text
    assert id_text.endswith("Listrik padam") and en_text.endswith("Listrik padam")
    closure = {"reason": "banjir", "office_name": "Kanim X", "day": "2026-12-02", "code": "C0DE"}
    assert (
        "tutup pada Rabu, 2 Desember 2026: banjir"
        in notices.render(claimed("closure_displaced", closure, "id")).text
    )
    long = notices.render(claimed("text", {"text": "x" * 5000}, "xx")).text
    assert len(long) == 4096


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_stop_during_a_long_pause_returns_at_once_and_gives_rows_back(ctx, api, bot):
    await queue_notices(ctx, 3, chats=3)
    api.fail_next("sendMessage", 429, retry_after=30)
    sender = running_sender(bot, ctx, rate_per_s=10)
    await wait_until(lambda: api.retry_after_sent == 1)
    await wait_until(lambda: sender.pacer.paused_until > time.monotonic())  # the pause began
    started = asyncio.get_running_loop().time()
    await sender.stop()
    assert asyncio.get_running_loop().time() - started < 2
    assert len(api.calls_of("sendMessage")) == 1  # nothing was sent during the pause
    assert len(await claim_due(ctx, "next", 10, 60)) == 3
