"""The dispatcher factory: storage choice, routers, injected services."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation

from booking.core.config import BookingSettings
from booking.core.context import Domain
from bot.factory import build_dispatcher, build_isolation, build_storage
from tests.bot.conftest import SQLITE_ONLY, make_bot_settings


@SQLITE_ONLY
def test_memory_storage_without_redis(settings: BookingSettings) -> None:
    storage = build_storage(make_bot_settings(settings))
    assert isinstance(storage, MemoryStorage)
    assert isinstance(build_isolation(storage), SimpleEventIsolation)


@SQLITE_ONLY
async def test_redis_storage_keys_by_destiny_with_event_isolation(
    settings: BookingSettings,
) -> None:
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

    storage = build_storage(make_bot_settings(settings, redis_url="redis://127.0.0.1:1/0"))
    try:
        assert isinstance(storage, RedisStorage)
        key = StorageKey(bot_id=1, chat_id=2, user_id=3, destiny="default")
        assert storage.key_builder.build(key, "data").endswith(":default:data")
        assert isinstance(build_isolation(storage), RedisEventIsolation)
    finally:
        await storage.close()


@SQLITE_ONLY
def test_dispatcher_has_one_router_per_feature_and_injected_services(
    ctx: Domain, settings: BookingSettings
) -> None:
    bot_settings = make_bot_settings(settings)
    dp = build_dispatcher(bot_settings, ctx)
    names = [r.name for r in dp.sub_routers]
    assert names == [
        "booking-confirm",  # first: in a rush nearly every update is a confirm
        "start",
        "booking",
        "appointments",
        "info",
        "offices",
        "admin",
        "questions",  # free text outside a flow step (brief H5: the router list grows)
        "staff",
        "fallback",
    ]
    assert dp["domain"] is ctx and dp["settings"] is bot_settings
    # Building twice (several bots, or tests) works: routers are fresh each time.
    again = build_dispatcher(bot_settings, ctx)
    assert again.sub_routers[0] is not dp.sub_routers[0]
    assert set(dp.resolve_used_update_types()) == {"message", "callback_query"}
