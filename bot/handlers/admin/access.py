"""Who may use the admin menu: decided by the numeric Telegram user id only.

``IsAdmin`` guards the whole admin router (every message and every callback),
``IsSuper`` the screens that appoint and remove office admins. ``office_of``
checks that a user administers the office a button or the FSM names. Usernames
and ids in callback data are never trusted.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import User

from booking.admin.roles import is_admin, is_super, offices_of_admin, require_office_admin
from booking.core.context import Domain
from booking.core.errors import NotAuthorized, OfficeNotFound
from booking.offices.lookup import get_office_by_code
from booking.offices.views import OfficeView
from bot.config import BotSettings


class IsAdmin(Filter):
    """Passes super-admins and office admins; everyone else falls through."""

    has_role = staticmethod(is_admin)

    async def __call__(
        self,
        event: Any,
        domain: Domain,
        settings: BotSettings,
        event_from_user: User | None = None,
    ) -> bool:
        if event_from_user is None:
            return False
        return await self.has_role(domain, event_from_user.id, settings.admin_id_set)


class IsSuper(IsAdmin):
    """Passes super-admins only."""

    has_role = staticmethod(is_super)


async def office_of(
    domain: Domain, settings: BotSettings, user_id: int, office_id: int
) -> OfficeView | None:
    """The office, if this user administers it; None otherwise (also for no such office)."""
    try:
        office = await require_office_admin(domain, user_id, office_id, settings.admin_id_set)
    except (NotAuthorized, OfficeNotFound):
        return None
    return OfficeView.of(office)


async def office_by_code(
    domain: Domain, settings: BotSettings, user_id: int, code: str
) -> OfficeView | None:
    """The office of this code (any case), if this user administers it."""
    try:
        found = await get_office_by_code(domain, code.upper()[:32])
    except OfficeNotFound:
        return None
    assert found.id is not None
    return await office_of(domain, settings, user_id, found.id)


async def offices_administered(
    domain: Domain, settings: BotSettings, user_id: int
) -> list[OfficeView]:
    offices = await offices_of_admin(domain, user_id, settings.admin_id_set)
    return [OfficeView.of(o) for o in offices]
