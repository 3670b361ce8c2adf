"""The statements of one booking group, few and cheap, for ``appointments.book``
and ``appointments.groups.book_group``.

A booking runs as a request of the process's ``WriteBatcher`` (see
``booking.db.batching``) in a shared write transaction, its writes inside its own
savepoint: one savepoint per group, whatever its size. These are plain functions
of a synchronous connection, since a whole batch runs in one trip to the database
layer; the statements are Core, built once:

1. one SELECT of the account, its active group, the slot with its office, and
   each person of the request with the active appointment their NIK holds
   anywhere, outside any savepoint. A booking that is refused from it -- a
   group or a member's appointment already held, a member who is not the
   account's, the slot in this transaction unable to seat the whole group by
   the seat rule (``group_fits``: earlier requests of the batch filled it) --
   writes nothing and pays no savepoint;
2. taking every member's seat by the seat rule
   (``booking.calendar.seats.take_group_seats_in``: the conditional UPDATE of
   the slot's counter, per member and pool), which is what decides; when one
   fails, the savepoint rolls back the others: nobody is booked (the group of
   an accepted waitlist offer takes the seats held for it instead:
   ``BookingRequest.held_seats``, ``take_held_group_seats_in``);
3. ``INSERT booking_group ... RETURNING id``, held to one active group per
   account by its partial unique index, then one ``INSERT appointment`` per
   member, held to one active appointment per NIK and one NIK per group;
4. its reminders (once per group, listing the members): one INSERT into the
   outbox for all the bookings of the batch, right before the batch commits.

The view returned is built from what these statements read; nothing is fetched
twice. The rules, their order and the errors are those of the ORM paths of
``booking.appointments.groups`` and ``booking.admin.closures``.

``slot_full_now`` is a read-only answer for a slot this process has seen full: in
one SELECT on a reader connection (no write lock) it says whether this booking
would get ``SlotFull`` from the write path at that moment. It only ever answers
"full", from the database's current counts, so it cannot make a wrong booking;
any other case goes to the write path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, literal_column, select, update
from sqlalchemy.engine import Connection

from booking.appointments.codes import new_booking_code
from booking.appointments.priority import check_person_priority
from booking.appointments.reads import (
    APPOINTMENT,
    GROUP,
    OFFICE,
    PERSON,
    SLOT,
    Read,
    group_views,
    prefixed,
    unprefixed,
)
from booking.appointments.views import GroupView
from booking.calendar.seats import (
    GroupShape,
    accepts_bookings,
    group_fits,
    no_room,
    seats_left_by_pool,
    take_group_seats_in,
    take_held_group_seats_in,
)
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    MemberAlreadyBooked,
    MemberNotFound,
    PriorityNotEligible,
    SlotFull,
    SlotNotFound,
)
from booking.core.kinds import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    GroupStatus,
    Passport,
    PriorityReason,
    QuotaPool,
    ServiceType,
)
from booking.db.batching import RequestTx
from booking.db.models import Applicant, Appointment, BookingGroup, Office, Person, Slot
from booking.notify.confirmations import confirmation_rows
from booking.notify.outbox import insert_new
from booking.notify.reminders import reminder_rows

APPLICANT = Applicant.__table__  # type: ignore[attr-defined]

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


@dataclass(frozen=True)
class MemberChoice:
    """One person of a group to book: a saved person of the account
    (``booking.people.members``; ``None``: the account's holder), their service and
    their priority reason, if any."""

    member_id: int | None
    service: ServiceType
    priority: PriorityReason | None = None
    passport: Passport | None = None  # the passport applied for (its fee); None: not asked


@dataclass(frozen=True)
class BookingRequest:
    telegram_id: int
    slot_id: int
    members: tuple[MemberChoice, ...]
    # The seats (regular, priority) an accepted waitlist offer holds for this group:
    # booked from the held seats (``take_held_group_seats_in``), not the public ones.
    held_seats: tuple[int, int] | None = None

    @property
    def holder_alone(self) -> bool:
        return len(self.members) == 1 and self.members[0].member_id is None

    @property
    def priorities(self) -> list[PriorityReason | None]:
        return [m.priority for m in self.members]


@dataclass(frozen=True)
class _Held:
    """An active appointment or group, with the end of its session."""

    id: int
    slot_id: int
    ends: datetime
    code: str = ""
    group_id: int = 0


@dataclass(frozen=True)
class _Situation:
    """What the first SELECT reads: the account, its active group, the slot, and
    each person of the request (in the request's order) with what their NIK holds."""

    applicant: dict[str, Any]
    group: _Held | None
    slot: Slot | None
    office: Office | None
    people: list[tuple[Person, _Held | None]]


def _active(table: Any) -> Any:
    # Literal values, so that SQLite sees that the partial unique indexes apply.
    return table.c.status.in_([literal_column(f"'{status}'") for status in _ACTIVE])


def _situation_query(holder: bool) -> Any:
    """One row per person of the request (one row with no person when none is
    found): the applicant, the slot and its office, the account's active group,
    and the active appointment the person's NIK holds (at most one each, by the
    partial unique indexes)."""
    group, group_slot = GROUP.alias("held_group"), SLOT.alias("group_slot")
    held, held_slot = APPOINTMENT.alias("held"), SLOT.alias("held_slot")
    who = (
        PERSON.c.nik_hash == APPLICANT.c.nik_hash
        if holder
        else PERSON.c.id.in_(bindparam("members", expanding=True))
    )
    return (
        select(
            *prefixed(APPLICANT, "a_"),
            *prefixed(SLOT, "s_"),
            *prefixed(OFFICE, "o_"),
            *prefixed(PERSON, "p_"),
            group.c.id.label("g_id"),
            group.c.slot_id.label("g_slot_id"),
            group_slot.c.end_utc.label("g_ends"),
            held.c.id.label("h_id"),
            held.c.code.label("h_code"),
            held.c.slot_id.label("h_slot_id"),
            held.c.group_id.label("h_group_id"),
            held_slot.c.end_utc.label("h_ends"),
        )
        .select_from(
            APPLICANT.outerjoin(SLOT, SLOT.c.id == bindparam("target_slot"))
            .outerjoin(OFFICE, OFFICE.c.id == SLOT.c.office_id)
            .outerjoin(
                group,
                and_(
                    group.c.telegram_id == APPLICANT.c.telegram_id,
                    group.c.status == literal_column(f"'{GroupStatus.ACTIVE.value}'"),
                ),
            )
            .outerjoin(group_slot, group_slot.c.id == group.c.slot_id)
            .outerjoin(PERSON, and_(PERSON.c.applicant_id == APPLICANT.c.id, who))
            .outerjoin(held, and_(_active(held), held.c.nik_hash == PERSON.c.nik_hash))
            .outerjoin(held_slot, held_slot.c.id == held.c.slot_id)
        )
        .where(APPLICANT.c.telegram_id == bindparam("account"))
    )


_SITUATION_OF_HOLDER = _situation_query(holder=True)
_SITUATION_OF_MEMBERS = _situation_query(holder=False)


def _situation(read: Read, request: BookingRequest) -> _Situation:
    """What the request meets; ``ApplicantNotFound``, or ``MemberNotFound`` for a
    member id that is not a person of this account."""
    params: dict[str, Any] = {"target_slot": request.slot_id, "account": request.telegram_id}
    if request.holder_alone:
        rows = read(_SITUATION_OF_HOLDER, params).all()
    else:
        params["members"] = [m.member_id for m in request.members]
        rows = read(_SITUATION_OF_MEMBERS, params).all()
    if not rows:
        raise ApplicantNotFound(request.telegram_id)
    first = rows[0]
    found: dict[int, tuple[Person, _Held | None]] = {}
    for row in rows:
        if row.p_id is not None:
            held = None
            if row.h_id is not None:
                held = _Held(row.h_id, row.h_slot_id, row.h_ends, row.h_code, row.h_group_id)
            found[row.p_id] = (Person(**unprefixed(row, PERSON, "p_")), held)
    if request.holder_alone:
        if not found:  # an applicant saved before people were
            raise ApplicantNotFound(request.telegram_id)
        people = list(found.values())
    else:
        for member in request.members:
            if member.member_id not in found:
                raise MemberNotFound(member.member_id or 0)
        people = [found[m.member_id] for m in request.members if m.member_id is not None]
    group = _Held(first.g_id, first.g_slot_id, first.g_ends) if first.g_id is not None else None
    slot = Slot(**unprefixed(first, SLOT, "s_")) if first.s_id is not None else None
    office = Office(**unprefixed(first, OFFICE, "o_")) if first.o_id is not None else None
    return _Situation(unprefixed(first, APPLICANT, "a_"), group, slot, office, people)


_CLOSE_OUT = (
    update(APPOINTMENT)
    .where(APPOINTMENT.c.group_id == bindparam("group"), _active(APPOINTMENT))
    .values(
        status=case(
            (
                APPOINTMENT.c.status == AppointmentStatus.CHECKED_IN.value,
                AppointmentStatus.SERVED.value,
            ),
            else_=AppointmentStatus.NO_SHOW.value,
        ),
        updated_at=bindparam("now"),
    )
)
_FINISH_GROUP = (
    update(GROUP)
    .where(GROUP.c.id == bindparam("group"), GROUP.c.status == GroupStatus.ACTIVE.value)
    .values(status=GroupStatus.FINISHED.value, updated_at=bindparam("now"))
)


def close_out_group_in(conn: Connection, group_id: int, now: datetime) -> None:
    """A group whose session is over: each active member checked in → served,
    else no-show; the group is finished."""
    params = {"group": group_id, "now": now}
    conn.execute(_CLOSE_OUT, params)
    conn.execute(_FINISH_GROUP, params)


_ACTIVE_OF_GROUP = (
    select(APPOINTMENT.c.id, APPOINTMENT.c.code, APPOINTMENT.c.person_id)
    .where(APPOINTMENT.c.group_id == bindparam("group"), _active(APPOINTMENT))
    .order_by(APPOINTMENT.c.id)
)


def _check_held(
    tx: RequestTx, situation: _Situation, request: BookingRequest, now: datetime
) -> GroupView | None:
    """The group already held by the account when this request repeats it (a
    double tap: same slot, same people); ``AlreadyBooked`` for any other active
    group of the account, ``MemberAlreadyBooked`` for a member's NIK that holds an
    active appointment anywhere. Groups whose session is over are closed out on
    the way."""
    held = situation.group
    if held is not None:
        if held.ends <= now:
            close_out_group_in(tx.conn, held.id, now)
        else:
            active = tx.read(_ACTIVE_OF_GROUP, {"group": held.id}).all()
            people = {person.id for person, _ in situation.people}
            if held.slot_id == request.slot_id and {a.person_id for a in active} == people:
                return group_views(tx.read, GROUP.c.id == held.id)[0]
            raise AlreadyBooked(active[0].id, active[0].code)
    for person, appt in situation.people:
        if appt is None:
            continue
        if appt.ends <= now:
            close_out_group_in(tx.conn, appt.group_id, now)
        else:
            assert person.id is not None
            raise MemberAlreadyBooked(appt.id, appt.code, person.id, person.full_name)
    return None


def _check_priorities(request: BookingRequest, situation: _Situation, slot: Slot) -> None:
    for member, (person, _) in zip(request.members, situation.people, strict=True):
        if member.priority is not None:
            check_person_priority(member.priority, person, slot.day)


def member_appointment(
    group: BookingGroup,
    person_id: int,
    nik_hash: str,
    service: ServiceType,
    priority: PriorityReason | None,
    pool: QuotaPool,
    now: datetime,
    replaces_id: int | None = None,
    passport: Passport | None = None,
) -> Appointment:
    """A new booked appointment of a person in ``group`` (inserted, it has its seat)."""
    assert group.id is not None
    return Appointment(
        code=new_booking_code(),
        applicant_id=group.applicant_id,
        group_id=group.id,
        person_id=person_id,
        office_id=group.office_id,
        slot_id=group.slot_id,
        service=service,
        priority=priority,
        pool=pool,
        status=AppointmentStatus.BOOKED,
        telegram_id=group.telegram_id,
        nik_hash=nik_hash,
        replaces_id=replaces_id,
        created_at=now,
        updated_at=now,
        passport=passport,
    )


_INSERT_GROUP = GROUP.insert().returning(GROUP.c.id)
_INSERT_APPOINTMENT = APPOINTMENT.insert().returning(APPOINTMENT.c.id)


def _take_public_seats(
    tx: RequestTx,
    ctx: Domain,
    request: BookingRequest,
    slot: Slot,
    shape: GroupShape,
    not_before: datetime,
) -> list[QuotaPool]:
    """Take the group's seats of the slot by the seat rule, refusing first from what
    this transaction read when they cannot be there."""
    try:
        if accepts_bookings(slot.is_open, slot.start_utc, not_before) and not group_fits(
            seats_left_by_pool(slot), shape
        ):  # as read in this transaction
            raise no_room(request.slot_id, seats_left_by_pool(slot), shape)
        return take_group_seats_in(tx.conn, request.slot_id, request.priorities, not_before)
    except SlotFull:
        ctx.db.full_slots.add(request.slot_id)
        raise


def book_in(tx: RequestTx, ctx: Domain, request: BookingRequest) -> GroupView:
    """Book a group inside a batch's transaction (see the module doc). A repeat of
    the account's active group (same slot, same people: a double tap) returns it;
    any other active group raises ``AlreadyBooked``.

    Reads first, without a savepoint: a refusal decided from what was read (the
    slot unable to seat the group in this transaction; a group or appointment
    already held) costs no savepoint, which is most of the attempts in a rush on
    one slot."""
    now = ctx.now()
    situation = _situation(tx.read, request)
    existing = _check_held(tx, situation, request, now)
    if existing is not None:
        return existing
    slot, office = situation.slot, situation.office
    if slot is None or office is None:
        raise SlotNotFound(request.slot_id)
    _check_priorities(request, situation, slot)
    shape, not_before = GroupShape.of(request.priorities), now + ctx.cutoff
    if request.held_seats is not None:
        regular, priority = request.held_seats
        held = {QuotaPool.REGULAR: regular, QuotaPool.PRIORITY: priority}
        pools = take_held_group_seats_in(
            tx.conn, request.slot_id, request.priorities, held, not_before
        )
    else:
        pools = _take_public_seats(tx, ctx, request, slot, shape, not_before)
    applicant = situation.applicant
    group = BookingGroup(
        telegram_id=request.telegram_id,
        applicant_id=applicant["id"],
        office_id=slot.office_id,
        slot_id=request.slot_id,
        status=GroupStatus.ACTIVE,
        reschedule_count=0,
        created_at=now,
        updated_at=now,
    )
    group.id = tx.conn.execute(_INSERT_GROUP, group.model_dump(exclude={"id"})).scalar_one()
    members: list[tuple[Appointment, Person]] = []
    for member, (person, _), pool in zip(request.members, situation.people, pools, strict=True):
        assert person.id is not None
        appt = member_appointment(
            group,
            person.id,
            person.nik_hash,
            member.service,
            member.priority,
            pool,
            now,
            passport=member.passport,
        )
        appt.id = tx.conn.execute(_INSERT_APPOINTMENT, appt.model_dump(exclude={"id"})).scalar_one()
        members.append((appt, person))
    named = [(appt, person.full_name) for appt, person in members]
    language = applicant["language"]
    reminders = reminder_rows(ctx.settings, group.id, named, slot, office, language, now)
    appointments = [appt for appt, _ in members]
    reminders += confirmation_rows(ctx.settings, appointments, office, language, now)
    if reminders:
        tx.insert_at_commit(insert_new(tx.connection.dialect.name), reminders)
    return GroupView.of(group, slot, office, members)


def slot_full_now(conn: Connection, ctx: Domain, request: BookingRequest) -> bool:
    """True when the write path would now answer ``SlotFull``: the account and its
    people exist and hold nothing, the slot is open, bookable and cannot seat the
    group. False means "ask the write path", never "there are seats"."""
    try:
        situation = _situation(conn.execute, request)
    except (ApplicantNotFound, MemberNotFound):
        return False
    slot = situation.slot
    if situation.group or any(held for _, held in situation.people) or slot is None:
        return False
    try:
        _check_priorities(request, situation, slot)
    except PriorityNotEligible:  # the write path says so
        return False
    not_before = ctx.now() + ctx.cutoff
    full = accepts_bookings(slot.is_open, slot.start_utc, not_before) and not group_fits(
        seats_left_by_pool(slot), GroupShape.of(request.priorities)
    )
    if not full:
        ctx.db.full_slots.discard(request.slot_id)
    return full
