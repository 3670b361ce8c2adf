"""/admin and /checkin from someone who is not an admin: the ordinary help,
with no hint that an admin menu exists."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.types import Message

from bot.handlers.common import RouterSpec, show
from bot.handlers.start import help_text
from bot.keyboards import home_kb

router = RouterSpec("admin-others")


@router.message(Command("admin", "checkin"))
async def not_an_admin(message: Message) -> None:
    await show(message, help_text(), home_kb())
