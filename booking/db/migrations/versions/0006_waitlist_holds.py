"""the waitlist: entries, their members, offers of held seats, and held seats on slots

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00

Existing slots get ``held = priority_held = 0``. On SQLite the two columns are
added in place with their checks as column constraints (a table check would need
the slot table rebuilt, and rows of other tables refer to it); on PostgreSQL the
checks are table constraints with the models' names.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WAITING = sa.text("status IN ('waiting', 'offered')")
_OPEN_OFFER = sa.text("status = 'offered'")
_ACTIVE_MEMBER = sa.text("active")

# name, column, check
_HELD = (
    ("ck_slot_held", "held", "held >= 0 AND booked + held <= capacity"),
    (
        "ck_slot_priority_held",
        "priority_held",
        "priority_held >= 0 AND priority_booked + priority_held <= priority_capacity",
    ),
)


def _add_held_columns() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, column, check in _HELD:
            op.execute(
                f"ALTER TABLE slot ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"
                f" CONSTRAINT {name} CHECK ({check})"
            )
        return
    for name, column, check in _HELD:
        op.add_column("slot", sa.Column(column, sa.Integer(), server_default="0", nullable=False))
        op.create_check_constraint(name, "slot", check)


def upgrade() -> None:
    _add_held_columns()
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("slot_label", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name="ck_waitlist_entry_days"),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["booking_group.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waitlist_entry_office", ["office_id", "status", "joined_at"], unique=False
        )
        batch_op.create_index(
            "uq_waitlist_entry_active_telegram",
            ["telegram_id"],
            unique=True,
            sqlite_where=_WAITING,
            postgresql_where=_WAITING,
        )
    op.create_table(
        "waitlist_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("nik_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["waitlist_entry.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waitlist_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waitlist_member_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            "uq_waitlist_member_active_nik",
            ["office_id", "nik_hash"],
            unique=True,
            sqlite_where=_ACTIVE_MEMBER,
            postgresql_where=_ACTIVE_MEMBER,
        )
    op.create_table(
        "waitlist_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("priority_seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("seats >= 0 AND priority_seats >= 0", name="ck_waitlist_offer_seats"),
        sa.ForeignKeyConstraint(["entry_id"], ["waitlist_entry.id"]),
        sa.ForeignKeyConstraint(["slot_id"], ["slot.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waitlist_offer", schema=None) as batch_op:
        batch_op.create_index("ix_waitlist_offer_due", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_waitlist_offer_slot", ["slot_id", "status"], unique=False)
        batch_op.create_index(
            "uq_waitlist_offer_open_entry",
            ["entry_id"],
            unique=True,
            sqlite_where=_OPEN_OFFER,
            postgresql_where=_OPEN_OFFER,
        )


def downgrade() -> None:
    """Held seats go back to the public (the columns are dropped); entries and
    offers are dropped."""
    op.drop_table("waitlist_offer")
    op.drop_table("waitlist_member")
    op.drop_table("waitlist_entry")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, column, _ in reversed(_HELD):
        if not sqlite:
            op.drop_constraint(name, "slot", type_="check")
        op.execute(f"ALTER TABLE slot DROP COLUMN {column}")
