"""Who may use the admin menu: decided by the numeric Telegram user id only.

``IsAdmin`` guards the whole admin router (every message and every callback);
``office_of`` checks, for each action, that the user administers the office the
button or the FSM names. Usernames and ids in callback data are never trusted.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, User

from booking.admin.roles import is_admin, is_super, require_office_admin
from booking.core.context import Domain
from booking.core.errors import NotAuthorized, OfficeNotFound
from booking.db.models import Office
from bot.config import BotSettings
from bot.handlers.admin.states import ADMIN_OFFICE


class IsAdmin(Filter):
    """Passes super-admins and office admins; everyone else falls through."""

    async def __call__(
        self,
        event: Any,
        domain: Domain,
        settings: BotSettings,
        event_from_user: User | None = None,
    ) -> bool:
        if event_from_user is None:
            return False
        return await is_admin(domain, event_from_user.id, settings.admin_id_set)


async def office_of(
    domain: Domain, settings: BotSettings, user_id: int, office_id: int
) -> Office | None:
    """The office, if this user administers it; None otherwise (also for no such office)."""
    try:
        return await require_office_admin(domain, user_id, office_id, settings.admin_id_set)
    except (NotAuthorized, OfficeNotFound):
        return None


async def super_admin(domain: Domain, settings: BotSettings, user_id: int) -> bool:
    return await is_super(domain, user_id, settings.admin_id_set)


async def current_office(
    message: Message, state: FSMContext, domain: Domain, settings: BotSettings
) -> Office | None:
    """The office chosen in this chat's admin menu, if the user still administers it."""
    office_id = (await state.get_data()).get(ADMIN_OFFICE)
    if not isinstance(office_id, int) or message.from_user is None:
        return None
    return await office_of(domain, settings, message.from_user.id, office_id)
