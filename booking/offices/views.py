"""A plain, frozen view of an office, for callers that must not hold a table row
(the chat handlers)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from booking.db.models import Office


@dataclass(frozen=True)
class OfficeView:
    id: int
    code: str
    name: str
    timezone: str
    daily_quota: int
    priority_quota: int
    release_window_days: int
    release_rule: str
    walk_in_quota: int

    @classmethod
    def of(cls, office: Office) -> OfficeView:
        assert office.id is not None
        return cls(**{f.name: getattr(office, f.name) for f in fields(cls)})
