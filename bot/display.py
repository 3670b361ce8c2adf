"""The "now serving" screen: a web page for an office's TV.

``GET /display/<office-code>?key=<display-key>`` is the page;
``GET /display/<office-code>/stream?key=...`` its server-sent events.

The stream reads ``now_serving`` from the database about every
``POLL_S`` seconds and sends the board when its ``version`` changes, so a
call made by any bot instance reaches every screen within a second, with no
message bus between instances. It tells the browser to reconnect after
``RETRY_MS`` and sends a keep-alive comment every ``KEEPALIVE_S`` so that proxies
do not close an idle stream, and ends when the key was replaced (checked every
``KEY_CHECK_S``); the page's EventSource reconnects by itself, and the
page opens a new one if the server refused a reconnection (a restart, a database
hiccup).

A wrong or missing key is answered 403 and an unknown office 404, with a short
Indonesian page and no detail. The board holds numbers and counters only: no
names, no NIKs.

The routes are mounted on the webhook server (``bot.webhook``), or served alone
in polling mode by ``python -m bot display`` (``serve_display``).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response
from yarl import URL

from booking.calendar.schedule import zone_abbrev
from booking.core.context import Domain
from booking.core.errors import DisplayKeyInvalid, OfficeNotFound
from booking.db.factory import build_domain
from booking.offices.lookup import get_office_by_code
from booking.offices.views import OfficeView
from booking.queue.display import now_serving, office_for_display
from booking.queue.views import NowServing
from bot.app import prepare_database
from bot.config import BotSettings

log = logging.getLogger(__name__)

POLL_S = 0.5
RETRY_MS = 2000
KEEPALIVE_S = 15.0
# An open stream checks its key again this often: a new key cuts old screens off.
KEY_CHECK_S = 10.0
PAGE_PATH = "/display/{code}"
STREAM_PATH = "/display/{code}/stream"
# Set when the server shuts down: the open streams end instead of holding it up.
STOPPING = web.AppKey("display-stopping", asyncio.Event)


@dataclass(frozen=True)
class Board:
    """Where the screen reads from: the office for a code and key (raising
    ``DisplayKeyInvalid`` or ``OfficeNotFound``), and what the office serves now."""

    office: Callable[[str, str], Awaitable[OfficeView]]
    serving: Callable[[int], Awaitable[NowServing]]


def queue_board(domain: Domain) -> Board:
    """The board of the day's queue (``booking.queue.display``)."""

    async def office(code: str, key: str) -> OfficeView:
        try:
            return await office_for_display(domain, code, key)
        except DisplayKeyInvalid:
            # Office codes are public (the bot lists them): an unknown one is a 404.
            await get_office_by_code(domain, code)
            raise

    async def serving(office_id: int) -> NowServing:
        return await now_serving(domain, office_id)

    return Board(office=office, serving=serving)


def board_state(serving: NowServing) -> dict[str, Any]:
    """What the page shows, as JSON: the numbers called and their counters, and
    how many wait."""
    return {
        "version": serving.version,
        "office": serving.office_name,
        "timezone": serving.timezone,
        "zone": zone_abbrev(serving.timezone),
        "waiting": serving.waiting,
        "latest": [{"number": call.label, "counter": call.counter} for call in serving.latest],
    }


REFUSALS = {
    403: (
        "Kunci layar tidak berlaku",
        "Alamat layar ini salah atau kuncinya sudah diganti. "
        "Minta alamat yang baru kepada admin kantor.",
    ),
    404: ("Kantor tidak ditemukan", "Periksa kode kantor pada alamat layar ini."),
}


def refusal(status: int) -> web.Response:
    title, text = REFUSALS[status]
    body = (
        f'<!doctype html><html lang="id"><meta charset="utf-8"><title>{title}</title>'
        f'<body style="background:#000;color:#fff;font:2rem sans-serif;padding:2rem">'
        f"<h1>{title}</h1><p>{text}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


async def checked_office(board: Board, request: web.Request) -> OfficeView | web.Response:
    """The office the request names, or the refusal to answer with."""
    try:
        return await board.office(request.match_info["code"], request.query.get("key", ""))
    except OfficeNotFound:
        return refusal(404)
    except DisplayKeyInvalid:
        return refusal(403)


def gone(request: web.Request) -> bool:
    """The screen closed its connection."""
    return request.transport is None or request.transport.is_closing()


def page_html(office: OfficeView, state: dict[str, Any], stream_url: str) -> str:
    # "</" cannot end the script element from inside the JSON.
    initial = json.dumps(state).replace("</", "<\\/")
    return (
        PAGE.replace("{{title}}", html.escape(office.name))
        .replace("{{stream}}", html.escape(stream_url))
        .replace("{{state}}", initial)
    )


def display_routes(board: Board, *, poll_s: float = POLL_S) -> list[web.RouteDef]:
    async def page(request: web.Request) -> web.StreamResponse:
        office = await checked_office(board, request)
        if isinstance(office, web.Response):
            return office
        state = board_state(await board.serving(office.id))
        stream = request.app.router["display-stream"].url_for(code=office.code)
        stream = stream.with_query(key=request.query.get("key", ""))
        response = web.Response(
            text=page_html(office, state, str(stream)), content_type="text/html"
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def stream(request: web.Request) -> web.StreamResponse:
        office = await checked_office(board, request)
        if isinstance(office, web.Response):
            return office
        stopping = request.app[STOPPING]
        key_checked = time.monotonic()
        async with sse_response(request, ping_interval=KEEPALIVE_S) as events:
            version = None
            while events.is_connected() and not gone(request) and not stopping.is_set():
                if time.monotonic() - key_checked >= KEY_CHECK_S:
                    if not isinstance(await checked_office(board, request), OfficeView):
                        break  # a new key was made: this screen's reconnection gets 403
                    key_checked = time.monotonic()
                state = board_state(await board.serving(office.id))
                if state["version"] != version:
                    version = state["version"]
                    with suppress(ConnectionResetError):  # the screen went away
                        await events.send(json.dumps(state), event="board", retry=RETRY_MS)
                with suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), poll_s)
        return events

    return [
        web.get(PAGE_PATH, page, name="display-page"),
        web.get(STREAM_PATH, stream, name="display-stream"),
    ]


def add_display(web_app: web.Application, board: Board, *, poll_s: float = POLL_S) -> None:
    """Mount the screens on ``web_app``; its shutdown ends their open streams."""
    web_app[STOPPING] = asyncio.Event()

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    web_app.on_shutdown.append(stop_streams)
    web_app.add_routes(display_routes(board, poll_s=poll_s))


def screen_url(settings: BotSettings, office_code: str, key: str) -> str:
    """The address of an office's screen, to open on its TV."""
    if settings.display_url:
        base = settings.display_url.rstrip("/")
    elif settings.webhook_url:
        base = str(URL(settings.webhook_url).origin())
    else:
        base = f"http://{settings.display_host}:{settings.display_port}"
    return str(URL(base + PAGE_PATH.format(code=office_code)).with_query(key=key))


async def serve_display(domain: Domain, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve the screens alone on ``host:port`` until ``stop`` is set."""
    web_app = web.Application()
    add_display(web_app, queue_board(domain))
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.warning("display server on %s:%s/display/<office-code>?key=...", host, port)
        await stop.wait()
    finally:
        await runner.cleanup()


async def run_display(settings: BotSettings, *, stop: asyncio.Event | None = None) -> None:
    """``python -m bot display``: the screens of polling mode, until SIGINT/SIGTERM."""
    domain = build_domain(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await prepare_database(domain)
        await serve_display(domain, settings.display_host, settings.display_port, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await domain.db.dispose()


PAGE = """<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Antrean</title>
<style>
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; background: #000; color: #fff;
    font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; }
  body { display: flex; flex-direction: column; padding: 2vh 3vw; gap: 2vh; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 2vw; }
  #office { font-size: 5vh; font-weight: bold; }
  #clock { font-size: 7vh; font-weight: bold; font-variant-numeric: tabular-nums;
    white-space: nowrap; }
  #date { font-size: 3vh; color: #ddd; text-align: right; }
  main { flex: 1; display: flex; gap: 3vw; min-height: 0; }
  #now { flex: 3; display: flex; flex-direction: column; justify-content: center;
    align-items: center; background: #ffd400; color: #000; border-radius: 2vh; }
  #now .label { font-size: 5vh; font-weight: bold; }
  #now .number { font-size: 28vh; font-weight: bold; line-height: 1;
    font-variant-numeric: tabular-nums; }
  #now .counter { font-size: 9vh; font-weight: bold; }
  #side { flex: 2; display: flex; flex-direction: column; min-width: 0; }
  #side h2 { font-size: 4vh; margin: 0 0 1vh; color: #ddd; }
  #earlier { list-style: none; margin: 0; padding: 0; }
  #earlier li { display: flex; justify-content: space-between; font-size: 6vh;
    font-weight: bold; border-bottom: 0.3vh solid #444; padding: 1vh 0;
    font-variant-numeric: tabular-nums; }
  footer { display: flex; justify-content: space-between; font-size: 5vh; font-weight: bold; }
  #offline { color: #ff6b6b; font-size: 3.5vh; }
  #offline[hidden] { display: none; }
</style>
</head>
<body data-stream="{{stream}}">
<header>
  <div id="office"></div>
  <div><div id="clock"></div><div id="date"></div></div>
</header>
<main>
  <section id="now" aria-live="polite">
    <div class="label">Nomor antrean</div>
    <div class="number" id="now-number">–</div>
    <div class="counter" id="now-counter">Belum ada panggilan</div>
  </section>
  <section id="side">
    <h2>Panggilan sebelumnya</h2>
    <ul id="earlier"></ul>
  </section>
</main>
<footer>
  <div>Menunggu: <span id="waiting">0</span> orang</div>
  <div id="offline" hidden>Koneksi terputus, menyambung ulang…</div>
</footer>
<script id="initial" type="application/json">{{state}}</script>
<script>
"use strict";
const streamUrl = document.body.dataset.stream;
let timezone = "Asia/Jakarta";
let zoneName = "WIB";

function text(id, value) { document.getElementById(id).textContent = value; }

function show(state) {
  timezone = state.timezone;
  zoneName = state.zone;
  text("office", state.office);
  text("waiting", String(state.waiting));
  const [newest, ...earlier] = state.latest;
  text("now-number", newest ? newest.number : "–");
  text("now-counter", newest ? newest.counter : "Belum ada panggilan");
  const list = document.getElementById("earlier");
  list.replaceChildren(...earlier.map((call) => {
    const item = document.createElement("li");
    const number = document.createElement("span");
    const counter = document.createElement("span");
    number.textContent = call.number;
    counter.textContent = call.counter;
    item.append(number, counter);
    return item;
  }));
  document.body.dataset.version = state.version;
}

function tick() {
  const now = new Date();
  const time = new Intl.DateTimeFormat("id-ID", { timeZone: timezone, hour: "2-digit",
    minute: "2-digit", second: "2-digit", hour12: false }).format(now);
  const day = new Intl.DateTimeFormat("id-ID", { timeZone: timezone, weekday: "long",
    day: "numeric", month: "long", year: "numeric" }).format(now);
  text("clock", time.replace(/\\./g, ":") + " " + zoneName);
  text("date", day);
}

function connect() {
  const events = new EventSource(streamUrl);
  events.addEventListener("board", (event) => {
    document.getElementById("offline").hidden = true;
    show(JSON.parse(event.data));
  });
  events.onerror = () => {
    document.getElementById("offline").hidden = false;
    // EventSource retries by itself, except after a refused reconnection.
    if (events.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  };
}

show(JSON.parse(document.getElementById("initial").textContent));
tick();
setInterval(tick, 1000);
connect();
</script>
</body>
</html>
"""
