"""Two ``python -m bot worker`` processes on one SQLite file, without Redis: they
claim rows per recipient, so they never send to one chat within a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.reminders import max_per_chat_in_window
from bot.emulator import BotApiEmulator
from tests.outbox_helpers import queue_notices
from tests.processes import bot_environment
from tests.sender_helpers import delivered
from tests.waiting import wait_until

TOKEN = "1234567:two-workers-token"


def start_worker(cwd: Path, env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "worker"],
        cwd=cwd,
        env=env,
        stdout=(cwd / log).open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.timeout(180)
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_two_workers_on_one_sqlite_file_never_send_to_one_chat_within_a_second(
    ctx, tmp_path: Path
) -> None:
    count, chats = 60, 15  # four notices a chat
    await queue_notices(ctx, count, chats=chats)
    async with BotApiEmulator() as api:
        env = bot_environment(
            tmp_path / "data",
            DATABASE_URL=ctx.settings.effective_database_url,
            NIK_SECRET="two-workers",
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
        )
        workers = [start_worker(tmp_path, env, f"worker{i}.log") for i in range(2)]
        try:
            await wait_until(lambda: len(delivered(api)) >= count, 90, what="every notice sent")
        finally:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                worker.wait(30)
        logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
        calls = api.calls_of("sendMessage")
    assert all("notification worker" in log for log in logs)
    assert len(delivered(api)) == count
    assert max_per_chat_in_window(calls) <= 1
