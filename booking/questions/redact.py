"""What applicants type, made fit to keep and to show to staff: a NIK or a phone
number (any long run of digits, however separated) is masked; names are shortened."""

from __future__ import annotations

import re

# Eight or more digits, each optionally followed by one separator: "3171 0117 0590 0001",
# "31.71.01.61.08.87.1357", "+62 812-3456-7890".
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s.\-/]?\d){7,}")
MASK = "[•••]"


def mask_numbers(text: str) -> str:
    return _LONG_NUMBER.sub(MASK, text)


def mask_name(name: str) -> str:
    """ "Budi Santoso" -> "Bu** Sa*****": enough for staff to address someone, not to
    identify them."""
    parts = [w[:2] + "*" * max(len(w) - 2, 1) for w in name.split()[:3]]
    return " ".join(parts)[:64] or "—"
