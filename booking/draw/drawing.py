"""Running a draw at its release moment, in one transaction:

1. claim it: ``UPDATE draw SET status = 'drawn', seed = ... WHERE status = 'open'``
   (another instance running the same draw waits on the row and then finds it
   drawn, or, if this one crashed, draws it again itself);
2. materialize the release's slots (``booking.calendar.release.materialize_slots``,
   the release job's own code) and record the seats each session has;
3. in drawn order (``booking.draw.seeds.drawn_order``), give each request the
   session of ``booking.draw.assignment.first_fit`` through the booking path of
   ``booking.appointments.writes`` (the seat rule decides), its confirmation
   (code, a QR per member, .ics: the template args say ``source: draw``) and
   reminders; a request that fits nowhere goes to the waitlist for its choices
   and gets a ``draw_lost`` message; a request whose account or member holds an
   active appointment by now is dropped (not booked, not waitlisted);
4. audit it.

A crash anywhere rolls everything back: the next run draws again, identically
(the seed and the order are deterministic), so nobody is assigned twice. Seats
left afterwards are first-come.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.appointments.views import GroupView
from booking.appointments.writes import BookingRequest, MemberChoice, book_in
from booking.calendar.release import materialize_slots
from booking.calendar.seats import GroupShape, accepts_bookings, seats_left_by_pool
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyBooked,
    ApplicantNotFound,
    BookingError,
    MemberNotFound,
    PriorityNotEligible,
)
from booking.core.kinds import DrawStatus, QuotaPool, RequestStatus
from booking.db.batching import RequestTx
from booking.db.models import Applicant, Draw, DrawRequest, DrawRequestMember, Office, Slot
from booking.draw.assignment import DrawSession, first_fit, seats_left, take
from booking.draw.requests import Choice, stored_member
from booking.draw.seeds import drawn_order, seed_hash, seed_of
from booking.draw.waitlisting import wish_of
from booking.draw.windows import open_windows, release_sessions
from booking.notify.confirmations import CONFIRMATION_KINDS
from booking.notify.outbox import enqueue
from booking.offices.lookup import office_by_id
from booking.waitlist.entries import join_waitlist_in

log = logging.getLogger(__name__)

DRAW_TABLE = Draw.__table__  # type: ignore[attr-defined]
DRAW_LOST = "draw_lost"
# Refusals of the booking path that belong to the request itself: it is dropped.
_REQUEST_REFUSED = (AlreadyBooked, ApplicantNotFound, MemberNotFound, PriorityNotEligible)


@dataclass(frozen=True)
class DrawOutcome:
    draw_id: int
    requests: int
    won: int
    waitlisted: int
    lost: int
    dropped: int


@dataclass(frozen=True)
class _Entry:
    request: DrawRequest
    members: tuple[MemberChoice, ...]
    language: str

    @property
    def shape(self) -> GroupShape:
        return GroupShape.of([m.priority for m in self.members])

    @property
    def choices(self) -> list[Choice]:
        return [Choice.of(c) for c in self.request.choices]


def _from_draw(row: dict[str, Any]) -> dict[str, Any]:
    """A confirmation row of a draw's booking: says so, and goes to the sender at
    once (no chat handler is waiting to send it)."""
    if row.get("kind") not in CONFIRMATION_KINDS:
        return row
    return row | {
        "args": {**(row.get("args") or {}), "source": "draw"},
        "lease_owner": None,
        "lease_until": None,
    }


def _booking_in(session: Session, ctx: Domain, request: BookingRequest) -> GroupView:
    """Book a request's group in the draw's transaction (its own savepoint)."""
    conn = session.connection()
    tx = RequestTx(conn)
    try:
        group = book_in(tx, ctx, request)
    except Exception:
        if tx.savepoint is not None:
            tx.savepoint.rollback()
        raise
    if tx.savepoint is not None:
        tx.savepoint.commit()
    for statement, rows in tx.at_commit:
        conn.execute(statement, [_from_draw(r) for r in rows])
    return group


async def release_seats(
    session: AsyncSession, draw: Draw, not_before: datetime
) -> list[DrawSession]:
    """The bookable sessions of the release's days, in time order, with their seats left."""
    days = list(await release_sessions(session, draw))
    slots = await session.exec(
        select(Slot)
        .where(Slot.office_id == draw.office_id, col(Slot.day).in_(days))
        .order_by(col(Slot.start_utc))
    )
    sessions = []
    for slot in slots:
        assert slot.id is not None
        if accepts_bookings(slot.is_open, slot.start_utc, not_before):
            left = seats_left_by_pool(slot)
            sessions.append(
                DrawSession(
                    slot.id, slot.day, slot.label, left[QuotaPool.REGULAR], left[QuotaPool.PRIORITY]
                )
            )
    return sessions


async def _entries(session: AsyncSession, draw_id: int) -> dict[int, _Entry]:
    requests = list(
        await session.exec(
            select(DrawRequest).where(
                DrawRequest.draw_id == draw_id, DrawRequest.status == RequestStatus.PENDING
            )
        )
    )
    members: dict[int, list[MemberChoice]] = {}
    for m in await session.exec(
        select(DrawRequestMember)
        .where(DrawRequestMember.draw_id == draw_id, col(DrawRequestMember.withdrawn).is_(False))
        .order_by(col(DrawRequestMember.id))
    ):
        members.setdefault(m.request_id, []).append(stored_member(m))
    languages = dict(
        (
            await session.exec(
                select(Applicant.id, Applicant.language).where(
                    col(Applicant.id).in_([r.applicant_id for r in requests])
                )
            )
        ).all()
    )
    return {
        r.id: _Entry(r, tuple(members.get(r.id, [])), languages.get(r.applicant_id, "id"))
        for r in requests
        if r.id is not None
    }


async def _claim(session: AsyncSession, draw: Draw, seed: str, now: datetime) -> bool:
    claimed = await session.exec(
        update(DRAW_TABLE)
        .where(DRAW_TABLE.c.id == draw.id, DRAW_TABLE.c.status == DrawStatus.OPEN.value)
        .values(status=DrawStatus.DRAWN.value, seed=seed, drawn_at=now)
    )
    return bool(claimed.rowcount == 1)


async def _lose(
    session: AsyncSession,
    ctx: Domain,
    office: Office,
    entry: _Entry,
    days: Sequence[Any],
    now: datetime,
) -> RequestStatus:
    """Put a request that fits nowhere on the waitlist, and tell its account: it is
    ``WAITLISTED`` with its position, or ``LOST`` when no entry can be made for it
    (its account or a member waits already), or ``DROPPED`` when a member holds an
    active appointment by now (``join_waitlist_in`` checks it)."""
    request = entry.request
    try:
        async with session.begin_nested():
            place = await join_waitlist_in(
                session,
                ctx,
                telegram_id=request.telegram_id,
                office_id=office.id or 0,
                members=entry.members,
                wish=wish_of(entry.choices, days),
            )
    except ActiveAppointmentExists:
        return RequestStatus.DROPPED
    except BookingError:  # waiting already (at another office, or in another entry)
        place = None
    await enqueue(
        session,
        recipient=request.telegram_id,
        kind=DRAW_LOST,
        template=DRAW_LOST,
        args={
            "office": office.name,
            "office_code": office.code,
            "office_id": office.id,
            "timezone": office.timezone,
            "position": None if place is None else place.position,
            "request_id": request.id,
        },
        language=entry.language,
        dedupe_key=f"draw_request:{request.id}:{DRAW_LOST}",
        due_at=now,
        now=now,
        office_id=office.id,
    )
    return RequestStatus.LOST if place is None else RequestStatus.WAITLISTED


async def run_draw(
    ctx: Domain, draw_id: int, *, between_assignments: Callable[[], None] | None = None
) -> DrawOutcome | None:
    """Draw one release (see the module doc); None when another run drew it.

    ``between_assignments`` is called before each request's turn (tests use it to
    kill a draw halfway)."""
    key = ctx.settings.draw_key()

    async def tx(session: AsyncSession) -> DrawOutcome | None:
        now = ctx.now()
        draw = await session.get(Draw, draw_id)
        if draw is None or draw.status != DrawStatus.OPEN:
            return None
        seed = seed_of(key, draw.office_id, draw.release_at)
        if seed_hash(seed) != draw.seed_hash:
            raise RuntimeError(
                "DRAW_SECRET differs from the one this draw's seed hash was made with"
            )
        if not await _claim(session, draw, seed, now):
            return None
        office = await office_by_id(session, draw.office_id)
        await materialize_slots(session, office, now, draw.last_day)
        await session.flush()
        sessions = await release_seats(session, draw, now + ctx.cutoff)
        days = sorted({s.day for s in sessions})
        left = seats_left(sessions)
        entries = await _entries(session, draw_id)
        counts = dict.fromkeys(RequestStatus, 0)
        for position, request_id in enumerate(drawn_order(seed, entries), start=1):
            if between_assignments is not None:
                between_assignments()
            entry = entries[request_id]
            request = entry.request
            request.position = position
            fit = first_fit(entry.choices, entry.shape, sessions, left)
            if fit is None:
                request.status = await _lose(session, ctx, office, entry, days, now)
            else:
                booking = BookingRequest(request.telegram_id, fit.slot_id, entry.members)
                try:
                    group = await session.run_sync(_booking_in, ctx, booking)
                except _REQUEST_REFUSED:
                    request.status = RequestStatus.DROPPED
                else:
                    take(left, fit.slot_id, entry.shape)
                    request.status = RequestStatus.WON
                    request.slot_id, request.group_id = fit.slot_id, group.id
            request.updated_at = now
            session.add(request)
            counts[RequestStatus(request.status)] += 1
        await session.exec(
            update(DRAW_TABLE)
            .where(DRAW_TABLE.c.id == draw_id)
            .values(inputs={"sessions": [s.stored() for s in sessions]})
        )
        outcome = DrawOutcome(
            draw_id,
            len(entries),
            counts[RequestStatus.WON],
            counts[RequestStatus.WAITLISTED],
            counts[RequestStatus.LOST],
            counts[RequestStatus.DROPPED],
        )
        record(
            session,
            now,
            actor="draw",
            action="draw",
            office_id=office.id,
            after={
                "draw": draw_id,
                "release_at": draw.release_at.isoformat(),
                "seed": seed,
                "seed_hash": draw.seed_hash,
                **{k: v for k, v in outcome.__dict__.items() if k != "draw_id"},
            },
        )
        return outcome

    return await ctx.db.transact(tx)


async def run_due_draws(
    ctx: Domain, *, between_assignments: Callable[[], None] | None = None
) -> list[DrawOutcome]:
    """Draw every release whose moment has come (safe from several instances)."""
    async with ctx.db.reader() as session:
        due = list(
            await session.exec(
                select(Draw.id)
                .where(Draw.status == DrawStatus.OPEN, col(Draw.release_at) <= ctx.now())
                .order_by(col(Draw.release_at))
            )
        )
    outcomes = []
    for draw_id in due:
        assert draw_id is not None
        outcome = await run_draw(ctx, draw_id, between_assignments=between_assignments)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def run_release_draws(ctx: Domain) -> list[DrawOutcome]:
    """The jobs loop's duty: open the request windows due, then draw the releases due."""
    opened = await open_windows(ctx)
    if opened:
        log.info("opened the request windows of %d releases", opened)
    drawn = await run_due_draws(ctx)
    for outcome in drawn:
        log.info("drew %s", outcome)
    return drawn
