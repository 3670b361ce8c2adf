"""Reading booking groups with their members, slot and office: one SELECT, for the
batched booking path (a connection's ``execute``) and the services alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, select

from booking.appointments.views import GroupView
from booking.db.models import Appointment, BookingGroup, Office, Person, Slot

APPOINTMENT = Appointment.__table__  # type: ignore[attr-defined]
GROUP = BookingGroup.__table__  # type: ignore[attr-defined]
PERSON = Person.__table__  # type: ignore[attr-defined]
SLOT = Slot.__table__  # type: ignore[attr-defined]
OFFICE = Office.__table__  # type: ignore[attr-defined]

# Runs a read-only statement with optional parameters (``RequestTx.read``,
# ``Connection.execute``).
Read = Callable[..., Any]

_TABLES = {"m_": APPOINTMENT, "p_": PERSON, "g_": GROUP, "s_": SLOT, "o_": OFFICE}


def prefixed(table: Any, prefix: str) -> list[Any]:
    """Every column of ``table``, labelled with ``prefix``."""
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def unprefixed(row: Row[Any], table: Any, prefix: str) -> dict[str, Any]:
    """The values of ``table``'s columns in a row selected with ``prefixed``."""
    mapping = row._mapping
    return {c.name: mapping[f"{prefix}{c.name}"] for c in table.c}


_GROUPS = (
    select(*(column for prefix, table in _TABLES.items() for column in prefixed(table, prefix)))
    .select_from(
        GROUP.join(APPOINTMENT, APPOINTMENT.c.group_id == GROUP.c.id)
        .join(PERSON, PERSON.c.id == APPOINTMENT.c.person_id)
        .join(SLOT, SLOT.c.id == GROUP.c.slot_id)
        .join(OFFICE, OFFICE.c.id == GROUP.c.office_id)
    )
    .order_by(SLOT.c.start_utc, GROUP.c.id, APPOINTMENT.c.id)
)


def group_views(read: Read, *conditions: Any) -> list[GroupView]:
    """The groups that meet ``conditions`` (on the tables of ``booking.db.models``),
    soonest session first, each member in booking order."""
    groups: dict[int, tuple[BookingGroup, Slot, Office, list[tuple[Appointment, Person]]]] = {}
    for row in read(_GROUPS.where(*conditions)):
        group_id = row._mapping["g_id"]
        if group_id not in groups:
            groups[group_id] = (
                BookingGroup(**unprefixed(row, GROUP, "g_")),
                Slot(**unprefixed(row, SLOT, "s_")),
                Office(**unprefixed(row, OFFICE, "o_")),
                [],
            )
        groups[group_id][3].append(
            (
                Appointment(**unprefixed(row, APPOINTMENT, "m_")),
                Person(**unprefixed(row, PERSON, "p_")),
            )
        )
    return [
        GroupView.of(group, slot, office, members)
        for group, slot, office, members in groups.values()
    ]
