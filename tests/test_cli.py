"""``python -m booking`` run as a real subprocess, the way an operator runs it.

Each run gets ``DATABASE_URL``, ``DATA_DIR`` and ``NIK_SECRET`` in its environment
and a temporary working directory (so no ``.env`` is read). Bad input must end
with a non-zero exit status and one clear line, never a traceback, and change
nothing in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from booking.admin.offices_file import read_offices_file
from booking.appointments.service import book
from booking.calendar.availability import bookable_dates
from booking.calendar.schedule import national_holiday
from booking.cli.admin import ADMIN_COMMANDS
from booking.cli.main import SAMPLE_OFFICES, build_parser, main
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.kinds import ServiceType
from booking.db.engine import create_database
from booking.db.models import AuditLog, Office, Slot
from booking.offices.lookup import get_office_by_code
from booking.people.applicants import register_applicant, validate_nik
from tests.conftest import TEST_NIK_SECRET
from tests.db_helpers import table_rows
from tests.factories import make_nik

SETTINGS_VARS = ("DATABASE_URL", "DATA_DIR", "NIK_SECRET", "REDIS_URL", "BOT_TOKEN")


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"{' '.join(self.args)} -> {self.code}\nstdout: {self.out}\nstderr: {self.err}"


def cli_env(url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(DATABASE_URL=url, DATA_DIR=str(workdir / "data"), NIK_SECRET=TEST_NIK_SECRET)
    return env


def run_cli(env: dict[str, str], workdir: Path, *args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "booking", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(args, done.returncode, done.stdout, done.stderr)


def run_many(env: dict[str, str], workdir: Path, commands: list[tuple[str, ...]]) -> list[Run]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: run_cli(env, workdir, *args), commands))


def is_one_clear_line(run: Run, *words: str) -> bool:
    """Failed, said why in its last line, and showed no traceback."""
    lines = run.err.strip().splitlines()
    return (
        run.code != 0
        and "Traceback" not in run.err
        and bool(lines)
        and "error" in lines[-1]
        and all(w in lines[-1] for w in words)
    )


def next_working_day(after: date, skip: int) -> date:
    """The ``skip``-th Monday-Friday that is no holiday, after ``after``."""
    day = after
    while skip:
        day += timedelta(days=1)
        if day.weekday() < 5 and not national_holiday(day):
            skip -= 1
    return day


def wall_today_jakarta() -> date:
    return (datetime.now(UTC) + timedelta(hours=7)).date()


def all_commands() -> list[str]:
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(sub.choices)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``booking.cli.main.main`` in this process: (exit status, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: --help, or a usage error
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return cli_env(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", tmp_path)


def test_every_booking_command_has_help(sqlite_env, tmp_path):
    # The office-administration commands have their own subprocess test
    # (tests/test_admin_cli.py); every command's help is also rendered in-process below.
    commands = sorted(set(all_commands()) - set(ADMIN_COMMANDS))
    assert commands == sorted(
        [
            "migrate",
            "load-offices",
            "release",
            "offices",
            "availability",
            "set-quota",
            "demo",
            "verify-draw",
        ]
    )
    runs = run_many(sqlite_env, tmp_path, [("--help",)] + [(c, "--help") for c in commands])
    for run in runs:
        assert run.code == 0 and run.err == "", run
        assert run.out.startswith("usage: python -m booking"), run
    for command, run in zip(commands, runs[1:], strict=True):
        assert run.out.startswith(f"usage: python -m booking {command}"), run
    assert not (tmp_path / "cli.db").exists()  # help touches no database


@pytest.mark.parametrize("command", all_commands())
def test_help_renders_for_every_command(command, capsys):
    code, out, err = run_main([command, "--help"], capsys)
    assert code == 0 and err == ""
    assert out.startswith(f"usage: python -m booking {command}")


async def test_operator_flow(database_url, tmp_path):
    """migrate, load-offices, release, then availability, offices, release and
    load-offices again and set-quota side by side: on SQLite and PostgreSQL."""
    env = cli_env(database_url, tmp_path)

    def cli(*args: str) -> Run:
        return run_cli(env, tmp_path, *args)

    run = await asyncio.to_thread(cli, "migrate")
    assert run.code == 0 and "up to date" in run.out, run
    n = len(read_offices_file(SAMPLE_OFFICES))
    run = await asyncio.to_thread(cli, "load-offices", str(SAMPLE_OFFICES))
    assert run.code == 0 and f"{n} new, 0 updated" in run.out, run
    run = await asyncio.to_thread(cli, "release")
    assert run.code == 0 and run.out.startswith("released "), run
    released = int(run.out.split()[1])
    assert released > 0
    assert len((await table_rows(database_url))["slot"]) == released

    day = next_working_day(wall_today_jakarta(), 3)
    runs = await asyncio.to_thread(
        run_many,
        env,
        tmp_path,
        [
            ("availability", "JAKSEL", "--sessions"),
            ("availability", "DENPASAR", "--days", "7", "--sessions"),
            ("availability", "JAYAPURA", "--days", "14", "--sessions"),
            ("offices",),
            ("release",),
            ("load-offices", str(SAMPLE_OFFICES)),
            ("set-quota", "JAKSEL", "50", "--date", day.isoformat()),
        ],
    )
    jaksel, denpasar, jayapura, offices, again, reload, quota = runs
    assert all(r.code == 0 for r in runs), [str(r) for r in runs]
    assert "(Asia/Jakarta)" in jaksel.out and " WIB " in jaksel.out
    assert len([line for line in jaksel.out.splitlines() if line.startswith("  ")]) >= 14
    assert " WITA " in denpasar.out
    assert " WIT " in jayapura.out
    assert "JAKSEL" in offices.out and "JAYAPURA" in offices.out
    assert f"0 new, {n} updated" in reload.out
    assert "quota 50 set for 1 day from" in quota.out
    rows = await table_rows(database_url)
    # Releasing again only adds what a release moment since then has opened.
    assert len(rows["slot"]) == released + int(again.out.split()[1])
    assert len(rows["office"]) == n

    # The quota change re-split the sessions of that released date and was audited.
    db = create_database(database_url)
    try:
        async with db.reader() as session:
            jaksel_id = (await session.exec(select(Office.id).where(Office.code == "JAKSEL"))).one()
            capacity = (
                await session.exec(
                    select(func.sum(Slot.capacity)).where(
                        Slot.office_id == jaksel_id, Slot.day == day
                    )
                )
            ).one()
            audits = list(
                await session.exec(select(AuditLog).where(AuditLog.action == "set_quota"))
            )
    finally:
        await db.dispose()
    assert capacity == 50
    assert len(audits) == 1 and audits[0].actor.startswith("cli")
    assert audits[0].after == {"day": day.isoformat(), "regular": 50, "priority": 20}


async def book_one_seat(url: str, office_code: str) -> date:
    """Book the last bookable date of an office (by the real clock); returns the date."""
    db = create_database(url)
    settings = BookingSettings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    clock = FixedClock(datetime.now(UTC))
    ctx = Domain(db=db, clock=clock, settings=settings, nik_key=TEST_NIK_SECRET.encode())
    try:
        office = await get_office_by_code(ctx, office_code)
        assert office.id is not None
        day = (await bookable_dates(ctx, office.id))[-1].day
        nik = validate_nik(ctx, make_nik(date(1985, 4, 2)))
        await register_applicant(ctx, telegram_id=77, full_name="Siti", nik=nik)
        async with db.reader() as session:
            slot = (
                await session.exec(select(Slot).where(Slot.office_id == office.id, Slot.day == day))
            ).first()
        assert slot is not None and slot.id is not None
        await book(ctx, telegram_id=77, slot_id=slot.id, service=ServiceType.NEW)
    finally:
        await db.dispose()
    return day


def bad_inputs(tmp_path: Path) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(arguments, words the one error line must contain)."""
    day = next_working_day(wall_today_jakarta(), 2).isoformat()
    later = next_working_day(wall_today_jakarta(), 4).isoformat()
    far = (wall_today_jakarta() + timedelta(days=500)).isoformat()
    return [
        (("set-quota", "JAKSEL", "abc", "--date", day), ("'abc'", "whole number")),
        (("set-quota", "JAKSEL", "-5", "--date", day), ("between 0 and 100000",)),
        (("set-quota", "JAKSEL", "100001", "--date", day), ("between 0 and 100000",)),
        (("set-quota", "JAKSEL", "5", "--priority", "-1", "--date", day), ("priority",)),
        (("set-quota", "JAKSEL", "5", "--date", "2026-02-30"), ("not a date", "YYYY-MM-DD")),
        (("set-quota", "JAKSEL", "5", "--date", "besok"), ("'besok'", "not a date")),
        (("set-quota", "JAKSEL", "5", "--date", "2020-01-01"), ("2020-01-01", "past")),
        (("set-quota", "JAKSEL", "5", "--from", later, "--to", day), ("ends", "before")),
        (("set-quota", "JAKSEL", "5", "--from", day, "--to", far), ("at most 366 days",)),
        (("set-quota", "JAKSEL", "5", "--from", day), ("--date", "--from", "--to")),
        (("set-quota", "NOPE", "5", "--date", day), ("unknown office code: NOPE",)),
        (("set-quota", "JAKSEL"), ("required",)),
        (("availability", "NOPE"), ("unknown office code: NOPE",)),
        (("availability", "JAKSEL", "--days", "0"), ("between 1 and 366",)),
        (("availability", "JAKSEL", "--days", "99999999"), ("between 1 and 366",)),
        (("release", "--office", "NOPE"), ("unknown office code: NOPE",)),
        (("load-offices", str(tmp_path / "missing.yaml")), ("missing.yaml", "cannot read")),
        (("no-such-command",), ("invalid choice",)),
    ]


def test_bad_input_gives_one_line_and_changes_nothing(sqlite_env, tmp_path, monkeypatch, capsys):
    """Every bad input, through ``main`` in this process (the subprocess test below
    runs a sample of them through ``python -m booking``)."""
    for name, value in sqlite_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert run_main(["demo"], capsys)[0] == 0
    url = sqlite_env["DATABASE_URL"]
    before = asyncio.run(table_rows(url))
    unclear = []
    for args, words in bad_inputs(tmp_path):
        code, out, err = run_main(list(args), capsys)
        run = Run(args, code, out, err)
        if not is_one_clear_line(run, *words):
            unclear.append(str(run))
    assert unclear == []
    assert asyncio.run(table_rows(url)) == before


async def test_demo_then_refusals_through_python_m_booking(sqlite_env, tmp_path):
    """``demo`` on a fresh machine, then a sample of bad input (every case runs
    in-process above) and a quota below what is booked: each refused in one line,
    and the database unchanged."""
    url = sqlite_env["DATABASE_URL"]
    run = await asyncio.to_thread(run_cli, sqlite_env, tmp_path, "demo")
    assert run.code == 0, run
    specs = read_offices_file(SAMPLE_OFFICES)
    assert f"Loaded {len(specs)} sample offices" in run.out
    for spec in specs:
        assert spec.name in run.out
    assert "(Asia/Jayapura)" in run.out and "open" in run.out

    booked_day = await book_one_seat(url, "JAKSEL")
    before = await table_rows(url)
    cases = bad_inputs(tmp_path)
    sample = [cases[i] for i in (0, 6, 10, 14)]  # argparse, past date, unknown office, --days
    sample.append(
        (
            ("set-quota", "JAKSEL", "0", "--date", booked_day.isoformat()),
            ("refused", "1 seats", booked_day.isoformat()),
        )
    )
    runs = await asyncio.to_thread(run_many, sqlite_env, tmp_path, [c for c, _ in sample])
    unclear = [str(run) for run, (_, words) in zip(runs, sample, strict=True)
               if not is_one_clear_line(run, *words)]  # fmt: skip
    assert unclear == []
    assert await table_rows(url) == before


def test_commands_before_migrate_say_so(sqlite_env, tmp_path, monkeypatch, capsys):
    for name, value in sqlite_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["availability", "JAKSEL"], capsys)
    assert is_one_clear_line(Run(("availability",), code, out, err), "python -m booking migrate")


@pytest.mark.parametrize("url", ["postgresql+asyncpg://nobody@127.0.0.1:9/nothing", "nosuchdb://x"])
def test_unreachable_or_unknown_database_is_one_line(url, tmp_path, monkeypatch, capsys):
    for name, value in cli_env(url, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["offices"], capsys)
    assert is_one_clear_line(Run(("offices",), code, out, err), "database"), err
