"""Two bot instances (``python -m bot`` in webhook mode, as subprocesses) sharing one
PostgreSQL database and one Redis, talking to a ``BotApiEmulator`` in this process.

Needs ``TEST_POSTGRES_URL`` and ``TEST_REDIS_URL``: without them the tests skip with
the reason, unless ``REQUIRE_POSTGRES=1`` / ``REQUIRE_REDIS=1`` (set by
``scripts/test``), which turn the skip into a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from booking.core.clock import SystemClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.db.engine import create_database
from bot.emulator import BotApiEmulator
from tests.conftest import TEST_NIK_SECRET, need_postgres, need_service, reset_postgres
from tests.processes import FAST_TAPS, bot_environment, free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "1234567:scale-test-token"
SECRET = "scale_test-Secret1"
PATH = "/telegram/webhook"
START_S = 90.0


def need_redis() -> str:
    """The Redis server's URL (see ``need_service``)."""
    return need_service("Redis", "TEST_REDIS_URL", "REQUIRE_REDIS", client="redis")


class WebhookEmulator(BotApiEmulator):
    """The emulator, except that an update is POSTed to the instances' webhooks in
    turn (A, B, A, ...) with the secret header, as Telegram would behind a load
    balancer, instead of waiting in the getUpdates queue."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.delivered: list[tuple[int, str, int]] = []  # (update_id, target, HTTP status)
        self._turn = itertools.count()
        self._posts: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        target = self.targets[next(self._turn) % len(self.targets)]
        task = asyncio.get_running_loop().create_task(self._post(target, update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)
        return update

    async def _post(self, target: str, update: dict[str, Any]) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self._http.post(target, json=update, headers=headers) as response:
            self.delivered.append((update["update_id"], target, response.status))

    async def posted(self) -> None:
        """Wait until every update pushed so far was accepted or refused."""
        while self._posts:
            await asyncio.gather(*list(self._posts))

    async def stop(self) -> None:
        await self.posted()
        if self._http is not None:
            await self._http.close()
        await super().stop()


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"


@dataclass
class Cluster:
    api: WebhookEmulator
    domain: Domain
    instances: list[Instance] = field(default_factory=list)

    def logs(self) -> str:
        return "\n".join(f"--- {i.name} ---\n{i.log.read_text()[-4000:]}" for i in self.instances)

    async def stop(self) -> None:
        """Stop the instances (SIGTERM), as a deployment does: each finishes what it
        has under way (updates, files, sends) before it exits."""
        await self.api.posted()
        for instance in self.instances:
            await asyncio.to_thread(stop, instance)


def instance_env(name: str, port: int, api: BotApiEmulator, database_url: str, redis_url: str,
                 data_dir: Path) -> dict[str, str]:  # fmt: skip
    return bot_environment(
        data_dir / name,
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        TELEGRAM_API_URL=api.base_url,
        WEBHOOK_URL=f"https://bot.example.test{PATH}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_PATH=PATH,
        NIK_SECRET=TEST_NIK_SECRET,
        DEFAULT_LOCALE="id",
        **FAST_TAPS,
        # Both instances run the reminder sender: the outbox's leases keep it single.
        RUN_SENDER="true",
        SEND_RATE_PER_S="15",
    )


async def wait_started(cluster: Cluster) -> None:
    """Until both instances registered their webhook and accept connections."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_S
    while True:
        for instance in cluster.instances:
            if instance.process.poll() is not None:
                raise AssertionError(f"{instance.name} exited at start-up:\n{cluster.logs()}")
        if len(cluster.api.calls_of("setWebhook")) >= len(cluster.instances):
            try:
                for instance in cluster.instances:
                    _, writer = await asyncio.open_connection("127.0.0.1", instance.port)
                    writer.close()
                    await writer.wait_closed()
                return
            except OSError:
                pass
        if loop.time() > deadline:
            raise AssertionError(f"the instances did not start in {START_S} s:\n{cluster.logs()}")
        await asyncio.sleep(0.2)


def start_instance(name: str, env: dict[str, str], tmp_path: Path) -> Instance:
    """``python -m bot --webhook`` from the source tree, its output in a log file."""
    log = tmp_path / f"instance-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "--webhook"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Instance(name, int(env["WEBHOOK_PORT"]), process, log)


def stop(instance: Instance) -> None:
    if instance.process.poll() is None:
        instance.process.send_signal(signal.SIGTERM)
        try:
            instance.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    database_url = need_postgres()
    redis_url = need_redis()
    await reset_postgres(database_url)  # migrated here, once: the instances find it current
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()

    settings = BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=database_url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
    )
    db = create_database(database_url)
    domain = Domain(db=db, clock=SystemClock(), settings=settings, nik_key=settings.nik_key())
    async with WebhookEmulator() as api:
        cluster = Cluster(api=api, domain=domain)
        try:
            for name in ("a", "b"):
                env = instance_env(name, free_port(), api, database_url, redis_url, tmp_path)
                cluster.instances.append(start_instance(name, env, tmp_path))
            await wait_started(cluster)
            api.targets = [i.url for i in cluster.instances]
            yield cluster
        finally:
            await cluster.stop()
            await db.dispose()
