"""Arrival: the office's daily arrival code (the QR poster at the entrance) and
self check-in with it.

The code is an HMAC of ``ARRIVAL_SECRET`` (``BookingSettings.arrival_key``), the
office and its local date: it changes every day, and yesterday's is refused.
Scanning it opens the bot with ``/start arrive-<code>``.

Self check-in is open on the appointment's date from ``checkin_opens_minutes``
before its session starts until the session ends; it checks in the account's
whole booking group, as the counter does (``booking.admin.checkin.check_in``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.checkin import check_in, touch_queue_day
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyCheckedIn,
    AlreadyRequeued,
    ArrivalTokenInvalid,
    CheckInClosed,
    CheckInNotOpenYet,
    NoAppointmentToday,
    QueueTicketNotFound,
)
from booking.core.kinds import AppointmentStatus, QueueStatus
from booking.db.models import Appointment, Office, QueueTicket, Slot
from booking.offices.views import OfficeView
from booking.queue.calling import requeue_once
from booking.queue.tickets import of_the_day, office_today, queue_state
from booking.queue.views import TicketState

# The deep link's payload: /start arrive-<token>.
ARRIVAL_PREFIX = "arrive-"
_TOKEN = re.compile(r"^[a-z2-7]{16}$")


def arrival_token(ctx: Domain, office_id: int, day: date) -> str:
    """The office's arrival code of its local date ``day``: 16 characters of
    base32 (lower case), safe in a URL and a /start payload."""
    return _token(ctx.settings.arrival_key(), office_id, day)


def _token(key: bytes, office_id: int, day: date) -> str:
    mac = hmac.new(key, f"arrive:{office_id}:{day.isoformat()}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:10]).decode("ascii").lower()


def arrival_link(bot_username: str, token: str) -> str:
    """The link the arrival poster's QR code opens."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={ARRIVAL_PREFIX}{token}"


async def office_of_token(ctx: Domain, session: AsyncSession, token: str) -> Office:
    typed = (token or "").strip().lower().removeprefix(ARRIVAL_PREFIX)
    if not _TOKEN.match(typed):
        raise ArrivalTokenInvalid()
    now = ctx.now()
    key = ctx.settings.arrival_key()
    for office in await session.exec(select(Office).where(col(Office.active).is_(True))):
        assert office.id is not None
        expected = _token(key, office.id, office_today(office, now))
        if hmac.compare_digest(expected, typed):
            return office
    raise ArrivalTokenInvalid()


async def office_of_arrival_token(ctx: Domain, token: str) -> OfficeView:
    """The office whose arrival code of today ``token`` is (the ``arrive-``
    prefix may be left on); ``ArrivalTokenInvalid`` for a forged code, another
    day's, or an inactive office's."""
    async with ctx.db.reader() as session:
        return OfficeView.of(await office_of_token(ctx, session, token))


async def self_check_in(ctx: Domain, *, telegram_id: int, token: str) -> list[TicketState]:
    """Check in the account's booking group at the arrival code's office today;
    returns every ticket of the account there (the group's, one each).

    Errors: ``ArrivalTokenInvalid``, ``NoAppointmentToday``, ``CheckInNotOpenYet``
    (with ``opens_at``), ``CheckInClosed`` (``closed_at``), ``AlreadyCheckedIn``
    (checked in today already, at the counter or by a scan: ``queue_state`` has
    the tickets).
    """
    now = ctx.now()
    async with ctx.db.reader() as session:
        office = await office_of_token(ctx, session, token)
        assert office.id is not None
        rows = list(
            await session.exec(
                select(Appointment, Slot)
                .join(Slot, col(Slot.id) == Appointment.slot_id)
                .where(
                    Appointment.telegram_id == telegram_id,
                    Appointment.office_id == office.id,
                    Slot.day == office_today(office, now),
                    col(Appointment.status).in_(
                        (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
                    ),
                )
                .order_by(col(Appointment.id))
            )
        )
    if not rows:
        raise NoAppointmentToday(telegram_id, office.id)
    booked = [(a, s) for a, s in rows if a.status == AppointmentStatus.BOOKED]
    if not booked:
        first = rows[0][0]
        assert first.queue_number is not None
        raise AlreadyCheckedIn(first.code, first.queue_number)
    appt, slot = booked[0]
    opens_at = slot.start_utc - timedelta(minutes=ctx.settings.checkin_opens_minutes)
    if now < opens_at:
        raise CheckInNotOpenYet(opens_at)
    if now >= slot.end_utc:
        raise CheckInClosed(slot.end_utc)
    # A second scan at the same moment: one checks the group in, the other gets
    # ``AlreadyCheckedIn`` from the counter's check-in.
    await check_in(ctx, office.id, appt.code, actor=f"telegram:{telegram_id}")
    return await queue_state(ctx, telegram_id=telegram_id, office_id=office.id)


async def requeue(ctx: Domain, *, telegram_id: int, token: str) -> list[TicketState]:
    """The account's missed tickets at the arrival code's office go back to the
    end of today's queue, with their numbers: once each. Returns the account's
    tickets there.

    Errors: ``ArrivalTokenInvalid``, ``QueueTicketNotFound`` (none missed),
    ``AlreadyRequeued`` (every missed ticket went back once already).
    """

    async def tx(session: AsyncSession) -> int:
        now = ctx.now()
        office = await office_of_token(ctx, session, token)
        assert office.id is not None
        day = office_today(office, now)
        missed = list(
            await session.exec(
                select(QueueTicket)
                .where(
                    *of_the_day(office.id, day),
                    QueueTicket.telegram_id == telegram_id,
                    col(QueueTicket.status) == QueueStatus.MISSED.value,
                )
                .order_by(col(QueueTicket.number))
                .with_for_update()
            )
        )
        if not missed:
            raise QueueTicketNotFound(telegram_id)
        fresh = [t for t in missed if not t.requeued]
        if not fresh:
            raise AlreadyRequeued(missed[0].number)
        for ticket in fresh:
            requeue_once(ticket, now)
            session.add(ticket)
        await touch_queue_day(session, office.id, day)
        return office.id

    office_id = await ctx.db.transact(tx)
    return await queue_state(ctx, telegram_id=telegram_id, office_id=office_id)
