"""The sender as the bot runs it: ``python -m bot worker`` (``run_worker``) and
``start_sender`` with the bot's own catalogs."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from booking.core.kinds import NotificationStatus
from bot.config import BotSettings
from bot.i18n import build_i18n
from bot.notices import DAY_BEFORE, Notices
from bot.sender import start_sender
from bot.worker import run_worker
from tests.outbox_helpers import queue_notices, rows
from tests.sender_helpers import TOKEN, bot_for, delivered
from tests.waiting import wait_until

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def bot_settings(ctx, tmp_path, api) -> BotSettings:
    return BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=ctx.settings.effective_database_url,
        nik_secret=SecretStr("x"),
        bot_token=SecretStr(TOKEN),
        telegram_api_url=api.base_url,
        send_rate_per_s=100,
    )


@pytest.fixture
async def api():
    from bot.emulator import BotApiEmulator

    async with BotApiEmulator() as emulator:
        yield emulator


@SQLITE_ONLY
async def test_run_worker_sends_until_stopped(ctx, clock, api, tmp_path):
    await queue_notices(ctx, 5, chats=5)
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(bot_settings(ctx, tmp_path, api), clock=clock, stop=stop)
    )
    await wait_until(lambda: len(delivered(api)) == 5)
    stop.set()
    await asyncio.wait_for(worker, 15)
    assert {n.status for n in await rows(ctx)} == {NotificationStatus.SENT}


@SQLITE_ONLY
async def test_start_sender_returns_its_stop(ctx, api, tmp_path):
    await queue_notices(ctx, 3, chats=3)
    bot = bot_for(api)
    try:
        stop = await start_sender(bot, ctx, bot_settings(ctx, tmp_path, api))
        await wait_until(lambda: len(delivered(api)) == 3)
        await stop()
    finally:
        await bot.session.close()
    assert {n.status for n in await rows(ctx)} == {NotificationStatus.SENT}


def test_reminder_texts_are_indonesian_with_the_bots_catalogs():
    notices = Notices(build_i18n("id"), "id")
    assert notices.translate(DAY_BEFORE, "id").startswith("⏰ Pengingat")
    assert notices.translate(DAY_BEFORE, "en") == DAY_BEFORE


@SQLITE_ONLY
async def test_a_closure_notice_arrives_with_the_new_date_button(ctx, api, tmp_path):
    from datetime import date

    from booking.admin.closures import close_day
    from bot.callbacks import Appt
    from bot.sender import NotificationSender, SenderConfig, build_notices
    from tests.outbox_helpers import book_on, office_in

    office_id = await office_in(ctx, "Asia/Makassar")
    appt = await book_on(ctx, office_id, 1001, date(2026, 12, 1))
    await close_day(ctx, office_id, date(2026, 12, 1), "Banjir", actor="test")
    bot = bot_for(api)
    sender = NotificationSender(
        bot,
        ctx,
        SenderConfig(rate_per_s=100, poll_interval_s=0.05),
        notices=build_notices(bot_settings(ctx, tmp_path, api)),
    )
    try:
        sender.start()
        await wait_until(lambda: len(delivered(api)) == 1)
        await sender.stop()
    finally:
        await bot.session.close()
    [call] = delivered(api)
    assert "tutup pada Selasa, 1 Desember 2026: Banjir" in call.params["text"]
    [[button]] = call.params["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == Appt(action="rebook", id=appt.id).pack()
    assert appt.code in button["text"]
    # Its reminders were cancelled with the closure: nothing else is sent.
    statuses = {n.kind: n.status for n in await rows(ctx)}
    assert statuses["reminder_day_before"] == NotificationStatus.CANCELLED
    assert statuses["closure"] == NotificationStatus.SENT


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_DAY_BEFORE_AT", "25:00"),
        ("REMINDER_BEFORE_MINUTES", "-5"),
        ("SEND_RATE_PER_S", "many"),
        ("SEND_RATE_PER_S", "0"),
        ("SEND_RATE_PER_CHAT_PER_S", "-1"),
        ("SEND_MAX_ATTEMPTS", "0"),
        ("SEND_LEASE_S", "0"),
    ],
)
def test_a_bad_reminder_setting_is_one_clear_line(monkeypatch, tmp_path, capsys, name, value):
    from bot.__main__ import EXIT_CONFIG, main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv(name, value)
    assert main(["worker"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.startswith(f"invalid setting {name}:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_reminder_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    from datetime import time

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REMINDER_DAY_BEFORE_AT", "17:30")
    monkeypatch.setenv("REMINDER_BEFORE_MINUTES", "90")
    settings = BotSettings()
    assert settings.reminder_day_before_at == time(17, 30)
    assert settings.reminder_before_minutes == 90
