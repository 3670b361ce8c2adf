"""Texts of the day at the office, shared by the arrival check-in, "My appointments"
and the counter panel: queue numbers, how many are ahead, the estimated wait, the
check-in window, and the queue's refusals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.stats import QueueDayStats, Spread
from booking.calendar.schedule import zone, zone_abbrev
from booking.core.errors import (
    AlreadyCheckedIn,
    AlreadyInQueue,
    AlreadyRequeued,
    ArrivalTokenInvalid,
    BookingError,
    CallsLeft,
    CheckInClosed,
    CheckInNotOpenYet,
    CounterNotOpen,
    InvalidCounterCount,
    MaxCallsReached,
    NoAppointmentToday,
    TicketNotCalled,
    TicketNotMissed,
    WalkInQuotaFull,
)
from booking.core.kinds import QueueStatus
from booking.queue.counters import MAX_COUNTERS
from booking.queue.views import TicketState, TicketView, number_label


def wait_text(wait: timedelta) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    return ngettext("about {n} minute", "about {n} minutes", minutes).format(n=minutes)


def local_time(moment: datetime, timezone: str) -> str:
    """HH:MM in the office's zone, with WIB/WITA/WIT."""
    return f"{moment.astimezone(zone(timezone)):%H:%M} {zone_abbrev(timezone, moment)}"


def ticket_name(ticket: TicketView, names: Mapping[str, str]) -> str:
    """Whose ticket it is: the member's name by booking code, else nothing."""
    code = ticket.appointment_code
    return names.get(code, code) if code else ""


def queue_lines(states: Sequence[TicketState], names: Mapping[str, str]) -> list[str]:
    """The account's place in the queue: each member's number, then the number now
    served, how many are ahead of the first of them, and the estimated wait."""
    if not states:
        return []
    lines = []
    for s in states:
        name = ticket_name(s.ticket, names)
        label = s.ticket.label
        if s.ticket.status is QueueStatus.CALLED:
            line = _("🔔 Number {number}: called, please go to {counter}").format(
                number=label, counter=s.ticket.counter_name or "–"
            )
        elif s.ticket.status is QueueStatus.SERVED:
            line = _("✅ Number {number}: served").format(number=label)
        elif s.ticket.status is QueueStatus.MISSED:
            line = _("⚠️ Number {number}: missed (called {n} times)").format(
                number=label, n=s.ticket.call_count
            )
        else:
            line = _("🎫 Queue number {number}").format(number=label)
        lines.append(f"{line} · {name}" if name else line)
    waiting = [s for s in states if s.ticket.status is QueueStatus.WAITING]
    first = min(waiting, key=lambda s: s.ahead) if waiting else states[0]
    lines.append(_("Now serving: {number}").format(number=first.now_serving or "–"))
    if waiting:
        lines.append(
            ngettext("{n} person ahead of you", "{n} people ahead of you", first.ahead).format(
                n=first.ahead
            )
        )
        lines.append(_("Estimated wait: {wait}").format(wait=wait_text(first.estimated_wait)))
    return lines


def spread_text(s: Spread | None) -> str:
    """A median and a 90th percentile, in minutes; "–" without any."""
    if s is None:
        return "–"
    return _("median {median}, p90 {p90}").format(median=minutes(s.median), p90=minutes(s.p90))


def minutes(d: timedelta) -> str:
    return _("{n} min").format(n=round(d.total_seconds() / 60))


def queue_figures(days: Sequence[QueueDayStats], day_text: Callable[[date], str]) -> list[str]:
    """The admin's statistics of the queue, per day: people in it, the wait from
    check-in to the call and the service from the call to done, walk-ins served and
    people missed."""
    if not days:
        return [_("No queue at the office in this period.")]
    return [
        _(
            "{day}: {n} in the queue · waited {waiting} · served in {service} · "
            "{walk_ins} walk-ins served · {missed} missed"
        ).format(
            day=day_text(d.day),
            n=d.tickets,
            waiting=spread_text(d.waiting),
            service=spread_text(d.service),
            walk_ins=d.walk_ins_served,
            missed=d.missed,
        )
        for d in days
    ]


def no_need_to_stay() -> str:
    return _(
        "You need not stay in the hall: your place in the queue and the call come to this "
        "chat. We tell you when your turn is near."
    )


def status_name(status: str) -> str:
    """A ticket's state, as staff read it."""
    names = {
        QueueStatus.WAITING: _("waiting"),
        QueueStatus.CALLED: _("at a counter"),
        QueueStatus.SERVED: _("served"),
        QueueStatus.MISSED: _("not here"),
    }
    return names.get(QueueStatus(status), status)


# The queue's refusals, by error class; the texts are made when shown (in the
# user's language).
QUEUE_REFUSALS: dict[type[BookingError], Callable[[Any], str]] = {
    ArrivalTokenInvalid: lambda e: _(
        "This arrival code is not valid today: it changes every day. Please scan the "
        "QR code on the poster at the office entrance again."
    ),
    CheckInNotOpenYet: lambda e: _("Check-in is not open yet."),
    CheckInClosed: lambda e: _("Check-in for your session has closed: its time is over."),
    NoAppointmentToday: lambda e: _("You have no appointment at this office today."),
    AlreadyCheckedIn: lambda e: _("You are already checked in."),
    AlreadyInQueue: lambda e: _(
        "That person is already in today's queue, with number {number}."
    ).format(number=number_label(e.number)),
    WalkInQuotaFull: lambda e: _(
        "Today's quota for priority service without an appointment is used up. "
        "Please book an appointment with /book."
    ),
    MaxCallsReached: lambda e: _(
        "Number {number} has been called the most times allowed ({max}): mark it as not here."
    ).format(number=number_label(e.number), max=e.max_calls),
    CallsLeft: lambda e: _(
        "Number {number} has been called {calls} of {max} times: call it again first."
    ).format(number=number_label(e.number), calls=e.calls, max=e.max_calls),
    TicketNotCalled: lambda e: _("Number {number} is not at a counter now: it is {status}.").format(
        number=number_label(e.number), status=status_name(e.status)
    ),
    TicketNotMissed: lambda e: _(
        "Number {number} is not marked as not here: it is {status}."
    ).format(number=number_label(e.number), status=status_name(e.status)),
    AlreadyRequeued: lambda e: _(
        "Number {number} was put back in the queue once already; it cannot be again."
    ).format(number=number_label(e.number)),
    CounterNotOpen: lambda e: _("That counter is not open: open it first."),
    InvalidCounterCount: lambda e: _("Please type a whole number from 0 to {max}, e.g. 4.").format(
        max=MAX_COUNTERS
    ),
}


def queue_error(exc: BookingError) -> str | None:
    """The text of a queue refusal, or None when ``exc`` is not one of them."""
    for kind, text in QUEUE_REFUSALS.items():
        if isinstance(exc, kind):
            return text(exc)
    return None
