"""Webhook mode: the aiohttp server refuses updates without the right
``X-Telegram-Bot-Api-Secret-Token`` and handles the ones that carry it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from booking.queue.display import display_key
from bot.app import BotApp
from bot.config import BotSettings
from bot.emulator import BotApiEmulator
from bot.webhook import WebhookConfigError, build_webhook_app, webhook_secret
from tests.e2e.driver import Chat

SECRET = "e2e_webhook-Secret1"
PATH = "/telegram/webhook"


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    return bot_settings.model_copy(
        update={
            "webhook_url": "https://bot.example.test/telegram/webhook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_path": PATH,
        }
    )


@pytest.fixture
async def webhook(app: BotApp) -> AsyncIterator[str]:
    """The webhook server on a free loopback port; yields its URL."""
    runner = web.AppRunner(build_webhook_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        await runner.cleanup()


def start_update(update_id: int, user_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Sari"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Sari"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(url: str, body: object, secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with aiohttp.ClientSession() as http:
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/json"
            response = await http.post(url, data=body, headers=headers)
        else:
            response = await http.post(url, json=body, headers=headers)
        async with response:
            return response.status


async def test_startup_sets_the_webhook_with_the_secret_and_the_commands(
    webhook: str, api: BotApiEmulator
) -> None:
    (call,) = api.calls_of("setWebhook")
    assert call.params["url"] == "https://bot.example.test/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert "message" in call.params["allowed_updates"]
    assert "callback_query" in call.params["allowed_updates"]
    assert api.calls_of("setMyCommands"), "the command menu is registered at start-up"


async def test_right_secret_is_handled_wrong_or_missing_is_refused(
    webhook: str, api: BotApiEmulator
) -> None:
    wrong_user, missing_user, right_user = 5001, 5002, 5003
    assert await post(webhook, start_update(1, wrong_user), "not-the-secret") == 401
    assert await post(webhook, start_update(2, missing_user), None) == 401
    assert await post(webhook, start_update(3, wrong_user), "") == 401
    assert await post(webhook, start_update(4, right_user), SECRET) == 200

    reply = await Chat(api, right_user).until(lambda c: c.method == "sendMessage", since=0)
    assert reply.params["text"]
    await Chat(api, right_user).settle()
    # Refused updates reached no handler: nothing was sent to those users.
    assert not [c for c in api.calls if c.chat_id in (wrong_user, missing_user)]


async def test_a_body_that_is_not_an_update_is_refused(webhook: str, api: BotApiEmulator) -> None:
    assert await post(webhook, b"{not json", SECRET) == 400
    assert await post(webhook, {"message": "no update_id"}, SECRET) == 400
    # Without the secret the body is not even looked at.
    assert await post(webhook, b"{not json", None) == 401
    # The server still works afterwards.
    assert await post(webhook, start_update(9, 5009), SECRET) == 200
    await Chat(api, 5009).until(lambda c: c.method == "sendMessage", since=0)


def test_webhook_mode_needs_a_url_and_a_valid_secret() -> None:
    settings = BotSettings(
        _env_file=None,  # type: ignore[call-arg]
        webhook_url="https://bot.example.test/telegram/webhook",
        webhook_secret=SecretStr(SECRET),
    )
    assert webhook_secret(settings) == SECRET
    for update, message in [
        ({"webhook_secret": None}, "WEBHOOK_SECRET is not set"),
        ({"webhook_secret": SecretStr("")}, "WEBHOOK_SECRET is not set"),
        ({"webhook_secret": SecretStr("has spaces")}, "WEBHOOK_SECRET must be"),
        ({"webhook_secret": SecretStr("x" * 257)}, "WEBHOOK_SECRET must be"),
        ({"webhook_url": None}, "WEBHOOK_URL is not set"),
    ]:
        with pytest.raises(WebhookConfigError, match=message):
            webhook_secret(settings.model_copy(update=update))


async def test_the_webhook_server_serves_the_now_serving_screens(
    webhook: str, app: BotApp, office_id: int
) -> None:
    key = await display_key(app.domain, office_id)
    base = webhook.removesuffix(PATH)
    async with aiohttp.ClientSession() as http:
        for code, params, status in [
            ("E2E", {"key": key}, 200),
            ("E2E", {"key": "wrong"}, 403),
            ("NOPE", {"key": key}, 404),
        ]:
            async with http.get(f"{base}/display/{code}", params=params) as response:
                assert response.status == status, (code, params)
