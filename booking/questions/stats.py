"""Figures of the questions and tickets of an office over a period."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from booking.calendar.schedule import zone
from booking.core.context import Domain
from booking.db.models import Office, Question, Ticket


@dataclass(frozen=True)
class QuestionStats:
    tickets_per_day: dict[date, int]  # office-local dates with at least one ticket
    median_first_answer: timedelta | None  # None: no ticket answered yet
    questions: int  # free-text questions about this office
    answered_helpful: int  # answered by the bot and marked "Ini menjawab"

    @property
    def self_answered_share(self) -> float:
        return self.answered_helpful / self.questions if self.questions else 0.0


async def question_stats(
    ctx: Domain, office_id: int, since: datetime, until: datetime
) -> QuestionStats:
    """Tickets opened and questions asked after ``since``, up to ``until`` (UTC)."""
    async with ctx.db.reader() as session:
        office = await session.get(Office, office_id)
        tz = zone(office.timezone if office else "Asia/Jakarta")
        tickets = list(
            await session.exec(
                select(Ticket).where(
                    Ticket.office_id == office_id,
                    col(Ticket.created_at) > since,
                    col(Ticket.created_at) <= until,
                )
            )
        )
        questions = list(
            await session.exec(
                select(Question.helpful).where(
                    Question.office_id == office_id,
                    col(Question.asked_at) > since,
                    col(Question.asked_at) <= until,
                )
            )
        )
    per_day: dict[date, int] = {}
    for ticket in tickets:
        day = ticket.created_at.astimezone(tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    waits = [
        (t.first_answer_at - t.created_at).total_seconds() for t in tickets if t.first_answer_at
    ]
    return QuestionStats(
        tickets_per_day=dict(sorted(per_day.items())),
        median_first_answer=timedelta(seconds=statistics.median(waits)) if waits else None,
        questions=len(questions),
        answered_helpful=sum(1 for helpful in questions if helpful),
    )
