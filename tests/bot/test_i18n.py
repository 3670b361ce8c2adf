"""Every message id in the code has an Indonesian translation, in the .po and in
the committed .mo; placeholders survive translation."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
# Babel's defaults (_, gettext, N_, ...) plus the names scripts/i18n adds.
KEYWORDS = {**DEFAULT_KEYWORDS, "__": None, "lazy_gettext": None}


def code_message_ids() -> set[str]:
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(BOT_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_code_has_message_ids() -> None:
    ids = code_message_ids()
    assert "What would you like to do?" in ids
    assert len(ids) > 100


def test_every_message_id_has_an_indonesian_translation() -> None:
    po = catalog("id")
    missing = sorted(mid for mid in code_message_ids() if mid not in po or not po[mid].string)
    assert missing == [], f"no Indonesian translation for: {missing}"
    fuzzy = sorted(m.id for m in po if m.id and m.fuzzy)
    assert fuzzy == [], f"fuzzy (unchecked) translations: {fuzzy}"


def compiled(mo: gettext.GNUTranslations, msgid: str | tuple[str, str]) -> object:
    """What the .mo file holds for a message id: a string, or for a plural message
    the tuple of its forms (as the .po file has them; Indonesian has one)."""
    if isinstance(msgid, str):
        return mo.gettext(msgid)
    return (mo.ngettext(msgid[0], msgid[1], 1),)


def test_compiled_catalog_matches_the_po_file() -> None:
    po = catalog("id")
    with (LOCALES_DIR / "id" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = [m.id for m in po if m.id and compiled(mo, m.id) != m.string]
    assert stale == [], "messages.mo is out of date: run scripts/i18n compile"
    assert (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.mo").exists()


def _fields(text: str | tuple[str, ...]) -> set[str]:
    """The placeholders of a message (of every form of a plural one)."""
    forms = (text,) if isinstance(text, str) else text
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


@pytest.mark.parametrize("language", ["id"])
def test_translations_keep_placeholders(language: str) -> None:
    broken = [
        m.id for m in catalog(language) if m.id and m.string and _fields(m.id) != _fields(m.string)
    ]
    assert broken == []


def test_no_message_id_is_built_at_runtime() -> None:
    """``_(f"...")`` or ``_(x + y)`` cannot be extracted, so it would never be translated."""
    offenders = []
    for path in BOT_DIR.rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b_\(\s*f[\"']", line):
                offenders.append(f"{path.name}:{n}")
    assert offenders == []
