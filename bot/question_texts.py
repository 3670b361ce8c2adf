"""Texts of answers to free-text questions: an entry's answer with the office's facts
filled in (hours, address, phone, release policy and, in draw mode, the draw's request
window) in the applicant's language."""

from __future__ import annotations

import re

from aiogram.utils.i18n import gettext as _

from booking.calendar.schedule import zone_abbrev
from booking.core.kinds import ReleaseMode
from booking.draw.opening import ReleaseRule
from booking.questions.facts import OfficeFacts
from booking.questions.knowledge import Entry
from bot.handlers.offices import days_of_rule
from bot.texts import session_name

_FREQ = re.compile(r"FREQ=(\w+)")
_HOUR = re.compile(r"BYHOUR=(\d+)")
_MINUTE = re.compile(r"BYMINUTE=(\d+)")


def hours_text(facts: OfficeFacts, locale: str) -> str:
    zone = zone_abbrev(facts.timezone)
    return "\n".join(
        f"• {session_name(s, locale)}: {s.start:%H:%M}–{s.end:%H:%M} {zone} · "
        f"{days_of_rule(s.rule, locale)}"
        for s in facts.sessions
    )


def release_text(facts: OfficeFacts, locale: str) -> str:
    """The release policy in words: "every day at 08:00 WIB, up to 14 days ahead"."""
    rule = facts.release_rule
    freq = _FREQ.search(rule)
    hour, minute = _HOUR.search(rule), _MINUTE.search(rule)
    at = f"{int(hour.group(1)) if hour else 0:02d}:{int(minute.group(1)) if minute else 0:02d}"
    zone = zone_abbrev(facts.timezone)
    days = facts.release_window_days
    if freq and freq.group(1) == "DAILY":
        return _("new dates open every day at {time} {zone}, up to {days} days ahead.").format(
            time=at, zone=zone, days=days
        )
    if freq and freq.group(1) == "WEEKLY":
        return _(
            "new dates open every {weekdays} at {time} {zone}, up to {days} days ahead."
        ).format(weekdays=days_of_rule(rule, locale), time=at, zone=zone, days=days)
    return _("new dates open on the office's own schedule, up to {days} days ahead.").format(
        days=days
    )


def draw_text(rule: ReleaseRule | None) -> str:
    """After the release policy, at a draw-mode office: how the draw takes requests."""
    if rule is None or rule.mode is not ReleaseMode.DRAW:
        return ""
    return " " + _(
        "At this office the seats are given by a draw: requests are taken for {hours} hours "
        "before each release, then the seats go to the requests in a random order, so speed "
        "does not matter."
    ).format(hours=rule.request_window_hours)


def answer_text(
    entry: Entry, locale: str, facts: OfficeFacts | None, rule: ReleaseRule | None = None
) -> str:
    """The entry's answer; an office's facts (and its release rule, with the draw's
    request window) fill its placeholders."""
    answer = entry.a.get(locale)
    if entry.office_fact is None or facts is None:
        return answer
    return answer.format(
        office=facts.name,
        hours=hours_text(facts, locale),
        address=facts.address,
        phone=facts.phone or _("not published; ask the staff with the button below"),
        release=release_text(facts, locale) + draw_text(rule),
    )
