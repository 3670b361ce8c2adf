"""Priority service: who may take a priority seat (the pools a booking draws
from are the seat rule's, ``booking.calendar.seats.seat_pools``)."""

from __future__ import annotations

from datetime import date

from booking.core.errors import PriorityNotEligible
from booking.core.kinds import PriorityReason
from booking.db.models import Person
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


def check_person_priority(reason: PriorityReason, person: Person, day: date) -> None:
    """``check_priority`` for a saved person of a group: the refusal names them."""
    try:
        check_priority(reason, person.birth_date, person.sex, day)
    except PriorityNotEligible as refused:
        raise PriorityNotEligible(refused.reason, person.id, person.full_name) from None
