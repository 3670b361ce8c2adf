"""``python -m bench scalpers``: both modes run on the real services and report
the issue's keys; nothing is overbooked (the figures themselves are the
benchmark's, not this test's)."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main

KEYS = {
    "draw_advantage",
    "draw_advantage_ci",
    "first_come_advantage",
    "first_come_advantage_ci",
    "draw_honest_served",
    "first_come_honest_served",
    "seeds",
    "overbooked",
}


def test_the_scalpers_bench_reports_both_modes_and_overbooks_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["scalpers", "--seeds", "2", "--seats", "20", "--honest", "60", "--accounts", "5"]
    assert main([*argv, "--workers", "1", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert KEYS <= set(result)
    assert result["seeds"] == 2 and result["overbooked"] == 0
    assert len(result["draw_advantage_ci"]) == 2 == len(result["first_come_advantage_ci"])
    assert any(line.strip().startswith("draw:") for line in out[:-1])
