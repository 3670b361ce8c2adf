"""Priority walk-ins: a priority person without an appointment scans the arrival
code and gets a number, while the office's daily walk-in quota lasts.

Elderly and under-5 are checked against the NIK's birth date, pregnancy needs a
woman's NIK (``booking.appointments.priority.check_priority``); disability and
pregnancy are declared and marked for the counter to verify. The quota
(``Office.walk_in_quota``, offices file ``quota: {walk_in: N}``) is taken by a
conditional update of the day's row (``walk_ins < quota``): the database decides
who gets the last place.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.checkin import DECLARED_PRIORITY, add_ticket, queue_day_row
from booking.appointments.priority import check_priority
from booking.core.context import Domain
from booking.core.errors import AlreadyInQueue, ApplicantNotFound, MemberNotFound, WalkInQuotaFull
from booking.core.kinds import PriorityReason, QueueStatus
from booking.db.models import Applicant, Person, QueueDay, QueueTicket
from booking.queue.arrival import office_of_token
from booking.queue.tickets import account_states, of_the_day, office_today
from booking.queue.views import TicketState


async def walk_in(
    ctx: Domain, *, telegram_id: int, token: str, member_id: int, reason: PriorityReason
) -> TicketState:
    """Put ``member_id`` (a person id of the account: the holder or a saved family
    member, ``booking.people.members``) in today's queue at the arrival code's
    office as a priority walk-in for ``reason``.

    Errors: ``ArrivalTokenInvalid``, ``ApplicantNotFound``, ``MemberNotFound``,
    ``PriorityNotEligible``, ``AlreadyInQueue`` (with the number they have),
    ``WalkInQuotaFull``.
    """
    reason = PriorityReason(reason)

    async def tx(session: AsyncSession) -> int:
        now = ctx.now()
        office = await office_of_token(ctx, session, token)
        assert office.id is not None
        day = office_today(office, now)
        applicant = (
            await session.exec(select(Applicant).where(Applicant.telegram_id == telegram_id))
        ).first()
        if applicant is None:
            raise ApplicantNotFound(telegram_id)
        person = await session.get(Person, member_id)
        if person is None or person.applicant_id != applicant.id:
            raise MemberNotFound(member_id)
        check_priority(reason, person.birth_date, person.sex, day)
        there = (
            await session.exec(
                select(QueueTicket.number).where(
                    *of_the_day(office.id, day), QueueTicket.nik_hash == person.nik_hash
                )
            )
        ).first()
        if there is not None:
            raise AlreadyInQueue(there)
        await queue_day_row(session, office.id, day)
        taken = await session.exec(
            update(QueueDay)
            .where(
                col(QueueDay.office_id) == office.id,
                col(QueueDay.day) == day,
                col(QueueDay.walk_ins) < office.walk_in_quota,
            )
            .values(walk_ins=col(QueueDay.walk_ins) + 1)
        )
        if taken.rowcount != 1:
            raise WalkInQuotaFull(office.id, office.walk_in_quota)
        ticket = await add_ticket(
            session,
            QueueTicket(
                office_id=office.id,
                day=day,
                number=0,
                status=QueueStatus.WAITING,
                priority=True,
                priority_reason=reason,
                verify_at_counter=reason in DECLARED_PRIORITY,
                walk_in=True,
                telegram_id=telegram_id,
                person_id=person.id,
                nik_hash=person.nik_hash,
                queued_at=now,
                arrived_at=now,
            ),
        )
        assert ticket.id is not None
        return ticket.id

    # A second walk-in of the same person at the same moment: its run again after
    # the unique index's IntegrityError finds the ticket (``AlreadyInQueue``).
    ticket_id = await ctx.db.transact(tx)
    async with ctx.db.reader() as session:
        states = await account_states(ctx, session, telegram_id)
    return next(s for s in states if s.ticket.id == ticket_id)
