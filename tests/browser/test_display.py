"""The "now serving" screen in a real browser: headless Chromium (Debian's
``chromium`` and ``chromium-driver``, driven by Selenium) against the running
display routes on a free port, over the test's real database (SQLite and
PostgreSQL).

Without Chromium these tests skip with the reason, except under
``REQUIRE_BROWSER=1`` (``scripts/test`` installs Chromium and sets it), where
they fail. Each run saves a screenshot under ``tests/artifacts/`` (ignored by
git) and prints its path.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from booking.admin.checkin import check_in
from booking.core.context import Domain
from booking.queue.calling import call_next
from booking.queue.display import display_key, rotate_display_key
from booking.queue.views import CounterView
from bot.display import add_display, queue_board
from tests.admin_helpers import book_on
from tests.conftest import TUE
from tests.queue_helpers import STAFF, TUE_0730, open_counters, queue_office

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# The page must show a call within this many seconds, without a reload.
WITHIN_S = 2.0


def need_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    reason = None
    if importlib.util.find_spec("selenium") is None:
        reason = "selenium is not installed: pip install -e '.[dev]'"
    elif missing:
        reason = (
            f"{' and '.join(missing)} not found: apt-get install chromium chromium-driver "
            "(scripts/test does)"
        )
    if reason is not None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Any]:
    need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,720",
        "--lang=id-ID",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


async def serve(ctx: Domain, port: int = 0) -> TestServer:
    app = web.Application()
    add_display(app, queue_board(ctx))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    return server


@pytest.fixture
async def office(ctx: Domain) -> int:
    """Office TEST on Tuesday 07:30 with three people checked in."""
    office_id = await queue_office(ctx)
    booked = await book_on(ctx, office_id, TUE, [9101, 9102, 9103])
    ctx.clock.set(TUE_0730)
    for appointment in booked:
        await check_in(ctx, office_id, appointment.code, actor="test")
    return office_id


@pytest.fixture
async def counters(ctx: Domain, office: int) -> list[CounterView]:
    return await open_counters(ctx, office, 2)


@pytest.fixture
async def server(ctx: Domain, office: int) -> AsyncIterator[TestServer]:
    server = await serve(ctx)
    yield server
    await server.close()


async def in_browser(driver: Any, do: Callable[[Any], Any]) -> Any:
    """Selenium blocks: drive the browser from a thread, so the server keeps serving."""
    return await asyncio.to_thread(do, driver)


async def shown(driver: Any, element_id: str) -> str:
    return str(
        await in_browser(
            driver,
            lambda d: d.execute_script(
                f"return document.getElementById('{element_id}').textContent"
            ),
        )
    )


async def wait_for_text(driver: Any, expected: dict[str, str], within: float) -> float:
    """Seconds until every element id in ``expected`` shows its text; fails after ``within``."""
    started = time.monotonic()
    while True:
        now = {element_id: await shown(driver, element_id) for element_id in expected}
        if now == expected:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"the page shows {now}, not {expected}, after {within}s")
        await asyncio.sleep(0.05)


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


async def call(ctx: Domain, office: int, counter: CounterView) -> str:
    ticket = await call_next(ctx, office_id=office, counter_id=counter.id, telegram_id=STAFF)
    assert ticket is not None
    return ticket.label


async def test_a_call_reaches_the_open_page_within_two_seconds(
    ctx: Domain,
    office: int,
    counters: list[CounterView],
    server: TestServer,
    browser: Any,
    backend: str,
) -> None:
    url = server.make_url("/display/TEST").with_query(key=await display_key(ctx, office))
    await in_browser(browser, lambda d: d.get(str(url)))
    await wait_for_text(browser, {"waiting": "3", "now-counter": "Belum ada panggilan"}, within=10)
    assert "Kantor Imigrasi TEST" in await shown(browser, "office")
    assert (await shown(browser, "clock")).endswith(" WIB")
    # A mark that a reload would wipe.
    await in_browser(browser, lambda d: d.execute_script("window.notReloaded = true"))

    first = await call(ctx, office, counters[0])
    took = await wait_for_text(
        browser, {"now-number": first, "now-counter": "Loket 1", "waiting": "2"}, WITHIN_S
    )
    second = await call(ctx, office, counters[1])
    await wait_for_text(browser, {"now-number": second, "now-counter": "Loket 2"}, WITHIN_S)
    assert await shown(browser, "earlier") == f"{first}Loket 1"  # the one before, below
    assert await in_browser(browser, lambda d: d.execute_script("return window.notReloaded"))
    page = await in_browser(browser, lambda d: d.page_source)
    assert "Pemohon 9101" not in page  # numbers and counters only
    screenshot(browser, f"display-{backend}")
    print(f"the first call showed after {took:.2f}s")


async def test_the_page_reconnects_after_a_server_restart(
    ctx: Domain, office: int, counters: list[CounterView], browser: Any
) -> None:
    server = await serve(ctx)
    port = server.port
    assert port is not None
    url = server.make_url("/display/TEST").with_query(key=await display_key(ctx, office))
    await in_browser(browser, lambda d: d.get(str(url)))
    await wait_for_text(browser, {"waiting": "3"}, within=10)
    await server.close()
    restarted = await serve(ctx, port)
    try:
        label = await call(ctx, office, counters[0])
        # The browser retries after the stream's retry (2 s), then the call shows.
        await wait_for_text(browser, {"now-number": label}, within=2 + WITHIN_S + 3)
        assert await shown(browser, "offline") == "Koneksi terputus, menyambung ulang…"
        assert await in_browser(
            browser, lambda d: d.execute_script("return document.getElementById('offline').hidden")
        )
    finally:
        await restarted.close()


async def test_a_wrong_or_rotated_key_gets_403(
    ctx: Domain, office: int, server: TestServer, browser: Any
) -> None:
    old = await display_key(ctx, office)
    new = await rotate_display_key(ctx, office, actor="test")
    async with ClientSession() as session:
        for key in (old, "wrong", ""):
            url = server.make_url("/display/TEST").with_query(key=key)
            async with session.get(url) as response:
                assert response.status == 403
        async with session.get(server.make_url("/display/NOPE").with_query(key=new)) as response:
            assert response.status == 404
    url = server.make_url("/display/TEST").with_query(key=old)
    await in_browser(browser, lambda d: d.get(str(url)))
    heading = await in_browser(browser, lambda d: d.find_element("tag name", "h1").text)
    assert heading == "Kunci layar tidak berlaku"
    screenshot(browser, "display-403")
