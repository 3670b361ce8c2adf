"""The draw under failure and concurrency, and its verification (issue 12 §2-3):
a draw killed halfway runs again identically, two instances draw once, the
request limits hold under concurrent submits, and verify-draw detects tampering."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from booking.appointments.groups import MemberChoice
from booking.cli.main import main as cli_main
from booking.core.clock import FixedClock
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import AlreadyRequested
from booking.core.kinds import PriorityReason, RequestStatus, ServiceType
from booking.db.engine import create_database
from booking.db.models import BookingGroup, Draw, DrawRequest, Notification
from booking.draw.drawing import run_due_draws
from booking.draw.requests import Choice, submit_request
from booking.draw.verify import verify_draw
from booking.people.members import save_member
from tests.db_helpers import slot_problems
from tests.draw_helpers import DRAW_AT, DRAW_DAY, add_draw_office
from tests.factories import add_applicant, make_nik

ROOT = Path(__file__).resolve().parent.parent
NEW = ServiceType.NEW
ALONE = [MemberChoice(None, NEW)]


async def _requests(ctx: Domain, office_id: int, n: int, first: int = 3000) -> None:
    """``n`` accounts request alone, for Pagi first, then any session of the day."""
    for i in range(n):
        await add_applicant(ctx, first + i, serial=500 + i)
        await submit_request(
            ctx,
            telegram_id=first + i,
            office_id=office_id,
            members=ALONE,
            choices=[Choice(DRAW_DAY, "Pagi"), Choice(DRAW_DAY)],
        )


async def _drawn(ctx: Domain) -> list[DrawRequest]:
    async with ctx.db.reader() as session:
        draw_id = (await session.exec(select(Draw.id).where(Draw.release_at == DRAW_AT))).one()
        return list(
            await session.exec(
                select(DrawRequest)
                .where(DrawRequest.draw_id == draw_id)
                .order_by(col(DrawRequest.position))
            )
        )


async def _groups(ctx: Domain) -> int:
    async with ctx.db.reader() as session:
        return int((await session.exec(select(func.count()).select_from(BookingGroup))).one())


async def test_a_draw_killed_halfway_runs_again_and_assigns_everyone_once(
    ctx: Domain, clock: FixedClock, settings: BookingSettings, database_url: str
) -> None:
    office_id = await add_draw_office(ctx, clock, daily=6)
    await _requests(ctx, office_id, 8)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.draw_worker",
        database_url,
        str(settings.data_dir),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert worker.stdout is not None
    for _ in range(3):  # three requests into the draw's transaction
        line = await asyncio.wait_for(worker.stdout.readline(), timeout=60)
        assert line.strip() == b"assigning", line
    worker.kill()
    await worker.wait()
    assert await _groups(ctx) == 0  # rolled back: nobody booked
    assert all(r.status == RequestStatus.PENDING for r in await _drawn(ctx))
    clock.set(DRAW_AT)
    [outcome] = await run_due_draws(ctx)
    assert (outcome.requests, outcome.won) == (8, 6)
    drawn = await _drawn(ctx)
    assert [r.position for r in drawn] == list(range(1, 9))
    assert await _groups(ctx) == 6 == len({r.group_id for r in drawn if r.group_id})
    assert await slot_problems(ctx) == []
    assert (await verify_draw(ctx, "DRAW", str(outcome.draw_id))).matches


async def test_two_instances_draw_a_release_once(
    ctx: Domain, clock: FixedClock, settings: BookingSettings
) -> None:
    office_id = await add_draw_office(ctx, clock, daily=4)
    await _requests(ctx, office_id, 6)
    clock.set(DRAW_AT)
    other = Domain(
        db=create_database(settings.effective_database_url),
        clock=clock,
        settings=settings,
        nik_key=ctx.nik_key,
    )
    try:
        first, second = await asyncio.gather(run_due_draws(ctx), run_due_draws(other))
    finally:
        await other.db.dispose()
    assert len(first) + len(second) == 1
    assert await _groups(ctx) == 4
    assert await slot_problems(ctx) == []


async def test_concurrent_requests_for_one_nik_or_one_account_one_wins(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    child_nik = make_nik(date(2016, 4, 4), serial=77)
    children = []
    for telegram_id in (4001, 4002):  # two parents, one child
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        child = await save_member(ctx, telegram_id=telegram_id, full_name="Anak", nik=child_nik)
        children.append(child.id)

    async def request(telegram_id: int, child_id: int) -> object:
        try:
            return await submit_request(
                ctx,
                telegram_id=telegram_id,
                office_id=office_id,
                members=[MemberChoice(child_id, NEW)],
                choices=[Choice(DRAW_DAY)],
            )
        except AlreadyRequested as refused:
            return refused

    by_nik = await asyncio.gather(request(4001, children[0]), request(4002, children[1]))
    assert sorted(type(r).__name__ for r in by_nik) == ["AlreadyRequested", "RequestView"]
    assert next(r for r in by_nik if isinstance(r, AlreadyRequested)).by == "nik"
    await add_applicant(ctx, 4003, serial=4003)

    async def alone() -> object:
        try:
            return await submit_request(
                ctx, telegram_id=4003, office_id=office_id, members=ALONE, choices=[Choice(None)]
            )
        except AlreadyRequested as refused:
            return refused

    by_account = await asyncio.gather(alone(), alone())
    assert sorted(type(r).__name__ for r in by_account) == ["AlreadyRequested", "RequestView"]


async def test_priority_members_take_priority_seats_first_and_groups_stay_whole(
    ctx: Domain, clock: FixedClock
) -> None:
    # Pagi and Siang: 2 regular seats each, 1 priority seat each.
    office_id = await add_draw_office(ctx, clock, daily=4, priority=2)
    await add_applicant(ctx, 5001, serial=5001)
    grandma = await save_member(
        ctx, telegram_id=5001, full_name="Nenek", nik=make_nik(date(1950, 1, 1), serial=51)
    )
    await submit_request(
        ctx,
        telegram_id=5001,
        office_id=office_id,
        members=[MemberChoice(None, NEW), MemberChoice(grandma.id, NEW, PriorityReason.ELDERLY)],
        choices=[Choice(DRAW_DAY, "Pagi")],
    )
    await add_applicant(ctx, 5002, serial=5002)
    family = [MemberChoice(None, NEW)]
    for n in range(2):
        kid = await save_member(
            ctx,
            telegram_id=5002,
            full_name=f"Anak {'AB'[n]}",
            nik=make_nik(date(2012, 2, 2), serial=60 + n),
        )
        family.append(MemberChoice(kid.id, NEW))
    # Three people: no session has 3 regular seats, so this group fits nowhere.
    await submit_request(
        ctx, telegram_id=5002, office_id=office_id, members=family, choices=[Choice(None)]
    )
    clock.set(DRAW_AT)
    [outcome] = await run_due_draws(ctx)
    assert (outcome.won, outcome.waitlisted) == (1, 1), outcome
    async with ctx.db.reader() as session:
        pools = sorted(
            r[0]
            for r in await session.exec(text("SELECT pool FROM appointment"))  # type: ignore[call-overload]
        )
    assert pools == ["priority", "regular"]
    assert await slot_problems(ctx) == []
    assert (await verify_draw(ctx, "DRAW", DRAW_AT.date().isoformat())).matches


async def test_results_go_through_the_outbox_winners_confirmed_from_the_draw(
    ctx: Domain, clock: FixedClock
) -> None:
    ctx.settings.confirmations_in_outbox = True
    office_id = await add_draw_office(ctx, clock, daily=2)  # Pagi 1, Siang 1
    await _requests(ctx, office_id, 3)
    clock.set(DRAW_AT)
    [outcome] = await run_due_draws(ctx)
    assert (outcome.won, outcome.waitlisted) == (2, 1)
    async with ctx.db.reader() as session:
        rows = list(await session.exec(select(Notification)))
    confirmations = [r for r in rows if r.template == "booking_confirmation"]
    assert len(confirmations) == 2
    assert all(r.args == {"source": "draw"} and r.lease_owner is None for r in confirmations)
    [lost] = [r for r in rows if r.template == "draw_lost"]
    assert lost.args is not None and lost.args["request_id"] is not None
    assert lost.args["position"] == 1 and lost.args["timezone"] == "Asia/Jakarta"


async def test_verify_draw_matches_and_detects_a_tampered_assignment(
    ctx: Domain,
    clock: FixedClock,
    settings: BookingSettings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office_id = await add_draw_office(ctx, clock, daily=4)
    await _requests(ctx, office_id, 6)
    clock.set(DRAW_AT)
    [outcome] = await run_due_draws(ctx)
    for name, value in {
        "DATABASE_URL": settings.effective_database_url,
        "DATA_DIR": str(settings.data_dir),
        "NIK_SECRET": "unused",
    }.items():
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(cli_main, ["verify-draw", "DRAW", str(outcome.draw_id)]) == 0
    assert "matches" in capsys.readouterr().out
    drawn = await _drawn(ctx)
    winner, loser = drawn[0], drawn[-1]
    async with ctx.db.engine.begin() as conn:  # swap a winner's session for the loser's gain
        await conn.execute(
            text("UPDATE draw_request SET position = :p WHERE id = :id"),
            {"p": winner.position, "id": loser.id},
        )
    result = await verify_draw(ctx, "DRAW", str(outcome.draw_id))
    assert not result.matches and any(str(loser.id) in p for p in result.problems)
    assert await asyncio.to_thread(cli_main, ["verify-draw", "DRAW", str(outcome.draw_id)]) == 1
    captured = capsys.readouterr()
    assert "does not match" in captured.err
    async with ctx.db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE draw_request SET position = :p WHERE id = :id"),
            {"p": loser.position, "id": loser.id},
        )
        await conn.execute(
            text("UPDATE draw_request SET slot_id = NULL, status = 'lost' WHERE id = :id"),
            {"id": winner.id},
        )
    assert not (await verify_draw(ctx, "DRAW", str(outcome.draw_id))).matches
