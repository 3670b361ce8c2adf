"""/admin and /checkin from someone who is not an admin: the ordinary help,
with no hint that an admin menu exists; /staffchat: that only an office admin sets it."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from booking.core.context import Domain
from bot.handlers.common import RouterSpec, show
from bot.handlers.start import help_text
from bot.keyboards import home_kb

router = RouterSpec("admin-others")


@router.message(Command("admin", "checkin"))
async def not_an_admin(message: Message, domain: Domain) -> None:
    await show(message, help_text(domain), home_kb())


@router.message(Command("staffchat"))
async def staff_chat_not_an_admin(message: Message) -> None:
    await message.answer(_("Only an office admin can set its staff chat."))
