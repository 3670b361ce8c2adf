"""The queue in the applicant's chat: "My appointments" on the day (checked in, the
number, how many are ahead, the estimated wait; no reschedule or cancel), and the
"your turn" and heads-up messages in both languages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from booking.admin.checkin import check_in
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.notify.outbox import ClaimedNotification
from booking.queue.calling import CALLED_TEMPLATE, HEADS_UP_TEMPLATE
from booking.queue.tickets import queue_state
from bot.notices import Notices
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.flows import switch_language
from tests.bot.office_day import IN_WINDOW, arrive_command
from tests.bot.recording import Chat_
from tests.conftest import TODAY


def notice(template: str, args: dict[str, object], language: str) -> str:
    claimed = ClaimedNotification(
        id=1,
        recipient=880000001,
        kind=template,
        template=template,
        args=args,
        language=language,
        due_at=datetime(2026, 11, 30, tzinfo=UTC),
        late=False,
        attempts=0,
        office_id=1,
        appointment_id=None,
    )
    return Notices().render(claimed).text


@pytest.mark.parametrize(
    ("language", "called", "heads_up"),
    [
        ("en", "Your turn: number 017, please go to Loket 3.", "Your turn is near: number 017"),
        ("id", "Giliran Anda: nomor 017, silakan ke Loket 3.", "Giliran Anda sebentar lagi"),
    ],
)
async def test_the_queue_messages_in_both_languages(
    language: str, called: str, heads_up: str
) -> None:
    args = {"number": "017", "counter": "Loket 3", "office": "Kantor Imigrasi TEST"}
    assert called in notice(CALLED_TEMPLATE, args, language)
    args = {"number": "017", "ahead": 3, "office": "Kantor Imigrasi TEST"}
    assert heads_up in notice(HEADS_UP_TEMPLATE, args, language)


async def test_my_appointments_on_the_day(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    first = await booked(ctx, office, 880000401, TODAY)
    chat = new_chat()
    await switch_language(chat, "en")
    mine = await booked(ctx, office, chat.user_id, TODAY)
    clock.set(IN_WINDOW)
    await check_in(ctx, office, first.code, actor="test")
    await chat.send(await arrive_command(ctx, office))
    [state] = await queue_state(ctx, telegram_id=chat.user_id)

    await chat.send("/my")
    text = chat.last_text()
    assert "Today at the office:" in text
    assert f"Queue number {state.ticket.label} · " in text
    assert "1 person ahead of you" in text
    assert "Estimated wait: about" in text
    # Checked in: nothing to change any more.
    datas = [d for _, d in chat.last_keyboard()]
    assert not any(d.startswith(("ap:reschedule", "ap:cancel", "ap:renew")) for d in datas)
    assert mine.code in text


@SQLITE_ONLY
async def test_my_appointments_before_check_in_shows_no_queue(
    ctx: Domain, clock: FixedClock, office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await switch_language(chat, "en")
    await booked(ctx, office, chat.user_id, TODAY)
    clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    await chat.send("/my")
    assert "Today at the office" not in chat.last_text()
    assert any(d.startswith("ap:cancel") for _, d in chat.last_keyboard())
