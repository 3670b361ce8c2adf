"""The English of the CLI's output: counts with the noun in its plural form."""

from __future__ import annotations

from babel import Locale

_ENGLISH = Locale("en")


def count(n: int, one: str, other: str) -> str:
    """``n`` and the noun in the form English uses for it: "1 day", "0 days", "3 days"
    (the CLDR plural rules, from Babel)."""
    return f"{n} {one if _ENGLISH.plural_form(n) == 'one' else other}"
