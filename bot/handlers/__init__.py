"""Routers, one per feature, in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Every feature router; the fallback (anything not handled) comes last.

    An admin router slots in before ``fallback`` when it exists.
    """
    from bot.handlers import appointments, booking, fallback, info, offices, start

    specs = [start, booking, appointments, info, offices, fallback]
    return [module.router.build() for module in specs]
