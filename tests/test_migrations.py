"""The migrations make exactly the tables the models describe: Alembic compares a
freshly migrated database with ``SQLModel.metadata``, on SQLite and PostgreSQL.

A difference means a model was changed without a migration (or the reverse):
``scripts/new-migration`` writes the missing step.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import booking.db.models  # noqa: F401  (registers the tables)
from booking.db.engine import create_database


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_a_migrated_database_matches_the_models(database_url: str) -> None:
    db = create_database(database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(differences)
    finally:
        await db.dispose()
    assert diff == []
