"""Tickets, feedback, staff chats and statistics of questions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, col, select

from booking.admin.audit import audit_log
from booking.admin.staff_chat import InvalidStaffChat, set_staff_chat
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import TicketStatus
from booking.db.models import Notification, Question, TicketMessage
from booking.questions.asked import QuestionNotFound, record_feedback, record_question
from booking.questions.facts import last_booked_office, office_facts, office_names
from booking.questions.redact import mask_name, mask_numbers
from booking.questions.stats import question_stats
from booking.questions.tickets import (
    CLOSED,
    FOLLOW_UP,
    STAFF_REPLY,
    TO_STAFF,
    MessageTooLong,
    NoStaffChat,
    TicketClosed,
    TicketLimitReached,
    TicketNotFound,
    applicant_message,
    close_ticket,
    open_ticket,
    open_tickets,
    staff_reply,
    ticket_in_chat,
)
from tests.factories import add_office, make_nik, office_spec
from tests.outbox_helpers import book_on

STAFF_CHAT = -1001234567890
OTHER_CHAT = -1009999999999
APPLICANT = 5551
STAFF = 7001


async def outbox(ctx: Domain) -> list[Notification]:
    async with ctx.db.reader() as session:
        return list(await session.exec(select(Notification).order_by(col(Notification.id))))


async def office_with_staff(ctx: Domain) -> int:
    office_id = await add_office(ctx)
    await set_staff_chat(ctx, office_id, STAFF_CHAT, actor="telegram:1")
    return office_id


async def asked_in(ctx: Domain, office_id: int, text: str, entry_id: str, score: float) -> int:
    """A question the applicant asked in Indonesian, answered with ``entry_id``."""
    return await record_question(
        ctx,
        telegram_id=APPLICANT,
        text=text,
        language="id",
        office_id=office_id,
        entry_id=entry_id,
        score=score,
    )


async def ask(ctx: Domain, office_id: int, text: str = "Boleh bawa fotokopi KK saja?") -> int:
    view = await open_ticket(
        ctx,
        telegram_id=APPLICANT,
        office_id=office_id,
        text=text,
        language="en",
        display_name=mask_name("Budi Santoso"),
    )
    return view.id


async def test_the_migrations_build_what_the_models_describe(ctx: Domain) -> None:
    def diff(connection: object) -> list[object]:
        migration = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(migration, SQLModel.metadata))

    async with ctx.db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    mine = ("staff_chat", "question", "ticket", "ticket_message")
    assert [c for c in changes if any(t in repr(c) for t in mine)] == []


def test_numbers_and_names_are_masked() -> None:
    nik = make_nik(date(1987, 8, 21), female=True, serial=1357)
    assert nik not in mask_numbers(f"NIK saya {nik}")
    assert "3456" not in mask_numbers("hp +62 812-3456-7890 ya")
    assert mask_numbers("31.71.01.61.08.87.1357") == "[•••]"
    assert mask_numbers("paspor 10 tahun Rp950.000") == "paspor 10 tahun Rp950.000"
    assert mask_name("Budi Santoso") == "Bu** Sa*****"


async def test_a_ticket_goes_to_the_staff_chat_through_the_outbox(ctx: Domain) -> None:
    office_id = await office_with_staff(ctx)
    nik = make_nik(date(1990, 5, 17))
    ticket_id = await ask(ctx, office_id, f"Paspor anak saya, NIK {nik}, hp 081234567890?")
    [row] = await outbox(ctx)
    assert row.recipient == STAFF_CHAT and row.template == TO_STAFF
    assert row.args is not None
    assert row.args["ticket"] == ticket_id and row.args["language"] == "en"
    assert row.args["name"] == "Bu** Sa*****"
    assert nik not in repr(row.args) and "081234567890" not in repr(row.args)
    [ticket] = await open_tickets(ctx, STAFF_CHAT)
    assert ticket.id == ticket_id and ticket.status == TicketStatus.OPEN
    assert await open_tickets(ctx, OTHER_CHAT) == []


async def test_reply_answer_back_and_close(ctx: Domain, clock: FixedClock) -> None:
    office_id = await office_with_staff(ctx)
    ticket_id = await ask(ctx, office_id)
    clock.advance(timedelta(minutes=30))
    with pytest.raises(TicketNotFound):  # not this office's staff chat
        await staff_reply(ctx, chat_id=OTHER_CHAT, ticket_id=ticket_id, staff_id=STAFF, text="x")
    answered = await staff_reply(
        ctx, chat_id=STAFF_CHAT, ticket_id=ticket_id, staff_id=STAFF, text="Bawa KK asli."
    )
    assert answered.status == TicketStatus.ANSWERED
    assert answered.first_answer_at == answered.created_at + timedelta(minutes=30)
    with pytest.raises(TicketNotFound):  # someone else's ticket
        await applicant_message(ctx, ticket_id=ticket_id, telegram_id=APPLICANT + 1, text="hi")
    again = await applicant_message(
        ctx, ticket_id=ticket_id, telegram_id=APPLICANT, text="Terima kasih, fotokopi juga?"
    )
    assert again.status == TicketStatus.OPEN
    closed = await close_ticket(ctx, chat_id=STAFF_CHAT, ticket_id=ticket_id, staff_id=STAFF)
    assert closed.status == TicketStatus.CLOSED
    with pytest.raises(TicketClosed):
        await applicant_message(ctx, ticket_id=ticket_id, telegram_id=APPLICANT, text="lagi")
    with pytest.raises(TicketClosed):
        await close_ticket(ctx, chat_id=STAFF_CHAT, ticket_id=ticket_id, staff_id=STAFF)
    rows = await outbox(ctx)
    assert [(r.template, r.recipient) for r in rows] == [
        (TO_STAFF, STAFF_CHAT),
        (STAFF_REPLY, APPLICANT),
        (FOLLOW_UP, STAFF_CHAT),
        (CLOSED, APPLICANT),
    ]
    assert rows[1].language == "en" and rows[1].args and rows[1].args["text"] == "Bawa KK asli."
    async with ctx.db.reader() as session:
        thread = list(await session.exec(select(TicketMessage.sender)))
    assert thread == ["applicant", "staff", "applicant"]
    assert (await ticket_in_chat(ctx, STAFF_CHAT, ticket_id)).closed_at is not None
    assert await open_tickets(ctx, STAFF_CHAT) == []


async def test_ticket_limit_length_and_missing_staff_chat(ctx: Domain, clock: FixedClock) -> None:
    office_id = await office_with_staff(ctx)
    with pytest.raises(MessageTooLong):
        await ask(ctx, office_id, "x" * 1001)
    for _ in range(ctx.settings.ticket_daily_limit):
        await ask(ctx, office_id)
    with pytest.raises(TicketLimitReached):
        await ask(ctx, office_id)
    clock.advance(timedelta(hours=24, seconds=1))
    await ask(ctx, office_id)  # a day later, allowed again
    bare = await add_office(ctx, office_spec("BARE"))
    with pytest.raises(NoStaffChat):
        await ask(ctx, bare)


async def test_staff_chat_setting_is_audited_and_checked(ctx: Domain) -> None:
    office_id = await add_office(ctx)
    with pytest.raises(InvalidStaffChat):
        await set_staff_chat(ctx, office_id, 12345, actor="telegram:1")
    assert await set_staff_chat(ctx, office_id, STAFF_CHAT, actor="telegram:1") is None
    assert await set_staff_chat(ctx, office_id, OTHER_CHAT, actor="telegram:1") == STAFF_CHAT
    entries = await audit_log(ctx, office_id)
    assert [(e.action, e.before, e.after) for e in entries[:2]] == [
        ("set_staff_chat", {"chat_id": STAFF_CHAT}, {"chat_id": OTHER_CHAT}),
        ("set_staff_chat", {"chat_id": None}, {"chat_id": STAFF_CHAT}),
    ]


async def test_feedback_is_recorded_for_the_asker_only(ctx: Domain) -> None:
    office_id = await add_office(ctx)
    question_id = await asked_in(
        ctx, office_id, "brp biaya paspor, nik 3171011705900001", "fees", 9.5
    )
    with pytest.raises(QuestionNotFound):
        await record_feedback(ctx, question_id, APPLICANT + 1, helpful=True)
    await record_feedback(ctx, question_id, APPLICANT, helpful=True)
    async with ctx.db.reader() as session:
        row = await session.get(Question, question_id)
    assert row is not None and row.helpful is True
    assert "3171011705900001" not in row.text


async def test_statistics(ctx: Domain, clock: FixedClock) -> None:
    office_id = await office_with_staff(ctx)
    start = ctx.now() - timedelta(seconds=1)
    first = await ask(ctx, office_id)
    await ask(ctx, office_id)
    clock.advance(timedelta(minutes=10))
    await staff_reply(ctx, chat_id=STAFF_CHAT, ticket_id=first, staff_id=STAFF, text="ok")
    for helpful in (True, False, None):
        qid = await asked_in(ctx, office_id, "jam buka", "office_hours", 9.0)
        if helpful is not None:
            await record_feedback(ctx, qid, APPLICANT, helpful=helpful)
    stats = await question_stats(ctx, office_id, start, ctx.now() + timedelta(days=1))
    assert sum(stats.tickets_per_day.values()) == 2
    assert stats.median_first_answer == timedelta(minutes=10)
    assert stats.questions == 3 and stats.answered_helpful == 1
    assert stats.self_answered_share == pytest.approx(1 / 3)


async def test_office_facts_and_the_last_booked_office(ctx: Domain) -> None:
    office_id = await add_office(ctx)
    facts = await office_facts(ctx, office_id)
    assert facts.address == "Jl. Contoh No. 1" and facts.sessions[0].label == "Pagi"
    assert [o.office_id for o in await office_names(ctx)] == [office_id]
    assert await last_booked_office(ctx, APPLICANT) is None
    await book_on(ctx, office_id, APPLICANT, date(2026, 12, 2))
    assert await last_booked_office(ctx, APPLICANT) == office_id
