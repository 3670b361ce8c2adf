"""Office administration in chat: ``/admin`` and ``/checkin``.

Every admin message and callback passes ``IsAdmin`` (by numeric Telegram user
id) on the router itself; each action then checks the office it acts on. A
non-admin's ``/admin`` falls through to the ordinary help.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.admin import base, counter, days, menu, others, quotas, reports
from bot.handlers.admin.access import IsAdmin

# Importing the feature modules registers their handlers on ``base.router``.
__all__ = ["build", "counter", "days", "menu", "quotas", "reports"]


class _AdminRouter:
    def build(self) -> Router:
        guarded = base.router.build()
        # Router-level filters (after the private-chat ones) run before any admin
        # handler, for every message and every tap.
        guarded.message.filter(IsAdmin())
        guarded.callback_query.filter(IsAdmin())
        parent = Router(name="admin")
        parent.include_routers(guarded, others.router.build())
        return parent


router = _AdminRouter()


def build() -> Router:
    return router.build()
