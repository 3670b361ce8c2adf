"""Office administration in chat: ``/admin`` and ``/checkin``; beside it the counter
panel (``/loket``, ``bot.handlers.counter_desk``) of admins and petugas loket.

Every admin message and callback passes ``IsAdmin`` (by numeric Telegram user
id) on the router itself; ``AdminMiddleware`` then gives each handler its
``admin`` context and the ``office`` it acts on, checked against the user. A
non-admin's ``/admin`` falls through to the ordinary help.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers import counter_desk
from bot.handlers.admin import (
    counter,
    counters,
    days,
    menu,
    others,
    quotas,
    reports,
    screen,
    staff_chat,
)
from bot.handlers.admin.access import IsAdmin
from bot.handlers.admin.middleware import AdminMiddleware
from bot.handlers.common import RouterSpec


class AdminRouters:
    """Builds the admin routers the way ``get_routers`` builds every feature's
    (``router.build()``): the guarded one of each feature, then the one for others."""

    def build(self) -> Router:
        return build()


router = AdminRouters()


def build() -> Router:
    # Private chats only (RouterSpec's filters), then admins only: router-level
    # filters run before any admin handler, for every message and every tap.
    guarded = RouterSpec("admin").build()
    guarded.message.filter(IsAdmin())
    guarded.callback_query.filter(IsAdmin())
    context = AdminMiddleware()
    guarded.message.middleware(context)
    guarded.callback_query.middleware(context)
    guarded.include_routers(
        *(
            feature.router.build()
            for feature in (menu, quotas, days, counter, reports, staff_chat, counters, screen)
        )
    )
    parent = Router(name="admin")
    # The counter panel serves petugas loket too, who are no admins: beside the
    # guarded router, with the domain checking each user's role at the office.
    parent.include_routers(guarded, counter_desk.router.build(), others.router.build())
    return parent
