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
    fallback; ``staff`` serves the offices' staff groups. ``arrival`` (the check-in
    by the poster's QR code, the priority walk-in) and ``counter_desk`` (the panel of
    petugas loket) are the day at the office.
    """
    from bot.handlers import (
        admin,
        appointments,
        arrival,
        booking,
        counter_desk,
        fallback,
        info,
        offices,
        questions,
        staff,
        start,
    )

    specs = [start, arrival, booking, appointments, counter_desk, info, offices, admin]
    specs += [questions, staff]
    specs.append(fallback)
    return [booking.confirm_router.build()] + [module.router.build() for module in specs]
