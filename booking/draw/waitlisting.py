"""What a draw's loser waits for: the dates of its choices (every date of the
release for "the earliest date"), in the session when every choice names the
same one. The draw puts it on the waitlist with
``booking.waitlist.entries.join_waitlist_in``, in the draw's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from booking.draw.requests import Choice
from booking.waitlist.entries import Wish


def wish_of(choices: Sequence[Choice], release_days: Sequence[date]) -> Wish:
    days = [c.day for c in choices if c.day is not None]
    if any(c.day is None for c in choices) or not days:
        days += list(release_days)
    labels = {c.slot_label for c in choices}
    label = labels.pop() if len(labels) == 1 else None
    return Wish(min(days), max(days), label)
