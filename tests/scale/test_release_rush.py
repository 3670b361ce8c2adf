"""The release rush within Telegram's limits (``python -m bench release-rush``), small:
one instance on SQLite, and two instances sharing PostgreSQL and Redis (the send
budget included). Every outcome arrives; the full N = 5,000 is in bench/README.md."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from tests.conftest import need_postgres
from tests.scale.conftest import need_redis

KEYS = {
    "applicants",
    "capacity",
    "booked",
    "answered",
    "lost",
    "retry_after_received",
    "time_to_last_outcome_s",
    "message_floor_s",
    "floor_ratio",
    "messages_per_applicant",
    "baseline_lost",
}

pytestmark = pytest.mark.timeout(300)


def run(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    main(["release-rush", "--applicants", "120", "--capacity", "12", "--json", *extra])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert KEYS <= summary.keys()
    return dict(summary)


def check(summary: dict) -> None:
    assert summary["booked"] == 12
    assert summary["answered"] == 120 and summary["lost"] == 0
    assert summary["failed_updates"] == 0
    # Booked: the text, the QR code and the .ics; full: one edit with the dates.
    assert summary["messages_per_applicant"] == pytest.approx((12 * 3 + 108) / 120)
    assert summary["baseline_lost"] > 0  # why the pacing exists


def test_one_instance_on_sqlite_delivers_every_outcome(capsys) -> None:
    summary = run(capsys)
    check(summary)
    assert summary["retry_after_received"] == 0  # one process keeps the limits alone


def test_two_instances_sharing_postgres_and_redis_deliver_every_outcome(capsys) -> None:
    summary = run(
        capsys,
        "--instances", "2", "--database-url", need_postgres(), "--redis-url", need_redis(),
    )  # fmt: skip
    check(summary)
    assert summary["instances"] == 2
