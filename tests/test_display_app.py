"""The "now serving" screen's routes, against a small fake of the queue's
``office_for_display`` and ``now_serving`` (tests/browser/test_display.py drives
the real ones, in a browser)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestClient, TestServer

from booking.core.errors import DisplayKeyInvalid, OfficeNotFound
from booking.offices.views import OfficeView
from booking.queue.views import CalledNumber, NowServing
from bot import display
from bot.config import BotSettings
from bot.display import Board, add_display, run_display, screen_url
from tests.waiting import wait_until

KEY = "k3y-of-the-tv"
OFFICE = OfficeView(
    id=7,
    code="JAKSEL",
    name="Kantor Imigrasi Jakarta Selatan",
    timezone="Asia/Jakarta",
    daily_quota=100,
    priority_quota=10,
    release_window_days=14,
    release_rule="FREQ=DAILY;BYHOUR=8",
    walk_in_quota=0,
)


def serving(waiting: int) -> NowServing:
    return NowServing(
        office_name=OFFICE.name, timezone=OFFICE.timezone, latest=(), waiting=waiting, version="0"
    )


@dataclass
class FakeQueue:
    """What ``now_serving`` answers, changed by the test; counts its reads."""

    serving: NowServing
    key: str = KEY
    reads: int = 0

    def call(self, label: str, counter: str, at: datetime) -> None:
        s = self.serving
        self.serving = replace(
            s,
            latest=(CalledNumber(label, counter, at), *s.latest)[:6],
            waiting=max(s.waiting - 1, 0),
            version=str(int(s.version) + 1),
        )

    def board(self) -> Board:
        async def office(code: str, key: str) -> OfficeView:
            if code != OFFICE.code:
                raise OfficeNotFound(code)
            if key != self.key:
                raise DisplayKeyInvalid
            return OFFICE

        async def now(office_id: int) -> NowServing:
            assert office_id == OFFICE.id
            self.reads += 1
            return self.serving

        return Board(office=office, serving=now)


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue(serving=serving(waiting=5))


@pytest.fixture
async def client(queue: FakeQueue) -> AsyncIterator[TestClient]:
    app = web.Application()
    add_display(app, queue.board(), poll_s=0.05)
    async with TestClient(TestServer(app)) as client:
        yield client


AT = datetime(2026, 11, 30, 2, 15, tzinfo=UTC)


async def test_the_page_shows_the_office_the_calls_and_those_waiting(
    client: TestClient, queue: FakeQueue
) -> None:
    queue.call("016", "Loket 1", AT)
    queue.call("017", "Loket 3", AT)
    response = await client.get("/display/JAKSEL", params={"key": KEY})
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert '<html lang="id">' in page
    assert "Kantor Imigrasi Jakarta Selatan" in page
    assert "Nomor antrean" in page and "Menunggu" in page
    state = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
    assert state["latest"] == [
        {"number": "017", "counter": "Loket 3"},
        {"number": "016", "counter": "Loket 1"},
    ]
    assert state["waiting"] == 3
    assert state["zone"] == "WIB"
    assert f"/display/JAKSEL/stream?key={KEY}" in page


async def test_the_office_name_cannot_break_out_of_the_page(
    client: TestClient, queue: FakeQueue
) -> None:
    queue.serving = replace(queue.serving, office_name="</script><b>x</b>")
    page = await (await client.get("/display/JAKSEL", params={"key": KEY})).text()
    assert "</script><b>" not in page


@pytest.mark.parametrize("params", [{}, {"key": ""}, {"key": "old-key"}])
@pytest.mark.parametrize("path", ["/display/JAKSEL", "/display/JAKSEL/stream"])
async def test_a_wrong_or_missing_key_is_refused_in_indonesian(
    client: TestClient, queue: FakeQueue, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params)
    assert response.status == 403
    assert response.content_type == "text/html"
    body = await response.text()
    assert "Kunci layar tidak berlaku" in body
    assert "Traceback" not in body and "DisplayKeyInvalid" not in body
    assert queue.reads == 0


@pytest.mark.parametrize("path", ["/display/NOPE", "/display/NOPE/stream"])
async def test_an_unknown_office_is_not_found(client: TestClient, path: str) -> None:
    response = await client.get(path, params={"key": KEY})
    assert response.status == 404
    assert "Kantor tidak ditemukan" in await response.text()


async def read_event(response: ClientResponse, within: float) -> dict[str, str]:
    """The next server-sent event's fields (a comment line counts as ``comment``)."""
    fields: dict[str, str] = {}
    async with asyncio.timeout(within):
        while True:
            line = (await response.content.readline()).decode().rstrip("\r\n")
            if not line:
                if fields:
                    return fields
                continue
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()


async def open_stream(client: TestClient) -> tuple[ClientResponse, dict[str, str]]:
    """The screen's stream, and its first event."""
    response = await client.get("/display/JAKSEL/stream", params={"key": KEY})
    assert response.status == 200
    return response, await read_event(response, 2)


async def test_the_stream_sends_the_board_then_each_change_within_two_seconds(
    client: TestClient, queue: FakeQueue
) -> None:
    response, first = await open_stream(client)
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert first["event"] == "board"
    assert first["retry"] == str(display.RETRY_MS)
    assert json.loads(first["data"])["latest"] == []
    started = time.monotonic()
    queue.call("017", "Loket 3", AT)
    second = await read_event(response, 2)
    assert time.monotonic() - started < 2
    assert json.loads(second["data"])["latest"][0] == {"number": "017", "counter": "Loket 3"}
    response.close()


async def test_an_unchanged_board_is_not_sent_again_but_kept_alive(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, queue: FakeQueue
) -> None:
    monkeypatch.setattr(display, "KEEPALIVE_S", 0.3)
    response, _ = await open_stream(client)
    reads = queue.reads
    assert await read_event(response, 2) == {"comment": "ping"}
    assert queue.reads > reads  # it kept reading, and had nothing new to send
    response.close()


async def test_shutting_the_server_down_ends_the_open_streams(queue: FakeQueue) -> None:
    app = web.Application()
    add_display(app, queue.board(), poll_s=60)  # a poll would outlast the test
    server = TestServer(app)  # waits up to 60 s for open requests when it stops
    await server.start_server()
    async with ClientSession() as session:
        url = server.make_url("/display/JAKSEL/stream").with_query(key=KEY)
        async with session.get(url) as response:
            await read_event(response, 2)
            started = time.monotonic()
            await server.close()
            assert time.monotonic() - started < 5
            assert await response.content.read() == b""  # the stream ended


def test_the_screens_address_for_the_admin() -> None:
    settings = BotSettings(_env_file=None)  # type: ignore[call-arg]
    assert screen_url(settings, "JAKSEL", "a b") == "http://127.0.0.1:8081/display/JAKSEL?key=a+b"
    hooked = settings.model_copy(update={"webhook_url": "https://bot.example.id/telegram/webhook"})
    assert screen_url(hooked, "JAKSEL", KEY) == f"https://bot.example.id/display/JAKSEL?key={KEY}"
    public = hooked.model_copy(update={"display_url": "https://antre.example.id/"})
    assert screen_url(public, "JAKSEL", KEY) == f"https://antre.example.id/display/JAKSEL?key={KEY}"


async def test_a_new_key_ends_the_open_streams_of_the_old(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, queue: FakeQueue
) -> None:
    monkeypatch.setattr(display, "KEY_CHECK_S", 0.1)
    response, _ = await open_stream(client)
    queue.key = "the-new-key"
    async with asyncio.timeout(2):
        assert await response.content.read() == b""  # the stream ended
    assert (await client.get("/display/JAKSEL/stream", params={"key": KEY})).status == 403


async def test_python_m_bot_display_serves_the_screens_alone(tmp_path: Path) -> None:
    """Polling mode's ``python -m bot display``: no token needed, the database migrated."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'display.db'}",
        display_port=port,
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(run_display(settings, stop=stop))
    statuses: list[int] = []

    async def answered() -> bool:
        try:
            async with ClientSession() as session:
                url = f"http://127.0.0.1:{port}/display/NOPE?key=x"
                async with session.get(url) as response:
                    statuses.append(response.status)
                    return True
        except OSError:
            return False

    try:
        await wait_until(answered, 30, what="python -m bot display answering")
        assert statuses == [404]
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)
