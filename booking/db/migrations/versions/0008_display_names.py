"""display names: an office's short name, sessions' English labels, the passport applied for

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True)


# Plain ADD/DROP COLUMN, no batch: SQLite (3.35 and later) drops a column in place,
# where a batch would copy the referenced slot and appointment tables.
COLUMNS = (
    ("office", "short_name", 40),
    ("session_rule", "label_en", 50),
    ("slot", "label_en", 50),
    ("appointment", "passport", 16),
)


def upgrade() -> None:
    for table, column, length in COLUMNS:
        op.add_column(table, _text(column, length))


def downgrade() -> None:
    for table, column, _length in reversed(COLUMNS):
        op.drop_column(table, column)
