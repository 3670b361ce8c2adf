"""booking groups: the people an account books for, and one group per booking

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:40:00

Existing data: every applicant becomes their own person (the holder, same id),
every appointment a group of one (same id) holding its status as the group's
(booked, checked in: active; cancelled: cancelled; served, no-show: finished), its
reschedule count and its closure rebooking. ``appointment.reschedule_count`` moves
to the group; one active appointment per account becomes one active group per
account.

On SQLite the appointment table is rebuilt (a new NOT NULL column with a foreign
key cannot be added in place) with foreign keys on: the rows that refer to an
appointment (its notifications, its closure rebooking) are set aside while the
old table is dropped, and put back once the new one has its name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = sa.text("status IN ('booked', 'checked_in')")
_ACTIVE_GROUP = sa.text("status = 'active'")


def _create_tables() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("nik_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nik_masked", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("applicant_id", "nik_hash", name="uq_person_nik"),
    )
    op.create_table(
        "booking_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reschedule_count", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.ForeignKeyConstraint(["replaces_id"], ["booking_group.id"]),
        sa.ForeignKeyConstraint(["slot_id"], ["slot.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("replaces_id", name="uq_booking_group_replaces"),
    )
    with op.batch_alter_table("booking_group", schema=None) as batch_op:
        batch_op.create_index("ix_booking_group_slot", ["slot_id"], unique=False)
        batch_op.create_index(
            "uq_booking_group_active_telegram",
            ["telegram_id"],
            unique=True,
            sqlite_where=_ACTIVE_GROUP,
            postgresql_where=_ACTIVE_GROUP,
        )


def _copy_data() -> None:
    op.execute(
        "INSERT INTO person (id, applicant_id, full_name, nik_hash, nik_masked, birth_date,"
        " sex, created_at, updated_at)"
        " SELECT id, id, full_name, nik_hash, nik_masked, birth_date, sex, created_at,"
        " updated_at FROM applicant"
    )
    # Rebooked groups after the groups they replace: the foreign key holds row by row.
    op.execute(
        "INSERT INTO booking_group (id, telegram_id, applicant_id, office_id, slot_id, status,"
        " reschedule_count, replaces_id, created_at, updated_at)"
        " SELECT id, telegram_id, applicant_id, office_id, slot_id,"
        " CASE WHEN status IN ('booked', 'checked_in') THEN 'active'"
        " WHEN status = 'cancelled' THEN 'cancelled' ELSE 'finished' END,"
        " reschedule_count, replaces_id, created_at, updated_at FROM appointment"
        " ORDER BY id"
    )
    op.execute("UPDATE appointment SET group_id = id, person_id = applicant_id")
    if op.get_bind().dialect.name == "postgresql":
        for table in ("person", "booking_group"):
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


def _set_aside_references() -> None:
    """SQLite: the rows that refer to appointments, set aside while the table is rebuilt."""
    op.execute("CREATE TEMP TABLE set_aside_notification AS SELECT * FROM notification")
    op.execute("DELETE FROM notification")
    op.execute(
        "CREATE TEMP TABLE set_aside_replaces AS"
        " SELECT id, replaces_id FROM appointment WHERE replaces_id IS NOT NULL"
    )
    op.execute("UPDATE appointment SET replaces_id = NULL")


def _put_back_references() -> None:
    op.execute(
        "UPDATE appointment SET replaces_id ="
        " (SELECT s.replaces_id FROM set_aside_replaces s WHERE s.id = appointment.id)"
        " WHERE id IN (SELECT id FROM set_aside_replaces)"
    )
    op.execute("INSERT INTO notification SELECT * FROM set_aside_notification")
    op.execute("DROP TABLE set_aside_replaces")
    op.execute("DROP TABLE set_aside_notification")


def _drop_appointment_indexes(batch_op: object) -> None:
    for name in ("uq_appointment_active_nik", "ix_appointment_slot", "ix_appointment_applicant"):
        batch_op.drop_index(name)  # type: ignore[attr-defined]


def _create_appointment_indexes(batch_op: object) -> None:
    create = batch_op.create_index  # type: ignore[attr-defined]
    create("ix_appointment_applicant", ["applicant_id"], unique=False)
    create("ix_appointment_slot", ["slot_id", "status"], unique=False)
    create(
        "uq_appointment_active_nik",
        ["nik_hash"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
    _copy_data()
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _set_aside_references()
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("uq_appointment_active_telegram")
        _drop_appointment_indexes(batch_op)
    with op.batch_alter_table("appointment", schema=None, recreate="auto") as batch_op:
        batch_op.alter_column("group_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("reschedule_count")
        batch_op.create_foreign_key(
            "fk_appointment_group_id", "booking_group", ["group_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_appointment_person_id", "person", ["person_id"], ["id"])
        batch_op.create_unique_constraint("uq_appointment_group_nik", ["group_id", "nik_hash"])
    if sqlite:
        _put_back_references()
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        _create_appointment_indexes(batch_op)
        batch_op.create_index("ix_appointment_group_id", ["group_id"], unique=False)
        batch_op.create_index("ix_appointment_person_id", ["person_id"], unique=False)


def downgrade() -> None:
    """Back to one appointment per group: only for databases without groups of
    several people (the one-active-per-account index would refuse them)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_person_id")
        batch_op.drop_index("ix_appointment_group_id")
        _drop_appointment_indexes(batch_op)
        batch_op.add_column(
            sa.Column("reschedule_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE appointment SET reschedule_count ="
        " (SELECT g.reschedule_count FROM booking_group g WHERE g.id = appointment.group_id)"
    )
    if sqlite:
        _set_aside_references()
    with op.batch_alter_table("appointment", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint("uq_appointment_group_nik", type_="unique")
        batch_op.drop_constraint("fk_appointment_person_id", type_="foreignkey")
        batch_op.drop_constraint("fk_appointment_group_id", type_="foreignkey")
        batch_op.drop_column("person_id")
        batch_op.drop_column("group_id")
        batch_op.alter_column("reschedule_count", server_default=None)
    if sqlite:
        _put_back_references()
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        _create_appointment_indexes(batch_op)
        batch_op.create_index(
            "uq_appointment_active_telegram",
            ["telegram_id"],
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        )
    with op.batch_alter_table("booking_group", schema=None) as batch_op:
        batch_op.drop_index("uq_booking_group_active_telegram")
        batch_op.drop_index("ix_booking_group_slot")
    op.drop_table("booking_group")
    op.drop_table("person")
