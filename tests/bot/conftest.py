"""Dispatcher tests: the real dispatcher from ``build_dispatcher``, fed updates,
with a Bot whose session records every request."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from types import ModuleType
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from pydantic import SecretStr

from booking.appointments.service import book
from booking.appointments.views import AppointmentView
from booking.calendar.availability import sessions_of
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import ServiceType
from bot.config import BotSettings
from bot.factory import build_dispatcher
from bot.keyboards import label_limit, label_width
from bot.notices import Notices, Rendered
from tests.bot.flows import choose_language
from tests.bot.languages import LocaleRecordingSession, check_no_english
from tests.bot.recording import TOKEN, Chat_, RecordingSession
from tests.conftest import TEST_NIK_SECRET, TOMORROW
from tests.factories import add_applicant, add_office, office_spec, two_sessions

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def make_bot_settings(settings: BookingSettings, **overrides: object) -> BotSettings:
    values: dict[str, object] = {
        "data_dir": settings.data_dir,
        "database_url": settings.database_url,
        "nik_secret": SecretStr(TEST_NIK_SECRET),
        "booking_cutoff_minutes": settings.booking_cutoff_minutes,
        "throttle_rate": 1000.0,
        "throttle_burst": 1000,
        # Rendered in the test's process; tests/bot/test_attachments.py covers the workers.
        "render_workers": 0,
    }
    values.update(overrides)
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def bot_settings(settings: BookingSettings) -> BotSettings:
    return make_bot_settings(settings)


@pytest.fixture
def dp(bot_settings: BotSettings, ctx: Domain) -> Dispatcher:
    return build_dispatcher(bot_settings, ctx)


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=LocaleRecordingSession())
    yield bot
    await bot.session.close()


@pytest.fixture
def session(bot: Bot) -> RecordingSession:
    assert isinstance(bot.session, RecordingSession)
    return bot.session


_user_ids = itertools.count(100001)


@pytest.fixture
def new_chat(dp: Dispatcher, bot: Bot) -> Callable[..., Chat_]:
    def make(user_id: int | None = None, language_code: str | None = "id") -> Chat_:
        return Chat_(
            dp=dp,
            bot=bot,
            user_id=user_id or next(_user_ids),
            language_code=language_code,
        )

    return make


@pytest.fixture
async def english_chat(new_chat: Callable[..., Chat_]) -> Chat_:
    """A new chat that sent /start and chose English."""
    chat = new_chat()
    await choose_language(chat, "en")
    return chat


@pytest.fixture
async def office(ctx: Domain) -> int:
    """Office TEST (WIB): two weekday sessions, 10 regular + 2 priority seats a day,
    dates released daily 14 days ahead."""
    spec = office_spec(
        daily=10,
        priority=2,
        sessions=two_sessions(),
    ).model_copy(update={"latitude": -6.2567, "longitude": 106.8305})
    return await add_office(ctx, spec)


ChatIn = Callable[[str], Awaitable[Chat_]]


@pytest.fixture
def chat_in(office: int, new_chat: Callable[..., Chat_]) -> ChatIn:
    """A new applicant's chat, with the language (``"id"``/``"en"``) chosen, and the
    test office in the data."""

    async def start(language: str) -> Chat_:
        chat = new_chat()
        await choose_language(chat, language)
        return chat

    return start


def check_phone_width(markup: object) -> None:
    """Every button of an inline or reply keyboard fits a phone: in a row of n
    buttons no label is wider than 32 // n (an emoji counts 2)."""
    if isinstance(markup, InlineKeyboardMarkup):
        rows: list[list[Any]] = [list(row) for row in markup.inline_keyboard]
    elif isinstance(markup, ReplyKeyboardMarkup):
        rows = [list(row) for row in markup.keyboard]
    else:
        return
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else button.text
            limit = label_limit(len(row))
            assert label_width(text) <= limit, (
                f"button {text!r} is {label_width(text)} wide; a row of {len(row)} allows {limit}"
            )


def check_telegram_limits(session: RecordingSession) -> None:
    """Every text ≤ 4096 characters (captions ≤ 1024, callback answers ≤ 200),
    every callback_data ≤ 64 bytes, every button label fits a phone
    (``check_phone_width``), every callback query answered exactly once."""
    for request in session.requests:
        limits = {"text": 4096, "caption": 1024}
        if isinstance(request, AnswerCallbackQuery):
            limits = {"text": 200}
        for field, limit in limits.items():
            value = getattr(request, field, None)
            if isinstance(value, str):
                assert len(value) <= limit, f"{request.__api_method__} {field} too long"
        markup = getattr(request, "reply_markup", None)
        check_phone_width(markup)
        if isinstance(markup, InlineKeyboardMarkup):
            for row in markup.inline_keyboard:
                for button in row:
                    data = button.callback_data or ""
                    assert len(data.encode()) <= 64, data
    answers = Counter(
        r.callback_query_id for r in session.requests if isinstance(r, AnswerCallbackQuery)
    )
    for query_id in session.tapped:
        assert answers[query_id] == 1, f"callback query {query_id} answered {answers[query_id]}x"


@pytest.fixture(autouse=True)
def telegram_limits(session: RecordingSession) -> Iterator[None]:
    """Checked after every dispatcher test, over everything it recorded."""
    yield
    check_telegram_limits(session)


@pytest.fixture(autouse=True)
def no_english_in_indonesian(
    session: RecordingSession, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Checked after every dispatcher test: nothing shown in Indonesian holds an
    English catalogue string (``tests.bot.languages``)."""
    assert isinstance(session, LocaleRecordingSession)
    render = Notices.render

    def recording_render(self: Notices, notification: Any) -> Rendered:
        rendered = render(self, notification)
        session.rendered[rendered.text] = self.locale_of(notification.language)
        return rendered

    monkeypatch.setattr(Notices, "render", recording_render)
    yield
    check_no_english(session)


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str, *modules: ModuleType) -> list[int]:
    """Count the calls of the async function ``name`` that each of ``modules`` imported
    (the first module's): the returned list gets a 1 for every call."""
    real = getattr(modules[0], name)
    calls: list[int] = []

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    for module in modules:
        monkeypatch.setattr(module, name, counting)
    return calls


async def slot_on(ctx: Domain, office_id: int, day: date, label: str = "Siang") -> int:
    [slot] = [s for s in await sessions_of(ctx, office_id, day) if s.label == label]
    return slot.slot_id


async def booked(
    ctx: Domain,
    office_id: int,
    telegram_id: int,
    day: date,
    *,
    label: str = "Siang",
    born: date = date(1990, 5, 17),
    service: ServiceType = ServiceType.NEW,
) -> AppointmentView:
    """An applicant with an appointment, made through the domain services."""
    await add_applicant(ctx, telegram_id, born=born)
    slot_id = await slot_on(ctx, office_id, day, label)
    return await book(ctx, telegram_id=telegram_id, slot_id=slot_id, service=service)


@pytest.fixture
async def booked_chat(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> tuple[Chat_, AppointmentView]:
    """A new chat whose user holds an appointment at office TEST tomorrow (Siang)."""
    chat = new_chat()
    return chat, await booked(ctx, office, chat.user_id, TOMORROW)
