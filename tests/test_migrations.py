"""The migrations make exactly the tables the models describe: Alembic compares a
freshly migrated database with ``SQLModel.metadata``, on SQLite and PostgreSQL.

A difference means a model was changed without a migration (or the reverse):
``scripts/new-migration`` writes the missing step.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import booking.db.models  # noqa: F401  (registers the tables)
from booking.appointments.groups import cancel_group, groups_of
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import GroupStatus
from booking.db.engine import create_database
from booking.db.migrate import alembic_config, migrate
from booking.people.members import members_of, save_member
from tests import conftest
from tests.conftest import TEST_NIK_SECRET, need_postgres
from tests.factories import make_nik


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


# --- 0003: booking groups, with data in the tables ---------------------------------------

BEFORE_GROUPS = "0002"
STAMP = "2026-11-30 00:00:00"


async def _migrate_to(db: Any, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the database to ``revision``."""
    cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
    step = command.downgrade if down else command.upgrade

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        step(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def _empty_database(backend: str, tmp_path: Path) -> str:
    """A database with no tables at all, on the backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'before_groups.db'}"
    url = need_postgres()
    conftest._pg_migrated = False  # the next test's reset migrates again
    db = create_database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.dispose()
    return url


_ROWS_BEFORE_GROUPS = [
    "INSERT INTO office (id, code, name, kind, address, city, province, timezone, active,"
    " daily_quota, priority_quota, release_window_days, release_rule)"
    " VALUES (1, 'TEST', 'Kantor', 'kanim', 'Jl. Contoh', 'Kota', 'DKI', 'Asia/Jakarta', TRUE,"
    " 10, 0, 14, 'FREQ=DAILY')",
    "INSERT INTO slot (id, office_id, day, label, share, start_utc, end_utc, capacity, booked,"
    " priority_capacity, priority_booked, is_open) VALUES"
    " (1, 1, '2026-12-01', 'Pagi', 1, '2026-12-01 01:00:00', '2026-12-01 03:00:00', 5, 0, 0,"
    " 0, FALSE),"
    " (2, 1, '2026-12-02', 'Pagi', 1, '2026-12-02 01:00:00', '2026-12-02 03:00:00', 5, 2, 0,"
    " 0, TRUE)",
    "INSERT INTO applicant (id, telegram_id, full_name, language, nik_hash, nik_masked,"
    " birth_date, sex, unreachable, created_at, updated_at) VALUES"
    f" (1, 501, 'Budi Santoso', 'id', 'hash-1', '3171**********01', '1990-05-17', 'M', FALSE,"
    f" '{STAMP}', '{STAMP}'),"
    f" (2, 502, 'Siti Rahayu', 'en', 'hash-2', '3171**********02', '1991-06-18', 'F', FALSE,"
    f" '{STAMP}', '{STAMP}')",
    # 501: displaced by a closure of 1 December and rebooked on the 2nd (moved once
    # before); 502: booked on the 2nd, and an earlier no-show.
    "INSERT INTO appointment (id, code, applicant_id, office_id, slot_id, service, priority,"
    " pool, status, telegram_id, nik_hash, reschedule_count, queue_number, replaces_id,"
    " cancel_reason, created_at, updated_at) VALUES"
    f" (1, 'AAAA1111', 1, 1, 1, 'new', NULL, 'regular', 'cancelled', 501, 'hash-1', 1, NULL,"
    f" NULL, 'displaced', '{STAMP}', '{STAMP}'),"
    f" (2, 'BBBB2222', 1, 1, 2, 'new', NULL, 'regular', 'booked', 501, 'hash-1', 1, NULL, 1,"
    f" NULL, '{STAMP}', '{STAMP}'),"
    f" (3, 'CCCC3333', 2, 1, 1, 'renewal', NULL, 'regular', 'no_show', 502, 'hash-2', 0, NULL,"
    f" NULL, NULL, '{STAMP}', '{STAMP}'),"
    f" (4, 'DDDD4444', 2, 1, 2, 'renewal', NULL, 'regular', 'checked_in', 502, 'hash-2', 0, 7,"
    f" NULL, NULL, '{STAMP}', '{STAMP}')",
    "INSERT INTO notification (id, recipient, appointment_id, office_id, kind, template,"
    " language, dedupe_key, due_at, status, attempts, late, created_at) VALUES"
    f" (1, 501, 1, 1, 'closure', 'closure_displaced', 'id', 'appointment:1:closure', '{STAMP}',"
    f" 'sent', 1, FALSE, '{STAMP}'),"
    f" (2, 501, 2, 1, 'reminder_day_before', 'reminder_day_before', 'id',"
    f" 'appointment:2:reminder_day_before', '{STAMP}', 'pending', 0, FALSE, '{STAMP}')",
]


async def _migrate_with_rows(db: Any) -> None:
    """Migrate an empty database to just before 0003, fill it, migrate to the newest."""
    await _migrate_to(db, BEFORE_GROUPS)
    async with db.engine.begin() as conn:
        for statement in _ROWS_BEFORE_GROUPS:
            await conn.execute(text(statement))
    await migrate(db)


async def _rows(db: Any, sql: str) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def test_the_groups_migration_turns_every_appointment_into_a_group_of_one(
    backend: str, tmp_path: Path, clock: FixedClock
) -> None:
    url = await _empty_database(backend, tmp_path)
    db = create_database(url)
    try:
        await _migrate_with_rows(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(differences) == []
        assert await _rows(
            db, "SELECT id, applicant_id, full_name, nik_hash FROM person ORDER BY id"
        ) == [(1, 1, "Budi Santoso", "hash-1"), (2, 2, "Siti Rahayu", "hash-2")]
        assert await _rows(
            db,
            "SELECT id, telegram_id, slot_id, status, reschedule_count, replaces_id"
            " FROM booking_group ORDER BY id",
        ) == [
            (1, 501, 1, "cancelled", 1, None),
            (2, 501, 2, "active", 1, 1),
            (3, 502, 1, "finished", 0, None),
            (4, 502, 2, "active", 0, None),
        ]
        assert await _rows(
            db,
            "SELECT id, code, group_id, person_id, status, replaces_id, queue_number"
            " FROM appointment ORDER BY id",
        ) == [
            (1, "AAAA1111", 1, 1, "cancelled", None, None),
            (2, "BBBB2222", 2, 1, "booked", 1, None),
            (3, "CCCC3333", 3, 2, "no_show", None, None),
            (4, "DDDD4444", 4, 2, "checked_in", None, 7),
        ]
        assert await _rows(db, "SELECT id, appointment_id FROM notification ORDER BY id") == [
            (1, 1),
            (2, 2),
        ]
        # The limits hold on the migrated rows, and new rows get fresh ids.
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO booking_group (telegram_id, applicant_id, office_id,"
                        " slot_id, status, reschedule_count, created_at, updated_at)"
                        f" VALUES (501, 1, 1, 2, 'active', 0, '{STAMP}', '{STAMP}')"
                    )
                )
        settings = BookingSettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            nik_secret=SecretStr(TEST_NIK_SECRET),
        )
        ctx = Domain(db=db, clock=clock, settings=settings, nik_key=settings.nik_key())
        member = await save_member(
            ctx, telegram_id=502, full_name="Rina", nik=make_nik(date(2021, 1, 2), female=True)
        )
        assert member.id == 3
        [holder, child] = await members_of(ctx, 502)
        assert holder.is_holder and holder.id == 2 and child.id == 3
        [group] = [g for g in await groups_of(ctx, 501) if g.status is GroupStatus.ACTIVE]
        assert (group.id, group.size, group.replaces_id) == (2, 1, 1)
        cancelled = await cancel_group(ctx, telegram_id=501, group_id=2)
        assert cancelled.status is GroupStatus.CANCELLED
    finally:
        await db.dispose()


async def test_the_groups_migration_goes_back_down_for_groups_of_one(
    backend: str, tmp_path: Path
) -> None:
    url = await _empty_database(backend, tmp_path)
    db = create_database(url)
    try:
        await _migrate_with_rows(db)
        await _migrate_to(db, BEFORE_GROUPS, down=True)
        assert await _rows(
            db, "SELECT id, reschedule_count, replaces_id FROM appointment ORDER BY id"
        ) == [(1, 1, None), (2, 1, 1), (3, 0, None), (4, 0, None)]
        assert len(await _rows(db, "SELECT id FROM notification")) == 2
        await migrate(db)  # and up again
        assert len(await _rows(db, "SELECT id FROM booking_group")) == 4
    finally:
        await db.dispose()


# --- 0006: the waitlist and held seats, with data in the tables -------------------------

BEFORE_WAITLIST = "0004"


async def test_the_waitlist_migration_adds_held_seats_and_goes_back_down(
    backend: str, tmp_path: Path
) -> None:
    url = await _empty_database(backend, tmp_path)
    db = create_database(url)
    try:
        await _migrate_to(db, BEFORE_GROUPS)
        async with db.engine.begin() as conn:
            for statement in _ROWS_BEFORE_GROUPS:
                await conn.execute(text(statement))
        await _migrate_to(db, BEFORE_WAITLIST)
        await migrate(db)
        assert await _rows(db, "SELECT id, booked, held, priority_held FROM slot ORDER BY id") == [
            (1, 0, 0, 0),
            (2, 2, 0, 0),
        ]
        with pytest.raises(IntegrityError):  # booked + held <= capacity
            async with db.engine.begin() as conn:
                await conn.execute(text("UPDATE slot SET held = 4 WHERE id = 2"))
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE slot SET held = 3 WHERE id = 2"))
            await conn.execute(
                text(
                    "INSERT INTO waitlist_entry (id, office_id, telegram_id, applicant_id,"
                    " first_day, last_day, slot_label, status, joined_at, updated_at) VALUES"
                    f" (1, 1, 502, 2, '2026-12-02', '2026-12-04', NULL, 'offered', '{STAMP}',"
                    f" '{STAMP}')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO waitlist_offer (id, entry_id, slot_id, seats, priority_seats,"
                    " status, offered_at, expires_at) VALUES"
                    f" (1, 1, 2, 3, 0, 'offered', '{STAMP}', '{STAMP}')"
                )
            )
        with pytest.raises(IntegrityError):  # one entry in line per account
            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO waitlist_entry (office_id, telegram_id, applicant_id,"
                        " first_day, last_day, status, joined_at, updated_at) VALUES"
                        f" (1, 502, 2, '2026-12-03', '2026-12-03', 'waiting', '{STAMP}',"
                        f" '{STAMP}')"
                    )
                )
        await _migrate_to(db, BEFORE_WAITLIST, down=True)
        assert await _rows(db, "SELECT id, booked, capacity FROM slot ORDER BY id") == [
            (1, 0, 5),
            (2, 2, 5),
        ]
        await migrate(db)  # and up again: the held seats went back to the public
        assert await _rows(db, "SELECT id, held FROM slot ORDER BY id") == [(1, 0), (2, 0)]
        assert await _rows(db, "SELECT id FROM waitlist_entry") == []
    finally:
        await db.dispose()


# --- 0005: the fair release draw, with data in the tables -------------------------------

BEFORE_DRAW = "0004"


async def test_the_draw_migration_keeps_offices_first_come_and_goes_back_down(
    backend: str, tmp_path: Path
) -> None:
    url = await _empty_database(backend, tmp_path)
    db = create_database(url)
    try:
        await _migrate_to(db, BEFORE_DRAW)
        async with db.engine.begin() as conn:
            await conn.execute(text(_ROWS_BEFORE_GROUPS[0]))  # an office
        await migrate(db)
        assert await _rows(
            db, "SELECT release_mode, request_window_hours, release_mode_since FROM office"
        ) == [("first-come", 24, None)]
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO draw (id, office_id, release_at, requests_open_at, first_day,"
                    f" last_day, status, seed_hash, created_at) VALUES (1, 1, '{STAMP}', '{STAMP}',"
                    f" '2026-12-01', '2026-12-01', 'open', '{'0' * 64}', '{STAMP}')"
                ),
            )
        with pytest.raises(IntegrityError):  # one draw per office and release moment
            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO draw (id, office_id, release_at, requests_open_at,"
                        " first_day, last_day, status, seed_hash, created_at) VALUES (2, 1,"
                        f" '{STAMP}', '{STAMP}', '2026-12-01', '2026-12-01', 'open',"
                        f" '{'1' * 64}', '{STAMP}')"
                    ),
                )
        await _migrate_to(db, BEFORE_DRAW, down=True)
        assert await _rows(db, "SELECT id, code FROM office") == [(1, "TEST")]
        await migrate(db)  # and up again
        assert await _rows(db, "SELECT count(*) FROM draw") == [(0,)]
    finally:
        await db.dispose()
