"""Audit trail: one row per admin change, written in the change's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.db.models import AuditLog
from booking.offices.lookup import office_by_id


def record(
    session: AsyncSession,
    at: datetime,
    *,
    actor: str,
    action: str,
    office_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(at=at, actor=actor, office_id=office_id, action=action, before=before, after=after)
    )


MAX_AUDIT_ROWS = 200


@dataclass(frozen=True)
class AuditEntry:
    at: datetime  # UTC
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


async def audit_log(ctx: Domain, office_id: int, limit: int = 20) -> list[AuditEntry]:
    """The office's latest audited changes, newest first (at most ``MAX_AUDIT_ROWS``)."""
    limit = max(1, min(limit, MAX_AUDIT_ROWS))
    async with ctx.db.reader() as session:
        await office_by_id(session, office_id)
        rows = await session.exec(
            select(AuditLog)
            .where(AuditLog.office_id == office_id)
            .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
            .limit(limit)
        )
        return [AuditEntry(r.at, r.actor, r.action, r.before, r.after) for r in rows]
