"""A reschedule's, a rebooking's and a cancellation's confirmations must arrive
(issue 15): they are outbox rows written in the change's own transaction, leased
to the bot's handler. The handler records what it showed; when it never does (the
process stopped), the sender claims them once the hand-off lapses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from booking.admin.closures import close_day, rebook_group
from booking.appointments.groups import book_group, cancel_group, cancel_member, reschedule_group
from booking.core.config import BookingSettings
from booking.core.kinds import NotificationStatus
from booking.db.models import Notification
from booking.notify.confirmations import (
    CALENDAR,
    CANCELLATION,
    CONFIRMATION,
    HANDLER,
    QR_CODE,
    mark_handled,
)
from booking.notify.outbox import claim_due
from bot.notices import Notices
from tests.conftest import TUE, WED
from tests.factories import add_office, office_spec
from tests.test_booking_rules import slot_of
from tests.test_groups import choices, family


@pytest.fixture
def settings(settings: BookingSettings) -> BookingSettings:
    return settings.model_copy(update={"confirmations_in_outbox": True})


@pytest.fixture
async def office_id(ctx) -> int:
    return await add_office(ctx, office_spec(daily=5, priority=1))


async def pending(ctx, kinds: tuple[str, ...]) -> list[Notification]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Notification)
            .where(
                col(Notification.kind).in_(kinds),
                col(Notification.status) == NotificationStatus.PENDING,
            )
            .order_by(col(Notification.id))
        )
        return list(rows)


async def test_a_rescheduled_group_gets_a_new_confirmation_leased_to_the_handler(
    ctx, office_id, clock
):
    people = await family(ctx, 71, 2)
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    group = await book_group(ctx, telegram_id=71, slot_id=tue, members=choices(people))
    first = [(m.id, kind) for m in group.members for kind in (CONFIRMATION, QR_CODE, CALENDAR)]
    assert await mark_handled(ctx, first) == 4  # text, two QR codes, .ics: shown

    await reschedule_group(ctx, telegram_id=71, group_id=group.id, new_slot_id=wed)
    moved = await pending(ctx, (CONFIRMATION, QR_CODE, CALENDAR))
    lead, second = (m.id for m in group.members)
    assert [(r.appointment_id, r.kind) for r in moved] == [
        (lead, CONFIRMATION),
        (lead, QR_CODE),
        (second, QR_CODE),
        (lead, CALENDAR),
    ]
    assert {r.lease_owner for r in moved} == {HANDLER}
    # Within the hand-off, the sender leaves them to the handler ...
    assert await claim_due(ctx, "sender", 10, 30) == []
    # ... and after it (the handler never recorded them), the sender sends them.
    clock.advance(timedelta(seconds=ctx.settings.confirmation_handoff_s + 1))
    claimed = await claim_due(ctx, "sender", 10, 30)
    assert sorted(r.id for r in claimed) == sorted(r.id for r in moved)


async def test_a_rebooking_after_a_closure_is_confirmed_durably(ctx, office_id):
    people = await family(ctx, 72, 2)
    tue, wed = await slot_of(ctx, office_id, TUE), await slot_of(ctx, office_id, WED)
    group = await book_group(ctx, telegram_id=72, slot_id=tue, members=choices(people))
    await mark_handled(
        ctx, [(m.id, k) for m in group.members for k in (CONFIRMATION, QR_CODE, CALENDAR)]
    )
    await close_day(ctx, office_id, TUE, "Pemadaman listrik", actor="test")
    rebooked = await rebook_group(ctx, telegram_id=72, group_id=group.id, new_slot_id=wed)
    rows = await pending(ctx, (CONFIRMATION, QR_CODE, CALENDAR))
    assert {r.appointment_id for r in rows} == {m.id for m in rebooked.members}
    assert len(rows) == 4


async def test_a_cancellation_is_confirmed_once_shown_or_by_the_sender(ctx, office_id, clock):
    people = await family(ctx, 73, 3)
    tue = await slot_of(ctx, office_id, TUE)
    group = await book_group(ctx, telegram_id=73, slot_id=tue, members=choices(people))
    first, *rest = group.members

    await cancel_member(ctx, telegram_id=73, appointment_id=first.id)
    [one] = await pending(ctx, (CANCELLATION,))
    assert (one.appointment_id, one.args, one.lease_owner) == (
        first.id,
        {"codes": [first.code]},
        HANDLER,
    )
    assert await mark_handled(ctx, [(first.id, CANCELLATION)]) == 1  # shown by the handler
    assert await pending(ctx, (CANCELLATION,)) == []

    await cancel_group(ctx, telegram_id=73, group_id=group.id)
    [everyone] = await pending(ctx, (CANCELLATION,))
    assert everyone.args == {"codes": [m.code for m in rest]}
    clock.advance(timedelta(seconds=ctx.settings.confirmation_handoff_s + 1))
    [claimed] = [r for r in await claim_due(ctx, "sender", 10, 30) if r.kind == CANCELLATION]
    assert claimed.id == everyone.id
    text = Notices().render(claimed).text  # in the applicant's language (id)
    assert all(m.code in text for m in rest) and "dibatalkan" in text
