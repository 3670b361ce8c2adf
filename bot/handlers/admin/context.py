"""What every admin handler gets as ``admin``: who is tapping or typing, in which
language, and the office they act on (already checked against them).

``AdminMiddleware`` builds it for each update; handlers never build it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State

from booking.admin.input import telegram_actor
from booking.admin.roles import is_super
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.offices.content import Content
from booking.offices.views import OfficeView
from bot.config import BotSettings
from bot.handlers.admin.access import offices_administered
from bot.handlers.admin.states import ADMIN_OFFICE
from bot.handlers.common import Event, Markup, show


@dataclass(frozen=True)
class AdminContext:
    domain: Domain
    settings: BotSettings
    state: FSMContext
    locale: str
    content: Content
    user_id: int
    # The office named by the button tapped, or else the one chosen in this chat,
    # if this user administers it.
    office: OfficeView | None

    @property
    def actor(self) -> str:
        """Who the audit log says made a change."""
        return telegram_actor(self.user_id)

    def today(self, office: OfficeView) -> date:
        return local_now(self.domain.now(), office.timezone).date()

    async def is_super(self) -> bool:
        return await is_super(self.domain, self.user_id, self.settings.admin_id_set)

    async def offices(self) -> list[OfficeView]:
        """The active offices this user administers."""
        return await offices_administered(self.domain, self.settings, self.user_id)

    async def open_prompt(self, prompt: State, office: OfficeView) -> None:
        """Wait for what the admin types at ``prompt`` for ``office``."""
        await self.state.set_state(prompt)
        await self.state.update_data({ADMIN_OFFICE: office.id})

    async def ask(
        self, event: Event, prompt: State, office: OfficeView, text: str, markup: Markup
    ) -> None:
        """Show ``text`` and open ``prompt``."""
        await self.open_prompt(prompt, office)
        await show(event, text, markup)

    async def leave_prompt(self) -> None:
        await self.state.set_state(None)
