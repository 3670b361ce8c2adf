"""The draw's assignment rule, on plain values: the real draw (``booking.draw.drawing``)
and its check (``booking.draw.verify``) both follow it.

In drawn order, each request gets its highest-ranked choice with a session whose
seats left hold the whole group by the seat rule (``group_fits``: members with a
priority reason take priority seats first): a date and session is that session;
a date and any session tries the day's sessions in time order; "the earliest
date" tries every session of the release in time order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from booking.calendar.seats import GroupShape, group_fits, seats_for
from booking.core.kinds import QuotaPool
from booking.draw.requests import Choice

Left = dict[int, dict[QuotaPool, int]]  # seats left per slot id and pool


@dataclass(frozen=True)
class DrawSession:
    """A session of the release as the draw found it: its seats left per pool."""

    slot_id: int
    day: date
    label: str
    regular: int
    priority: int

    def stored(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "day": self.day.isoformat(),
            "label": self.label,
            "regular": self.regular,
            "priority": self.priority,
        }

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> DrawSession:
        return cls(
            int(stored["slot_id"]),
            date.fromisoformat(stored["day"]),
            str(stored["label"]),
            int(stored["regular"]),
            int(stored["priority"]),
        )


def seats_left(sessions: Sequence[DrawSession]) -> Left:
    return {
        s.slot_id: {QuotaPool.REGULAR: s.regular, QuotaPool.PRIORITY: s.priority} for s in sessions
    }


def candidates(choices: Sequence[Choice], sessions: Sequence[DrawSession]) -> list[DrawSession]:
    """The sessions a request would take, best first (``sessions`` in time order)."""
    ranked: list[DrawSession] = []
    for choice in choices:
        for s in sessions:
            if (choice.day is None or s.day == choice.day) and (
                choice.slot_label is None or s.label == choice.slot_label
            ):
                if s not in ranked:
                    ranked.append(s)
    return ranked


def first_fit(
    choices: Sequence[Choice], shape: GroupShape, sessions: Sequence[DrawSession], left: Left
) -> DrawSession | None:
    """The session the request gets, or None: no choice has seats for the group."""
    return next(
        (s for s in candidates(choices, sessions) if group_fits(left[s.slot_id], shape)), None
    )


def take(left: Left, slot_id: int, shape: GroupShape) -> None:
    """Count the group's seats as taken, by the seat rule's pools."""
    for pool, n in seats_for(shape, left[slot_id]).items():
        left[slot_id][pool] -= n
