"""Reminder delivery through the real sender, within Telegram's rate limits.

Due notifications go through the real sender to a local Bot API emulator that
enforces Telegram's limits (429 with retry_after beyond them).

The outbox is a SQLite file in a temporary directory, opened with the production
engine settings. Notifications go round-robin to many chats, so the overall limit,
not the per-chat one, is what binds. Reported: the configured limit, the rate
achieved (delivered messages over the time from the first to the last), its ratio
to the limit, notifications delivered more than once, notifications never
delivered, and 429s received. Target: ratio >= 0.9, no duplicate, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from pydantic import SecretStr
from sqlmodel import col, func, select

from booking.core.clock import SystemClock
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.db.engine import create_database
from booking.db.migrate import migrate
from booking.db.models import Notification
from booking.notify.outbox import enqueue
from bot.config import BotSettings
from bot.emulator import ApiCall, BotApiEmulator
from bot.sender import NotificationSender, SenderConfig

TARGET_RATIO = 0.9
TOKEN = "123456:BENCH-token"  # noqa: S105 (the emulator accepts any token)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=2000, help="notifications (default 2000)")
    parser.add_argument(
        "--limit", type=float, default=30.0, help="overall messages per second (default 30)"
    )
    parser.add_argument(
        "--per-chat", type=float, default=1.0, help="messages per second to one chat (default 1)"
    )
    parser.add_argument("--chats", type=int, default=None, help="recipients (default: count / 4)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any window ``(t - window, t]``, as the emulator counts them."""
    ordered = sorted(times)
    best, first = 0, 0
    for i, t in enumerate(ordered):
        while t - ordered[first] >= window:
            first += 1
        best = max(best, i - first + 1)
    return best


def max_per_chat_in_window(calls: list[ApiCall], window: float = 1.0) -> int:
    """The most calls to one chat in any window."""
    by_chat: dict[int | None, list[float]] = {}
    for call in calls:
        by_chat.setdefault(call.chat_id, []).append(call.at)
    return max((max_in_window(ts, window) for ts in by_chat.values()), default=0)


async def queue(domain: Domain, count: int, chats: int) -> None:
    now = domain.now()
    async with domain.db.writer() as session:
        for i in range(count):
            await enqueue(
                session,
                recipient=9_000_000 + i % chats,
                kind="bench",
                template="text",
                dedupe_key=f"bench:{i}",
                due_at=now,
                now=now,
                args={"text": f"bench #{i}"},
            )
        await session.commit()


async def statuses(domain: Domain) -> dict[str, int]:
    async with domain.db.reader() as session:
        result = await session.exec(
            select(Notification.status, func.count()).group_by(col(Notification.status))
        )
        return {str(status): int(n) for status, n in result.all()}


async def run(count: int, limit: float, per_chat: float, chats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tanpa-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = BotSettings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp),
            database_url=url,
            nik_secret=SecretStr("bench"),
            send_rate_per_s=limit,
            send_rate_per_chat_per_s=per_chat,
        )
        db = create_database(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        domain = Domain(db=db, clock=SystemClock(), settings=settings, nik_key=b"bench")
        try:
            await migrate(db)
            await queue(domain, count, chats)
            async with BotApiEmulator(global_per_s=limit, per_chat_per_s=per_chat) as api:
                bot = Bot(
                    TOKEN,
                    session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)),
                )
                sender = NotificationSender(bot, domain, SenderConfig.from_settings(settings))
                started = time.monotonic()
                sender.start()
                deadline = started + count / limit * 2 + 30
                try:
                    while time.monotonic() < deadline:
                        if (await statuses(domain)).get(NotificationStatus.PENDING.value, 0) == 0:
                            break
                        await asyncio.sleep(0.25)
                    await asyncio.sleep(1.0)  # time for a late duplicate to show up
                finally:
                    await sender.stop()
                    await bot.session.close()
                calls = api.calls_of("sendMessage")
            final = await statuses(domain)
        finally:
            await db.dispose()

    ok = [c for c in calls if c.status == 200]
    times = [c.at for c in ok]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span > 0 else 0.0
    delivered = Counter(str(c.params.get("text")) for c in ok)
    return {
        "count": count,
        "chats": chats,
        "limit_per_s": limit,
        "per_chat_limit_per_s": per_chat,
        "achieved_per_s": round(achieved, 2),
        "rate_ratio": round(achieved / limit, 3),
        "duplicates": sum(1 for n in delivered.values() if n > 1),
        "lost": count - len(delivered),
        "retry_after_received": sender.stats.retry_after,
        "wall_s": round((max(times) if times else started) - started, 2),
        "max_in_1s_window": max_in_window([c.at for c in calls]),
        "max_per_chat_in_1s_window": max_per_chat_in_window(calls),
        "rows_not_sent": count - final.get(NotificationStatus.SENT.value, 0),
        "cpu_cores": os.cpu_count(),
    }


def meets_target(report: dict[str, Any]) -> bool:
    return (
        report["rate_ratio"] >= TARGET_RATIO
        and report["duplicates"] == 0
        and report["lost"] == 0
        and report["rows_not_sent"] == 0
    )


def table(report: dict[str, Any]) -> str:
    rows = [
        ("notifications", f"{report['count']} to {report['chats']} chats"),
        (
            "limit",
            f"{report['limit_per_s']:g}/s overall, {report['per_chat_limit_per_s']:g}/s a chat",
        ),
        ("achieved", f"{report['achieved_per_s']:.2f}/s"),
        ("ratio", f"{report['rate_ratio']:.3f} (target >= {TARGET_RATIO})"),
        (
            "most in any 1 s",
            f"{report['max_in_1s_window']} overall, "
            f"{report['max_per_chat_in_1s_window']} to one chat",
        ),  # fmt: skip
        ("duplicates", str(report["duplicates"])),
        ("lost", str(report["lost"])),
        ("rows not marked sent", str(report["rows_not_sent"])),
        ("429s received", str(report["retry_after_received"])),
        ("wall time", f"{report['wall_s']:.1f} s"),
        ("CPU cores", str(report["cpu_cores"])),
        ("target met", "yes" if meets_target(report) else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(args: argparse.Namespace) -> int:
    if args.count < 1 or args.limit <= 0 or args.per_chat <= 0:
        print("--count, --limit and --per-chat must be positive")
        return 2
    # Enough chats that the overall limit, not the per-chat one, binds.
    chats = args.chats or max(args.count // 4, min(args.count, math.ceil(2 * args.limit)))
    report = asyncio.run(run(args.count, args.limit, args.per_chat, chats))
    print(table(report))
    if args.json:
        print(json.dumps(report))
    return 0 if meets_target(report) else 1
