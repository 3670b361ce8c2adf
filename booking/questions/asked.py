"""Every free-text question the bot handled, what it answered, and whether the
applicant found it helpful ("Ini menjawab" / "Tidak menjawab")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.core.errors import NotFound
from booking.db.models import Question, Ticket
from booking.questions.redact import mask_numbers

MAX_QUESTION_CHARS = 1000

Owned = TypeVar("Owned", Question, Ticket)


class QuestionNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("question", key)


@dataclass(frozen=True)
class AskedQuestion:
    """What the chat needs of a recorded question (numbers masked in ``text``)."""

    id: int
    text: str
    office_id: int | None
    entry_id: str | None


async def owned(
    session: AsyncSession,
    model: type[Owned],
    row_id: int,
    telegram_id: int,
    not_found: Callable[[int], NotFound],
) -> Owned:
    """The applicant's own question or ticket; ``not_found`` for someone else's too."""
    row = await session.get(model, row_id)
    if row is None or row.telegram_id != telegram_id:
        raise not_found(row_id)
    return row


async def record_question(
    ctx: Domain,
    *,
    telegram_id: int,
    text: str,
    language: str,
    office_id: int | None,
    entry_id: str | None,
    score: float,
) -> int:
    """Keep the question (numbers masked); returns its id for the buttons under the answer."""

    async def tx(session: AsyncSession) -> int:
        row = Question(
            telegram_id=telegram_id,
            office_id=office_id,
            language=language,
            text=mask_numbers(text)[:MAX_QUESTION_CHARS],
            entry_id=entry_id,
            score=score,
            asked_at=ctx.now(),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        question_id = row.id
        return question_id

    return await ctx.db.transact(tx)


async def question_of(ctx: Domain, question_id: int, telegram_id: int) -> AskedQuestion:
    """The question, if ``telegram_id`` asked it; else ``QuestionNotFound``."""
    async with ctx.db.reader() as session:
        row = await owned(session, Question, question_id, telegram_id, QuestionNotFound)
        return AskedQuestion(question_id, row.text, row.office_id, row.entry_id)


async def record_feedback(
    ctx: Domain, question_id: int, telegram_id: int, *, helpful: bool
) -> None:
    """The applicant's verdict on an answer; the latest tap counts."""

    async def tx(session: AsyncSession) -> None:
        row = await owned(session, Question, question_id, telegram_id, QuestionNotFound)
        if row.entry_id is None:
            raise QuestionNotFound(question_id)
        row.helpful = helpful
        row.feedback_at = ctx.now()
        session.add(row)

    await ctx.db.transact(tx)


async def set_question_office(
    ctx: Domain, question_id: int, telegram_id: int, office_id: int
) -> None:
    """The office the applicant chose for their question (for the office's figures)."""

    async def tx(session: AsyncSession) -> None:
        row = await owned(session, Question, question_id, telegram_id, QuestionNotFound)
        row.office_id = office_id
        session.add(row)

    await ctx.db.transact(tx)
