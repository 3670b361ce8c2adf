"""Fixtures: every domain test runs on a SQLite file and on PostgreSQL.

PostgreSQL tests use ``TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets
it). Without it they skip with a visible reason, unless ``REQUIRE_POSTGRES=1``
(set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.db.engine import create_database
from booking.db.migrate import migrate

# Monday 30 November 2026, 07:00 WIB / 08:00 WITA / 09:00 WIT.
DEFAULT_NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
# The days of that week, as the tests name them.
TODAY = date(2026, 11, 30)
TUE = TOMORROW = date(2026, 12, 1)
WED = date(2026, 12, 2)
THU = date(2026, 12, 3)
FRI = date(2026, 12, 4)
TEST_NIK_SECRET = "test-nik-secret"
TABLES = (
    "waitlist_offer, waitlist_member, waitlist_entry,"
    " ticket_message, ticket, question, staff_chat,"
    " notification, admin_role, audit_log, appointment, booking_group, person,"
    " slot, quota_override, closure, session_rule, applicant, office"
)


def need_service(
    name: str, url_variable: str, require_variable: str, client: str | None = None
) -> str:
    """The URL of a test server from ``url_variable``; without it, or without the
    ``client`` library, the test skips, or fails when ``require_variable`` is 1
    (``scripts/test`` installs the clients and starts the servers)."""
    url = os.environ.get(url_variable) or None
    reason = None
    if client is not None and importlib.util.find_spec(client) is None:
        reason = f"the {client} client is not installed: pip install -e '.[{client}]'"
    elif url is None:
        reason = f"{name} not available: set {url_variable} (scripts/test starts a server)"
    if reason is not None:
        if os.environ.get(require_variable) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def need_postgres() -> str:
    return need_service("PostgreSQL", "TEST_POSTGRES_URL", "REQUIRE_POSTGRES")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = create_database(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        await db.dispose()

    asyncio.run(build())
    return path


_pg_migrated = False


async def reset_postgres(url: str) -> None:
    global _pg_migrated
    db = create_database(url)
    try:
        if not _pg_migrated:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await migrate(db)
            _pg_migrated = True
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, sqlite_template: Path, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "tanpa_antre.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = need_postgres()
    await reset_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> BookingSettings:
    return BookingSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=database_url,
        nik_secret=SecretStr(TEST_NIK_SECRET),
        booking_cutoff_minutes=60,
        # The domain's tests count outbox rows; tests/test_confirmations.py turns it on.
        confirmations_in_outbox=False,
    )


@pytest.fixture
async def ctx(settings: BookingSettings, clock: FixedClock) -> AsyncIterator[Domain]:
    db = create_database(settings.effective_database_url)
    domain = Domain(db=db, clock=clock, settings=settings, nik_key=settings.nik_key())
    yield domain
    await db.dispose()
