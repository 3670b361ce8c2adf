"""Release rush within Telegram's limits: N applicants confirm at once for C seats,
and every outcome must reach them through a Bot API that enforces the limits.

The project side runs ``--instances`` bot processes (the real dispatcher, the
session middleware that keeps the limits, the outbox sender), each handling its
share of the N confirm taps as polling does, on one database (a SQLite file, or
``--database-url``) and, with ``--redis-url``, one Redis for the FSM and the
shared send budget. They all talk to one ``BotApiEmulator`` in this process,
which enforces 30 messages/s overall and 1/s per chat with a burst of 3 (edits
count like messages; callback answers are not limited) and answers 429 with
``retry_after`` beyond them.

An outcome is a code (the confirmation text naming it) or "full" with dates (the
edit of the summary): ``answered`` counts applicants who received theirs,
``lost`` those who did not. ``baseline_lost`` is what a bare aiogram dispatcher
making the same calls without pacing loses to 429s, against the same emulator.
Targets: lost = 0, answered = N, floor_ratio >= 0.9.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.flash_crowd import (
    DEFAULT_SIZES,
    FIRST_USER_ID,
    build_baseline_dispatcher,
    confirm_update,
    feed_as_polling,
)
from bench.recording import TOKEN
from bot.emulator import LIMITED_METHODS, ApiCall, BotApiEmulator

RATE_PER_S, PER_CHAT_PER_S, PER_CHAT_BURST, RETRY_AFTER = 30, 1, 3, 1
TARGET_FLOOR_RATIO = 0.9
DONE_WITHIN_S = 900.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--applicants", type=int, default=5000, help="default 5000")
    parser.add_argument("--capacity", type=int, default=500, help="seats (default 500)")
    parser.add_argument("--instances", type=int, default=1, help="bot processes (default 1)")
    parser.add_argument("--database-url", default=None, help="postgresql+asyncpg://… (empty)")
    parser.add_argument("--redis-url", default=None, help="redis://… (FSM and shared budget)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--instance", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--slot", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)


def settings_of(args: argparse.Namespace, data_dir: str, api: str | None = None) -> Any:
    from pydantic import SecretStr

    from bot.config import BotSettings

    return BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(data_dir),
        database_url=args.database_url or f"sqlite+aiosqlite:///{Path(data_dir) / 'rush.db'}",
        redis_url=args.redis_url,
        nik_secret=SecretStr("release-rush-bench"),
        bot_token=SecretStr(TOKEN),
        telegram_api_url=api or "https://api.telegram.org",
        render_workers=1,
    )


# --- one bot instance (a child process) ------------------------------------------------


async def run_instance(args: argparse.Namespace) -> dict[str, Any]:
    """Handle this instance's share of the taps, then send until no confirmation is
    left in the outbox."""
    from sqlmodel import col, func, select

    from bench.flash_crowd import at_the_summary
    from booking.core.kinds import NotificationStatus
    from booking.db.factory import build_domain
    from booking.db.models import Notification, Slot
    from booking.notify.confirmations import CONFIRMATION_KINDS
    from bot.app import POLLING_CONCURRENCY, build_bot
    from bot.factory import build_dispatcher, get_ready, settle
    from bot.sender import start_sender
    from bot.session import limits_of

    settings = settings_of(args, args.data_dir, args.api)
    domain = build_domain(settings)
    bot = build_bot(settings)
    dp = build_dispatcher(settings, domain)
    await get_ready(dp)
    async with domain.db.reader() as session:
        slot = (await session.exec(select(Slot).where(Slot.id == args.slot))).one()
    updates = await at_the_summary(
        dp, bot, domain, slot, range(args.instance, args.applicants, args.instances)
    )
    stop_sender = await start_sender(bot, domain, settings)
    print("ready", flush=True)
    sys.stdin.readline()  # the parent says go once every instance is ready

    async def confirmations_pending() -> int:
        async with domain.db.reader() as session:
            return int(
                (
                    await session.exec(
                        select(func.count())
                        .select_from(Notification)
                        .where(
                            col(Notification.kind).in_(CONFIRMATION_KINDS),
                            col(Notification.status) == NotificationStatus.PENDING.value,
                        )
                    )
                ).one()
            )

    timings = await feed_as_polling(dp, bot, updates, POLLING_CONCURRENCY)
    await settle(dp)
    deadline = time.monotonic() + DONE_WITHIN_S
    while time.monotonic() < deadline:
        if not await confirmations_pending():
            break
        await asyncio.sleep(0.2)
    await stop_sender()
    limits = limits_of(bot)
    await dp["files"].close()
    await dp.storage.close()
    await bot.session.close()
    await domain.db.dispose()
    return {
        "failures": timings["failures"],
        "retry_after_received": limits.stats.retry_after_received if limits else 0,
    }


# --- the parent ---------------------------------------------------------------------------


async def prepare(args: argparse.Namespace, data_dir: str) -> int:
    """A fresh database with the office, the seats and the applicants; the slot id."""
    from bench.booking_engine import fresh_database
    from bench.flash_crowd import open_rush
    from booking.core.clock import SystemClock
    from booking.core.context import Domain

    settings = settings_of(args, data_dir)
    db = await fresh_database(settings.effective_database_url)
    domain = Domain(db=db, clock=SystemClock(), settings=settings, nik_key=settings.nik_key())
    try:
        if args.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(args.redis_url)
            await redis.flushdb()
            await redis.aclose()
        slot = await open_rush(domain, args.applicants, args.capacity)
        assert slot.id is not None
        return slot.id
    finally:
        await db.dispose()


async def codes_by_applicant(args: argparse.Namespace, data_dir: str) -> dict[int, str]:
    from sqlmodel import select

    from booking.db.engine import create_database
    from booking.db.models import Appointment

    db = create_database(settings_of(args, data_dir).effective_database_url)
    try:
        async with db.reader() as session:
            booked = (await session.exec(select(Appointment))).all()
        return {a.telegram_id: a.code for a in booked}
    finally:
        await db.dispose()


def outcomes(calls: list[ApiCall], codes: dict[int, str]) -> dict[int, float]:
    """When each applicant received their outcome: the text naming their code, or
    (without a booking) the edit offering dates."""
    got: dict[int, float] = {}
    for call in calls:
        chat = call.chat_id
        if call.status != 200 or chat is None or chat in got:
            continue
        method, text = call.method.lower(), str(call.params.get("text", ""))
        if chat in codes:
            if method == "sendmessage" and codes[chat] in text:
                got[chat] = call.at
        elif method == "editmessagetext":
            got[chat] = call.at
    return got


def limited_emulator() -> BotApiEmulator:
    return BotApiEmulator(
        global_per_s=RATE_PER_S,
        per_chat_per_s=PER_CHAT_PER_S,
        per_chat_burst=PER_CHAT_BURST,
        retry_after=RETRY_AFTER,
    )


async def run_project(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    slot_id = await prepare(args, data_dir)
    async with limited_emulator() as api:
        children = []
        for i in range(args.instances):
            command = [
                sys.executable, "-m", "bench", "release-rush",
                "--instance", str(i), "--instances", str(args.instances),
                "--applicants", str(args.applicants), "--capacity", str(args.capacity),
                "--api", api.base_url, "--slot", str(slot_id), "--data-dir", data_dir,
            ]  # fmt: skip
            if args.database_url:
                command += ["--database-url", args.database_url]
            if args.redis_url:
                command += ["--redis-url", args.redis_url]
            children.append(
                await asyncio.create_subprocess_exec(
                    *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
                )
            )
        for child in children:
            assert child.stdout is not None
            line = await child.stdout.readline()
            if line.strip() != b"ready":
                raise RuntimeError(f"an instance failed to start: {line!r}")
        first_tap = time.monotonic()
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        results = []
        for child in children:
            out, _ = await child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"an instance failed (status {child.returncode})")
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
        calls = list(api.calls)
        retry_after = api.retry_after_sent
    codes = await codes_by_applicant(args, data_dir)
    got = outcomes(calls, codes)
    messages = sum(1 for c in calls if c.status == 200 and c.method.lower() in LIMITED_METHODS)
    last = max(got.values(), default=first_tap)
    return {
        "booked": len(codes),
        "answered": len(got),
        "retry_after_received": retry_after,
        "time_to_last_outcome_s": last - first_tap,
        "messages": messages,
        "failed_updates": sum(r["failures"] for r in results),
    }


async def run_baseline(args: argparse.Namespace) -> int:
    """Outcomes a bare aiogram dispatcher, sending the same calls unpaced, loses."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    dp = build_baseline_dispatcher(args.capacity, DEFAULT_SIZES)
    updates = [
        confirm_update(i + 1, FIRST_USER_ID + i, "cf:1:new:none") for i in range(args.applicants)
    ]
    async with limited_emulator() as api:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
        bot = Bot(TOKEN, session=session)
        try:
            await feed_as_polling(dp, bot, updates, 100)
        finally:
            await bot.session.close()
        booked = {FIRST_USER_ID + i for i in range(min(args.capacity, args.applicants))}
        got = {
            c.chat_id
            for c in api.calls
            if c.status == 200
            and (
                (c.chat_id in booked and c.method.lower() == "sendmessage")
                or (c.chat_id not in booked and c.method.lower() == "editmessagetext")
            )
        }
    return args.applicants - len(got)


def build_report(args: argparse.Namespace, project: dict[str, Any], baseline_lost: int) -> dict:
    floor = project["messages"] / RATE_PER_S
    took = project["time_to_last_outcome_s"]
    return {
        "applicants": args.applicants,
        "capacity": args.capacity,
        "instances": args.instances,
        "backend": "postgresql" if args.database_url else "sqlite",
        "redis": bool(args.redis_url),
        "booked": project["booked"],
        "answered": project["answered"],
        "lost": args.applicants - project["answered"],
        "retry_after_received": project["retry_after_received"],
        "time_to_last_outcome_s": round(took, 2),
        "message_floor_s": round(floor, 2),
        "floor_ratio": round(floor / took, 3) if took > 0 else 0.0,
        "messages_per_applicant": round(project["messages"] / args.applicants, 3),
        "baseline_lost": baseline_lost,
        "failed_updates": project["failed_updates"],
        "cpu_cores": os.cpu_count(),
    }


def meets_target(r: dict[str, Any]) -> bool:
    return (
        r["lost"] == 0
        and r["answered"] == r["applicants"]
        and r["booked"] == min(r["capacity"], r["applicants"])
        and r["floor_ratio"] >= TARGET_FLOOR_RATIO
    )


def table(r: dict[str, Any]) -> str:
    rows = [
        (
            "applicants / seats / instances",
            f"{r['applicants']} / {r['capacity']} / {r['instances']}",
        ),
        ("database / shared Redis", f"{r['backend']} / {'yes' if r['redis'] else 'no'}"),
        ("booked", str(r["booked"])),
        ("answered", f"{r['answered']} (must be {r['applicants']})"),
        ("lost", f"{r['lost']} (must be 0)"),
        ("429s received", str(r["retry_after_received"])),
        ("time to last outcome", f"{r['time_to_last_outcome_s']:.1f} s"),
        ("message floor (messages / 30)", f"{r['message_floor_s']:.1f} s"),
        ("floor ratio", f"{r['floor_ratio']:.3f} (target >= {TARGET_FLOOR_RATIO})"),
        ("messages per applicant", f"{r['messages_per_applicant']:.3f}"),
        ("bare aiogram lost", str(r["baseline_lost"])),
        ("target met", "yes" if meets_target(r) else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(args: argparse.Namespace) -> int:
    if args.instance is not None:
        print(json.dumps(asyncio.run(run_instance(args))))
        return 0
    if args.applicants < 1 or args.capacity < 1 or args.instances < 1:
        print("--applicants, --capacity and --instances must be positive")
        return 2
    with tempfile.TemporaryDirectory(prefix="tanpa-rush-") as data_dir:
        project = asyncio.run(run_project(args, data_dir))
    baseline_lost = asyncio.run(run_baseline(args))
    report = build_report(args, project, baseline_lost)
    print(table(report))
    if args.json:
        print(json.dumps(report))
    return 0 if meets_target(report) else 1
