"""What every admin handler gets, and the registries the admin router dispatches to.

A *screen* answers a tap of an ``AdminAct`` button, a *typed* handler answers
the text an admin types at a prompt. Both run only after the user was checked
against the office (``access.office_of``), and get that office.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from booking.admin.input import telegram_actor
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.db.models import Office
from booking.offices.content import Content
from bot.config import BotSettings
from bot.handlers.admin.states import ADMIN_OFFICE
from bot.handlers.common import RouterSpec


@dataclass
class Env:
    domain: Domain
    settings: BotSettings
    state: FSMContext
    locale: str
    content: Content
    user_id: int

    @property
    def actor(self) -> str:
        return telegram_actor(self.user_id)

    def today(self, office: Office) -> date:
        return local_now(self.domain.now(), office.timezone).date()

    async def ask(self, state: State, office: Office) -> None:
        """Wait for typed input at ``state`` for ``office``."""
        await self.state.set_state(state)
        await self.state.update_data({ADMIN_OFFICE: office.id})


Event = Message | CallbackQuery
Screen = Callable[[Event, Office, Env], Awaitable[None]]
Typed = Callable[[Message, Office, Env], Awaitable[None]]

SCREENS: dict[str, Screen] = {}
TYPED: dict[str, Typed] = {}


ScreenT = TypeVar("ScreenT", bound=Screen)


def screen(*actions: str) -> Callable[[ScreenT], ScreenT]:
    def register(handler: ScreenT) -> ScreenT:
        for action in actions:
            SCREENS[action] = handler
        return handler

    return register


def typed(*states: State) -> Callable[[Typed], Typed]:
    def register(handler: Typed) -> Typed:
        for s in states:
            assert s.state is not None
            TYPED[s.state] = handler
        return handler

    return register


# Every admin handler registers here; ``bot.handlers.admin`` builds the guarded router.
router = RouterSpec("admin-guarded")
