"""NIK (Nomor Induk Kependudukan) validation, keyed hashing and masking.

A NIK has 16 digits: 1-6 region (province, regency, district), 7-12 birth date
DDMMYY with 40 added to DD for women, 13-16 a serial number. The plain NIK is
personal data (UU PDP 27/2022): it is never stored or logged. Only a keyed
HMAC-SHA256 (for uniqueness) and a masked form (for display) are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from booking.core.errors import InvalidNik, NikReason

# Province codes (Kemendagri), including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    {
        11, 12, 13, 14, 15, 16, 17, 18, 19, 21,
        31, 32, 33, 34, 35, 36,
        51, 52, 53,
        61, 62, 63, 64, 65,
        71, 72, 73, 74, 75, 76,
        81, 82,
        91, 92, 93, 94, 95, 96,
    }
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-]")


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


@dataclass(frozen=True)
class ParsedNik:
    """A valid NIK. ``repr`` shows only the masked form."""

    digits: str = field(repr=False)
    birth_date: date
    sex: Sex

    @property
    def masked(self) -> str:
        return mask_nik(self.digits)

    def __repr__(self) -> str:
        return f"ParsedNik({self.masked}, birth_date={self.birth_date}, sex={self.sex})"

    __str__ = __repr__


def parse_nik(raw: str, today: date) -> ParsedNik:
    """Validate a NIK typed by a person; spaces, dots and dashes are ignored.

    Raises ``InvalidNik`` naming the part that is wrong.
    """
    digits = _SEPARATORS.sub("", raw or "")
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        raise InvalidNik(NikReason.LENGTH)
    if set(digits) == {"0"}:
        raise InvalidNik(NikReason.ALL_ZEROS)
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if province not in PROVINCE_CODES or regency == 0 or district == 0:
        raise InvalidNik(NikReason.REGION)
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = Sex.MALE
    if day > 40:
        day -= 40
        sex = Sex.FEMALE
    # Two-digit year: this century unless that year is still ahead of us.
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidNik(NikReason.BIRTH_DATE) from None
    if born > today:
        raise InvalidNik(NikReason.FUTURE_BIRTH_DATE)
    return ParsedNik(digits=digits, birth_date=born, sex=sex)


def nik_hash(digits: str, secret: bytes) -> str:
    """Keyed HMAC-SHA256 of the normalized NIK, hex encoded."""
    return hmac.new(secret, digits.encode("ascii"), hashlib.sha256).hexdigest()


def mask_nik(digits: str) -> str:
    """Display form: region prefix and last two digits, e.g. ``3171**********01``."""
    return digits[:4] + "*" * 10 + digits[-2:]


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
