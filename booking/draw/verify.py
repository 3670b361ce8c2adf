"""Checking a draw from the database: ``python -m booking verify-draw OFFICE RELEASE``.

From the revealed seed and the request rows it recomputes the drawn order, then
re-runs the assignment rule (``booking.draw.assignment``) in memory against the
seats the draw recorded, and compares each request's place and outcome with what
the draw wrote: the request's position, status and session, and the appointments
of its booking group (its members' NIKs, in that session). Requests the draw
dropped (a member holding an active appointment by then) are taken as recorded;
they take no seat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.calendar.schedule import to_utc
from booking.calendar.seats import GroupShape
from booking.core.context import Domain
from booking.core.errors import DrawNotFound
from booking.core.kinds import DrawStatus, RequestStatus
from booking.db.models import Appointment, Draw, DrawRequest, DrawRequestMember, Office
from booking.draw.assignment import DrawSession, first_fit, seats_left, take
from booking.draw.requests import Choice
from booking.draw.seeds import drawn_order, seed_hash, seed_of
from booking.offices.lookup import office_by_code

_NO_SEAT = (RequestStatus.WAITLISTED, RequestStatus.LOST)


@dataclass
class Verification:
    draw_id: int
    release_at: datetime
    requests: int
    problems: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.problems


async def find_draw(session: AsyncSession, office: Office, release: str) -> Draw:
    """The office's draw named by ``release``: its id, the office-local date of its
    release moment, or that moment (ISO 8601; office-local when it has no zone)."""
    where: Any
    if release.isdigit():
        where = Draw.id == int(release)
    else:
        try:
            moment = datetime.fromisoformat(release)
        except ValueError:
            raise DrawNotFound(release) from None
        if len(release) <= len("YYYY-MM-DD"):
            day = date.fromisoformat(release)
            start = to_utc(day, time.min, office.timezone)
            end = to_utc(day, time.max, office.timezone)
            where = col(Draw.release_at).between(start, end)
        else:
            if moment.tzinfo is None:
                moment = to_utc(moment.date(), moment.time(), office.timezone)
            where = Draw.release_at == moment
    draw = (await session.exec(select(Draw).where(Draw.office_id == office.id, where))).first()
    if draw is None:
        raise DrawNotFound(release)
    return draw


async def verify_draw(ctx: Domain, office_code: str, release: str) -> Verification:
    """Recompute the draw and compare (see the module doc)."""
    async with ctx.db.reader() as session:
        office = await office_by_code(session, office_code)
        draw = await find_draw(session, office, release)
        assert draw.id is not None
        requests = list(
            await session.exec(
                select(DrawRequest).where(
                    DrawRequest.draw_id == draw.id, DrawRequest.status != RequestStatus.WITHDRAWN
                )
            )
        )
        members: dict[int, list[DrawRequestMember]] = {}
        for m in await session.exec(
            select(DrawRequestMember)
            .where(
                DrawRequestMember.draw_id == draw.id, col(DrawRequestMember.withdrawn).is_(False)
            )
            .order_by(col(DrawRequestMember.id))
        ):
            members.setdefault(m.request_id, []).append(m)
        groups: dict[int, list[Appointment]] = {}
        group_ids = [r.group_id for r in requests if r.group_id is not None]
        for a in await session.exec(
            select(Appointment).where(col(Appointment.group_id).in_(group_ids))
        ):
            groups.setdefault(a.group_id, []).append(a)
    result = Verification(draw.id, draw.release_at, len(requests))
    problems = result.problems
    if draw.status != DrawStatus.DRAWN or draw.seed is None or draw.inputs is None:
        problems.append(f"draw {draw.id} has not been drawn")
        return result
    if seed_hash(draw.seed) != draw.seed_hash:
        problems.append("the revealed seed does not hash to the published seed hash")
    if draw.seed != seed_of(ctx.settings.draw_key(), draw.office_id, draw.release_at):
        problems.append("the seed is not the one this server's DRAW_SECRET gives")
    sessions = [DrawSession.of(s) for s in draw.inputs["sessions"]]
    left = seats_left(sessions)
    by_id = {r.id: r for r in requests if r.id is not None}
    for position, request_id in enumerate(drawn_order(draw.seed, by_id), start=1):
        request = by_id[request_id]
        assert request.id is not None
        label = f"request {request.id}"
        if request.position != position:
            problems.append(f"{label}: drawn {position}, recorded at {request.position}")
        if request.status == RequestStatus.DROPPED:
            continue
        people = members.get(request.id, [])
        shape = GroupShape.of([m.priority for m in people])
        fit = first_fit([Choice.of(c) for c in request.choices], shape, sessions, left)
        if fit is None:
            if request.status not in _NO_SEAT or request.slot_id is not None:
                problems.append(
                    f"{label}: no session fits, recorded {request.status} {request.slot_id}"
                )
            continue
        take(left, fit.slot_id, shape)
        if request.status != RequestStatus.WON or request.slot_id != fit.slot_id:
            problems.append(
                f"{label}: gets session {fit.slot_id}, recorded {request.status} {request.slot_id}"
            )
            continue
        booked = groups.get(request.group_id or 0, [])
        if sorted((a.nik_hash, a.slot_id) for a in booked) != sorted(
            (m.nik_hash, fit.slot_id) for m in people
        ):
            problems.append(
                f"{label}: booking group {request.group_id} is not its members"
                f" in session {fit.slot_id}"
            )
    return result
