"""Per-office facts the answers name: hours, address, phone and release policy,
read from the offices data; and which office an applicant's question is about."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time

from sqlmodel import col, select

from booking.core.context import Domain
from booking.db.models import Appointment, Office
from booking.offices.lookup import office_by_id, session_rules
from booking.questions.offices import OfficeName


@dataclass(frozen=True)
class SessionHours:
    label: str
    start: time
    end: time
    rule: str  # RRULE of its days
    label_en: str | None = None  # None: the label serves


@dataclass(frozen=True)
class OfficeFacts:
    office_id: int
    name: str
    address: str
    phone: str | None
    timezone: str
    sessions: tuple[SessionHours, ...]
    release_rule: str  # RRULE of release moments, office-local
    release_window_days: int


async def office_facts(ctx: Domain, office_id: int) -> OfficeFacts:
    """Raises ``OfficeNotFound``."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        rules = await session_rules(session, office_id)
    assert office.id is not None
    own = {f.name: getattr(office, f.name) for f in fields(OfficeFacts) if hasattr(Office, f.name)}
    sessions = tuple(SessionHours(r.label, r.start, r.end, r.rule, r.label_en) for r in rules)
    return OfficeFacts(**{**own, "office_id": office.id, "sessions": sessions})


async def office_names(ctx: Domain) -> list[OfficeName]:
    """The active offices' codes and cities, to find the one a question names."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Office.id, Office.code, Office.city).where(col(Office.active).is_(True))
        )
        return [OfficeName(office_id=i, code=c, city=city) for i, c, city in rows.all() if i]


async def last_booked_office(ctx: Domain, telegram_id: int) -> int | None:
    """The office of the applicant's latest appointment, if any."""
    async with ctx.db.reader() as session:
        row = await session.exec(
            select(Appointment.office_id)
            .where(Appointment.telegram_id == telegram_id)
            .order_by(col(Appointment.created_at).desc(), col(Appointment.id).desc())
            .limit(1)
        )
        return row.first()
