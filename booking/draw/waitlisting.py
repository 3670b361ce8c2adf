"""Putting a draw's loser on the waitlist for its choices, in the draw's transaction.

The wish covers the dates of the request's choices (the release's days for "the
earliest date"), with the session when every choice names the same one.

Until ``booking.waitlist`` is merged this is the contract's
``join_waitlist_in(session, ...)`` answered with no entry: the loser is told "not
this time" without a position. Pointing ``join_waitlist_in`` at the real one is
the only change needed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from booking.appointments.writes import MemberChoice
from booking.core.context import Domain
from booking.draw.requests import Choice


@dataclass(frozen=True)
class Wish:
    """The contract's ``booking.waitlist.entries.Wish``."""

    first_day: date
    last_day: date
    slot_label: str | None


@dataclass(frozen=True)
class WaitlistPlace:
    entry_id: int
    position: int


async def join_waitlist_in(
    session: AsyncSession,
    ctx: Domain,
    *,
    telegram_id: int,
    office_id: int,
    members: Sequence[MemberChoice],
    wish: Wish,
) -> WaitlistPlace | None:
    """Stands in for ``booking.waitlist.entries.join_waitlist_in`` (not merged yet)."""
    return None


def wish_of(choices: Sequence[Choice], release_days: Sequence[date]) -> Wish:
    days = [c.day for c in choices if c.day is not None]
    if any(c.day is None for c in choices) or not days:
        days += list(release_days)
    labels = {c.slot_label for c in choices}
    label = labels.pop() if len(labels) == 1 else None
    return Wish(min(days), max(days), label)
