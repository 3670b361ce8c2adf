"""Stopping and dying: ``python -m bot`` as a real process in its own process group.

SIGINT to the group (Ctrl-C in a terminal, or a supervisor) stops every mode with
status 0 and no traceback, render workers included. SIGKILL of the bot's process
(a crash, the OOM killer) leaves no process of its group behind: its render
worker and multiprocessing's resource tracker go too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.processes import Member, bot_environment, free_port, group_members
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
    pytest.mark.timeout(180),
]

TOKEN = "1234567:lifecycle-test-token"
START_S = 60.0  # start-up on a busy machine: migrations, then a render worker
STOP_S = 30.0
GONE_S = 5.0
ARGS = {
    "console": ["--console"],
    "polling": ["--polling"],
    "webhook": ["--webhook"],
    "worker": ["worker"],
}


def is_render_worker(member: Member) -> bool:
    return "multiprocessing.spawn" in member.command


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def group(self) -> int:
        return self.process.pid  # it leads its own session and group

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def members(self) -> list[Member]:
        return group_members(self.group)

    def says(self) -> str:
        return f"exit status {self.process.poll()}, output:\n{self.text()[-4000:]}"

    async def ready(self, started: Callable[[], bool], *, render_worker: bool = True) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited at start-up: {self.says()}")
            return started() and (not render_worker or any(map(is_render_worker, self.members())))

        await wait_until(up, START_S, what=lambda: f"the bot ready ({self.says()})", every=0.1)

    async def exit_status(self) -> int:
        await wait_until(
            lambda: self.process.poll() is not None,
            STOP_S,
            what=lambda: f"the bot stopped ({self.says()})",
            every=0.05,
        )
        return self.process.wait()


@pytest.fixture
async def api() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def start_bot(
    tmp_path: Path, api: BotApiEmulator
) -> AsyncIterator[Callable[[str], BotProcess]]:
    started: list[BotProcess] = []

    def start(mode: str) -> BotProcess:
        env = bot_environment(
            tmp_path / "data",
            NIK_SECRET="lifecycle-test",
            RENDER_WORKERS="1",
            RUN_SENDER="false",
        )
        if mode != "console":
            env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url)
        if mode == "webhook":
            env.update(
                WEBHOOK_URL="https://bot.example.test/hook",
                WEBHOOK_SECRET="lifecycle-Secret1",
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(free_port()),
            )
        output = tmp_path / f"{mode}.log"
        with output.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "bot", *ARGS[mode]],
                cwd=tmp_path,  # no .env here
                env=env,
                stdin=subprocess.PIPE,  # the console waits on it; nobody types
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(BotProcess(process, output))
        return started[-1]

    yield start
    for bot in started:
        if bot.process.poll() is None or bot.members():
            os.killpg(bot.group, signal.SIGKILL)
        bot.process.wait()
        assert bot.process.stdin is not None
        bot.process.stdin.close()


def started_condition(mode: str, bot: BotProcess, api: BotApiEmulator) -> Callable[[], bool]:
    """What shows that ``mode`` finished starting and serves."""
    if mode == "console":
        # The prompt after the answer to /start: the playground waits for a line.
        return lambda: bot.text().count("\n> ") >= 2
    if mode == "polling":
        return lambda: api.last_poll is not None
    if mode == "webhook":
        return lambda: bool(api.calls_of("setWebhook"))
    return lambda: "notification worker" in bot.text()


@pytest.mark.parametrize("mode", list(ARGS))
async def test_sigint_to_the_group_stops_the_bot_with_status_0_and_no_traceback(
    mode: str, start_bot: Callable[[str], BotProcess], api: BotApiEmulator
) -> None:
    bot = start_bot(mode)
    await bot.ready(started_condition(mode, bot, api), render_worker=mode != "worker")
    os.killpg(bot.group, signal.SIGINT)
    assert await bot.exit_status() == 0, bot.says()
    assert "Traceback" not in bot.text()
    await wait_until(lambda: not bot.members(), GONE_S, what=lambda: f"{bot.members()} gone")


@pytest.mark.parametrize("mode", ["console", "polling"])
async def test_sigkill_of_the_bot_leaves_no_process_of_its_group(
    mode: str, start_bot: Callable[[str], BotProcess], api: BotApiEmulator
) -> None:
    bot = start_bot(mode)
    await bot.ready(started_condition(mode, bot, api))
    assert any("resource_tracker" in m.command for m in bot.members()), bot.members()
    bot.process.kill()
    assert await bot.exit_status() == -signal.SIGKILL
    await wait_until(
        lambda: not bot.members(), GONE_S, what=lambda: f"no process left; left: {bot.members()}"
    )
