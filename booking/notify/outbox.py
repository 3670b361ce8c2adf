"""The notification outbox: reminders and notices as rows, sent by a sender loop.

A row is written in the same transaction as the change that causes it (see
``enqueue``, which takes the caller's session; when a reminder is due is decided
in ``booking.notify.reminders``). A sender
claims due rows with a lease (``claim_due``), sends them, and records the outcome
(``mark_sent``, ``mark_retry``, ``mark_unreachable``, ``mark_skipped``,
``release``). Every outcome is conditional on the sender still holding the lease,
so a row that was re-timed or reclaimed meanwhile is never overwritten.

Delivery is at least once: a sender that crashes after Telegram accepted a message
but before ``mark_sent`` leaves the row leased; when the lease expires another
sender sends it again. A duplicate is possible, a loss is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import and_, case, exists, or_, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus, NotificationStatus
from booking.db.models import Applicant, Appointment, Notification, Office

# The kinds of reminder rows (``booking.notify.reminders``): a claim skips those
# whose appointment is no longer booked.
REMINDER_DAY_BEFORE = "reminder_day_before"
REMINDER_SOON = "reminder_soon"
REMINDER_KINDS = (REMINDER_DAY_BEFORE, REMINDER_SOON)

# A row claimed this long after its due time is sent and recorded as late.
LATE_AFTER = timedelta(minutes=15)
_ERROR_MAX = 500


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a failed send: ``base_delay`` doubling up to ``max_delay``; after
    ``max_attempts`` delivery attempts the row is marked failed."""

    max_attempts: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


@dataclass(frozen=True)
class ClaimedNotification:
    """A row a sender holds the lease of, with the recipient's current language."""

    id: int
    recipient: int
    kind: str
    template: str
    args: dict[str, Any]
    language: str
    due_at: datetime
    late: bool
    attempts: int
    office_id: int | None
    appointment_id: int | None


# --- writing rows (inside the caller's transaction) ------------------------------


def dedupe_key(appointment_id: int, kind: str) -> str:
    return f"appointment:{appointment_id}:{kind}"


class NewNotice(TypedDict):
    """What a new outbox row is made of; the rest of its columns start empty."""

    recipient: int
    kind: str
    template: str
    dedupe_key: str
    due_at: datetime
    now: datetime
    args: NotRequired[dict[str, Any] | None]
    language: NotRequired[str]  # "id" when left out
    appointment_id: NotRequired[int | None]
    office_id: NotRequired[int | None]
    expires_at: NotRequired[datetime | None]


async def enqueue(session: AsyncSession, **notice: Unpack[NewNotice]) -> bool:
    """Queue a message in the caller's transaction. Returns False, changing nothing,
    when a row with the same ``dedupe_key`` exists (it is never queued twice)."""
    values = outbox_row(**notice)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    result = await session.exec(insert_new(dialect).values(**values))
    return bool(result.rowcount)


async def notify_holder(
    session: AsyncSession,
    appt: Appointment,
    language: str,
    office: Office,
    day: date,
    *,
    kind: str,
    template: str,
    args: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Queue, due now, a notice to the holder of ``appt`` about ``day`` at ``office``:
    the template gets ``args`` with the office, the day and the booking code."""
    return await enqueue(
        session,
        recipient=appt.telegram_id,
        kind=kind,
        template=template,
        args={
            **args,
            "office_code": office.code,
            "office_name": office.name,
            "day": day.isoformat(),
            "code": appt.code,
        },
        language=language,
        dedupe_key=dedupe_key,
        due_at=now,
        now=now,
        expires_at=expires_at,
        appointment_id=appt.id,
        office_id=office.id,
    )


def outbox_row(**notice: Unpack[NewNotice]) -> dict[str, Any]:
    """The column values of a new pending outbox row."""
    return {
        "recipient": notice["recipient"],
        "appointment_id": notice.get("appointment_id"),
        "office_id": notice.get("office_id"),
        "kind": notice["kind"],
        "template": notice["template"],
        "args": notice.get("args") or {},
        "language": notice.get("language", "id"),
        "dedupe_key": notice["dedupe_key"],
        "due_at": notice["due_at"],
        "expires_at": notice.get("expires_at"),
        "status": NotificationStatus.PENDING.value,
        "lease_owner": None,
        "lease_until": None,
        "attempts": 0,
        "late": False,
        "created_at": notice["now"],
    }


_INSERT_NEW = {
    "postgresql": pg_insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]),
    "sqlite": sqlite_insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]),
}


def insert_new(dialect: str) -> Any:
    """An INSERT of outbox rows (given as parameters or with ``.values``) that
    skips each whose ``dedupe_key`` exists."""
    return _INSERT_NEW["postgresql" if dialect == "postgresql" else "sqlite"]


# --- the sender's side -------------------------------------------------------------


def _due(now: datetime) -> Any:
    return and_(
        col(Notification.status) == NotificationStatus.PENDING.value,
        col(Notification.due_at) <= now,
        or_(col(Notification.lease_until).is_(None), col(Notification.lease_until) <= now),
    )


def _appointment_gone() -> Any:
    """A reminder whose appointment is no longer booked (checked in, closed out)."""
    still_booked = exists().where(
        col(Appointment.id) == col(Notification.appointment_id),
        col(Appointment.status) == AppointmentStatus.BOOKED.value,
    )
    return and_(col(Notification.kind).in_(REMINDER_KINDS), ~still_booked)


def _unlocked_ids(*conditions: Any) -> Any:
    return (
        select(Notification.id)
        .where(*conditions)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )


def _recipient_busy(now: datetime) -> Any:
    """Another row to the same recipient is being sent, or was sent too recently
    (``mark_sent`` keeps a sent row's ``lease_until`` for the chat's gap)."""
    other = aliased(Notification)
    return exists().where(
        col(other.recipient) == col(Notification.recipient),
        col(other.id) != col(Notification.id),
        col(other.lease_until) > now,
    )


async def claim_due(
    ctx: Domain,
    owner: str,
    limit: int,
    lease_seconds: float,
    *,
    max_attempts: int | None = None,
    per_recipient: bool = False,
) -> list[ClaimedNotification]:
    """Atomically take up to ``limit`` due rows for ``owner`` for ``lease_seconds``.

    Rows nobody holds, or whose lease expired (a crashed sender), are taken, oldest
    due first. In the same transaction, due rows that are too late to be useful
    (past ``expires_at``: the appointment has begun) are recorded as skipped, and
    rows that already had ``max_attempts`` delivery attempts as failed. A row
    claimed more than ``LATE_AFTER`` after its due time is marked late.
    ``per_recipient`` leaves the rows of a recipient another row of which is held
    or was just sent (``mark_sent``'s ``chat_gap_s``): two senders then never send
    to one chat within that gap, with or without a shared rate limiter.
    PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: the writer's ``BEGIN IMMEDIATE``.
    """

    # A cheap read first: most polls find nothing due, and then take no write lock
    # (on SQLite the write lock is shared with every booking).
    async with ctx.db.reader() as session:
        anything = (
            await session.exec(select(Notification.id).where(_due(ctx.now())).limit(1))
        ).first()
    if anything is None:
        return []

    async def tx(session: AsyncSession) -> list[ClaimedNotification]:
        now = ctx.now()
        # Rows locked by another claimer are left to it (SKIP LOCKED): no waits.
        await session.exec(
            update(Notification)
            .where(
                col(Notification.id).in_(
                    _unlocked_ids(
                        _due(now),
                        or_(col(Notification.expires_at) <= now, _appointment_gone()),
                    )
                )
            )
            .values(
                status=NotificationStatus.SKIPPED.value,
                lease_owner=None,
                lease_until=None,
                last_error="too late: the appointment has begun or changed",
            )
        )
        if max_attempts is not None:
            await session.exec(
                update(Notification)
                .where(
                    col(Notification.id).in_(
                        _unlocked_ids(_due(now), col(Notification.attempts) >= max_attempts)
                    )
                )
                .values(
                    status=NotificationStatus.FAILED.value,
                    lease_owner=None,
                    lease_until=None,
                )
            )
        chosen = (
            select(Notification.id)
            .where(_due(now), ~_recipient_busy(now) if per_recipient else true())
            .order_by(col(Notification.due_at), col(Notification.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await session.exec(
            update(Notification)
            .where(col(Notification.id).in_(chosen.scalar_subquery()))
            .values(
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=col(Notification.attempts) + 1,
                late=case(
                    (col(Notification.due_at) < now - LATE_AFTER, True),
                    else_=col(Notification.late),
                ),
            )
            .returning(col(Notification.id))
        )
        ids = [row[0] for row in claimed.all()]
        rows = []
        if ids:
            result = await session.exec(
                select(Notification, Applicant.language)
                .join(
                    Applicant,
                    col(Applicant.telegram_id) == col(Notification.recipient),
                    isouter=True,
                )
                .where(col(Notification.id).in_(ids))
                .order_by(col(Notification.due_at), col(Notification.id))
                .execution_options(populate_existing=True)
            )
            rows = [_claimed(n, lang) for n, lang in result.all()]
        return rows

    return await ctx.db.transact(tx)


def _claimed(n: Notification, language: str | None) -> ClaimedNotification:
    assert n.id is not None
    return ClaimedNotification(
        id=n.id,
        recipient=n.recipient,
        kind=n.kind,
        template=n.template,
        args=dict(n.args or {}),
        language=language or n.language,
        due_at=n.due_at,
        late=n.late,
        attempts=n.attempts,
        office_id=n.office_id,
        appointment_id=n.appointment_id,
    )


async def _finish(ctx: Domain, ids: list[int], owner: str, **values: Any) -> int:
    """Apply ``values`` to the rows ``owner`` still holds; returns how many."""
    if not ids:
        return 0

    async def tx(session: AsyncSession) -> int:
        result = await session.exec(
            update(Notification)
            .where(
                col(Notification.id).in_(ids),
                col(Notification.lease_owner) == owner,
                col(Notification.status) == NotificationStatus.PENDING.value,
            )
            .values(**values)
        )
        return int(result.rowcount)

    return await ctx.db.transact(tx)


def _error_text(error: str | None) -> str | None:
    return error[:_ERROR_MAX] if error else None


async def mark_sent(
    ctx: Domain, notification_id: int, owner: str, *, chat_gap_s: float = 0.0
) -> bool:
    """Telegram accepted the message. False when ``owner`` no longer holds the row
    (it was re-timed, or reclaimed after the lease expired). ``chat_gap_s`` keeps
    the recipient busy for ``claim_due(per_recipient=True)`` that long."""
    now = ctx.now()
    done = await _finish(
        ctx,
        [notification_id],
        owner,
        status=NotificationStatus.SENT.value,
        sent_at=now,
        lease_owner=None,
        lease_until=now + timedelta(seconds=chat_gap_s) if chat_gap_s else None,
        last_error=None,
    )
    return done == 1


async def mark_retry(
    ctx: Domain,
    notification_id: int,
    owner: str,
    error: str,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 (frozen, never mutated)
) -> NotificationStatus | None:
    """A send failed: due again after the policy's backoff, or failed once the row
    had ``policy.max_attempts`` attempts. Returns the new status, None if the row
    was no longer held by ``owner``."""

    async def tx(session: AsyncSession) -> NotificationStatus | None:
        now = ctx.now()
        row = await session.get(Notification, notification_id)
        if row is None or row.lease_owner != owner or row.status != NotificationStatus.PENDING:
            return None
        row.last_error = _error_text(error)
        row.lease_owner = None
        row.lease_until = None
        if row.attempts >= policy.max_attempts:
            row.status = NotificationStatus.FAILED
        else:
            row.due_at = now + policy.delay(row.attempts)
        session.add(row)
        return NotificationStatus(row.status)

    return await ctx.db.transact(tx)


async def release(
    ctx: Domain, notification_ids: list[int], owner: str, error: str | None = None
) -> int:
    """Give rows back unsent, due as before (after a 429, or when a sender stops);
    the attempt is not counted."""
    return await _finish(
        ctx,
        notification_ids,
        owner,
        lease_owner=None,
        lease_until=None,
        attempts=case((col(Notification.attempts) > 0, col(Notification.attempts) - 1), else_=0),
        last_error=_error_text(error) if error else col(Notification.last_error),
    )


async def mark_unreachable(
    ctx: Domain, notification_id: int, owner: str, error: str | None = None
) -> bool:
    """The recipient blocked the bot: the row is not retried, and the applicant is
    flagged ``unreachable`` (cleared by ``mark_reachable`` when they write again)."""

    async def tx(session: AsyncSession) -> bool:
        row = await session.get(Notification, notification_id)
        if row is None or row.lease_owner != owner or row.status != NotificationStatus.PENDING:
            return False
        row.status = NotificationStatus.UNREACHABLE
        row.lease_owner = None
        row.lease_until = None
        row.last_error = _error_text(error)
        session.add(row)
        await session.exec(
            update(Applicant)
            .where(col(Applicant.telegram_id) == row.recipient)
            .values(unreachable=True, updated_at=ctx.now())
        )
        return True

    return await ctx.db.transact(tx)


async def mark_skipped(
    ctx: Domain, notification_id: int, owner: str, reason: str | None = None
) -> bool:
    done = await _finish(
        ctx,
        [notification_id],
        owner,
        status=NotificationStatus.SKIPPED.value,
        lease_owner=None,
        lease_until=None,
        last_error=_error_text(reason),
    )
    return done == 1


async def mark_reachable(ctx: Domain, telegram_id: int) -> None:
    """The applicant wrote to the bot again: clear ``unreachable``."""

    async def tx(session: AsyncSession) -> None:
        await session.exec(
            update(Applicant)
            .where(
                col(Applicant.telegram_id) == telegram_id,
                col(Applicant.unreachable).is_(True),
            )
            .values(unreachable=False, updated_at=ctx.now())
        )

    await ctx.db.transact(tx)
