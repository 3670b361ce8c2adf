"""Routers, one per feature, in the order they are tried."""

from __future__ import annotations

from aiogram import Router

from bot.handlers.common import RouterGroup


def get_routers() -> list[Router]:
    """Every feature router; the fallback (anything not handled) comes last.

    The booking summary's confirm button comes first, in a router of its own
    (``booking.confirm_router``): in a rush nearly every update is a confirm.
    The admin router comes just before it: its filters let only admins in, and
    whatever it does not take (a non-admin's tap or text) reaches the fallback.
    Free text outside any flow step is a question (``questions``), just before the
    fallback; ``staff`` serves the offices' staff groups. The arrival at the office
    (``arrival``: the poster's deep link, the priority walk-in) is part of ``start``;
    the counter panel of petugas loket is part of ``admin``. The waitlist's router
    is part of "appointments" (an offer or an entry is answered like an appointment).
    """
    from bot.handlers import (
        admin,
        appointments,
        arrival,
        booking,
        fallback,
        info,
        offices,
        questions,
        staff,
        start,
        waitlist,
    )

    arriving = RouterGroup("start", start.router, arrival.router)
    mine = RouterGroup("appointments", appointments.router, waitlist.router)
    specs = [arriving, booking.router, mine, info.router, offices.router, admin.router]
    specs += [questions.router, staff.router, fallback.router]
    return [booking.confirm_router.build()] + [spec.build() for spec in specs]
