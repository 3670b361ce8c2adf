"""Texts about tickets that staff and admins read: a ticket's age, and the ticket
figures of an office (``/statistik`` in the staff group, 📊 Statistics in the
admin menu)."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import gettext as _

from booking.questions.stats import QuestionStats


def age(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    if minutes < 24 * 60:
        return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)
    return _("{days} d {hours} h").format(days=minutes // 1440, hours=minutes % 1440 // 60)


def ticket_figures(stats: QuestionStats) -> list[str]:
    """Tickets per day, the median time to the first staff answer, and the share of
    questions the bot answered itself ("Ini menjawab")."""
    per_day = ", ".join(f"{d:%d.%m}: {n}" for d, n in stats.tickets_per_day.items())
    median = stats.median_first_answer
    wait = age(median) if median is not None else "—"
    return [
        _("Tickets per day: {days}").format(days=per_day or "—"),
        _("Median time to the first answer: {wait}").format(wait=wait),
        _("Questions answered by the bot (“That answers it”): {share:.0%} of {count}").format(
            share=stats.self_answered_share, count=stats.questions
        ),
    ]
