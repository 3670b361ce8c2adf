"""the day at the office: counters, counter staff, the day's queue and its tickets

Revision ID: 0007
Revises: 0004 (to be chained after 0005 and 0006 at the merge)
Create Date: 2026-12-01 15:45:00

Offices gain the daily walk-in quota (0 for existing offices: no walk-ins until
the offices file sets ``quota.walk_in``) and the key of their "now serving" page
(made on first use).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): rebuilding the office table on SQLite would
    # break the foreign keys that point at it.
    op.add_column(
        "office", sa.Column("walk_in_quota", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "office",
        sa.Column("display_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )

    op.create_table(
        "counter_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("telegram_id", "office_id", name="uq_counter_staff"),
    )
    with op.batch_alter_table("counter_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counter_staff_telegram_id"), ["telegram_id"], unique=False
        )

    op.create_table(
        "counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_id", "number", name="uq_counter_number"),
    )

    op.create_table(
        "queue_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("walk_ins", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("walk_ins >= 0", name="ck_queue_day_walk_ins"),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_id", "day", name="uq_queue_day"),
    )

    op.create_table(
        "queue_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("priority_reason", sa.String(length=16), nullable=True),
        sa.Column("verify_at_counter", sa.Boolean(), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("nik_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_start", sa.DateTime(), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("requeued", sa.Boolean(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("first_called_at", sa.DateTime(), nullable=True),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("served_at", sa.DateTime(), nullable=True),
        sa.Column("missed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'called', 'served', 'missed')", name="ck_queue_ticket_status"
        ),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", name="uq_queue_ticket_appointment"),
        sa.UniqueConstraint("office_id", "day", "nik_hash", name="uq_queue_ticket_person"),
        sa.UniqueConstraint("office_id", "day", "number", name="uq_queue_ticket_number"),
    )
    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.create_index("ix_queue_ticket_telegram", ["telegram_id", "day"], unique=False)
        batch_op.create_index(
            "ix_queue_ticket_waiting", ["office_id", "day", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_ticket_waiting")
        batch_op.drop_index("ix_queue_ticket_telegram")
    op.drop_table("queue_ticket")
    op.drop_table("queue_day")
    op.drop_table("counter")
    with op.batch_alter_table("counter_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counter_staff_telegram_id"))
    op.drop_table("counter_staff")
    op.drop_column("office", "display_key")
    op.drop_column("office", "walk_in_quota")
