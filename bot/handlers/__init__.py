"""Routers, one per feature, in the order they are tried."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Every feature router; the fallback (anything not handled) comes last.

    The booking summary's confirm button comes first, in a router of its own
    (``booking.confirm_router``): in a rush nearly every update is a confirm.
    The admin router comes just before it: its filters let only admins in, and
    whatever it does not take (a non-admin's tap or text) reaches the fallback.
    Free text outside any flow step is a question (``questions``), just before the
    fallback; ``staff`` serves the offices' staff groups.
    """
    from bot.handlers import (
        admin,
        appointments,
        booking,
        fallback,
        info,
        offices,
        questions,
        staff,
        start,
        waitlist,
    )

    specs = [start, booking, appointments, waitlist, info, offices, admin, questions, staff]
    specs.append(fallback)
    return [booking.confirm_router.build()] + [module.router.build() for module in specs]
