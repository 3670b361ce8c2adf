"""The booking-engine benchmark: a small run on each backend, and bad arguments."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from tests.conftest import need_postgres

KEYS = {
    "bookings_per_s",
    "baseline_bookings_per_s",
    "ratio_all_succeed",
    "attempts_per_s_contended",
    "baseline_attempts_per_s_contended",
    "ratio_contended",
    "overbooked",
}


def test_a_small_run_reports_every_figure_and_sound_invariants(backend, capsys):
    args = ["booking-engine", "--attempts", "60", "--slots", "3", "--contended-seats", "7"]
    args += ["--concurrency", "8", "--json"]
    if backend == "postgresql":
        args += ["--database-url", need_postgres()]
    assert main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert KEYS <= summary.keys()
    assert summary["backend"] == backend
    assert summary["overbooked"] == 0 and summary["invariants_ok"] is True
    assert summary["booked_all_succeed"] == 60
    assert summary["booked_contended"] == summary["baseline_booked_contended"] == 7
    assert summary["reminders_queued"] == 2 * 60
    assert summary["errors"] == {}
    assert summary["bookings_per_s"] > 0 and summary["baseline_bookings_per_s"] > 0
    assert any(line.startswith("(a) baseline") for line in lines)


def test_a_group_run_books_every_group_whole(backend, capsys):
    args = ["booking-engine", "--attempts", "60", "--slots", "3", "--contended-seats", "7"]
    args += ["--concurrency", "8", "--group-size", "4", "--json"]
    if backend == "postgresql":
        args += ["--database-url", need_postgres()]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"group_size", "people_booked_per_s", "ratio_group", "overbooked"} <= summary.keys()
    assert summary["group_size"] == 4 and summary["people_booked"] == 60
    assert summary["reminders_queued_group"] == 2 * 15  # once per group
    assert summary["overbooked"] == 0 and summary["invariants_ok"] is True
    assert summary["people_booked_per_s"] > 0 and summary["ratio_group"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slots", "0"], "must be at least 1"),
        (["--attempts", "many"], "not a whole number"),
        (["--database-url", "mysql://x"], "expected postgresql+asyncpg://"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["booking-engine", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_too_few_seats_for_the_attempts_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["booking-engine", "--attempts", "100", "--slots", "2", "--seats", "10"])
    assert "must reach --attempts" in str(exit_.value.code)


def test_an_unreachable_database_is_one_line(capsys):
    url = "postgresql+asyncpg://tanpa@127.0.0.1:1/nowhere"
    assert main(["booking-engine", "--attempts", "5", "--database-url", url]) == 2
    assert "cannot use the database" in capsys.readouterr().out
