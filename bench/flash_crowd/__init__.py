"""Flash crowd: N applicants press "confirm" at once for one office-date with C seats.

The project side runs the real dispatcher (``bot.factory.build_dispatcher``: all
routers and middlewares) on a SQLite file in WAL mode in a temporary directory,
opened with the production engine settings. N distinct registered applicants each
stand at the final confirm step (FSM state and data as the flow leaves them); all
N callback updates are handed to the dispatcher at once and handled as polling
does (``handle_as_tasks`` with a bounded number of updates in progress,
``bot.app.POLLING_CONCURRENCY``). The Bot's session records the API calls instead
of sending them.

The baseline, in the same run, is a bare aiogram ``Dispatcher`` whose handler makes
the same Bot API calls per update (answer the callback; for the first C: remove
the keyboard, send the confirmation text, a photo and a document of the same sizes;
for the rest: edit the message with a keyboard of dates) and uses no database.

Each side runs in its own subprocess, so their peak RSS (``ru_maxrss``) compare.
Reported: updates/s of both and the ratio, p50/p99 time to handle an update (and
from the press, queueing included), peak RSS of both and the ratio, bookings made
(must equal C), overbooked (must be 0) and unanswered callbacks (must be 0).
Targets: throughput ratio >= 0.5, RSS ratio <= 2.0.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bench.recording import BOT_ID, TOKEN, RecordingSession

if TYPE_CHECKING:
    from booking.core.context import Domain
    from booking.db.models import Slot

TARGET_THROUGHPUT_RATIO = 0.5
TARGET_RSS_RATIO = 2.0
FIRST_USER_ID = 500_000_000
# Sizes of what a confirmation sends when the project side does not say (bytes, chars).
DEFAULT_SIZES = {"text_chars": 700, "photo_bytes": 1100, "document_bytes": 1400}

Handle = Callable[[Update], Awaitable[Any]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--applicants", type=int, default=5000, help="applicants pressing confirm (default 5000)"
    )
    parser.add_argument("--capacity", type=int, default=500, help="seats (default 500)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="updates handled at once (default: the bot's polling limit)",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--side", choices=["project", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=None, help=argparse.SUPPRESS)


# --- the updates and how they are fed ---------------------------------------------------


def confirm_update(update_id: int, user_id: int, data: str) -> Update:
    """The callback update Telegram sends when a user taps the summary's confirm button."""
    user = User(id=user_id, is_bot=False, first_name="Pemohon", language_code="id")
    message = Message(
        message_id=update_id,
        date=datetime.now(UTC),
        chat=Chat(id=user_id, type="private"),
        from_user=User(id=BOT_ID, is_bot=True, first_name="Tanpa Antre"),
        text="Periksa pemesanan Anda",
    )
    query = CallbackQuery(
        id=f"fc{update_id}", from_user=user, chat_instance=str(user_id), data=data, message=message
    )
    return Update(update_id=update_id, callback_query=query)


async def feed_as_polling(
    dp: Dispatcher,
    bot: Bot,
    updates: list[Update],
    concurrency: int,
    finish: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Hand every update to the dispatcher as polling with ``handle_as_tasks`` does:
    a task per update, at most ``concurrency`` in progress; returns timings.

    ``finish`` is awaited before the clock stops: work the updates started that
    goes on after them (the project sends a booking's files after its answer)."""
    semaphore = asyncio.Semaphore(concurrency)
    handling: list[float] = []
    since_press: list[float] = []
    failures = 0

    async def handle(update: Update, pressed: float) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            await dp.feed_update(bot, update)
        except Exception:  # noqa: BLE001 - counted; polling logs and goes on
            failures += 1
        finally:
            semaphore.release()
        done = time.perf_counter()
        handling.append(done - started)
        since_press.append(done - pressed)

    tasks: set[asyncio.Task[None]] = set()
    pressed = time.perf_counter()
    for update in updates:
        await semaphore.acquire()
        task = asyncio.create_task(handle(update, pressed))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    if finish is not None:
        await finish()
    elapsed = time.perf_counter() - pressed
    return {
        "elapsed_s": elapsed,
        "updates_per_s": len(updates) / elapsed,
        "p50_ms": percentile(handling, 50) * 1000,
        "p99_ms": percentile(handling, 99) * 1000,
        "p50_since_press_ms": percentile(since_press, 50) * 1000,
        "p99_since_press_ms": percentile(since_press, 99) * 1000,
        "failures": failures,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def children_peak_rss_mb() -> float:
    """The summed peak RSS (VmHWM) of this process's running children: the render
    workers and multiprocessing's resource tracker. Read from /proc (Linux) while
    they run; ``RUSAGE_CHILDREN`` would not do, as it keeps the size of this
    process at the moment each child was forked, before the child's exec."""
    me, total_kb = os.getpid(), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def unanswered(session: RecordingSession, updates: list[Update]) -> int:
    ids = [u.callback_query.id for u in updates if u.callback_query is not None]
    return sum(1 for query_id in ids if session.answered[query_id] == 0)


# --- the project side --------------------------------------------------------------------


async def open_rush(domain: Domain, applicants: int, capacity: int) -> Slot:
    """An office with one daily session of ``capacity`` seats, and ``applicants``
    registered applicants; returns the first released session after tomorrow."""
    from sqlmodel import col, select

    from bench.crowd import register_crowd
    from booking.admin.offices_file import (
        OfficeSpec,
        QuotaSpec,
        ReleaseSpec,
        SessionSpec,
        load_offices,
    )
    from booking.calendar.release import release_slots
    from booking.db.models import Slot

    spec = OfficeSpec(
        code="FLASH",
        name="Kantor Imigrasi Flash",
        address="Jl. Contoh No. 1",
        city="Jakarta Pusat",
        province="DKI Jakarta",
        timezone="Asia/Jakarta",
        quota=QuotaSpec(daily=capacity),
        release=ReleaseSpec(window_days=14, rule="FREQ=DAILY;BYHOUR=0;BYMINUTE=0"),
        sessions=[SessionSpec(label="Pagi", start="08:00", end="12:00", rule="FREQ=DAILY")],
    )
    await load_offices(domain, [spec], actor="bench")
    await release_slots(domain, "FLASH")
    async with domain.db.reader() as session:
        slot = (
            await session.exec(
                select(Slot)
                .where(
                    col(Slot.start_utc) > domain.now() + timedelta(days=1),
                    col(Slot.is_open).is_(True),
                    Slot.capacity == capacity,
                )
                .order_by(col(Slot.start_utc))
            )
        ).first()
    assert slot is not None and slot.id is not None, "no released date with seats"
    await register_crowd(domain, range(FIRST_USER_ID, FIRST_USER_ID + applicants))
    return slot


async def at_the_summary(
    dp: Dispatcher, bot: Bot, domain: Domain, slot: Slot, numbers: range
) -> list[Update]:
    """Applicant ``FIRST_USER_ID + i`` for each ``i`` in ``numbers``, standing at the
    summary (FSM state and data as the flow leaves them: the holder alone, a new
    passport), and their confirm taps."""
    from bench.crowd import holders_of
    from booking.appointments.groups import MemberChoice
    from booking.core.kinds import ServiceType
    from bot import callbacks as cb
    from bot import states

    assert slot.id is not None
    users = [FIRST_USER_ID + i for i in numbers]
    holders = await holders_of(domain, users)
    updates = []
    for i, user_id in zip(numbers, users, strict=True):
        state = dp.fsm.get_context(bot, chat_id=user_id, user_id=user_id)
        await state.set_state(states.Booking.summary)
        await state.set_data({states.LOCALE: "id", states.OFFICE: slot.office_id})
        holder = MemberChoice(holders[user_id], ServiceType.NEW)
        data = cb.Confirm(slot=slot.id, group=cb.group_code([holder])).pack()
        updates.append(confirm_update(i + 1, user_id, data))
    return updates


async def run_project(applicants: int, capacity: int, concurrency: int) -> dict[str, Any]:
    from pydantic import SecretStr
    from sqlmodel import func, select

    from booking.db.factory import build_domain
    from booking.db.migrate import migrate
    from booking.db.models import Appointment, Slot
    from bot.config import BotSettings
    from bot.factory import build_dispatcher, get_ready, settle

    with tempfile.TemporaryDirectory(prefix="tanpa-flash-") as tmp:
        settings = BotSettings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp),
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            nik_secret=SecretStr("flash-crowd-bench"),
        )
        domain = build_domain(settings)
        try:
            await migrate(domain.db)
            slot = await open_rush(domain, applicants, capacity)
            slot_id = slot.id
            bot = Bot(TOKEN, session=RecordingSession(keep=False))
            dp = build_dispatcher(settings, domain)
            # What the bot does at start-up: start the render workers, settle the heap.
            await get_ready(dp)
            updates = await at_the_summary(dp, bot, domain, slot, range(applicants))
            gc.collect()
            rss_before = peak_rss_mb()
            timings = await feed_as_polling(dp, bot, updates, concurrency, partial(settle, dp))
            session_ = bot.session
            assert isinstance(session_, RecordingSession)

            async with domain.db.reader() as session:
                appointments = (
                    await session.exec(
                        select(func.count())
                        .select_from(Appointment)
                        .where(Appointment.slot_id == slot_id)
                    )
                ).one()
                counter = (await session.exec(select(Slot).where(Slot.id == slot_id))).one()
            sent_photos = session_.counts["sendPhoto"]
            workers_rss = children_peak_rss_mb()
            await dp.storage.close()
            await dp["files"].close()
        finally:
            await domain.db.dispose()
    return {
        **timings,
        "booked": int(appointments),
        "slot_counter": counter.booked,
        "overbooked": max(0, int(appointments) - capacity, counter.booked - capacity),
        "unanswered": unanswered(session_, updates),
        "calls": dict(session_.counts),
        "photo_bytes": session_.uploaded_bytes["photo"] // max(sent_photos, 1),
        "document_bytes": session_.uploaded_bytes["document"] // max(sent_photos, 1),
        "peak_rss_mb": peak_rss_mb() + workers_rss,
        "render_workers": settings.render_workers,
        "render_workers_peak_rss_mb": workers_rss,
        "rss_before_run_mb": rss_before,
    }


# --- the baseline side -----------------------------------------------------------------


def build_baseline_dispatcher(capacity: int, sizes: dict[str, int]) -> Dispatcher:
    """A bare aiogram Dispatcher: the same Bot API calls per update, no database."""
    from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

    dp = Dispatcher()
    text = "x" * sizes["text_chars"]
    photo = os.urandom(sizes["photo_bytes"] // 2 + 1)[: sizes["photo_bytes"]]
    document = b"d" * sizes["document_bytes"]
    dates = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=f"Sen {d} Des (500)", callback_data=f"dy:1:new:book:0:{d}")]
            for d in range(1, 6)
        ]
    )
    left = {"seats": capacity}

    @dp.callback_query()
    async def confirm(query: CallbackQuery, bot: Bot) -> None:
        chat_id = query.from_user.id
        assert isinstance(query.message, Message)
        if left["seats"] > 0:
            left["seats"] -= 1
            await query.message.edit_reply_markup(reply_markup=None)
            await bot.send_message(chat_id, text)
            await bot.send_photo(chat_id, BufferedInputFile(photo, "code.png"), caption="QR")
            await bot.send_document(chat_id, BufferedInputFile(document, "code.ics"), caption="ics")
            await query.answer("Booked")
        else:
            await query.message.edit_text("Full. The nearest dates:", reply_markup=dates)
            await query.answer()

    return dp


async def run_baseline(
    applicants: int, capacity: int, concurrency: int, sizes: dict[str, int]
) -> dict[str, Any]:
    bot = Bot(TOKEN, session=RecordingSession(keep=False))
    dp = build_baseline_dispatcher(capacity, sizes)
    data = "cf:1:new:none"
    updates = [confirm_update(i + 1, FIRST_USER_ID + i, data) for i in range(applicants)]
    gc.collect()
    rss_before = peak_rss_mb()
    timings = await feed_as_polling(dp, bot, updates, concurrency)
    session = bot.session
    assert isinstance(session, RecordingSession)
    return {
        **timings,
        "unanswered": unanswered(session, updates),
        "calls": dict(session.counts),
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_run_mb": rss_before,
    }


# --- the parent: both sides, the report ---------------------------------------------------


def run_side(side: str, args: argparse.Namespace, concurrency: int, sizes: dict[str, int]) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.flash_crowd",  # not "bench": the side imports only what it uses
        "--side",
        side,
        "--applicants",
        str(args.applicants),
        "--capacity",
        str(args.capacity),
        "--concurrency",
        str(concurrency),
        "--sizes",
        json.dumps(sizes),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the {side} side failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def build_report(project: dict, baseline: dict, capacity: int, applicants: int) -> dict:
    return {
        "applicants": applicants,
        "capacity": capacity,
        "updates_per_s": round(project["updates_per_s"], 1),
        "baseline_updates_per_s": round(baseline["updates_per_s"], 1),
        "throughput_ratio": round(project["updates_per_s"] / baseline["updates_per_s"], 3),
        "p50_ms": round(project["p50_ms"], 2),
        "p99_ms": round(project["p99_ms"], 2),
        "baseline_p50_ms": round(baseline["p50_ms"], 2),
        "baseline_p99_ms": round(baseline["p99_ms"], 2),
        "p50_since_press_ms": round(project["p50_since_press_ms"], 1),
        "p99_since_press_ms": round(project["p99_since_press_ms"], 1),
        "peak_rss_mb": round(project["peak_rss_mb"], 1),
        "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
        "rss_ratio": round(project["peak_rss_mb"] / baseline["peak_rss_mb"], 3),
        "rss_before_run_mb": round(project["rss_before_run_mb"], 1),
        "baseline_rss_before_run_mb": round(baseline["rss_before_run_mb"], 1),
        "booked": project["booked"],
        "overbooked": project["overbooked"],
        "unanswered": project["unanswered"],
        "baseline_unanswered": baseline["unanswered"],
        "failed_updates": project["failures"],
        "elapsed_s": round(project["elapsed_s"], 2),
        "baseline_elapsed_s": round(baseline["elapsed_s"], 2),
        "calls": project["calls"],
        "baseline_calls": baseline["calls"],
        "concurrency": project["concurrency"],
        "cpu_cores": os.cpu_count(),
    }


def meets_target(r: dict[str, Any]) -> bool:
    return (
        r["throughput_ratio"] >= TARGET_THROUGHPUT_RATIO
        and r["rss_ratio"] <= TARGET_RSS_RATIO
        and r["booked"] == min(r["capacity"], r["applicants"])
        and r["overbooked"] == 0
        and r["unanswered"] == 0
    )


def table(r: dict[str, Any]) -> str:
    ms = "{:.1f} / {:.1f} ms".format
    rows = [
        ("applicants / seats", f"{r['applicants']} / {r['capacity']}"),
        ("updates in progress at most", str(r["concurrency"])),
        ("project updates/s", f"{r['updates_per_s']:.1f} ({r['elapsed_s']:.2f} s)"),
        (
            "bare aiogram updates/s",
            f"{r['baseline_updates_per_s']:.1f} ({r['baseline_elapsed_s']:.2f} s)",
        ),
        ("throughput ratio", f"{r['throughput_ratio']:.3f} (target >= {TARGET_THROUGHPUT_RATIO})"),
        ("handling p50 / p99", ms(r["p50_ms"], r["p99_ms"])),
        ("bare aiogram p50 / p99", ms(r["baseline_p50_ms"], r["baseline_p99_ms"])),
        ("from press p50 / p99", ms(r["p50_since_press_ms"], r["p99_since_press_ms"])),
        ("peak RSS project", f"{r['peak_rss_mb']:.1f} MB ({r['rss_before_run_mb']:.1f} before)"),
        ("peak RSS bare aiogram", f"{r['baseline_peak_rss_mb']:.1f} MB"),
        ("RSS ratio", f"{r['rss_ratio']:.3f} (target <= {TARGET_RSS_RATIO})"),
        ("booked", f"{r['booked']} (must be {min(r['capacity'], r['applicants'])})"),
        ("overbooked", f"{r['overbooked']} (must be 0)"),
        ("unanswered callbacks", f"{r['unanswered']} (must be 0)"),
        ("failed updates", str(r["failed_updates"])),
        ("CPU cores", str(r["cpu_cores"])),
        ("target met", "yes" if meets_target(r) else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(args: argparse.Namespace) -> int:
    if args.applicants < 1 or args.capacity < 1:
        print("--applicants and --capacity must be positive")
        return 2
    if args.concurrency is None:
        from bot.app import POLLING_CONCURRENCY

        args.concurrency = POLLING_CONCURRENCY
    if args.side is not None:
        # One side, in this (child) process: print its figures as one JSON line.
        if args.side == "project":
            result = asyncio.run(run_project(args.applicants, args.capacity, args.concurrency))
        else:
            sizes = json.loads(args.sizes) if args.sizes else DEFAULT_SIZES
            result = asyncio.run(
                run_baseline(args.applicants, args.capacity, args.concurrency, sizes)
            )
        print(json.dumps({**result, "concurrency": args.concurrency}))
        return 0
    project = run_side("project", args, args.concurrency, DEFAULT_SIZES)
    # The baseline uploads files as large as the ones the project sent.
    sizes = dict(DEFAULT_SIZES)
    for key in ("photo_bytes", "document_bytes"):
        sizes[key] = project[key] or sizes[key]
    baseline = run_side("baseline", args, args.concurrency, sizes)
    report = build_report(project, baseline, args.capacity, args.applicants)
    print(table(report))
    if args.json:
        print(json.dumps(report))
    return 0 if meets_target(report) else 1
