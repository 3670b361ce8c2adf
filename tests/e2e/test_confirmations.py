"""What must arrive, arrives: a booking's confirmation text, QR code and .ics,
through 429s and through a bot killed before its files went out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import col, select

from booking.appointments.service import appointments_of
from booking.calendar.availability import sessions_of
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus
from booking.db.factory import build_domain
from booking.db.models import Notification
from booking.notify.confirmations import CONFIRMATION_KINDS
from bot import callbacks as cb
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from bot.sender import start_sender
from tests.e2e.driver import Chat, method_is
from tests.e2e.steps import reach_the_summary
from tests.factories import add_office, make_nik, office_spec
from tests.processes import bot_environment
from tests.waiting import wait_until

TOKEN = "1234567:confirmations-test-token"


async def confirmation_rows(domain: Domain, user_id: int) -> list[Notification]:
    async with domain.db.reader() as session:
        result = await session.exec(
            select(Notification).where(
                col(Notification.recipient) == user_id,
                col(Notification.kind).in_(CONFIRMATION_KINDS),
            )
        )
        return list(result.all())


async def all_sent(domain: Domain, user_id: int) -> bool:
    found = await confirmation_rows(domain, user_id)
    return len(found) == 3 and all(n.status == NotificationStatus.SENT for n in found)


def delivered(api: BotApiEmulator, method: str, chat: int) -> int:
    return sum(1 for c in api.calls_of(method, chat_id=chat) if c.status == 200)


async def test_a_429_on_the_confirmation_still_delivers_it_once(
    polling, chat: Chat, api: BotApiEmulator, domain: Domain, office_id: int
) -> None:
    slot_id = await reach_the_summary(chat, domain, office_id)
    api.fail_next("sendMessage", 429, times=2, retry_after=1)
    api.fail_next("sendPhoto", 429, times=1, retry_after=1)
    await chat.tap(cb.Confirm, method_is("sendDocument"), slot=slot_id)
    (view,) = await appointments_of(domain, chat.user_id)
    await wait_until(lambda: all_sent(domain, chat.user_id), 20, what="the rows recorded sent")
    texts = [
        c for c in api.calls_of("sendMessage", chat.user_id) if c.status == 200
        and view.code in str(c.params.get("text"))
    ]  # fmt: skip
    assert len(texts) == 1
    assert delivered(api, "sendPhoto", chat.user_id) == 1
    assert delivered(api, "sendDocument", chat.user_id) == 1
    assert api.retry_after_sent == 3


async def test_files_refused_past_the_retries_arrive_from_the_outbox_once(
    polling, chat: Chat, api: BotApiEmulator, domain: Domain, office_id: int
) -> None:
    app = polling
    slot_id = await reach_the_summary(chat, domain, office_id)
    # More refusals than the session retries: the handler hands the QR code and the
    # .ics to the outbox, and the sender delivers them.
    api.fail_next("sendPhoto", 429, times=6, retry_after=1)
    await chat.tap(cb.Confirm, slot=slot_id)

    async def handed_back() -> bool:
        found = await confirmation_rows(domain, chat.user_id)
        return len(found) == 3 and all(n.lease_owner is None for n in found)

    await wait_until(handed_back, 20, what="the handler handing the files to the outbox")
    assert delivered(api, "sendPhoto", chat.user_id) == 0
    stop = await start_sender(
        app.bot, app.domain, app.settings.model_copy(update={"send_rate_per_s": 30})
    )
    try:
        await wait_until(lambda: all_sent(domain, chat.user_id), 30, what="the outbox delivering")
    finally:
        await stop()
    assert delivered(api, "sendPhoto", chat.user_id) == 1
    assert delivered(api, "sendDocument", chat.user_id) == 1


async def a_bookable_day(domain: Domain, office_id: int) -> date:
    """The first day from the day after tomorrow (by the real clock, which the bot
    process uses) with a bookable session."""
    day = domain.now().date() + timedelta(days=2)
    while not any(s.bookable for s in await sessions_of(domain, office_id, day)):
        day += timedelta(days=1)
    return day


@pytest.fixture
async def start_polling_bot(
    tmp_path: Path, api: BotApiEmulator
) -> AsyncIterator[Callable[[bool], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(run_sender: bool) -> subprocess.Popen[bytes]:
        env = bot_environment(
            tmp_path / "data",
            NIK_SECRET="confirmations-test",
            RENDER_WORKERS="0",
            RUN_SENDER=str(run_sender).lower(),
            CONFIRMATION_HANDOFF_S="8",
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
            THROTTLE_RATE="1000",
            THROTTLE_BURST="1000",
        )
        log = (tmp_path / f"bot{len(started)}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "--polling"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.timeout(180)
async def test_a_bot_killed_before_the_files_went_out_delivers_them_after_restart_once(
    tmp_path: Path,
    api: BotApiEmulator,
    start_polling_bot: Callable[[bool], subprocess.Popen[bytes]],
) -> None:
    first = start_polling_bot(False)
    await wait_until(lambda: api.last_poll is not None, 60, what="the bot polling")
    settings = BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        nik_secret=SecretStr("confirmations-test"),
    )
    domain = build_domain(settings)
    try:
        office_id = await add_office(domain, office_spec("E2E", daily=10))
        day = await a_bookable_day(domain, office_id)
        chats = [Chat(api, user_id=515_000 + i) for i in range(2)]
        api.stall("sendPhoto")
        for i, chat in enumerate(chats):
            nik = make_nik(date(1990, 5, 17), serial=100 + i)
            slot_id = await reach_the_summary(chat, domain, office_id, day, nik)
            await chat.tap(cb.Confirm, slot=slot_id)
            await wait_until(lambda i=i: api.stalled_requests == i + 1, 30, what="the QR code sent")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        api.unstall()
        start_polling_bot(True)
        for chat in chats:
            await wait_until(
                lambda chat=chat: all_sent(domain, chat.user_id),
                60,
                what="the confirmation delivered after the restart",
            )
            assert delivered(api, "sendPhoto", chat.user_id) == 1
            assert delivered(api, "sendDocument", chat.user_id) == 1
            (view,) = await appointments_of(domain, chat.user_id)
            assert any(
                view.code in str(c.params.get("text"))
                for c in api.calls_of("sendMessage", chat.user_id)
                if c.status == 200
            )
    finally:
        await domain.db.dispose()
