"""An appointment as the services return it, with its slot and office; a booking
group with its members' appointments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from booking.calendar.schedule import zone, zone_abbrev
from booking.core.kinds import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    GroupStatus,
    Passport,
    PriorityReason,
    QuotaPool,
    ServiceType,
)
from booking.db.models import Appointment, BookingGroup, Office, Person, Slot


@dataclass(frozen=True)
class SessionPlace:
    """Where and when, in a view: the office and the session."""

    slot_id: int
    office_id: int
    office_code: str
    office_name: str
    office_address: str
    timezone: str
    zone: str
    day: date
    label: str
    start: datetime  # office-local, aware
    end: datetime
    start_utc: datetime
    label_en: str | None = field(default=None, kw_only=True)  # None: the label serves


@dataclass(frozen=True)
class AppointmentView(SessionPlace):
    id: int
    code: str
    status: AppointmentStatus
    service: ServiceType
    priority: PriorityReason | None
    pool: QuotaPool
    reschedule_count: int
    queue_number: int | None
    telegram_id: int
    created_at: datetime
    cancel_reason: str | None
    passport: Passport | None = field(default=None, kw_only=True)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @classmethod
    def of(
        cls, appt: Appointment, group: BookingGroup, slot: Slot, office: Office
    ) -> AppointmentView:
        return cls(**_appointment_fields(appt, group, slot, office))


def _session_fields(slot: Slot, office: Office) -> dict[str, Any]:
    """The fields of a view that say where and when: the office and the session."""
    assert office.id is not None and slot.id is not None
    tz = zone(office.timezone)
    return {
        "slot_id": slot.id,
        "office_id": office.id,
        "office_code": office.code,
        "office_name": office.name,
        "office_address": office.address,
        "timezone": office.timezone,
        "zone": zone_abbrev(office.timezone, slot.start_utc),
        "day": slot.day,
        "label": slot.label,
        "start": slot.start_utc.astimezone(tz),
        "end": slot.end_utc.astimezone(tz),
        "start_utc": slot.start_utc,
        "label_en": slot.label_en,
    }


def _appointment_fields(
    appt: Appointment, group: BookingGroup, slot: Slot, office: Office
) -> dict[str, Any]:
    assert appt.id is not None
    return dict(
        **_session_fields(slot, office),
        id=appt.id,
        code=appt.code,
        status=AppointmentStatus(appt.status),
        service=ServiceType(appt.service),
        priority=PriorityReason(appt.priority) if appt.priority else None,
        pool=QuotaPool(appt.pool),
        reschedule_count=group.reschedule_count,
        queue_number=appt.queue_number,
        telegram_id=appt.telegram_id,
        created_at=appt.created_at,
        cancel_reason=appt.cancel_reason,
        passport=Passport(appt.passport) if appt.passport else None,
    )


@dataclass(frozen=True)
class MemberAppointment(AppointmentView):
    """One member's appointment in a booking group: the appointment and who it is for."""

    group_id: int
    member_id: int
    full_name: str
    nik_masked: str

    @classmethod
    def of_member(
        cls, appt: Appointment, person: Person, group: BookingGroup, slot: Slot, office: Office
    ) -> MemberAppointment:
        assert person.id is not None and group.id is not None
        return cls(
            **_appointment_fields(appt, group, slot, office),
            group_id=group.id,
            member_id=person.id,
            full_name=person.full_name,
            nik_masked=person.nik_masked,
        )

    def appointment(self) -> AppointmentView:
        """The appointment alone, as the single-person services return it."""
        return AppointmentView(**{f.name: getattr(self, f.name) for f in fields(AppointmentView)})


@dataclass(frozen=True)
class GroupView(SessionPlace):
    """A booking group: one account, one session, one appointment per member
    (``members`` in booking order, cancelled ones included)."""

    id: int
    status: GroupStatus
    telegram_id: int
    reschedule_count: int
    replaces_id: int | None
    members: tuple[MemberAppointment, ...]

    @property
    def size(self) -> int:
        """How many people the group was booked for (cancelled members included)."""
        return len(self.members)

    @property
    def active_members(self) -> tuple[MemberAppointment, ...]:
        return tuple(m for m in self.members if m.active)

    @classmethod
    def of(
        cls,
        group: BookingGroup,
        slot: Slot,
        office: Office,
        members: Sequence[tuple[Appointment, Person]],
    ) -> GroupView:
        assert group.id is not None
        return cls(
            **_session_fields(slot, office),
            id=group.id,
            status=GroupStatus(group.status),
            telegram_id=group.telegram_id,
            reschedule_count=group.reschedule_count,
            replaces_id=group.replaces_id,
            members=tuple(
                MemberAppointment.of_member(appt, person, group, slot, office)
                for appt, person in members
            ),
        )
