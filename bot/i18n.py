"""Gettext catalogs (Babel) for the chat texts. Message ids are English; the
catalogs live in ``bot/locales/{id,en}/LC_MESSAGES/messages.po`` and their
compiled ``.mo`` files are committed (regenerate with ``scripts/i18n``)."""

from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("id", "en")
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def build_i18n(default_locale: str = "id") -> I18n:
    if default_locale not in LANGUAGES:
        default_locale = "id"
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")


def normalize_language(code: str | None, default: str) -> str:
    """A supported language from a stored or chosen code, else ``default``."""
    return code if code in LANGUAGES else default
