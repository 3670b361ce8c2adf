"""The rule for an applicant's full name, as on the KTP: the one check the chat,
the registration service and any other caller share."""

from __future__ import annotations

import unicodedata

from booking.core.errors import InvalidName, NameReason

NAME_MIN, NAME_MAX = 3, 100

# Unicode categories of characters that show nothing, or change how the text
# around them is shown: controls, and formats (zero-width spaces and joiners,
# bidi overrides and marks). A name holding one could look like another name on
# the day list, or like no name at all.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf"})


def check_name(raw: str) -> str:
    """The name with its spaces tidied; ``InvalidName`` with the reason when it is
    too short or too long, holds a digit or an invisible character, or has no letter
    at all (only emoji or symbols)."""
    name = " ".join(raw.split())
    if any(unicodedata.category(ch) in _HIDDEN_CATEGORIES for ch in name):
        raise InvalidName(NameReason.HIDDEN)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidName(NameReason.LENGTH)
    if any(ch.isdigit() for ch in name):
        raise InvalidName(NameReason.DIGITS)
    if not any(ch.isalpha() for ch in name):
        raise InvalidName(NameReason.NO_LETTERS)
    return name
