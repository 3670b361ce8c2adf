"""An appointment as the services return it, with its slot and office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from booking.calendar.schedule import zone, zone_abbrev
from booking.core.kinds import AppointmentStatus, PriorityReason, QuotaPool, ServiceType
from booking.db.models import Appointment, Office, Slot


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
