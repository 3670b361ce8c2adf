"""Booking codes: 8 characters from an alphabet without look-alikes."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read aloud at the counter or typed from paper stays unambiguous.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_booking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """Upper-case a typed code and drop spaces and dashes ("k7m2 qx9t", "K7M2-QX9T");
    None when it cannot be a code."""
    code = "".join((raw or "").replace("-", " ").split()).upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
