"""Plain read objects the services return to their callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from booking.models import (
    Applicant,
    Appointment,
    AppointmentStatus,
    Office,
    PriorityReason,
    QuotaPool,
    ServiceType,
    Slot,
)
from booking.schedule import zone, zone_abbrev


class DayStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"  # office closure
    HOLIDAY = "holiday"  # national holiday
    NO_SERVICE = "no_service"  # no session runs that day (weekend)
    NOT_RELEASED = "not_released"
    PAST = "past"  # in the past, or every session has started or is within the cut-off


@dataclass(frozen=True)
class DayAvailability:
    day: date
    status: DayStatus
    seats_left: int = 0
    priority_left: int = 0
    note: str | None = None  # holiday name or closure reason


@dataclass(frozen=True)
class SessionAvailability:
    slot_id: int
    label: str
    start: datetime  # office-local, aware
    end: datetime
    zone: str  # WIB / WITA / WIT
    capacity: int
    seats_left: int
    priority_left: int
    bookable: bool
    is_open: bool = True  # False: the office closed that date


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


@dataclass(frozen=True)
class AppointmentView:
    id: int
    code: str
    status: AppointmentStatus
    service: ServiceType
    priority: PriorityReason | None
    pool: QuotaPool
    reschedule_count: int
    queue_number: int | None
    telegram_id: int
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
    created_at: datetime
    cancel_reason: str | None

    @property
    def active(self) -> bool:
        return self.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)

    @classmethod
    def of(cls, appt: Appointment, slot: Slot, office: Office) -> AppointmentView:
        assert appt.id is not None and office.id is not None and slot.id is not None
        tz = zone(office.timezone)
        return cls(
            id=appt.id,
            code=appt.code,
            status=AppointmentStatus(appt.status),
            service=ServiceType(appt.service),
            priority=PriorityReason(appt.priority) if appt.priority else None,
            pool=QuotaPool(appt.pool),
            reschedule_count=appt.reschedule_count,
            queue_number=appt.queue_number,
            telegram_id=appt.telegram_id,
            slot_id=slot.id,
            office_id=office.id,
            office_code=office.code,
            office_name=office.name,
            office_address=office.address,
            timezone=office.timezone,
            zone=zone_abbrev(office.timezone, slot.start_utc),
            day=slot.day,
            label=slot.label,
            start=slot.start_utc.astimezone(tz),
            end=slot.end_utc.astimezone(tz),
            start_utc=slot.start_utc,
            created_at=appt.created_at,
            cancel_reason=appt.cancel_reason,
        )
