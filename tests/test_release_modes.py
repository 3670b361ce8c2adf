"""Release modes per office (issue 12 §1) and "when dates open" (§5)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from booking.admin.audit import audit_log
from booking.admin.offices_file import parse_offices
from booking.admin.quotas import quota_settings, set_release_mode
from booking.calendar.release import release_slots
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.errors import InvalidReleasePolicy, NoUpcomingRelease
from booking.core.kinds import ReleaseMode
from booking.db.models import Notification
from booking.draw.drawing import run_due_draws
from booking.draw.opening import opening_of, release_rule_text
from booking.draw.reminders import remind_when_open
from booking.offices.lookup import get_office
from tests.conftest import FRI
from tests.draw_helpers import DRAW_AT, DRAW_DAY, add_draw_office
from tests.factories import add_office


def test_the_offices_file_takes_a_release_mode_and_the_jakarta_samples_draw() -> None:
    from pathlib import Path

    import booking

    specs = parse_offices((Path(booking.__file__).parent / "data" / "offices.yaml").read_text())
    modes = {s.code: s.release.mode for s in specs}
    assert modes["JAKSEL"] is ReleaseMode.DRAW and modes["JAKPUS"] is ReleaseMode.DRAW
    assert modes["BATAM"] is ReleaseMode.FIRST_COME
    assert {s.code: s.release.request_window_hours for s in specs}["JAKSEL"] == 24


async def test_an_admin_sets_the_release_mode_audited(ctx: Domain) -> None:
    office_id = await add_office(ctx)
    await set_release_mode(
        ctx, office_id, ReleaseMode.DRAW, actor="telegram:7", request_window_hours=12
    )
    office = await get_office(ctx, office_id)
    assert office.release_mode == ReleaseMode.DRAW and office.request_window_hours == 12
    shown = await quota_settings(ctx, office_id)
    assert (shown.release_mode, shown.request_window_hours) == (ReleaseMode.DRAW, 12)
    assert office.release_mode_since == ctx.now()
    [entry] = [e for e in await audit_log(ctx, office_id) if e.action == "set_release_mode"]
    assert entry.before == {"mode": "first-come", "hours": 24}
    assert entry.after == {"mode": "draw", "hours": 12}
    with pytest.raises(InvalidReleasePolicy):
        await set_release_mode(ctx, office_id, ReleaseMode.DRAW, actor="t", request_window_hours=0)


async def test_a_locked_day_says_when_it_opens_and_when_requests_open(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    assert await opening_of(ctx, office_id, FRI) is None  # released already
    opening = await opening_of(ctx, office_id, DRAW_DAY)
    assert opening is not None and opening.mode is ReleaseMode.DRAW
    assert opening.release_at == DRAW_AT
    assert opening.requests_open_at == DRAW_AT - timedelta(hours=24)
    later = await opening_of(ctx, office_id, DRAW_DAY + timedelta(days=2))
    assert later is not None and later.release_at == DRAW_AT + timedelta(days=2)
    first_come = await add_office(ctx)  # daily 00:00 WIB, 14 days ahead
    far = ctx.now().date() + timedelta(days=20)
    opens = await opening_of(ctx, first_come, far)
    assert opens is not None and opens.mode is ReleaseMode.FIRST_COME
    assert opens.requests_open_at is None
    rule = await release_rule_text(ctx, office_id)
    assert (rule.mode, rule.at, rule.weekdays, rule.window_days) == (
        ReleaseMode.DRAW,
        time(8, 0),
        None,
        7,
    )
    assert rule.zone == "WIB" and rule.next_opening is not None


async def test_remind_me_queues_one_notice_per_account_and_release(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    later = DRAW_DAY + timedelta(days=1)
    first = await remind_when_open(
        ctx, telegram_id=5, office_id=office_id, day=later, language="en"
    )
    again = await remind_when_open(
        ctx, telegram_id=5, office_id=office_id, day=later, language="en"
    )
    assert first.new and not again.new
    assert first.due_at == first.requests_open_at == DRAW_AT  # the next window opens then
    async with ctx.db.reader() as session:
        [row] = list(await session.exec(select(Notification)))
    assert row.template == "release_opening" and row.args is not None
    assert row.args["mode"] == "draw" and row.due_at == DRAW_AT
    with pytest.raises(NoUpcomingRelease):
        await remind_when_open(ctx, telegram_id=5, office_id=office_id, day=FRI, language="id")


async def test_switching_back_to_first_come_waits_for_the_open_draw(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    with pytest.raises(InvalidReleasePolicy) as refused:
        await set_release_mode(ctx, office_id, ReleaseMode.FIRST_COME, actor="t")
    assert refused.value.field == "mode"
    clock.set(DRAW_AT)
    await run_due_draws(ctx)
    async with ctx.db.engine.begin() as conn:  # the next window's draw, not run yet
        await conn.execute(text("DELETE FROM draw WHERE status = 'open'"))
    await set_release_mode(ctx, office_id, ReleaseMode.FIRST_COME, actor="t")
    later = DRAW_DAY + timedelta(days=1)  # opened by the release at DRAW_AT + 1 day
    clock.set(DRAW_AT + timedelta(days=1))
    await release_slots(ctx)
    assert await opening_of(ctx, office_id, later) is None  # released, first-come
