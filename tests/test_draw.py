"""The fair release draw (issue 12 §1-3): requests over a window, then seats in a
verifiable random order, in one transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from booking.appointments.groups import MemberChoice, book_group, groups_of
from booking.calendar.availability import day_availability
from booking.calendar.release import release_slots
from booking.calendar.views import DayStatus
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyRequested,
    ChoiceNotInRelease,
    RequestNotFound,
    RequestWindowClosed,
    TooManyChoices,
)
from booking.core.kinds import DrawStatus, RequestStatus, ServiceType
from booking.db.models import AuditLog, Draw, DrawRequest, Slot
from booking.draw.drawing import run_due_draws, run_release_draws
from booking.draw.requests import (
    Choice,
    change_request,
    requests_of,
    submit_request,
    withdraw_request,
)
from booking.draw.seeds import drawn_order, seed_hash
from booking.draw.verify import verify_draw
from booking.draw.windows import draw_status, open_draw
from booking.people.members import save_member
from booking.waitlist.entries import waitlist_of
from tests.conftest import FRI
from tests.db_helpers import slot_problems
from tests.draw_helpers import DRAW_AT, DRAW_DAY, add_draw_office
from tests.factories import add_applicant, make_nik

NEW = ServiceType.NEW
ALONE = [MemberChoice(None, NEW)]


async def _slots_on(ctx: Domain, day: date) -> list[Slot]:
    async with ctx.db.reader() as session:
        return list(await session.exec(select(Slot).where(Slot.day == day)))


async def test_a_draw_mode_release_opens_its_window_with_a_seed_hash_and_keeps_its_days_closed(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    view = await open_draw(ctx, office_id)
    assert view is not None
    assert view.release_at == DRAW_AT and view.requests_close_at == DRAW_AT
    assert view.days == (DRAW_DAY,) and view.sessions[DRAW_DAY] == ("Pagi", "Siang")
    assert len(view.seed_hash) == 64 and view.status is DrawStatus.OPEN
    # The release job leaves the draw's day alone, even after the release moment.
    clock.set(DRAW_AT + timedelta(minutes=1))
    await release_slots(ctx)
    assert await _slots_on(ctx, DRAW_DAY) == []
    days = await day_availability(ctx, office_id, DRAW_DAY, DRAW_DAY)
    assert days[0].status is DayStatus.NOT_RELEASED
    # An earlier day (first-come, released before draw mode) is bookable.
    assert await _slots_on(ctx, FRI) != []


async def test_requests_are_limited_per_account_and_nik_and_change_until_the_window_closes(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    await add_applicant(ctx, 1001, serial=1)
    parent = await add_applicant(ctx, 1002, serial=2)
    assert parent is not None
    child = await save_member(
        ctx, telegram_id=1002, full_name="Anak Satu", nik=make_nik(date(2015, 3, 3), serial=9)
    )
    # The other parent saves the same child.
    await add_applicant(ctx, 1003, serial=3)
    await save_member(
        ctx, telegram_id=1003, full_name="Anak Satu", nik=make_nik(date(2015, 3, 3), serial=9)
    )
    first = await submit_request(
        ctx,
        telegram_id=1001,
        office_id=office_id,
        members=ALONE,
        choices=[Choice(DRAW_DAY, "Pagi")],
    )
    assert first.status is RequestStatus.PENDING and first.draw_at == DRAW_AT
    assert first.seed_hash == first.draw.seed_hash and first.members[0].nik_masked
    with pytest.raises(AlreadyRequested) as by_account:
        await submit_request(
            ctx, telegram_id=1001, office_id=office_id, members=ALONE, choices=[Choice(None)]
        )
    assert by_account.value.by == "account"
    await submit_request(
        ctx,
        telegram_id=1002,
        office_id=office_id,
        members=[MemberChoice(None, NEW), MemberChoice(child.id, NEW)],
        choices=[Choice(DRAW_DAY)],
    )
    other_child = (await _members(ctx, 1003))[0]
    with pytest.raises(AlreadyRequested) as by_nik:
        await submit_request(
            ctx,
            telegram_id=1003,
            office_id=office_id,
            members=[MemberChoice(other_child, NEW)],
            choices=[Choice(DRAW_DAY)],
        )
    assert by_nik.value.by == "nik" and by_nik.value.member_id == other_child
    with pytest.raises(TooManyChoices):
        await submit_request(
            ctx, telegram_id=1003, office_id=office_id, members=ALONE, choices=[Choice(None)] * 4
        )
    for outside in (
        Choice(DRAW_DAY, "Malam"),
        Choice(DRAW_DAY + timedelta(days=1)),
        Choice(None, "Pagi"),
    ):
        with pytest.raises(ChoiceNotInRelease):
            await submit_request(
                ctx, telegram_id=1003, office_id=office_id, members=ALONE, choices=[outside]
            )
    changed = await change_request(
        ctx,
        telegram_id=1001,
        request_id=first.id,
        choices=[Choice(DRAW_DAY, "Siang"), Choice(None)],
    )
    assert changed.choices == (Choice(DRAW_DAY, "Siang"), Choice(None, None))
    with pytest.raises(RequestNotFound):
        await withdraw_request(ctx, telegram_id=1003, request_id=first.id)
    withdrawn = await withdraw_request(ctx, telegram_id=1001, request_id=first.id)
    assert withdrawn.status is RequestStatus.WITHDRAWN
    again = await submit_request(
        ctx, telegram_id=1001, office_id=office_id, members=ALONE, choices=[Choice(None)]
    )
    assert [r.id for r in await requests_of(ctx, 1001)] == [again.id, first.id]
    clock.set(DRAW_AT)
    with pytest.raises(RequestWindowClosed):
        await change_request(ctx, telegram_id=1001, request_id=again.id, choices=[Choice(None)])
    with pytest.raises(RequestWindowClosed):
        await submit_request(
            ctx, telegram_id=1003, office_id=office_id, members=ALONE, choices=[Choice(None)]
        )
    async with ctx.db.reader() as session:
        actions = list(await session.exec(select(AuditLog.action)))
    assert actions.count("draw_request") == 3 and "draw_request_withdrawn" in actions
    assert "draw_request_changed" in actions


async def _members(ctx: Domain, telegram_id: int) -> list[int]:
    from booking.people.members import members_of

    return [m.id for m in await members_of(ctx, telegram_id) if not m.is_holder]


async def test_a_nik_with_an_active_appointment_cannot_request(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    await add_applicant(ctx, 1001, serial=1)
    slot = (await _slots_on(ctx, FRI))[0]
    assert slot.id is not None
    await book_group(ctx, telegram_id=1001, slot_id=slot.id, members=ALONE)
    with pytest.raises(ActiveAppointmentExists):
        await submit_request(
            ctx, telegram_id=1001, office_id=office_id, members=ALONE, choices=[Choice(None)]
        )


async def test_the_draw_assigns_in_seeded_order_by_preference_and_group_size(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock, daily=4)  # Pagi 2, Siang 2
    for n in range(6):
        await add_applicant(ctx, 2000 + n, serial=100 + n)
        await submit_request(
            ctx,
            telegram_id=2000 + n,
            office_id=office_id,
            members=ALONE,
            choices=[Choice(DRAW_DAY, "Pagi"), Choice(DRAW_DAY)],
        )
    assert await run_due_draws(ctx) == []  # not yet
    clock.set(DRAW_AT)
    [outcome] = await run_release_draws(ctx)
    assert (outcome.requests, outcome.won, outcome.waitlisted) == (6, 4, 2)
    async with ctx.db.reader() as session:
        draw = (await session.exec(select(Draw).where(Draw.release_at == DRAW_AT))).one()
        requests = list(await session.exec(select(DrawRequest).order_by(col(DrawRequest.position))))
    assert draw.status == DrawStatus.DRAWN and draw.seed is not None
    assert seed_hash(draw.seed) == draw.seed_hash
    assert [r.id for r in requests] == drawn_order(draw.seed, [r.id for r in requests])
    pagi, siang = sorted(await _slots_on(ctx, DRAW_DAY), key=lambda s: s.start_utc)
    # The first two drawn get Pagi (their first choice), the next two Siang.
    assert [r.slot_id for r in requests] == [pagi.id, pagi.id, siang.id, siang.id, None, None]
    assert [r.status for r in requests[4:]] == [RequestStatus.WAITLISTED] * 2
    # The losers wait for the dates of their choices, in drawn order.
    for place, loser in enumerate(requests[4:], start=1):
        [entry] = await waitlist_of(ctx, loser.telegram_id)
        assert (entry.office_id, entry.position) == (office_id, place)
        assert (entry.wish.first_day, entry.wish.last_day) == (DRAW_DAY, DRAW_DAY)
    assert await slot_problems(ctx) == []
    for r in requests[:4]:
        [group] = await groups_of(ctx, r.telegram_id)
        assert group.id == r.group_id
    # Seats left afterwards are first-come, and the draw is not run twice.
    assert await run_release_draws(ctx) == []
    async with ctx.db.reader() as session:
        actions = list(await session.exec(select(AuditLog.action)))
    assert "draw_window_opened" in actions and actions.count("draw") == 1
    view = next(v for v in await draw_status(ctx, office_id) if v.id == draw.id)
    assert view.seed == draw.seed and view.requests == 6


async def test_a_release_whose_window_the_jobs_missed_is_drawn_when_they_run_again(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock)
    async with ctx.db.engine.begin() as conn:  # as if no instance ran during the window
        await conn.execute(text("DELETE FROM draw"))
    clock.set(DRAW_AT + timedelta(hours=2))
    drawn = await run_release_draws(ctx)
    assert [(o.requests, o.won) for o in drawn] == [(0, 0)]
    assert {s.label for s in await _slots_on(ctx, DRAW_DAY)} == {"Pagi", "Siang"}
    assert await open_draw(ctx, office_id) is not None  # the next release's window


async def test_a_request_whose_member_booked_meanwhile_is_dropped_and_not_waitlisted(
    ctx: Domain, clock: FixedClock
) -> None:
    office_id = await add_draw_office(ctx, clock, daily=4)
    for telegram_id in (6001, 6002):
        await add_applicant(ctx, telegram_id, serial=telegram_id)
        await submit_request(
            ctx, telegram_id=telegram_id, office_id=office_id, members=ALONE, choices=[Choice(None)]
        )
    slot = (await _slots_on(ctx, FRI))[0]
    assert slot.id is not None
    await book_group(ctx, telegram_id=6001, slot_id=slot.id, members=ALONE)  # first-come
    clock.set(DRAW_AT)
    [outcome] = await run_due_draws(ctx)
    assert (outcome.won, outcome.dropped) == (1, 1)
    [dropped] = [r for r in await requests_of(ctx, 6001)]
    assert dropped.status is RequestStatus.DROPPED and dropped.group_id is None
    assert await waitlist_of(ctx, 6001) == []
    assert [g.slot_id for g in await groups_of(ctx, 6001)] == [slot.id]
    assert (await verify_draw(ctx, "DRAW", str(outcome.draw_id))).matches
