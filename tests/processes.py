"""Test helpers for ``python -m bot`` run as a real process: its environment, and
the processes of its process group, read from ``/proc`` (Linux); and test workers
(``python -m tests.race_worker`` and the like) started together."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from asyncio.subprocess import Process
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Settings of the test run that must not reach a bot started by a test.
CLEARED = ("BOT_TOKEN", "WEBHOOK_URL", "DATABASE_URL", "TELEGRAM_API_URL", "REDIS_URL")
# A test taps faster than a person; the throttle has its own tests.
FAST_TAPS = {"THROTTLE_RATE": "1000", "THROTTLE_BURST": "1000"}


def bot_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without the test run's own settings, with
    ``DATA_DIR`` and unbuffered output, plus ``settings``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in CLEARED and not k.startswith(("TEST_", "REQUIRE_"))
    }
    env.update(DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **settings)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Member:
    pid: int
    command: str


def group_members(pgid: int) -> list[Member]:
    """The processes of process group ``pgid`` still running (zombies, which hold
    no memory and wait only for their parent to read their status, left out)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name, in parentheses, may hold spaces: split after it.
            state, _ppid, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):  # it ended while being read
            continue
        if int(group) == pgid and state != "Z":
            members.append(Member(int(entry.name), command.strip()))
    return members


ROOT = Path(__file__).resolve().parent.parent


async def start_workers(module: str, argv_per_worker: list[list[str]]) -> list[Process]:
    """Start ``python -m module ARGS`` once per argument list and wait until each
    printed ``ready`` (connected, waiting for a line on stdin to begin)."""
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *argv,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for argv in argv_per_worker
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), timeout=60)
            assert line.strip() == b"ready", line
    except BaseException:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        raise
    return workers


async def run_workers(workers: list[Process]) -> list[Any]:
    """Start started workers together (a line on stdin each) and return the JSON
    each printed last; every one must exit cleanly."""
    try:
        outputs = await asyncio.wait_for(
            asyncio.gather(*(w.communicate(b"go\n") for w in workers)), timeout=120
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
    results = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results
