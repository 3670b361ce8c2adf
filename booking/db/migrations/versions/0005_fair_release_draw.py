"""the fair release draw: offices' release modes, draws, requests and their members

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00

Existing offices stay first-come (``release_mode`` 'first-come', a 24-hour request
window should they switch to draw mode).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place (no table rebuild: other tables' rows refer to offices).
    op.add_column(
        "office",
        sa.Column(
            "release_mode", sa.String(length=16), nullable=False, server_default="first-come"
        ),
    )
    op.add_column(
        "office",
        sa.Column("request_window_hours", sa.Integer(), nullable=False, server_default="24"),
    )
    op.add_column("office", sa.Column("release_mode_since", sa.DateTime(), nullable=True))
    op.create_table(
        "draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("release_at", sa.DateTime(), nullable=False),
        sa.Column("requests_open_at", sa.DateTime(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seed_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_id", "release_at", name="uq_draw_release"),
    )
    op.create_table(
        "draw_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["booking_group.id"]),
        sa.ForeignKeyConstraint(["slot_id"], ["slot.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draw_request", schema=None) as batch_op:
        batch_op.create_index("ix_draw_request_draw_id", ["draw_id"], unique=False)
        batch_op.create_index(
            "uq_draw_request_account",
            ["draw_id", "telegram_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'withdrawn'"),
            postgresql_where=sa.text("status <> 'withdrawn'"),
        )
    op.create_table(
        "draw_request_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("nik_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["draw_request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draw_request_member", schema=None) as batch_op:
        batch_op.create_index("ix_draw_request_member_request_id", ["request_id"], unique=False)
        batch_op.create_index(
            "uq_draw_request_nik",
            ["draw_id", "nik_hash"],
            unique=True,
            sqlite_where=sa.text("NOT withdrawn"),
            postgresql_where=sa.text("NOT withdrawn"),
        )


def downgrade() -> None:
    op.drop_table("draw_request_member")
    op.drop_table("draw_request")
    op.drop_table("draw")
    for column in ("release_mode_since", "request_window_hours", "release_mode"):
        op.drop_column("office", column)
