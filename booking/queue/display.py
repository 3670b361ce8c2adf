"""The "now serving" screen of an office: its key, and what it shows.

The page (``/display/<office-code>?key=<display-key>``) is open to whoever has
the office's display key: made on first use, rotated by the office's admin. It
shows numbers and counters only, never names or NIKs. ``NowServing.version``
moves with every change of the day's queue (``QueueDay.version``), so a page
polling it through the database sees changes made by any instance.
"""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.core.context import Domain
from booking.core.errors import DisplayKeyInvalid, OfficeNotFound
from booking.core.kinds import QueueStatus
from booking.db.models import Office, QueueDay, QueueTicket
from booking.offices.lookup import office_by_code, office_by_id
from booking.offices.views import OfficeView
from booking.queue.tickets import of_the_day, office_today
from booking.queue.views import CalledNumber, NowServing, counter_name, number_label

# How many of the latest calls the screen lists.
LATEST_CALLS = 6


def _new_key() -> str:
    return secrets.token_urlsafe(18)


async def display_key(ctx: Domain, office_id: int) -> str:
    """The office's display key, made now if it has none."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        if office.display_key:
            return office.display_key

    async def tx(session: AsyncSession) -> str:
        # Two first uses at once: the first one's key stays.
        await session.exec(
            update(Office)
            .where(col(Office.id) == office_id, col(Office.display_key).is_(None))
            .values(display_key=_new_key())
        )
        office = await session.get(Office, office_id, populate_existing=True)
        assert office is not None and office.display_key is not None
        return office.display_key

    return await ctx.db.transact(tx)


async def rotate_display_key(ctx: Domain, office_id: int, *, actor: str) -> str:
    """A new display key for the office (audited, the key itself is not): pages
    open with the old key get 403 from then on."""

    async def tx(session: AsyncSession) -> str:
        office = await office_by_id(session, office_id)
        key = _new_key()
        office.display_key = key
        session.add(office)
        record(session, ctx.now(), actor=actor, office_id=office_id, action="rotate_display_key")
        return key

    return await ctx.db.transact(tx)


async def office_for_display(ctx: Domain, office_code: str, key: str | None) -> OfficeView:
    """The office of ``office_code`` if ``key`` is its display key;
    ``DisplayKeyInvalid`` otherwise (also for an unknown office: nothing to probe)."""
    async with ctx.db.reader() as session:
        try:
            office = await office_by_code(session, office_code or "")
        except OfficeNotFound:
            raise DisplayKeyInvalid() from None
    expected = office.display_key
    if not expected or not key or not hmac.compare_digest(expected.encode(), key.encode()):
        raise DisplayKeyInvalid()
    return OfficeView.of(office)


async def now_serving(ctx: Domain, office_id: int) -> NowServing:
    """The office's screen now: the latest calls, newest first, and how many wait."""
    async with ctx.db.reader() as session:
        office = await office_by_id(session, office_id)
        day = office_today(office, ctx.now())
        version = (
            await session.exec(
                select(QueueDay.version).where(QueueDay.office_id == office_id, QueueDay.day == day)
            )
        ).first()
        calls = await session.exec(
            select(QueueTicket)
            .where(
                *of_the_day(office_id, day),
                col(QueueTicket.called_at).is_not(None),
                col(QueueTicket.counter_number).is_not(None),
            )
            .order_by(col(QueueTicket.called_at).desc(), col(QueueTicket.id).desc())
            .limit(LATEST_CALLS)
        )
        latest = tuple(
            CalledNumber(
                label=number_label(t.number),
                counter=counter_name(t.counter_number),
                called_at=t.called_at,
            )
            for t in calls
            if t.called_at is not None and t.counter_number is not None
        )
        waiting = (
            await session.exec(
                select(func.count()).where(
                    *of_the_day(office_id, day),
                    col(QueueTicket.status) == QueueStatus.WAITING.value,
                )
            )
        ).one()
    return NowServing(
        office_name=office.name,
        timezone=office.timezone,
        latest=latest,
        waiting=waiting,
        version=f"{day.isoformat()}.{version or 0}",
    )
