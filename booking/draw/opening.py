"""When a date that is not released yet (🔒) opens, and each office's release rule
in words the chat can put together (the FAQ "Kapan kuota dibuka?")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from booking.calendar.release import released_until
from booking.calendar.schedule import local_now, next_release, to_utc, zone_abbrev
from booking.core.context import Domain
from booking.core.kinds import ReleaseMode
from booking.db.models import Office
from booking.draw.windows import ONE_TICK, is_drawn_release, request_window
from booking.offices.lookup import office_by_id


@dataclass(frozen=True)
class Opening:
    """The release that opens a date: its moment (UTC), when its requests open (a
    draw), and how its seats are handed out."""

    release_at: datetime
    requests_open_at: datetime | None
    mode: ReleaseMode


def opening_at(office: Office, release_at: datetime) -> Opening:
    if is_drawn_release(office, release_at):
        return Opening(release_at, release_at - request_window(office), ReleaseMode.DRAW)
    return Opening(release_at, None, ReleaseMode.FIRST_COME)


async def opening_of(ctx: Domain, office_id: int, day: date) -> Opening | None:
    """The release that opens ``day``, for a day not released yet; None for a day
    released already, past, or that no release moment of the rule reaches. (A
    draw-mode day whose release moment has passed but whose draw has not run yet
    gives that release: it opens at the draw.)"""
    now = ctx.now()
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        released = await released_until(session, office, now)
    if day < local_now(now, office.timezone).date() or (released is not None and day <= released):
        return None
    # The first release moment on or after the day that is window_days before ``day``.
    earliest = to_utc(day - timedelta(days=office.release_window_days), time.min, office.timezone)
    moment = next_release(office.release_rule, office.timezone, earliest - ONE_TICK)
    return None if moment is None else opening_at(office, moment)


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class ReleaseRule:
    """An office's release rule: at ``at`` (office-local, ``zone``) every day, or on
    ``weekdays`` (0 = Monday), the dates up to ``window_days`` ahead open; in draw
    mode requests are taken for ``request_window_hours`` before. ``next_opening``:
    the next release."""

    office_id: int
    office_code: str
    office_name: str
    mode: ReleaseMode
    at: time | None  # None: the rule has no single time of day
    weekdays: tuple[int, ...] | None  # None: every day
    window_days: int
    request_window_hours: int
    zone: str
    next_opening: Opening | None


async def release_rule_text(ctx: Domain, office_id: int) -> ReleaseRule:
    """What the FAQ answer needs to state the office's real rule (the bot words it)."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
    assert office.id is not None
    parts = dict(p.split("=", 1) for p in office.release_rule.upper().split(";") if "=" in p)
    hours, minutes = parts.get("BYHOUR", "").split(","), parts.get("BYMINUTE", "0").split(",")
    at = (
        time(int(hours[0]), int(minutes[0]))
        if len(hours) == 1 == len(minutes) and hours[0]
        else None
    )
    days = parts.get("BYDAY")
    weekdays = None if not days else tuple(sorted(WEEKDAYS.index(d[-2:]) for d in days.split(",")))
    upcoming = next_release(office.release_rule, office.timezone, ctx.now())
    return ReleaseRule(
        office_id=office.id,
        office_code=office.code,
        office_name=office.name,
        mode=ReleaseMode(office.release_mode),
        at=at,
        weekdays=weekdays,
        window_days=office.release_window_days,
        request_window_hours=office.request_window_hours,
        zone=zone_abbrev(office.timezone),
        next_opening=None if upcoming is None else opening_at(office, upcoming),
    )
