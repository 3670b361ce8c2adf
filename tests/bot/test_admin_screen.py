"""The admin's arrival poster and "now serving" screen buttons: today's poster as
PNG and PDF whose QR code opens the arrival link, the screen's address with its
key, and a new key (audited) that refuses the old one."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
import zxingcpp
from aiogram.methods import SendDocument
from PIL import Image

from booking.core.context import Domain
from booking.core.errors import DisplayKeyInvalid
from booking.queue.arrival import arrival_link, arrival_token
from booking.queue.display import display_key, office_for_display
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    ADMIN_B,
    STALE,
    admin_chat,
    at_screen,
    audit_count,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.recording import Chat_, file_bytes
from tests.conftest import TODAY

SCREEN_URL = re.compile(r"http://127\.0\.0\.1:8081/display/TEST\?key=([A-Za-z0-9_-]+)")


async def test_the_poster_of_today_as_png_and_pdf(
    ctx: Domain, office: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office)
    sent = await chat.press(f"aac:poster:{office}")
    png, pdf = (r for r in sent if isinstance(r, SendDocument))
    assert png.document.filename == "TEST-20261130-arrival.png"  # type: ignore[union-attr]
    assert pdf.document.filename == "TEST-20261130-arrival.pdf"  # type: ignore[union-attr]
    link = arrival_link("tanpa_bot", arrival_token(ctx, office, TODAY))
    image = Image.open(io.BytesIO(file_bytes(png.document)))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [link]
    assert file_bytes(pdf.document).startswith(b"%PDF")
    assert "Print it and hang it at the entrance" in texts(sent)


async def test_the_screen_shows_its_address_and_a_new_key_refuses_the_old(
    ctx: Domain, office: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office)
    shown = texts(await chat.press(f"aac:screen:{office}"))
    match = SCREEN_URL.search(shown)
    assert match is not None, shown
    old = match[1]
    assert old == await display_key(ctx, office)

    audits = await audit_count(ctx, office)
    asked = texts(await chat.press(f"aac:screen_key:{office}"))
    assert "Make a new key" in asked
    assert await display_key(ctx, office) == old  # only asked so far
    done = texts(await chat.press(f"aac:screen_key_yes:{office}"))
    match = SCREEN_URL.search(done)
    assert match is not None and match[1] != old
    assert match[1] == await display_key(ctx, office)
    assert await audit_count(ctx, office) == audits + 1
    with pytest.raises(DisplayKeyInvalid):
        await office_for_display(ctx, "TEST", old)


@pytest.mark.parametrize("action", ["poster", "screen", "screen_key_yes"])
async def test_another_offices_admin_is_refused(
    ctx: Domain, office: int, admin_chat: Callable[[int], Any], action: str
) -> None:
    key = await display_key(ctx, office)
    chat = await admin_chat(ADMIN_B)
    await chat.send("/admin")
    sent = await chat.tap(f"aac:{action}:{office}")
    assert STALE in texts(sent)
    assert not any(isinstance(r, SendDocument) for r in sent)
    assert key not in texts(sent)
    assert await display_key(ctx, office) == key


async def test_in_indonesian(
    ctx: Domain, office: int, office_b: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat(ADMIN_A)  # Indonesian: the menu's rows fit a phone (checked on every send)
    await chat.send("/admin")
    shown = texts(await chat.press(f"aac:screen:{office}"))
    assert "Layar antrean Kantor Imigrasi TEST" in shown and SCREEN_URL.search(shown)
    await chat.press(f"aac:menu:{office}")
    sent = await chat.press(f"aac:poster:{office}")
    assert "Poster kedatangan Kantor Imigrasi TEST untuk Senin, 30 November 2026" in texts(sent)
