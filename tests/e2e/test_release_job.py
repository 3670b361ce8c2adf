"""The running bot releases slots on its own at each office's release moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.db.models import Slot
from bot.config import BotSettings
from tests.factories import add_office, office_spec

pytestmark = pytest.mark.usefixtures("polling")


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    return bot_settings.model_copy(update={"release_check_s": 0.2})


async def _slots(domain: Domain) -> int:
    async with domain.db.reader() as session:
        return (await session.exec(select(func.count()).select_from(Slot))).one()


async def _until(domain: Domain, count: int, timeout_s: float = 10.0) -> int:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (seen := await _slots(domain)) < count:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    return seen


async def test_running_bot_releases_new_offices_and_release_moments(
    domain: Domain, clock: FixedClock
) -> None:
    # Monday 30 Nov 07:00 WIB. Weekly release on Monday 08:00 WIB, one week ahead:
    # last Monday's release opened dates up to today (one 08:00 session).
    spec = office_spec(
        "WEEKLY", release_rule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0", window_days=7
    )
    await add_office(domain, spec, release=False)
    # A new office is picked up without a restart: today's session is released.
    assert await _until(domain, 1) == 1
    # At the release moment (08:00 WIB) the next week opens: Tue 1 Dec .. Mon 7 Dec.
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert await _until(domain, 6) == 6
