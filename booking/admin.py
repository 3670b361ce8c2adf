"""Office administration services, in one place for the chat layer and the CLI.

Every service takes the ``Domain`` and plain values, returns plain dataclasses
and raises typed errors from ``booking.errors``. Every change writes an
``AuditLog`` row in its own transaction; ``audit_log`` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from booking.admin_input import (
    check_range,
    check_text,
    parse_date,
    parse_quota,
    parse_telegram_id,
    telegram_actor,
)
from booking.announce import AnnouncementResult, announce
from booking.checkin import CheckInResult, NoShowResult, check_in, close_out_day, mark_no_shows
from booking.closures import (
    ClosedDay,
    ClosureResult,
    close_day,
    closed_days,
    displaced_of,
    rebook_displaced,
    reopen_day,
)
from booking.context import Domain
from booking.daylist import DayList, DayListEntry, SessionLine, day_list, export_day_csv
from booking.models import AuditLog
from booking.offices import office_by_id
from booking.quotas import (
    QuotaSettings,
    clear_quota_override,
    quota_settings,
    release_rule_for,
    set_office_quota,
    set_quota_override,
    set_release_policy,
    set_session_shares,
)
from booking.roles import (
    AdminRoleView,
    add_admin,
    is_admin,
    is_super,
    list_admins,
    offices_of_admin,
    remove_admin,
    require_office_admin,
    require_super,
)
from booking.stats import DayCapacity, OfficeStats, capacity_series, stats

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


__all__ = [
    "AdminRoleView",
    "AnnouncementResult",
    "AuditEntry",
    "CheckInResult",
    "ClosedDay",
    "ClosureResult",
    "DayCapacity",
    "DayList",
    "DayListEntry",
    "NoShowResult",
    "OfficeStats",
    "QuotaSettings",
    "SessionLine",
    "add_admin",
    "announce",
    "audit_log",
    "capacity_series",
    "check_in",
    "check_range",
    "check_text",
    "clear_quota_override",
    "close_day",
    "close_out_day",
    "closed_days",
    "day_list",
    "displaced_of",
    "export_day_csv",
    "is_admin",
    "is_super",
    "list_admins",
    "mark_no_shows",
    "offices_of_admin",
    "parse_date",
    "parse_quota",
    "parse_telegram_id",
    "quota_settings",
    "rebook_displaced",
    "release_rule_for",
    "remove_admin",
    "reopen_day",
    "require_office_admin",
    "require_super",
    "set_office_quota",
    "set_quota_override",
    "set_release_policy",
    "set_session_shares",
    "stats",
    "telegram_actor",
]
