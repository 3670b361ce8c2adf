"""Fixtures of the admin dispatcher tests: a super-admin (from ADMIN_IDS), an admin
of office TEST (A), an admin of office OTHR (B), and helpers reading the results.

Import the fixtures into a test module: ``from tests.bot.admin_fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from booking.admin.audit import audit_log
from booking.admin.roles import add_admin
from booking.core.config import BookingSettings
from booking.core.context import Domain
from bot.config import BotSettings
from tests.bot.conftest import make_bot_settings
from tests.bot.flows import switch_language
from tests.bot.recording import Chat_
from tests.factories import add_office, office_spec

SUPER = 880000001
ADMIN_A = 880000002
ADMIN_B = 880000003
STALE = "This button is no longer valid."


@pytest.fixture
def bot_settings(settings: BookingSettings) -> BotSettings:
    return make_bot_settings(settings, admin_ids=str(SUPER))


@pytest.fixture
async def office_b(ctx: Domain, office: int) -> int:
    """Office OTHR (WITA), with its own admin; office TEST (``office``) has ADMIN_A."""
    other = await add_office(ctx, office_spec("OTHR", timezone="Asia/Makassar", daily=4))
    await add_admin(ctx, ADMIN_A, "TEST", actor="test")
    await add_admin(ctx, ADMIN_B, "OTHR", actor="test")
    return other


@pytest.fixture
def admin_chat(new_chat: Callable[..., Chat_], office_b: int) -> Callable[[int], Any]:
    """A chat of this user, switched to English."""

    async def make(user_id: int) -> Chat_:
        chat = new_chat(user_id)
        await switch_language(chat, "en")
        return chat

    return make


def texts(sent: list[Any]) -> str:
    return "\n".join(
        str(getattr(r, "text", None) or getattr(r, "caption", None) or "") for r in sent
    )


async def audit_count(ctx: Domain, office_id: int) -> int:
    return len(await audit_log(ctx, office_id, 200))


def day_data(action: str, office_id: int, day: date, page: int = 0) -> str:
    return f"ady:{action}:{office_id}:{day:%Y%m%d}:{page}"


async def at_screen(
    admin_chat: Callable[[int], Any], office_id: int, *actions: str, user: int = ADMIN_A
) -> Chat_:
    """A chat of ``user`` that sent /admin, then pressed the buttons of ``actions``
    (``aac:ACTION:OFFICE``) one after another."""
    chat: Chat_ = await admin_chat(user)
    await chat.send("/admin")
    for action in actions:
        await chat.press(f"aac:{action}:{office_id}")
    return chat
