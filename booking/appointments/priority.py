"""Priority service: who may take a priority seat, and which pools a booking draws from."""

from __future__ import annotations

from datetime import date

from booking.core.errors import PriorityNotEligible
from booking.core.kinds import PriorityReason, QuotaPool
from booking.people.nik import Sex, age_on


def check_priority(reason: PriorityReason, birth_date: date, sex: str, day: date) -> None:
    """Elderly (60+) and under-5 are checked against the NIK's birth date on the
    appointment day; pregnancy needs a woman's NIK; disability is checked at the counter."""
    age = age_on(birth_date, day)
    if reason is PriorityReason.ELDERLY and age < 60:
        raise PriorityNotEligible(reason.value)
    if reason is PriorityReason.CHILD and age >= 5:
        raise PriorityNotEligible(reason.value)
    if reason is PriorityReason.PREGNANT and sex != Sex.FEMALE.value:
        raise PriorityNotEligible(reason.value)


def seat_pools(priority: PriorityReason | None) -> list[QuotaPool]:
    """A priority applicant takes a priority seat, or a regular one when those are gone."""
    return [QuotaPool.PRIORITY, QuotaPool.REGULAR] if priority else [QuotaPool.REGULAR]
