"""Loading offices from YAML/JSON: the sample file, every kind of invalid file
(a clear message naming office and field, and nothing written), and reloading."""

from __future__ import annotations

import asyncio
import json
from datetime import time
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from booking.admin.audit import audit_log
from booking.admin.offices_file import (
    OfficesFileError,
    load_offices,
    parse_offices,
    read_offices_file,
)
from booking.calendar.release import release_slots
from booking.cli.main import SAMPLE_OFFICES, main
from booking.db.models import Slot
from booking.offices.lookup import get_office_by_code, list_offices, office_sessions
from tests.conftest import TEST_NIK_SECRET
from tests.db_helpers import table_rows


def sample() -> dict:
    return yaml.safe_load(SAMPLE_OFFICES.read_text(encoding="utf-8"))


def office(code: str = "KANIMX", **changes: object) -> dict:
    base: dict = {
        "code": code,
        "name": f"Kantor Imigrasi {code}",
        "address": "Jl. Contoh No. 1",
        "city": "Kota Contoh",
        "province": "Jawa Barat",
        "timezone": "Asia/Jakarta",
        "quota": {"daily": 50, "priority": 5},
        "release": {"window_days": 14, "rule": "FREQ=DAILY;BYHOUR=8;BYMINUTE=0"},
        "sessions": [
            {"label": "Pagi", "start": "08:00", "end": "12:00", "rule": "FREQ=WEEKLY;BYDAY=MO"}
        ],
    }
    base.update(changes)
    return base


def test_sample_file_has_offices_in_all_three_zones():
    specs = read_offices_file(SAMPLE_OFFICES)
    assert len(specs) >= 3
    zones = {s.timezone for s in specs}
    assert {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"} <= zones
    assert all(s.quota.daily > 0 and s.sessions for s in specs)


async def test_sample_file_loads_and_loading_again_updates(ctx, settings):
    specs = read_offices_file(SAMPLE_OFFICES)
    assert await load_offices(ctx, specs, actor="test") == (len(specs), 0)
    offices = await list_offices(ctx)
    assert sorted(o.code for o in offices) == sorted(s.code for s in specs)
    jayapura = next(o for o in offices if o.timezone == "Asia/Jayapura")
    assert jayapura.id is not None
    rules_before = await office_sessions(ctx, jayapura.id)
    assert rules_before
    first = await table_rows(settings.effective_database_url)

    assert await load_offices(ctx, specs, actor="test") == (0, len(specs))
    second = await table_rows(settings.effective_database_url)
    for table in ("office", "session_rule", "slot", "quota_override"):
        assert len(second[table]) == len(first[table]), table
    # Loading unchanged offices again (the playground does at every start) audits nothing.
    assert len(second["audit_log"]) == len(specs)
    assert [r.label for r in await office_sessions(ctx, jayapura.id)] == [
        r.label for r in rules_before
    ]


async def test_reload_applies_changes_in_place(ctx):
    await load_offices(ctx, parse_offices(yaml.safe_dump({"offices": [office()]})), actor="t")
    changed = office(
        quota={"daily": 80, "priority": 0},
        sessions=[
            {"label": "Pagi", "start": "08:00", "end": "10:00"},
            {"label": "Siang", "start": "13:00", "end": "15:00", "share": 2},
        ],
    )
    created, updated = await load_offices(
        ctx, parse_offices(yaml.safe_dump({"offices": [changed]})), actor="t"
    )
    assert (created, updated) == (0, 1)
    [row] = await list_offices(ctx)
    assert row.daily_quota == 80 and row.priority_quota == 0
    assert row.id is not None
    rules = await office_sessions(ctx, row.id)
    assert [(r.label, r.start, r.share) for r in rules] == [
        ("Pagi", time(8), 1),
        ("Siang", time(13), 2),
    ]
    # A change is audited: the load, then the reload that changed the quota and shares.
    assert [e.action for e in await audit_log(ctx, row.id)] == ["load_office", "load_office"]


def test_json_file_loads(tmp_path):
    path = tmp_path / "offices.json"
    path.write_text(json.dumps({"offices": [office("JSONX")]}))
    [spec] = read_offices_file(path)
    assert spec.code == "JSONX" and spec.sessions[0].start == time(8)


def _bad_session(**changes: object) -> list[dict]:
    session = {"label": "Pagi", "start": "08:00", "end": "12:00", "rule": "FREQ=WEEKLY;BYDAY=MO"}
    session.update(changes)
    return [session]


# Each case: the offices (the first one valid), then words the message must contain.
INVALID = {
    "bad timezone": (
        [office("GOOD"), office("BADTZ", timezone="Asia/Jakartaa")],
        ["BADTZ", "timezone"],
    ),
    "bad session rrule": (
        [office("GOOD"), office("BADRULE", sessions=_bad_session(rule="FREQ=SOMETIMES"))],
        ["BADRULE", "sessions[0].rule"],
    ),
    "bad release rrule": (
        [office("GOOD"), office("BADREL", release={"window_days": 7, "rule": "BYDAY=XX"})],
        ["BADREL", "release.rule"],
    ),
    "minutely release rule": (
        [office("GOOD"), office("MINUTELY", release={"window_days": 7, "rule": "FREQ=MINUTELY"})],
        ["MINUTELY", "release.rule", "FREQ must be DAILY"],
    ),
    "hourly session rule": (
        [office("GOOD"), office("HOURLY", sessions=_bad_session(rule="FREQ=HOURLY"))],
        ["HOURLY", "sessions[0].rule"],
    ),
    "end before start": (
        [office("GOOD"), office("BACKWARDS", sessions=_bad_session(start="12:00", end="08:00"))],
        ["BACKWARDS", "sessions[0]", "end"],
    ),
    "negative quota": (
        [office("GOOD"), office("NEGQ", quota={"daily": -5})],
        ["NEGQ", "quota.daily"],
    ),
    "negative priority quota": (
        [office("GOOD"), office("NEGP", quota={"daily": 5, "priority": -1})],
        ["NEGP", "quota.priority"],
    ),
    "duplicate codes": (
        [office("GOOD"), office("TWICE"), office("TWICE", name="Another")],
        ["TWICE", "code", "more than once"],
    ),
    "unknown field": (
        [office("GOOD"), office("EXTRA", opening_hours="08-15")],
        ["EXTRA", "opening_hours"],
    ),
    "unknown session field": (
        [office("GOOD"), office("EXTRAS", sessions=_bad_session(room="A"))],
        ["EXTRAS", "sessions[0].room"],
    ),
    "missing quota": (
        [office("GOOD"), {k: v for k, v in office("NOQUOTA").items() if k != "quota"}],
        ["NOQUOTA", "quota"],
    ),
    "unquoted time read as a number": (
        [office("GOOD"), office("NUMTIME", sessions=_bad_session(start=600, end=720))],
        ["NUMTIME", "sessions[0].start"],
    ),
    "phone too long for the database": (
        [office("GOOD"), office("LONGPHONE", phone="0" * 60)],
        ["LONGPHONE", "phone"],
    ),
    "bad code": (
        [office("GOOD"), office("bad code")],
        ["bad code", "code"],
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_office_is_reported_with_office_and_field(case):
    offices, words = INVALID[case]
    with pytest.raises(OfficesFileError) as caught:
        parse_offices(yaml.safe_dump({"offices": offices}, sort_keys=False))
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    assert "GOOD" not in message  # only the broken office is named


def test_unquoted_yaml_time_is_refused_not_misread():
    text = SAMPLE_OFFICES.read_text(encoding="utf-8").replace('start: "10:00"', "start: 10:00")
    assert "start: 10:00" in text
    with pytest.raises(OfficesFileError) as caught:
        parse_offices(text)
    assert "JAKSEL" in str(caught.value) and "start" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("offices.yaml", "offices:\n  - code: [unclosed\n", ["offices.yaml", "YAML"]),
        ("offices.json", '{"offices": [', ["offices.json", "JSON"]),
        ("offices.yaml", "just a string", ["offices"]),
        ("offices.yaml", "offices: []", ["offices"]),
        ("offices.yaml", "offices:\n  - 42\n", ["#1"]),
    ],
)
def test_malformed_files_are_reported(name, text, words):
    with pytest.raises(OfficesFileError) as caught:
        parse_offices(text, name=name)
    for word in words:
        assert word in str(caught.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(OfficesFileError) as caught:
        read_offices_file(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(caught.value)


# --- through the command line: exit status, message, and nothing written -------------------


def _cli_env(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("NIK_SECRET", TEST_NIK_SECRET)


@pytest.mark.parametrize("case", ["bad timezone", "negative quota", "duplicate codes"])
async def test_load_offices_command_writes_nothing_on_error(
    case, ctx, settings, tmp_path, monkeypatch, capsys
):
    await load_offices(ctx, read_offices_file(SAMPLE_OFFICES), actor="test")
    url = settings.effective_database_url
    before = await table_rows(url)
    offices, words = INVALID[case]
    # The valid office first, and a changed copy of a loaded one: neither may be written.
    changed = office("JAKSEL", name="Changed")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"offices": [changed, *offices]}, sort_keys=False))
    _cli_env(monkeypatch, url, tmp_path / "data")
    status = await asyncio.to_thread(main, ["load-offices", str(path)])
    err = capsys.readouterr().err
    assert status != 0
    assert "Traceback" not in err
    for word in words:
        assert word in err
    assert await table_rows(url) == before


async def test_load_offices_command_reports_malformed_yaml(
    ctx, settings, tmp_path, monkeypatch, capsys
):
    url = settings.effective_database_url
    before = await table_rows(url)
    path = tmp_path / "broken.yaml"
    path.write_text("offices:\n  - {code: JAKSEL, name: [\n")
    _cli_env(monkeypatch, url, tmp_path / "data")
    status = await asyncio.to_thread(main, ["load-offices", str(path)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("error: broken.yaml: not valid YAML")
    assert "Traceback" not in err
    assert await table_rows(url) == before


async def test_load_offices_command_loads_and_reloads(ctx, settings, tmp_path, monkeypatch, capsys):
    url = settings.effective_database_url
    _cli_env(monkeypatch, url, tmp_path / "data")
    n = len(read_offices_file(SAMPLE_OFFICES))
    assert await asyncio.to_thread(main, ["load-offices", str(SAMPLE_OFFICES)]) == 0
    assert f"{n} new, 0 updated" in capsys.readouterr().out
    first = await table_rows(url)
    assert await asyncio.to_thread(main, ["load-offices", str(SAMPLE_OFFICES)]) == 0
    assert f"0 new, {n} updated" in capsys.readouterr().out
    second = await table_rows(url)
    assert len(second["office"]) == len(first["office"]) == n
    assert len(second["session_rule"]) == len(first["session_rule"])


async def test_office_codes_are_case_insensitive(ctx):
    await load_offices(ctx, parse_offices(yaml.safe_dump({"offices": [office()]})), actor="t")
    [row] = await list_offices(ctx)
    assert (await get_office_by_code(ctx, f" {row.code.lower()} ")).id == row.id


def test_a_field_error_has_no_pydantic_prefix():
    bad = office(timezone="Mars/Olympus")
    with pytest.raises(OfficesFileError) as refused:
        parse_offices(yaml.safe_dump({"offices": [bad]}))
    assert "Value error" not in str(refused.value)


async def test_short_name_and_english_labels_load_and_reach_released_dates(ctx):
    """``short_name`` and ``label_en`` are optional; giving them later updates the
    office, its sessions and the dates already released, and is audited."""
    plain = office(release={"window_days": 14, "rule": "FREQ=DAILY;BYHOUR=0;BYMINUTE=0"})
    await load_offices(ctx, parse_offices(yaml.safe_dump({"offices": [plain]})), actor="t")
    assert await release_slots(ctx, "KANIMX") > 0
    [row] = await list_offices(ctx)
    assert row.short_name is None and row.id is not None
    named = {
        **plain,
        "short_name": "Contoh",
        "sessions": [{**plain["sessions"][0], "label_en": "Morning"}],
    }
    await load_offices(ctx, parse_offices(yaml.safe_dump({"offices": [named]})), actor="t")
    [row] = await list_offices(ctx)
    assert row.short_name == "Contoh"
    [rule] = await office_sessions(ctx, row.id)
    assert (rule.label, rule.label_en) == ("Pagi", "Morning")
    async with ctx.db.reader() as session:
        released = list(await session.exec(select(Slot.label_en)))
    assert released and set(released) == {"Morning"}
    assert [e.action for e in await audit_log(ctx, row.id)] == ["load_office", "load_office"]
    with pytest.raises(OfficesFileError, match="short_name"):
        parse_offices(yaml.safe_dump({"offices": [{**named, "short_name": "x" * 41}]}))
