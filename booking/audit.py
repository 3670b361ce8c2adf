"""Audit trail: one row per admin change, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from booking.models import AuditLog


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
