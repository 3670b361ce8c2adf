"""Office statistics: what happened to the appointments of a date range, how the
days' queues went, and how full the coming days are."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from booking.admin.input import check_range
from booking.calendar.availability import closures_between, slots_by_day
from booking.calendar.quotas import quota_of
from booking.calendar.schedule import local_now, national_holiday, sessions_on, to_utc
from booking.calendar.seats import seats_taken
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, NotificationStatus, QueueStatus
from booking.db.models import Appointment, Notification, QueueTicket, Slot
from booking.offices.lookup import office_by_id, session_rules


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class Spread:
    """The median and the 90th percentile of some durations."""

    median: timedelta
    p90: timedelta


def spread(durations: Sequence[timedelta]) -> Spread | None:
    """None without any duration."""
    if not durations:
        return None
    seconds = sorted(d.total_seconds() for d in durations)
    p90 = (
        statistics.quantiles(seconds, n=10, method="inclusive")[-1]
        if len(seconds) > 1
        else seconds[0]
    )
    return Spread(timedelta(seconds=statistics.median(seconds)), timedelta(seconds=p90))


@dataclass(frozen=True)
class QueueDayStats:
    """One day's queue at the office: how long people waited (check-in to their
    first call) and were served (the last call to done), walk-ins served and
    people missed after their calls."""

    day: date
    tickets: int  # people in the queue: checked in or walked in
    waiting: Spread | None  # of those called
    service: Spread | None  # of those served
    walk_ins_served: int
    missed: int


@dataclass(frozen=True)
class OfficeStats:
    """Counts of the appointments made for the dates ``first`` to ``last``.

    ``booked`` counts every appointment made for those dates, whatever became of
    it; the rates are shares of it. ``checked_in`` includes those since served or released.
    """

    first: date
    last: date
    booked: int
    still_booked: int  # not yet checked in, marked or cancelled
    checked_in: int
    no_show: int
    cancelled: int
    displaced: int  # of the cancelled: by an office closure
    failed_notices: int  # notices to this office's applicants the sender gave up on
    queue_days: tuple[QueueDayStats, ...] = ()  # the days with a queue, in order

    @property
    def check_in_rate(self) -> float:
        return _rate(self.checked_in, self.booked)

    @property
    def no_show_rate(self) -> float:
        return _rate(self.no_show, self.booked)

    @property
    def cancellation_rate(self) -> float:
        return _rate(self.cancelled, self.booked)


async def stats(ctx: Domain, office_id: int, first: date, last: date) -> OfficeStats:
    """Statistics of ``[first, last]`` (office-local dates, past or future)."""
    check_range(first, last)
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        rows = await session.exec(
            select(Appointment.status, Appointment.cancel_reason, func.count())
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .where(Slot.office_id == office_id, col(Slot.day) >= first, col(Slot.day) <= last)
            .group_by(col(Appointment.status), col(Appointment.cancel_reason))
        )
        counts: dict[str, int] = defaultdict(int)
        displaced = 0
        for status, reason, n in rows:
            counts[status] += n
            if status == AppointmentStatus.CANCELLED and reason == "displaced":
                displaced += n
        failed = (
            await session.exec(
                select(func.count()).where(
                    Notification.office_id == office_id,
                    Notification.status == NotificationStatus.FAILED,
                    col(Notification.due_at) >= to_utc(first, time.min, office.timezone),
                    col(Notification.due_at)
                    < to_utc(last + timedelta(days=1), time.min, office.timezone),
                )
            )
        ).one()
        tickets = await session.exec(
            select(QueueTicket)
            .where(
                QueueTicket.office_id == office_id,
                col(QueueTicket.day) >= first,
                col(QueueTicket.day) <= last,
            )
            .order_by(col(QueueTicket.day))
        )
        queue_days = _queue_days(list(tickets))
    return OfficeStats(
        first=first,
        last=last,
        booked=sum(counts.values()),
        still_booked=counts[AppointmentStatus.BOOKED],
        checked_in=counts[AppointmentStatus.CHECKED_IN]
        + counts[AppointmentStatus.SERVED]
        + counts[AppointmentStatus.RELEASED],
        no_show=counts[AppointmentStatus.NO_SHOW],
        cancelled=counts[AppointmentStatus.CANCELLED],
        displaced=displaced,
        failed_notices=failed,
        queue_days=queue_days,
    )


def _queue_days(tickets: list[QueueTicket]) -> tuple[QueueDayStats, ...]:
    by_day: dict[date, list[QueueTicket]] = defaultdict(list)
    for ticket in tickets:
        by_day[ticket.day].append(ticket)
    days = []
    for day in sorted(by_day):
        its = by_day[day]
        served = [t for t in its if t.status == QueueStatus.SERVED]
        days.append(
            QueueDayStats(
                day=day,
                tickets=len(its),
                waiting=spread(
                    [t.first_called_at - t.arrived_at for t in its if t.first_called_at]
                ),
                service=spread(
                    [t.served_at - t.called_at for t in served if t.served_at and t.called_at]
                ),
                walk_ins_served=sum(1 for t in served if t.walk_in),
                missed=sum(1 for t in its if t.status == QueueStatus.MISSED),
            )
        )
    return tuple(days)


@dataclass(frozen=True)
class DayCapacity:
    day: date
    booked: int  # regular and priority seats taken
    capacity: int  # regular and priority seats
    released: bool  # False: capacity is the planned quota, no seat is bookable yet
    closed: bool  # office closure or national holiday


async def capacity_series(
    ctx: Domain, office_id: int, today: date | None = None, days: int = 14
) -> list[DayCapacity]:
    """Booked against capacity for each of ``days`` dates from ``today`` (office-local).

    Released dates count their sessions; the others show the quota they will get
    (0 on closures, holidays and days without sessions).
    """
    days = max(1, min(days, 366))
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        first = today or local_now(ctx.now(), office.timezone).date()
        last = first + timedelta(days=days - 1)
        rules = await session_rules(session, office_id)
        closed = await closures_between(session, office_id, first, last)
        by_day = await slots_by_day(session, office_id, first, last)
        series = []
        for i in range(days):
            day = first + timedelta(days=i)
            shut = day in closed or national_holiday(day) is not None
            if by_day.get(day):
                its = by_day[day]
                series.append(
                    DayCapacity(
                        day,
                        booked=sum(seats_taken(s) for s in its),
                        capacity=sum(s.capacity + s.priority_capacity for s in its),
                        released=True,
                        closed=shut,
                    )
                )
            elif shut or not sessions_on(rules, day):
                series.append(DayCapacity(day, 0, 0, released=False, closed=shut))
            else:
                regular, priority = await quota_of(session, office, day)
                series.append(DayCapacity(day, 0, regular + priority, released=False, closed=False))
    return series
