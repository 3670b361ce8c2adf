"""Building the dispatcher, its FSM storage and the command menu from settings.

The process around it (polling, webhook, console playground) and the tests all
build the same dispatcher through ``build_dispatcher``.
"""

from __future__ import annotations

import gc
import logging

from aiogram import Bot, Dispatcher
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand
from aiogram.utils.i18n import gettext as _

from booking.core.context import Domain
from booking.core.errors import NotFound
from booking.offices.content import load_content
from booking.questions.knowledge import load_knowledge
from booking.questions.ranker import QuestionRanker
from bot.attachments import Renderer
from bot.config import BotSettings
from bot.errors import something_went_wrong, stale_button
from bot.files import FileSender
from bot.handlers import get_routers
from bot.i18n import build_i18n
from bot.middlewares import (
    AnswerCallbacks,
    ApplicantMiddleware,
    LocaleMiddleware,
    ThrottleMiddleware,
)
from bot.nearest_dates import NearestDates
from bot.sold_out import SoldOutSessions

log = logging.getLogger(__name__)


# Redis connections per process. In a burst, an update that finds them all busy waits
# up to REDIS_WAIT_S for one (the default pool would fail it at once).
REDIS_CONNECTIONS = 100
REDIS_WAIT_S = 30


def build_storage(settings: BotSettings) -> BaseStorage:
    """Redis (keys per bot, chat, user and destiny) when ``REDIS_URL`` is set, else memory."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        pool = BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_S
        )
        return RedisStorage(
            redis=Redis(connection_pool=pool), key_builder=DefaultKeyBuilder(with_destiny=True)
        )
    return MemoryStorage()


# How long a user's lock in Redis outlives its holder. Longer than a handler may
# wait for the send budget in a rush (5,000 confirmations at 30 messages a second
# is about 200 s): a lock that lapsed under its handler fails the update when it is
# released, after the handler's answer, and the query is answered twice. After a
# crash, that user's next update waits at most this long.
ISOLATION_LOCK_S = 300


def build_isolation(storage: BaseStorage) -> BaseEventIsolation:
    """Updates of one user are handled one at a time (a double tap waits for the first)."""
    create = getattr(storage, "create_isolation", None)
    if create is not None:  # RedisStorage: a lock shared by every bot process
        isolation: BaseEventIsolation = create(lock_kwargs={"timeout": ISOLATION_LOCK_S})
        return isolation
    return SimpleEventIsolation()


def build_dispatcher(
    settings: BotSettings, domain: Domain, *, storage: BaseStorage | None = None
) -> Dispatcher:
    storage = storage if storage is not None else build_storage(settings)
    i18n = build_i18n(settings.default_locale)
    default_locale = i18n.default_locale
    dp = Dispatcher(
        storage=storage,
        events_isolation=build_isolation(storage),
        domain=domain,
        settings=settings,
        content=load_content(settings.content_file),
    )
    dp["i18n"] = i18n
    # The question ranker's index is built once here, from the content file.
    dp["questions"] = QuestionRanker(load_knowledge(settings.content_file))
    dp["nearest_dates"] = NearestDates()
    dp["sold_out_sessions"] = SoldOutSessions()
    dp["files"] = FileSender(Renderer(settings.render_workers), domain)
    # The throttle runs first (after the FSM context is known), before any database work.
    dp.update.outer_middleware(
        ThrottleMiddleware(settings.throttle_rate, settings.throttle_burst, i18n, default_locale)
    )
    dp.callback_query.outer_middleware(AnswerCallbacks())
    locale = LocaleMiddleware(i18n, domain, default_locale)
    dp.message.outer_middleware(locale)
    dp.callback_query.outer_middleware(locale)
    applicant = ApplicantMiddleware(domain)
    dp.message.middleware(applicant)
    dp.callback_query.middleware(applicant)
    dp.include_routers(*get_routers())
    dp.errors.register(stale_button, ExceptionTypeFilter(NotFound))
    dp.errors.register(something_went_wrong)
    return dp


# Allocations (less deallocations) between two collections of the youngest
# generation; Python's default is 700. Each update makes and drops thousands of
# short-lived objects, nearly all freed by reference counting, so collecting
# 20 times less often costs little memory and a few per cent of CPU fewer.
GC_GEN0_THRESHOLD = 20_000


async def get_ready(dp: Dispatcher) -> None:
    """What the process does once before its first update: start the render workers
    (so the first booking does not wait for them), then set aside, out of the
    garbage collector's sight, everything loaded so far (modules, schemas,
    translations; ``gc.freeze``), and collect the youngest generation less often.
    The objects loaded so far live as long as the process, and a full collection
    would otherwise walk all of them again and again: in a rush that was a fifth
    of the bot's time."""
    await dp["files"].renderer.start()
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, older, oldest)


async def settle(dp: Dispatcher) -> None:
    """Wait for the work updates leave running after their answer: a booking's
    files being sent, and the background reads of the "full" answers."""
    await dp["files"].drain()
    await dp["sold_out_sessions"].drain()
    await dp["nearest_dates"].drain()


COMMANDS = ("start", "book", "my", "info", "offices", "language", "help")


def command_menu() -> list[BotCommand]:
    descriptions = {
        "start": _("Start and main menu"),
        "book": _("Book an appointment"),
        "my": _("My appointments"),
        "info": _("Requirements, fees and FAQ"),
        "offices": _("Office addresses and hours"),
        "language": _("Change the language"),
        "help": _("Help"),
    }
    return [BotCommand(command=c, description=descriptions[c]) for c in COMMANDS]


async def set_commands(bot: Bot, default_locale: str = "id") -> None:
    """Register the command menu in Indonesian (the default for every user) and English."""
    i18n = build_i18n(default_locale)
    with i18n.context():
        with i18n.use_locale("id"):
            await bot.set_my_commands(command_menu())
        with i18n.use_locale("en"):
            await bot.set_my_commands(command_menu(), language_code="en")
