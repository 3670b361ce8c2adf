"""Free-text questions in the chat: answers, feedback, the office asked with buttons,
abstaining, forged buttons, and a question typed during a booking step."""

from __future__ import annotations

from sqlmodel import col, select

from booking.core.context import Domain
from booking.db.models import Question
from tests.bot.conftest import SQLITE_ONLY, ChatIn
from tests.bot.flows import reach_people

pytestmark = SQLITE_ONLY


async def questions_of(ctx: Domain, telegram_id: int) -> list[Question]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Question).where(Question.telegram_id == telegram_id).order_by(col(Question.id))
        )
        return list(rows)


async def test_a_question_is_answered_with_feedback_buttons(ctx: Domain, chat_in: ChatIn) -> None:
    chat = await chat_in("id")
    await chat.send("brp biaya bikin pasport elektornik 10thn")
    assert "Rp950.000" in chat.last_text()
    buttons = [data for _text, data in chat.last_keyboard()]
    assert [b.split(":")[0] for b in buttons] == ["qf", "qf", "qa"]
    assert "👍 Ini menjawab" in [text for text, _data in chat.last_keyboard()]
    sent = await chat.press("qf:", "Ini menjawab")
    assert any(getattr(r, "text", None) == "Terima kasih atas masukannya." for r in sent)
    [asked] = await questions_of(ctx, chat.user_id)
    assert asked.entry_id == "fees" and asked.helpful is True


async def test_not_helpful_offers_the_staff(ctx: Domain, chat_in: ChatIn) -> None:
    chat = await chat_in("en")
    await chat.send("how much does an electronic passport cost")
    await chat.press("qf:", "does not")
    assert "office's staff" in chat.last_text()
    assert chat.button("qa:")
    [asked] = await questions_of(ctx, chat.user_id)
    assert asked.helpful is False


async def test_the_office_is_asked_with_buttons_when_it_matters(chat_in: ChatIn) -> None:
    chat = await chat_in("en")
    await chat.send("what are the office opening hours")
    assert "Which office" in chat.last_text()
    await chat.press("qo:", "Kota Contoh")
    hours = chat.last_text()
    assert "Kantor Imigrasi TEST" in hours and "08:00–10:00 WIB" in hours
    # The choice is remembered for the next question about "the office".
    await chat.send("what is the office address")
    assert "Jl. Contoh No. 1" in chat.last_text()


async def test_an_office_named_in_the_question_is_used(chat_in: ChatIn) -> None:
    chat = await chat_in("id")
    await chat.send("jam buka kantor imigrasi kota contoh")
    assert "Jam layanan Kantor Imigrasi TEST" in chat.last_text()


async def test_out_of_scope_is_abstained_with_the_staff_offered(
    ctx: Domain, chat_in: ChatIn
) -> None:
    chat = await chat_in("id")
    await chat.send("resep nasi goreng yang enak gimana")
    assert "belum mengerti" in chat.last_text()
    assert chat.button("qa:")
    await chat.send("syarat bikin sim c di polres")
    assert "Satpas" in chat.last_text()  # said what it is, not a passport answer
    assert [q.entry_id for q in await questions_of(ctx, chat.user_id)] == [None, None]


async def test_forged_question_and_ticket_buttons_are_refused(ctx: Domain, chat_in: ChatIn) -> None:
    owner, other = await chat_in("en"), await chat_in("en")
    await owner.send("how much does an electronic passport cost")
    feedback = owner.button("qf:")
    ask = owner.button("qa:")
    for forged in (feedback, ask, "tr:999", "qo:1:1:t", "qf:0:y", "qf:1:maybe"):
        await other.tap(forged)
        assert "This button is no longer valid." in other.last_text(), forged
    [asked] = await questions_of(ctx, owner.user_id)
    assert asked.helpful is None


async def test_a_question_typed_during_a_booking_step_is_that_steps_answer(
    ctx: Domain, chat_in: ChatIn
) -> None:
    chat = await chat_in("en")
    await reach_people(chat)
    await chat.send("Berapa Biaya Paspor")  # the name step: taken as the name
    assert "16-digit" in chat.last_text()
    assert await questions_of(ctx, chat.user_id) == []


async def test_a_message_too_long_is_refused(ctx: Domain, chat_in: ChatIn) -> None:
    chat = await chat_in("en")
    await chat.send("paspor " * 200)
    assert "too long" in chat.last_text() and "1000" in chat.last_text()
    assert await questions_of(ctx, chat.user_id) == []
