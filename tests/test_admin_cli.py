"""The administration commands of ``python -m booking``, run as real subprocesses
against the test database (SQLite and PostgreSQL) with the system clock."""

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest

from booking.admin.offices_file import SessionSpec
from booking.calendar.schedule import to_utc
from booking.core.kinds import AppointmentStatus
from booking.db.models import AdminRole, Appointment, Closure, CounterStaff, Slot
from tests.admin_helpers import book_on, rows, slot_ids, snapshot
from tests.conftest import TEST_NIK_SECRET
from tests.factories import add_office, office_spec

NEW_COMMANDS = [
    "add-admin",
    "remove-admin",
    "add-counter-staff",
    "remove-counter-staff",
    "close-day",
    "reopen-day",
    "export-day",
    "checkin",
    "no-shows",
]
ALL_DAY = SessionSpec(label="Sehari", start=time(0), end=time(23, 59), rule="FREQ=DAILY")


def run_cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "NIK_SECRET", "DATA_DIR")
    }
    env.update(
        DATABASE_URL=settings.effective_database_url,
        NIK_SECRET=TEST_NIK_SECRET,
        DATA_DIR=str(settings.data_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "booking", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.data_dir.parent,
        timeout=120,
    )


def assert_clear_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(("error:", "python -m booking")), result.stderr
    for fragment in fragments:
        assert fragment in last, result.stderr


def test_every_new_command_has_help(tmp_path):
    for command in NEW_COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "booking", command, "--help"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: python -m booking {command}")


@pytest.fixture
async def office_today(ctx, clock):
    """An office open all day every day in UTC, released two days ago, so the real
    date of the subprocesses is bookable; TEST-2 is a second office."""
    real_now = datetime.now(UTC)
    today = real_now.date()
    clock.set(real_now - timedelta(days=2))
    office_id = await add_office(ctx, office_spec(timezone="UTC", sessions=[ALL_DAY]))
    await add_office(ctx, office_spec("TEST-2", timezone="UTC", sessions=[ALL_DAY]))
    # A national holiday is never released; give the day a session anyway.
    async with ctx.db.writer() as session:
        for day in (today + timedelta(days=i) for i in range(-1, 5)):
            if not await slot_ids(ctx, office_id, day):
                session.add(
                    Slot(
                        office_id=office_id,
                        day=day,
                        label="Sehari",
                        start_utc=to_utc(day, time(0), "UTC"),
                        end_utc=to_utc(day, time(23, 59), "UTC"),
                        capacity=10,
                    )
                )
        await session.commit()
    return office_id, today


async def test_add_and_remove_admin(ctx, settings, office_today):
    result = run_cli(settings, "add-admin", "--telegram-id", "4242", "--super")
    assert result.returncode == 0, result.stderr
    assert "super-admin" in result.stdout
    result = run_cli(settings, "add-admin", "--telegram-id", "77", "--office", "TEST")
    assert result.returncode == 0 and "office TEST" in result.stdout
    roles = {(r.telegram_id, r.office_id) for r in await rows(ctx, AdminRole)}
    assert roles == {(4242, None), (77, office_today[0])}

    before = await snapshot(ctx)
    assert_clear_error(
        run_cli(settings, "add-admin", "--telegram-id", "77", "--office", "NOPE"),
        "unknown office code: NOPE",
    )
    assert_clear_error(
        run_cli(settings, "add-admin", "--telegram-id", "abc", "--super"), "Telegram user id"
    )
    assert_clear_error(
        run_cli(settings, "add-admin", "--telegram-id", "-3", "--office", "TEST"),
        "Telegram user id",
    )
    assert_clear_error(
        run_cli(settings, "add-admin", "--telegram-id", "5", "--super", "--office", "TEST"),
        "not allowed with argument",
    )
    assert_clear_error(
        run_cli(settings, "remove-admin", "--telegram-id", "77", "--office", "TEST-2"),
        "77 is not an admin of TEST-2",
    )
    assert await snapshot(ctx) == before

    result = run_cli(settings, "remove-admin", "--telegram-id", "77", "--office", "TEST")
    assert result.returncode == 0, result.stderr
    assert {(r.telegram_id, r.office_id) for r in await rows(ctx, AdminRole)} == {(4242, None)}


async def test_close_reopen_and_export(ctx, settings, office_today):
    office_id, today = office_today
    later = today + timedelta(days=3)
    appts = await book_on(ctx, office_id, later, [101, 102], names=["Siti", "=1+2"])
    before = await snapshot(ctx)
    past = (today - timedelta(days=1)).isoformat()
    assert_clear_error(
        run_cli(settings, "close-day", "TEST", past, "--reason", "Banjir"), "in the past"
    )
    assert_clear_error(
        run_cli(settings, "close-day", "TEST", "2026-02-30", "--reason", "Banjir"),
        "is not a date",
    )
    assert_clear_error(run_cli(settings, "close-day", "TEST", later.isoformat()), "--reason")
    assert_clear_error(
        run_cli(settings, "close-day", "TEST", later.isoformat(), "--reason", "  "),
        "reason must be 1 to 200 characters",
    )
    assert_clear_error(
        run_cli(settings, "close-day", "NOPE", later.isoformat(), "--reason", "Banjir"),
        "unknown office code",
    )
    assert_clear_error(run_cli(settings, "reopen-day", "TEST", later.isoformat()), "not closed")
    assert await snapshot(ctx) == before

    result = run_cli(settings, "export-day", "TEST", later.isoformat())
    assert result.returncode == 0, result.stderr
    parsed = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert parsed[0][:2] == ["session", "start"]
    assert sorted(row[5] for row in parsed[1:]) == sorted(a.code for a in appts)
    assert {row[6] for row in parsed[1:]} == {"Siti", "'=1+2"}

    result = run_cli(settings, "close-day", "TEST", later.isoformat(), "--reason", "Banjir")
    assert result.returncode == 0, result.stderr
    assert "2 appointment(s) cancelled" in result.stdout
    statuses = {a.status for a in await rows(ctx, Appointment)}
    assert statuses == {AppointmentStatus.CANCELLED}
    (closure,) = await rows(ctx, Closure)
    assert closure.reason == "Banjir"
    assert_clear_error(
        run_cli(settings, "close-day", "TEST", later.isoformat(), "--reason", "Lagi"),
        "already closed",
    )
    result = run_cli(settings, "reopen-day", "TEST", later.isoformat())
    assert result.returncode == 0, result.stderr
    assert await rows(ctx, Closure) == []


async def test_checkin_and_no_shows(ctx, settings, office_today):
    office_id, today = office_today
    yesterday = today - timedelta(days=1)
    (past,) = await book_on(ctx, office_id, yesterday, [100])
    (appt,) = await book_on(ctx, office_id, today, [101])

    result = run_cli(settings, "checkin", "TEST", appt.code.lower())
    assert result.returncode == 0, result.stderr
    assert "queue number 1" in result.stdout and "Pemohon 101" in result.stdout

    before = await snapshot(ctx)
    assert_clear_error(
        run_cli(settings, "checkin", "TEST", appt.code), "already checked in with queue number 1"
    )
    assert_clear_error(run_cli(settings, "checkin", "TEST", "ZZZZZZZZ"), "no appointment")
    assert_clear_error(run_cli(settings, "checkin", "TEST-2", appt.code), "another office")
    assert_clear_error(run_cli(settings, "no-shows", "TEST", today.isoformat()), "ended yet")
    assert_clear_error(run_cli(settings, "no-shows", "TEST", "yesterday"), "is not a date")
    assert await snapshot(ctx) == before

    result = run_cli(settings, "no-shows", "TEST", yesterday.isoformat())
    assert result.returncode == 0, result.stderr
    assert "1 appointment(s) marked no-show" in result.stdout
    (row,) = await rows(ctx, Appointment, Appointment.id == past.id)
    assert row.status == AppointmentStatus.NO_SHOW


async def test_set_quota(ctx, settings, office_today):
    office_id, today = office_today
    first, last = today + timedelta(days=2), today + timedelta(days=4)
    await book_on(ctx, office_id, first, [101, 102, 103])
    before = await snapshot(ctx)
    for bad in ("abc", "-1", "100001"):
        assert_clear_error(
            run_cli(settings, "set-quota", "TEST", bad, "--date", first.isoformat()), "quota"
        )
    assert_clear_error(
        run_cli(settings, "set-quota", "TEST", "5", "--from", last.isoformat(), "--to", str(first)),
        "before it starts",
    )
    assert_clear_error(
        run_cli(settings, "set-quota", "TEST", "5", "--date", str(today - timedelta(days=1))),
        "in the past",
    )
    assert_clear_error(run_cli(settings, "set-quota", "NOPE", "5", "--date", str(first)), "NOPE")
    assert_clear_error(
        run_cli(settings, "set-quota", "TEST", "2", "--from", str(first), "--to", str(last)),
        "3 seats are already booked",
    )
    assert await snapshot(ctx) == before
    result = run_cli(settings, "set-quota", "TEST", "4", "--from", str(first), "--to", str(last))
    assert result.returncode == 0, result.stderr
    capacities = {s.day: s.capacity for s in await rows(ctx, Slot, Slot.office_id == office_id)}
    assert [capacities[first + timedelta(days=i)] for i in range(3)] == [4, 4, 4]


async def test_add_and_remove_counter_staff(ctx, settings, office_today):
    result = run_cli(settings, "add-counter-staff", "--telegram-id", "88", "--office", "test")
    assert result.returncode == 0, result.stderr
    assert "88 is counter staff (petugas loket) of office TEST" in result.stdout
    assert [(r.telegram_id, r.office_id) for r in await rows(ctx, CounterStaff)] == [
        (88, office_today[0])
    ]
    result = run_cli(settings, "remove-counter-staff", "--telegram-id", "88", "--office", "TEST")
    assert result.returncode == 0 and "no longer counter staff" in result.stdout
    assert await rows(ctx, CounterStaff) == []
    assert_clear_error(
        run_cli(settings, "remove-counter-staff", "--telegram-id", "88", "--office", "TEST"),
        "88 is not counter staff of TEST",
    )
