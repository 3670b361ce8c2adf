"""The draws of draw-mode releases: created when a release's request window
opens (with the seed's hash), and what they look like to the chat.

A release of a draw-mode office is drawn unless its request window opened before
the office switched to draw mode (``Office.release_mode_since``): such a release
stays first-come. The days a release opens are the release horizon's extension at
its moment (``booking.calendar.schedule.release_horizon``), less closed days,
holidays and days without sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.calendar.release import days_between, horizon_at
from booking.calendar.schedule import last_release, national_holiday, next_release, sessions_on
from booking.core.context import Domain
from booking.core.kinds import DrawStatus, ReleaseMode, RequestStatus
from booking.db.models import Closure, Draw, DrawRequest, Office
from booking.draw.seeds import seed_hash, seed_of
from booking.offices.lookup import office_by_id, session_rules

ONE_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class DrawView:
    """A draw-mode release: the days and sessions it opens, its window and seed hash
    (``seed`` once drawn), and how many requests it has (not withdrawn)."""

    id: int
    office_id: int
    release_at: datetime  # UTC; the draw runs then
    requests_open_at: datetime
    requests_close_at: datetime  # = release_at
    days: tuple[date, ...]
    sessions: dict[date, tuple[str, ...]]  # each day's session labels, in time order
    seed_hash: str
    status: DrawStatus
    requests: int = 0
    seed: str | None = None


def request_window(office: Office) -> timedelta:
    return timedelta(hours=office.request_window_hours)


def is_drawn_release(office: Office, release_at: datetime) -> bool:
    """Whether the office's release at ``release_at`` is a draw (see the module doc)."""
    if office.release_mode != ReleaseMode.DRAW or office.release_mode_since is None:
        return False
    return release_at - request_window(office) >= office.release_mode_since


def release_days(office: Office, release_at: datetime) -> tuple[date, date] | None:
    """The first and last date the release at ``release_at`` opens: the release
    horizon's extension at that moment (None: the rule has no release by then)."""
    last = horizon_at(office, release_at)
    if last is None:
        return None
    before = horizon_at(office, release_at - ONE_TICK)
    return (before + timedelta(days=1) if before is not None else last), last


async def release_sessions(session: AsyncSession, draw: Draw) -> dict[date, tuple[str, ...]]:
    """The days the draw's release opens, each with its session labels: its dates
    less closed days, holidays and days without sessions."""
    closed = set(
        await session.exec(
            select(col(Closure.day)).where(
                Closure.office_id == draw.office_id,
                col(Closure.day) >= draw.first_day,
                col(Closure.day) <= draw.last_day,
            )
        )
    )
    rules = await session_rules(session, draw.office_id)
    days: dict[date, tuple[str, ...]] = {}
    for day in days_between(draw.first_day, draw.last_day):
        labels = tuple(r.label for r in sessions_on(rules, day))
        if labels and day not in closed and not national_holiday(day):
            days[day] = labels
    return days


async def draw_view(session: AsyncSession, draw: Draw) -> DrawView:
    assert draw.id is not None
    sessions = await release_sessions(session, draw)
    count = await session.scalar(
        select(func.count())
        .select_from(DrawRequest)
        .where(DrawRequest.draw_id == draw.id, DrawRequest.status != RequestStatus.WITHDRAWN)
    )
    return DrawView(
        id=draw.id,
        office_id=draw.office_id,
        release_at=draw.release_at,
        requests_open_at=draw.requests_open_at,
        requests_close_at=draw.release_at,
        days=tuple(sessions),
        sessions=sessions,
        seed_hash=draw.seed_hash,
        status=DrawStatus(draw.status),
        requests=int(count or 0),
        seed=draw.seed,
    )


async def open_draw_row(session: AsyncSession, office_id: int, now: datetime) -> Draw | None:
    """The office's draw taking requests at ``now``, if any."""
    return (
        await session.exec(
            select(Draw).where(
                Draw.office_id == office_id,
                Draw.status == DrawStatus.OPEN,
                col(Draw.requests_open_at) <= now,
                col(Draw.release_at) > now,
            )
        )
    ).first()


async def open_draw(ctx: Domain, office_id: int) -> DrawView | None:
    """The release of the office whose request window is open now, if any."""
    async with ctx.db.reader() as session:
        await office_by_id(session, office_id)
        draw = await open_draw_row(session, office_id, ctx.now())
        return None if draw is None else await draw_view(session, draw)


async def draw_status(ctx: Domain, office_id: int, limit: int = 10) -> list[DrawView]:
    """The office's latest draws, newest first (for admins: counts, seed hash, seed)."""
    async with ctx.db.reader() as session:
        await office_by_id(session, office_id)
        draws = await session.exec(
            select(Draw)
            .where(Draw.office_id == office_id)
            .order_by(col(Draw.release_at).desc())
            .limit(limit)
        )
        return [await draw_view(session, d) for d in draws]


def _due_releases(office: Office, now: datetime) -> list[datetime]:
    """The office's release moments that need a draw row now: the next one once its
    window is open, and the last one passed (its draw runs at once if the jobs
    loop missed its whole window)."""
    due = []
    upcoming = next_release(office.release_rule, office.timezone, now)
    if upcoming is not None and upcoming - request_window(office) <= now:
        due.append(upcoming)
    passed = last_release(office.release_rule, office.timezone, now)
    if passed is not None:
        due.append(passed)
    return [m for m in due if is_drawn_release(office, m) and release_days(office, m)]


def _insert_draw(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(Draw).on_conflict_do_nothing(index_elements=["office_id", "release_at"])


async def open_windows(ctx: Domain) -> int:
    """Create the draw rows of every draw-mode release whose window is open (once,
    whichever instance comes first); returns how many were created."""
    now = ctx.now()
    async with ctx.db.reader() as session:
        offices: Sequence[Office] = list(
            await session.exec(
                select(Office).where(
                    col(Office.active).is_(True), Office.release_mode == ReleaseMode.DRAW
                )
            )
        )
    wanted = [(office, moment) for office in offices for moment in _due_releases(office, now)]
    if not wanted:
        return 0
    key = ctx.settings.draw_key()

    async def tx(session: AsyncSession) -> int:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        created = 0
        for office, moment in wanted:
            assert office.id is not None
            days = release_days(office, moment)
            assert days is not None
            values = {
                "first_day": days[0],
                "last_day": days[1],
                "office_id": office.id,
                "release_at": moment,
                "requests_open_at": moment - request_window(office),
                "status": DrawStatus.OPEN.value,
                "seed_hash": seed_hash(seed_of(key, office.id, moment)),
                "created_at": now,
            }
            result = await session.exec(_insert_draw(dialect).values(**values))
            if result.rowcount == 1:
                created += 1
                record(
                    session,
                    now,
                    actor="draw",
                    action="draw_window_opened",
                    office_id=office.id,
                    after={
                        k: str(values[k]) for k in ("release_at", "requests_open_at", "seed_hash")
                    },
                )
        return created

    return await ctx.db.transact(tx)
