"""An applicant as the services return it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from booking.db.models import Applicant


@dataclass(frozen=True)
class ApplicantView:
    id: int
    telegram_id: int
    full_name: str
    language: str
    phone: str | None
    nik_masked: str
    birth_date: date
    sex: str
    unreachable: bool

    @classmethod
    def of(cls, a: Applicant) -> ApplicantView:
        assert a.id is not None
        return cls(
            id=a.id,
            telegram_id=a.telegram_id,
            full_name=a.full_name,
            language=a.language,
            phone=a.phone,
            nik_masked=a.nik_masked,
            birth_date=a.birth_date,
            sex=a.sex,
            unreachable=a.unreachable,
        )
