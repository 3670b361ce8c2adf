"""Requests of a draw-mode release: an account's group with up to three ranked
choices, taken while the release's request window is open.

The limits are the database's: one request per account and one per NIK per
release (partial unique indexes over requests not withdrawn), and no NIK that
holds an active appointment anywhere (checked in the insert's transaction, and
again at the draw). The group is validated as ``book_group`` validates it:
size, people of the account, priority eligibility (on every day the choices may
land on). Every request, change and withdrawal is in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.appointments.groups import check_members
from booking.appointments.priority import check_person_priority
from booking.appointments.writes import MemberChoice
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyRequested,
    ApplicantNotFound,
    ChoiceNotInRelease,
    MemberNotFound,
    RequestNotFound,
    RequestWindowClosed,
    TooManyChoices,
)
from booking.core.kinds import ACTIVE_STATUSES, PriorityReason, RequestStatus, ServiceType
from booking.db.models import (
    Applicant,
    Appointment,
    Draw,
    DrawRequest,
    DrawRequestMember,
    Person,
    Slot,
)
from booking.draw.windows import DrawView, draw_view, open_draw_row
from booking.people.members import _account

MAX_CHOICES = 3


@dataclass(frozen=True)
class Choice:
    """A date and session, a date and any session (``slot_label`` None), or the
    earliest date of the release with a fitting session (both None)."""

    day: date | None
    slot_label: str | None = None

    def stored(self) -> list[str | None]:
        return [self.day.isoformat() if self.day else None, self.slot_label]

    @classmethod
    def of(cls, stored: Sequence[Any]) -> Choice:
        day, label = stored
        return cls(date.fromisoformat(day) if day else None, label)


def stored_member(member: DrawRequestMember) -> MemberChoice:
    """A request's member as the booking path takes it: by person id (the holder
    too, so that a group with its holder is booked as a group)."""
    priority = None if member.priority is None else PriorityReason(member.priority)
    return MemberChoice(member.person_id, ServiceType(member.service), priority)


@dataclass(frozen=True)
class RequestMember:
    member_id: int | None  # None: the account's holder
    full_name: str
    nik_masked: str
    service: str
    priority: str | None


@dataclass(frozen=True)
class RequestView:
    id: int
    draw: DrawView
    members: tuple[RequestMember, ...]
    choices: tuple[Choice, ...]
    status: RequestStatus
    draw_at: datetime  # = the release moment
    seed_hash: str
    position: int | None = None  # in the drawn order, once drawn
    group_id: int | None = None  # the booking, when won


def check_choices(choices: Sequence[Choice], sessions: dict[date, tuple[str, ...]]) -> list[date]:
    """``TooManyChoices`` or ``ChoiceNotInRelease``; returns the days the choices
    may land on."""
    if not 1 <= len(choices) <= MAX_CHOICES:
        raise TooManyChoices(len(choices), MAX_CHOICES)
    days: set[date] = set()
    for choice in choices:
        if choice.day is None:
            if choice.slot_label is not None:
                raise ChoiceNotInRelease(None, choice.slot_label)
            days.update(sessions)
        elif choice.day not in sessions or (
            choice.slot_label is not None and choice.slot_label not in sessions[choice.day]
        ):
            raise ChoiceNotInRelease(choice.day, choice.slot_label)
        else:
            days.add(choice.day)
    return sorted(days)


async def _people(
    session: AsyncSession, applicant: Applicant, members: Sequence[MemberChoice]
) -> list[Person]:
    """Each member's person, in order (``MemberNotFound`` for another account's)."""
    people = []
    for member in members:
        where = (
            Person.nik_hash == applicant.nik_hash
            if member.member_id is None
            else Person.id == member.member_id
        )
        person = (
            await session.exec(select(Person).where(Person.applicant_id == applicant.id, where))
        ).first()
        if person is None:
            if member.member_id is None:
                raise ApplicantNotFound(applicant.telegram_id)
            raise MemberNotFound(member.member_id)
        people.append(person)
    return people


async def check_no_active_appointment(
    session: AsyncSession, people: Sequence[tuple[int | None, Person]], now: datetime
) -> None:
    """``ActiveAppointmentExists`` for the first person (member id, person) whose NIK
    holds an appointment that is active and not over."""
    by_nik = {person.nik_hash: (member_id, person) for member_id, person in people}
    held = (
        await session.exec(
            select(Appointment)
            .join(Slot, col(Slot.id) == Appointment.slot_id)
            .where(
                col(Appointment.nik_hash).in_(list(by_nik)),
                col(Appointment.status).in_(ACTIVE_STATUSES),
                col(Slot.end_utc) > now,
            )
        )
    ).first()
    if held is not None:
        member_id, person = by_nik[held.nik_hash]
        raise ActiveAppointmentExists(member_id, person.full_name, held.code)


async def _check_not_requested(
    session: AsyncSession,
    draw_id: int,
    telegram_id: int,
    people: Sequence[tuple[int | None, Person]],
) -> None:
    taken = await session.exec(
        select(DrawRequest.id).where(
            DrawRequest.draw_id == draw_id,
            DrawRequest.telegram_id == telegram_id,
            DrawRequest.status != RequestStatus.WITHDRAWN,
        )
    )
    if taken.first() is not None:
        raise AlreadyRequested("account")
    by_nik = {person.nik_hash: (member_id, person) for member_id, person in people}
    nik = (
        await session.exec(
            select(DrawRequestMember.nik_hash).where(
                DrawRequestMember.draw_id == draw_id,
                col(DrawRequestMember.nik_hash).in_(list(by_nik)),
                col(DrawRequestMember.withdrawn).is_(False),
            )
        )
    ).first()
    if nik is not None:
        member_id, person = by_nik[nik]
        raise AlreadyRequested("nik", member_id, person.full_name)


def _check_priorities(
    members: Sequence[MemberChoice], people: Sequence[Person], days: Sequence[date]
) -> None:
    for member, person in zip(members, people, strict=True):
        if member.priority is not None:
            for day in days:
                check_person_priority(member.priority, person, day)


async def request_view(
    session: AsyncSession, request: DrawRequest, view: DrawView | None = None
) -> RequestView:
    assert request.id is not None
    draw = await session.get(Draw, request.draw_id)
    assert draw is not None
    view = view or await draw_view(session, draw)
    rows = await session.exec(
        select(DrawRequestMember, Person)
        .join(Person, col(Person.id) == DrawRequestMember.person_id)
        .where(DrawRequestMember.request_id == request.id)
        .order_by(col(DrawRequestMember.id))
    )
    members = tuple(
        RequestMember(m.member_id, p.full_name, p.nik_masked, m.service, m.priority)
        for m, p in rows
    )
    return RequestView(
        id=request.id,
        draw=view,
        members=members,
        choices=tuple(Choice.of(c) for c in request.choices),
        status=RequestStatus(request.status),
        draw_at=draw.release_at,
        seed_hash=draw.seed_hash,
        position=request.position,
        group_id=request.group_id,
    )


def _audit(
    session: AsyncSession, now: datetime, request: DrawRequest, action: str, office_id: int
) -> None:
    record(
        session,
        now,
        actor=f"telegram:{request.telegram_id}",
        action=action,
        office_id=office_id,
        after={
            "request": request.id,
            "draw": request.draw_id,
            "choices": request.choices,
            "status": RequestStatus(request.status).value,
        },
    )


async def submit_request(
    ctx: Domain,
    *,
    telegram_id: int,
    office_id: int,
    members: Sequence[MemberChoice],
    choices: Sequence[Choice],
) -> RequestView:
    """Request the office's open release for a group (see the module doc).

    Refusals: ``RequestWindowClosed``, ``TooManyChoices``, ``ChoiceNotInRelease``,
    ``AlreadyRequested`` (by account, or by a member's NIK), ``ActiveAppointmentExists``,
    and the group errors of ``book_group`` (``EmptyGroup``, ``GroupTooLarge``,
    ``DuplicateMember``, ``MemberNotFound``, ``PriorityNotEligible``)."""
    check_members(ctx, members)
    if not 1 <= len(choices) <= MAX_CHOICES:
        raise TooManyChoices(len(choices), MAX_CHOICES)

    async def tx(session: AsyncSession) -> RequestView:
        now = ctx.now()
        draw = await open_draw_row(session, office_id, now)
        if draw is None:
            raise RequestWindowClosed(office_id)
        assert draw.id is not None
        view = await draw_view(session, draw)
        days = check_choices(choices, view.sessions)
        applicant = await _account(session, telegram_id)
        people = await _people(session, applicant, members)
        _check_priorities(members, people, days)
        named = [(m.member_id, p) for m, p in zip(members, people, strict=True)]
        await check_no_active_appointment(session, named, now)
        await _check_not_requested(session, draw.id, telegram_id, named)
        assert applicant.id is not None
        request = DrawRequest(
            draw_id=draw.id,
            telegram_id=telegram_id,
            applicant_id=applicant.id,
            status=RequestStatus.PENDING,
            choices=[c.stored() for c in choices],
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        await session.flush()
        assert request.id is not None
        for member, person in zip(members, people, strict=True):
            assert person.id is not None
            session.add(
                DrawRequestMember(
                    request_id=request.id,
                    draw_id=draw.id,
                    person_id=person.id,
                    member_id=member.member_id,
                    nik_hash=person.nik_hash,
                    service=member.service,
                    priority=member.priority,
                )
            )
        await session.flush()
        _audit(session, now, request, "draw_request", office_id)
        return await request_view(session, request, replace(view, requests=view.requests + 1))

    return await ctx.db.transact(tx)


async def _owned_open(
    session: AsyncSession, telegram_id: int, request_id: int, now: datetime
) -> tuple[DrawRequest, Draw]:
    """The account's request, while its draw takes requests."""
    request = await session.get(DrawRequest, request_id)
    if request is None or request.telegram_id != telegram_id:
        raise RequestNotFound(request_id)
    draw = await session.get(Draw, request.draw_id)
    assert draw is not None
    open_now = await open_draw_row(session, draw.office_id, now)
    if open_now is None or open_now.id != draw.id or request.status != RequestStatus.PENDING:
        raise RequestWindowClosed(draw.office_id)
    return request, draw


async def change_request(
    ctx: Domain, *, telegram_id: int, request_id: int, choices: Sequence[Choice]
) -> RequestView:
    """Replace a pending request's choices until its window closes (``RequestNotFound``,
    ``RequestWindowClosed``, ``TooManyChoices``, ``ChoiceNotInRelease``,
    ``PriorityNotEligible``)."""

    async def tx(session: AsyncSession) -> RequestView:
        now = ctx.now()
        request, draw = await _owned_open(session, telegram_id, request_id, now)
        view = await draw_view(session, draw)
        days = check_choices(choices, view.sessions)
        rows = list(
            await session.exec(
                select(DrawRequestMember, Person)
                .join(Person, col(Person.id) == DrawRequestMember.person_id)
                .where(DrawRequestMember.request_id == request_id)
                .order_by(col(DrawRequestMember.id))
            )
        )
        members = [stored_member(m) for m, _ in rows]
        _check_priorities(members, [p for _, p in rows], days)
        request.choices = [c.stored() for c in choices]
        request.updated_at = now
        session.add(request)
        await session.flush()
        _audit(session, now, request, "draw_request_changed", draw.office_id)
        return await request_view(session, request, view)

    return await ctx.db.transact(tx)


async def withdraw_request(ctx: Domain, *, telegram_id: int, request_id: int) -> RequestView:
    """Withdraw a pending request until its window closes (``RequestNotFound``,
    ``RequestWindowClosed``); its account and NIKs may request again."""

    async def tx(session: AsyncSession) -> RequestView:
        now = ctx.now()
        request, draw = await _owned_open(session, telegram_id, request_id, now)
        request.status = RequestStatus.WITHDRAWN
        request.updated_at = now
        session.add(request)
        await session.exec(
            update(DrawRequestMember)
            .where(col(DrawRequestMember.request_id) == request_id)
            .values(withdrawn=True)
        )
        await session.flush()
        _audit(session, now, request, "draw_request_withdrawn", draw.office_id)
        return await request_view(session, request)

    return await ctx.db.transact(tx)


async def requests_of(ctx: Domain, telegram_id: int) -> list[RequestView]:
    """The account's requests, newest first (withdrawn ones too)."""
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(DrawRequest)
            .where(DrawRequest.telegram_id == telegram_id)
            .order_by(col(DrawRequest.id).desc())
        )
        return [await request_view(session, r) for r in rows]
