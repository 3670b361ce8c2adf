"""Loading offices from a YAML or JSON file: validate everything, then write all
or nothing. Loading the same file again updates the offices in place."""

from __future__ import annotations

import json
import re
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.calendar.schedule import RULE_EPOCH, parse_rule
from booking.core.context import Domain
from booking.core.kinds import OfficeKind
from booking.core.limits import MAX_QUOTA
from booking.db.models import Office, SessionRule

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class OfficesFileError(Exception):
    """The file cannot be loaded; ``str()`` names the office and the field."""


def _check_rule(value: str) -> str:
    from datetime import datetime

    try:
        parse_rule(value, datetime.combine(RULE_EPOCH, time.min))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid RRULE: {exc}") from None
    return value


class SessionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=50)
    start: time
    end: time
    rule: str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    share: int = Field(default=1, ge=1, le=1000)

    _rule = field_validator("rule")(classmethod(lambda cls, v: _check_rule(v)))

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_time(cls, v: Any) -> Any:
        # YAML reads an unquoted 10:00 as the number 600; never take it for 00:10.
        if not isinstance(v, str | time):
            raise ValueError('write the time in quotes as "HH:MM", e.g. "10:00"')
        return v

    @model_validator(mode="after")
    def _ordered(self) -> SessionSpec:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class QuotaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily: int = Field(ge=0, le=MAX_QUOTA)
    priority: int = Field(default=0, ge=0, le=MAX_QUOTA)
    # Priority people served without an appointment, per day (0: none).
    walk_in: int = Field(default=0, ge=0, le=MAX_QUOTA)


class ReleaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_days: int = Field(ge=1, le=366)
    rule: str

    _rule = field_validator("rule")(classmethod(lambda cls, v: _check_rule(v)))


class OfficeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str = Field(min_length=1, max_length=200)
    kind: OfficeKind = OfficeKind.KANIM
    address: str = Field(min_length=1, max_length=400)
    city: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=1, max_length=100)
    timezone: str
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    phone: str | None = Field(default=None, max_length=50)
    active: bool = True
    quota: QuotaSpec
    release: ReleaseSpec
    sessions: list[SessionSpec] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError("use 2-32 upper-case letters, digits, '-' or '_'")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {v!r}") from None
        return v

    @model_validator(mode="after")
    def _labels(self) -> OfficeSpec:
        labels = [s.label for s in self.sessions]
        if len(set(labels)) != len(labels):
            raise ValueError("session labels must be unique")
        return self


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(office)"


def parse_offices(text: str, *, name: str = "offices file") -> list[OfficeSpec]:
    """Parse and validate every office; raise ``OfficesFileError`` on the first file
    problem, or listing every invalid field with its office."""
    try:
        data: Any = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise OfficesFileError(
            f"{name}: not valid {'JSON' if name.endswith('.json') else 'YAML'}: {exc}"
        ) from None
    if isinstance(data, dict):
        data = data.get("offices")
    if not isinstance(data, list) or not data:
        raise OfficesFileError(f"{name}: expected a non-empty list under 'offices'")
    specs: list[OfficeSpec] = []
    problems: list[str] = []
    for index, raw in enumerate(data):
        label = raw.get("code") if isinstance(raw, dict) and raw.get("code") else f"#{index + 1}"
        try:
            specs.append(OfficeSpec.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"office {label}: {_where(err['loc'])}: {message}")
    codes = [s.code for s in specs]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"office {code}: code: appears more than once")
    if problems:
        raise OfficesFileError("\n".join(problems))
    return specs


def read_offices_file(path: Path) -> list[OfficeSpec]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OfficesFileError(f"{path}: cannot read: {exc}") from None
    return parse_offices(text, name=path.name)


def _office_fields(spec: OfficeSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "address": spec.address,
        "city": spec.city,
        "province": spec.province,
        "timezone": spec.timezone,
        "latitude": spec.latitude,
        "longitude": spec.longitude,
        "phone": spec.phone,
        "active": spec.active,
        "daily_quota": spec.quota.daily,
        "priority_quota": spec.quota.priority,
        "walk_in_quota": spec.quota.walk_in,
        "release_window_days": spec.release.window_days,
        "release_rule": spec.release.rule,
    }


RuleKey = tuple[str, time, time, str, int]


async def _rules_of(session: AsyncSession, office_id: int) -> list[RuleKey]:
    rows = await session.exec(select(SessionRule).where(SessionRule.office_id == office_id))
    return sorted((r.label, r.start, r.end, r.rule, r.share) for r in rows)


def _rules_in(spec: OfficeSpec) -> list[RuleKey]:
    return sorted((s.label, s.start, s.end, s.rule, s.share) for s in spec.sessions)


async def load_offices(ctx: Domain, specs: list[OfficeSpec], *, actor: str) -> tuple[int, int]:
    """Insert or update the offices in one transaction; returns (created, updated).

    Session rules are replaced; slots already released keep their times and seats.
    """

    async def tx(session: AsyncSession) -> tuple[int, int]:
        created = updated = 0
        for spec in specs:
            office = (await session.exec(select(Office).where(Office.code == spec.code))).first()
            fields = _office_fields(spec)
            if office is None:
                office = Office(code=spec.code, **fields)
                created += 1
                before = None
            else:
                before = {k: getattr(office, k) for k in fields}
                for key, value in fields.items():
                    setattr(office, key, value)
                updated += 1
            session.add(office)
            await session.flush()
            assert office.id is not None
            rules_before = await _rules_of(session, office.id)
            await session.exec(delete(SessionRule).where(col(SessionRule.office_id) == office.id))
            for s in spec.sessions:
                session.add(
                    SessionRule(
                        office_id=office.id,
                        label=s.label,
                        start=s.start,
                        end=s.end,
                        rule=s.rule,
                        share=s.share,
                    )
                )
            was = json.loads(json.dumps(before, default=str)) if before else None
            now = json.loads(json.dumps(fields, default=str))
            if was == now and rules_before == _rules_in(spec):
                continue  # loaded again unchanged (as the playground does at every start)
            record(
                session,
                ctx.now(),
                actor=actor,
                office_id=office.id,
                action="load_office",
                before=was,
                after=now,
            )
        return created, updated

    return await ctx.db.transact(tx)
