"""Materializing slots: a date's sessions become bookable rows once it is released.

A first-come office's dates are released at each release moment. A draw-mode
office's (``ReleaseMode.DRAW``) are released here only as far as its releases that
are drawn (or that stayed first-come: their request window opened before the
office switched to draw mode); the rest are materialized by the draw itself
(``booking.draw.running``), with ``materialize_slots``, in the draw's transaction."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.quotas import session_capacities
from booking.calendar.schedule import (
    local_now,
    national_holiday,
    release_horizon,
    sessions_on,
    to_utc,
)
from booking.core.context import Domain
from booking.core.kinds import DrawStatus, ReleaseMode
from booking.db.models import Closure, Draw, Office, QuotaOverride, Slot
from booking.offices.lookup import office_by_code, office_by_id, session_rules

log = logging.getLogger(__name__)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def horizon_at(office: Office, moment: datetime) -> date | None:
    """The last date open once the release moments up to ``moment`` have passed."""
    return release_horizon(office.release_rule, office.release_window_days, office.timezone, moment)


async def released_until(session: AsyncSession, office: Office, now: datetime) -> date | None:
    """The last date the release job opens at ``now`` (see the module doc)."""
    horizon = horizon_at(office, now)
    if office.release_mode != ReleaseMode.DRAW or horizon is None:
        return horizon
    horizons: list[date | None] = []
    if office.release_mode_since is not None:
        # The last release whose window opened before draw mode was set.
        window = timedelta(hours=office.request_window_hours)
        first_come = office.release_mode_since + window - timedelta(microseconds=1)
        horizons.append(horizon_at(office, min(now, first_come)))
    horizons.append(
        await session.scalar(
            select(func.max(Draw.last_day)).where(
                Draw.office_id == office.id, Draw.status == DrawStatus.DRAWN
            )
        )
    )
    return max((h for h in horizons if h is not None), default=None)


async def materialize_slots(
    session: AsyncSession, office: Office, now: datetime, horizon: date | None
) -> int:
    """Create the office's missing slots from today to ``horizon`` (sessions not
    started yet, on days neither closed nor holidays); returns how many."""
    assert office.id is not None
    if horizon is None:
        return 0
    today = local_now(now, office.timezone).date()
    if horizon < today:
        return 0
    rules = await session_rules(session, office.id)
    closed = set(
        await session.exec(
            select(col(Closure.day)).where(
                Closure.office_id == office.id,
                col(Closure.day) >= today,
                col(Closure.day) <= horizon,
            )
        )
    )
    overrides = {
        o.day: (o.regular, o.priority)
        for o in await session.exec(
            select(QuotaOverride).where(
                QuotaOverride.office_id == office.id,
                col(QuotaOverride.day) >= today,
                col(QuotaOverride.day) <= horizon,
            )
        )
    }
    existing = set(
        await session.exec(
            select(Slot.start_utc).where(
                Slot.office_id == office.id, col(Slot.day) >= today, col(Slot.day) <= horizon
            )
        )
    )
    created = 0
    for day in days_between(today, horizon):
        if day in closed or national_holiday(day):
            continue
        todays = sessions_on(rules, day)
        if not todays:
            continue
        regular, priority = overrides.get(day, (office.daily_quota, office.priority_quota))
        capacities = session_capacities(regular, priority, [r.share for r in todays])
        for rule, (cap, prio) in zip(todays, capacities, strict=True):
            start = to_utc(day, rule.start, office.timezone)
            if start <= now or start in existing:
                continue
            session.add(
                Slot(
                    office_id=office.id,
                    day=day,
                    label=rule.label,
                    share=rule.share,
                    start_utc=start,
                    end_utc=to_utc(day, rule.end, office.timezone),
                    capacity=cap,
                    priority_capacity=prio,
                )
            )
            created += 1
    return created


async def release_office(ctx: Domain, office_id: int) -> int:
    """Create the missing slots of one office up to its release horizon."""

    async def tx(session: AsyncSession) -> int:
        office = await office_by_id(session, office_id)
        now = ctx.now()
        return await materialize_slots(
            session, office, now, await released_until(session, office, now)
        )

    # Another process may release the same slots first: the run again after its
    # IntegrityError fills in the rest.
    return await ctx.db.transact(tx)


async def release_slots(ctx: Domain, office_code: str | None = None) -> int:
    """Materialize every slot whose release moment has passed; returns how many were made.

    Safe to run often and from several processes: existing slots are kept as they are.
    """
    async with ctx.db.reader() as session:
        if office_code is not None:
            ids = [(await office_by_code(session, office_code)).id]
        else:
            ids = list(await session.exec(select(Office.id).where(col(Office.active).is_(True))))
    total = 0
    for office_id in ids:
        assert office_id is not None
        made = await release_office(ctx, office_id)
        if made:
            log.info("released %d slots for office %s", made, office_id)
        total += made
    return total
