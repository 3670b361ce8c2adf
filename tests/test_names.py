"""The name rule of ``booking.people.names``, and the registration service using it."""

from __future__ import annotations

from datetime import date

import pytest

from booking.core.context import Domain
from booking.core.errors import InvalidName, NameReason
from booking.people.applicants import get_applicant, register_applicant, validate_nik
from booking.people.names import NAME_MAX, check_name
from tests.factories import make_nik

REFUSED = [
    ("A1", NameReason.LENGTH),
    ("  Bu  ", NameReason.LENGTH),
    ("B" * (NAME_MAX + 1), NameReason.LENGTH),
    ("Budi 2", NameReason.DIGITS),
    ("Budi ٣", NameReason.DIGITS),  # an Arabic-Indic digit
    ("😀😀😀", NameReason.NO_LETTERS),
    ("👨‍👩‍👧 👍", NameReason.HIDDEN),  # the family emoji holds zero-width joiners
    ("...", NameReason.NO_LETTERS),
    ("\u200b\u200b\u200b", NameReason.HIDDEN),  # zero-width spaces
    ("\u200d\u200c\ufeff", NameReason.HIDDEN),  # zero-width joiner, non-joiner, BOM
    ("\u202e\u202e\u202e", NameReason.HIDDEN),  # right-to-left overrides
    ("Budi\u202eotnaS", NameReason.HIDDEN),  # an override inside a name
    ("\u2066\u2069\u200f", NameReason.HIDDEN),  # bidi isolates and a mark
]


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
def test_a_name_breaking_the_rule_is_refused_with_its_reason(raw: str, reason: NameReason) -> None:
    with pytest.raises(InvalidName) as refused:
        check_name(raw)
    assert refused.value.reason is reason


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  Budi   Santoso ", "Budi Santoso"),
        ("I Made Wirawan", "I Made Wirawan"),
        ("Siti Nur'aini", "Siti Nur'aini"),
        ("Ni Luh Putu Ayu-Dewi", "Ni Luh Putu Ayu-Dewi"),
        ("Ana", "Ana"),
        ("B" * NAME_MAX, "B" * NAME_MAX),
    ],
)
def test_a_name_keeping_the_rule_has_its_spaces_tidied(raw: str, kept: str) -> None:
    assert check_name(raw) == kept


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
async def test_registration_refuses_the_same_names_and_stores_nothing(
    ctx: Domain, raw: str, reason: NameReason
) -> None:
    nik = validate_nik(ctx, make_nik(date(1990, 5, 17), serial=77))
    with pytest.raises(InvalidName) as refused:
        await register_applicant(ctx, telegram_id=7701, full_name=raw, nik=nik)
    assert refused.value.reason is reason
    assert await get_applicant(ctx, 7701) is None
