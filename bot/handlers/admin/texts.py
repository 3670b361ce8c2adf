"""Admin texts: domain errors explained, day lists, statistics and the audit log.

Dates and times are shown in the office's own zone (WIB, WITA or WIT).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date
from babel.numbers import format_decimal

from booking.admin.audit import AuditEntry
from booking.admin.daylist import DayList, DayListEntry, SessionLine
from booking.admin.quotas import QuotaSettings
from booking.admin.roles import AdminRoleView
from booking.admin.stats import OfficeStats
from booking.calendar.schedule import zone, zone_abbrev
from booking.core.errors import (
    AdminRoleNotFound,
    AlreadyCheckedIn,
    AppointmentCancelled,
    BookingError,
    DateInPast,
    DayAlreadyClosed,
    DayNotClosed,
    InvalidDate,
    InvalidDateRange,
    InvalidQuota,
    InvalidReleasePolicy,
    InvalidShares,
    InvalidTelegramId,
    InvalidText,
    NotActive,
    NotCheckedIn,
    OfficeNotFound,
    OtherOfficeCode,
    QuotaBelowBooked,
    SessionNotEnded,
    UnknownBookingCode,
    WrongDay,
)
from booking.core.limits import MAX_QUOTA, MAX_RANGE_DAYS, MAX_SHARE, MAX_WINDOW_DAYS
from booking.offices.content import Content
from booking.offices.views import OfficeView
from booking.questions.stats import QuestionStats
from bot.queue_texts import queue_figures
from bot.texts import (
    clip,
    not_active,
    passport_name,
    priority_name,
    service_name,
    session_name,
    status_name,
    time_range,
)
from bot.ticket_texts import ticket_figures


def day_text(day: object, locale: str) -> str:
    if isinstance(day, date):
        return format_date(day, "EEE, d MMM y", locale=locale)
    return str(day)


# 16 digits in a row may be a NIK typed at the wrong prompt: never quote it back.
_NIK_LIKE = re.compile(r"[0-9]{16}")


def shown(value: object) -> str:
    """What the admin typed, shortened for quoting back, a NIK-like number masked."""
    text = _NIK_LIKE.sub(lambda m: m[0][:4] + "*" * 10 + m[0][-2:], str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def nothing_changed() -> str:
    return _("Nothing was changed.")


def admin_error(exc: BookingError, locale: str) -> str:
    """The explanation of an admin's bad input or a refused change."""
    if isinstance(exc, InvalidQuota):
        return _("A quota is a whole number from 0 to {max} (you typed “{value}”).").format(
            max=format_decimal(MAX_QUOTA, locale=locale), value=shown(exc.value)
        )
    if isinstance(exc, QuotaBelowBooked):
        return _(
            "Refused: {booked} seats are already booked on {day}. "
            "The quota cannot go below what is booked."
        ).format(booked=exc.booked, day=day_text(exc.day, locale))
    if isinstance(exc, InvalidDate):
        return _(
            "“{value}” is not a date. Please type it like 3/12/2026, 3-12-2026 or 2026-12-03."
        ).format(value=shown(exc.value))
    if isinstance(exc, DateInPast):
        return _("{day} is in the past (today is {today}).").format(
            day=day_text(exc.day, locale), today=day_text(exc.today, locale)
        )
    if isinstance(exc, InvalidDateRange):
        if exc.max_days is not None:
            return _("A range may cover at most {days} days.").format(days=MAX_RANGE_DAYS)
        return _("The range ends ({last}) before it starts ({first}).").format(
            first=day_text(exc.first, locale), last=day_text(exc.last, locale)
        )
    if isinstance(exc, InvalidText):
        return _("Please type a text of 1 to {max} characters.").format(max=exc.max_length)
    if isinstance(exc, InvalidReleasePolicy):
        if exc.field == "window_days":
            return _("The release window is a whole number of days from 1 to {max}.").format(
                max=MAX_WINDOW_DAYS
            )
        return _(
            "Please type the release time as HH:MM, optionally after a weekday: "
            "14:00 (every day) or Fri 14:00 (every Friday)."
        )
    if isinstance(exc, InvalidShares):
        return _(
            "Please give every session a share from 1 to {max}, "
            "as numbers in session order (e.g. 2 1) or as Label=share."
        ).format(max=MAX_SHARE)
    if isinstance(exc, DayAlreadyClosed):
        return _("{day} is already closed.").format(day=day_text(exc.day, locale))
    if isinstance(exc, DayNotClosed):
        return _("{day} is not closed.").format(day=day_text(exc.day, locale))
    if isinstance(exc, UnknownBookingCode):
        return _("No appointment has the code {code}. Please check it and type it again.").format(
            code=shown(exc.code)
        )
    if isinstance(exc, OtherOfficeCode):
        return _(
            "Booking {code} is for another office ({office}), not this one. Not checked in."
        ).format(code=exc.code, office=exc.office_code)
    if isinstance(exc, AppointmentCancelled):
        return _("Booking {code} was cancelled. Not checked in.").format(code=exc.code)
    if isinstance(exc, WrongDay):
        return _("Booking {code} is for {day}, not today ({today}). Not checked in.").format(
            code=exc.code, day=day_text(exc.day, locale), today=day_text(exc.today, locale)
        )
    if isinstance(exc, AlreadyCheckedIn):
        return _("Booking {code} is already checked in, with queue number {number}.").format(
            code=exc.code, number=exc.queue_number
        )
    if isinstance(exc, NotCheckedIn):
        return _("Booking {code} is not checked in: only those checked in can be released.").format(
            code=exc.code
        )
    if isinstance(exc, NotActive):
        return not_active(exc)
    if isinstance(exc, SessionNotEnded):
        return _("That session has not ended yet: no-shows can be marked once it is over.")
    if isinstance(exc, InvalidTelegramId):
        return _("A Telegram user id is a positive number, e.g. 123456789 (not a @username).")
    if isinstance(exc, AdminRoleNotFound):
        return _("That user is not an admin of this office.")
    if isinstance(exc, OfficeNotFound):
        return _("That office does not exist.")
    return _("Sorry, that did not work. Please try again.")


def office_title(office: OfficeView) -> str:
    return f"{office.name} ({office.code})"


def admins_text(office: OfficeView, admins: Sequence[AdminRoleView]) -> str:
    lines = [_("👤 Admins of {office}:").format(office=office_title(office))]
    lines += [f"• {a.telegram_id} ({a.created_by})" for a in admins] or [_("none yet")]
    lines.append("")
    lines.append(
        _("Super-admins (ADMIN_IDS or add-admin --super) manage every office and are not listed.")
    )
    return "\n".join(lines)


def menu_text(office: OfficeView) -> str:
    return _("🛠 Administration of {office}. What would you like to do?").format(
        office=office_title(office)
    )


def release_text(rule: str, window: int, tz_abbrev: str, locale: str) -> str:
    """The release policy in words, e.g. "14 days ahead, every day at 00:00 WIB"."""
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    hour, minute = parts.get("BYHOUR", ""), parts.get("BYMINUTE", "0")
    at = f"{int(hour):02d}:{int(minute):02d} {tz_abbrev}" if hour.isdigit() else None
    if at and parts.get("FREQ") == "DAILY":
        when = _("every day at {time}").format(time=at)
    elif at and parts.get("FREQ") == "WEEKLY" and parts.get("BYDAY") in WEEKDAY_CODES:
        weekday = WEEKDAY_CODES.index(parts["BYDAY"])
        name = format_date(date(2024, 1, 1 + weekday), "EEEE", locale=locale)
        when = _("every {weekday} at {time}").format(weekday=name, time=at)
    else:
        when = rule
    return _("{days} days ahead, released {when}").format(days=window, when=when)


WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def quota_text(office: OfficeView, q: QuotaSettings, locale: str) -> str:
    tz = zone_abbrev(office.timezone)
    lines = [
        _("⚙️ Quotas of {office}").format(office=office_title(office)),
        "",
        _("Daily quota: {daily} regular + {priority} priority seats").format(
            daily=q.daily_quota, priority=q.priority_quota
        ),
        _("Session shares:"),
    ]
    # The labels as the data has them: shares are typed by label ("Pagi=2").
    lines += [f"• {s.label} {s.start:%H:%M}–{s.end:%H:%M} {tz}: {s.share}" for s in q.sessions]
    lines.append(
        _("Release: {policy}").format(
            policy=release_text(q.release_rule, q.release_window_days, tz, locale)
        )
    )
    if q.overrides:
        lines.append(_("Dates with their own quota:"))
        lines += [
            f"• {day_text(o.day, locale)}: {o.regular} + {o.priority}" for o in q.overrides[:30]
        ]
    return clip("\n".join(lines))


def session_line(s: SessionLine, locale: str) -> str:
    closed = "" if s.is_open else " ⛔"
    return (
        _("• {label} {time}: {booked}/{capacity} booked, priority {pbooked}/{pcapacity}").format(
            label=session_name(s, locale),
            time=time_range(s.start, s.end, s.zone),
            booked=s.booked,
            capacity=s.capacity,
            pbooked=s.priority_booked,
            pcapacity=s.priority_capacity,
        )
        + closed
    )


def entry_line(n: int, e: DayListEntry, content: Content, locale: str) -> str:
    parts = [
        e.code,
        e.full_name,
        e.nik_masked,
        service_name(content, e.service, locale),
        (e.session_label_en or e.session_label) if locale == "en" else e.session_label,
    ]
    if e.passport is not None:
        parts.append(passport_name(e.passport))
    if e.phone_masked is not None:
        parts.append("📞 " + e.phone_masked)
    if e.priority is not None:
        parts.append("⭐ " + priority_name(e.priority))
    status = status_name(e.status)
    if e.queue_number is not None:
        status += f" #{e.queue_number}"
    parts.append(status)
    return f"{n}. " + " · ".join(parts)


def day_list_text(d: DayList, content: Content, locale: str, page_size: int) -> str:
    lines = [f"📋 {d.office_name} ({d.office_code}) · {day_text(d.day, locale)}"]
    if d.closed_reason is not None:
        lines.append(_("⛔ Closed: {reason}").format(reason=d.closed_reason))
    lines.append("")
    if d.sessions:
        lines.append(_("Sessions:"))
        lines += [session_line(s, locale) for s in d.sessions]
    else:
        lines.append(_("No sessions on this date."))
    lines.append("")
    if d.total == 0:
        lines.append(_("Nobody is booked on this date."))
    else:
        lines.append(
            _("Applicants: {total} (page {page} of {pages})").format(
                total=d.total, page=d.page + 1, pages=d.pages
            )
        )
        first = d.page * page_size
        previous_group = None
        for i, e in enumerate(d.entries):
            if e.group_size > 1 and e.group_id != previous_group:
                lines.append(group_line(e))
            previous_group = e.group_id
            lines.append(entry_line(first + i + 1, e, content, locale))
    return clip("\n".join(lines))


def group_line(e: DayListEntry) -> str:
    """The heading of a booking group's lines: the account's holder and the size."""
    return _("👪 Family of {name}: {size} people").format(name=e.account_name, size=e.group_size)


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def stats_text(office: OfficeView, s: OfficeStats, tickets: QuestionStats, locale: str) -> str:
    lines = [
        _("📊 Statistics of {office}, {first} – {last}").format(
            office=office_title(office),
            first=day_text(s.first, locale),
            last=day_text(s.last, locale),
        ),
        "",
        _("Appointments: {n}").format(n=s.booked),
        _("Checked in: {n} ({rate})").format(n=s.checked_in, rate=percent(s.check_in_rate)),
        _("No-shows: {n} ({rate})").format(n=s.no_show, rate=percent(s.no_show_rate)),
        _("Cancelled: {n} ({rate}), of which {displaced} by office closures").format(
            n=s.cancelled, rate=percent(s.cancellation_rate), displaced=s.displaced
        ),
        _("Still booked: {n}").format(n=s.still_booked),
        _("Notices that could not be delivered: {n}").format(n=s.failed_notices),
        "",
        _("💬 Questions and tickets"),
        *ticket_figures(tickets),
        "",
        _("🎫 The queue at the office"),
        *queue_figures(s.queue_days, lambda day: day_text(day, locale)),
    ]
    return "\n".join(lines)


def _values(values: dict[str, Any] | None) -> str:
    if not values:
        return "–"
    return ", ".join(f"{k}={shown(v)}" for k, v in values.items())


AUDIT_LINE = 300
Values = dict[str, Any]


def _changed(before: Values | None, after: Values | None) -> tuple[Values | None, Values | None]:
    """Only the fields that changed (and the date they concern), when both sides exist."""
    if not before or not after:
        return before, after
    keys = [k for k in {**before, **after} if k == "day" or before.get(k) != after.get(k)]
    return (
        {k: before[k] for k in keys if k in before},
        {k: after[k] for k in keys if k in after},
    )


def _field_name(key: str) -> str:
    names = {
        "daily": _("the daily quota"),
        "priority": _("the priority quota"),
        "window_days": _("the release window (days)"),
        "rule": _("the release time"),
        "chat_id": _("the staff chat"),
    }
    return names.get(key, key)


def _changes(before: Values, after: Values) -> str:
    return "; ".join(
        _("{what} changed from {old} to {new}").format(
            what=_field_name(k), old=shown(before.get(k, "–")), new=shown(after.get(k, "–"))
        )
        for k in after
        if k != "day"
    )


def _audit_day(values: Values, locale: str) -> str:
    raw = str(values.get("day") or values.get("before_day") or "")
    try:
        return day_text(date.fromisoformat(raw), locale)
    except ValueError:
        return raw


def audit_sentence(entry: AuditEntry, locale: str) -> str:
    """What an audited change did, as a sentence in the admin's language (the raw
    fields for an action this list does not know)."""
    before, after = _changed(entry.before, entry.after)
    b, a = before or {}, after or {}
    code = (entry.after or {}).get("code")  # the same before and after: not a change
    day = _audit_day(a or b, locale)
    sentences = {
        "set_default_quota": lambda: _changes(b, a),
        "set_release_policy": lambda: _changes(b, a),
        "set_staff_chat": lambda: _changes(b, a),
        "set_quota": lambda: _(
            "quota of {day} set to {regular} regular + {priority} priority"
        ).format(day=day, regular=a.get("regular"), priority=a.get("priority")),
        "clear_quota": lambda: _("quota of {day} back to the default").format(day=day),
        "set_session_shares": lambda: _("session shares set to {shares}").format(
            shares=", ".join(f"{k}={v}" for k, v in a.items())
        ),
        "close_day": lambda: _("{day} closed: {reason}").format(day=day, reason=a.get("reason")),
        "reopen_day": lambda: _("{day} reopened").format(day=day),
        "announce": lambda: _("announcement for {day} sent to {n} applicants").format(
            day=day, n=a.get("queued")
        ),
        "check_in": lambda: _("{code} checked in, queue number {number}").format(
            code=code, number=a.get("queue_number")
        ),
        "release": lambda: _("{code} released after check-in (sent home)").format(code=code),
        "export_day_csv": lambda: ngettext(
            "day list of {day} exported as CSV ({n} person)",
            "day list of {day} exported as CSV ({n} people)",
            int(a.get("rows") or 0),
        ).format(day=day, n=a.get("rows")),
        "mark_no_shows": lambda: _("no-shows marked: {n}").format(n=a.get("marked")),
        "close_out_day": lambda: _("appointments before {day} closed out").format(day=day),
        "add_admin": lambda: _("{user} made an admin").format(user=a.get("telegram_id")),
        "remove_admin": lambda: _("{user} is no longer an admin").format(user=b.get("telegram_id")),
        "load_office": lambda: _("office data loaded from the offices file"),
        "rebook_displaced": lambda: _("{old} rebooked as {new} after a closure").format(
            old=b.get("code"), new=a.get("code")
        ),
    }
    sentence = sentences.get(entry.action)
    if sentence is None:
        return f"{entry.action}: {_values(before)} → {_values(after)}"
    text = sentence()
    return text[:1].upper() + text[1:]


def audit_actor(actor: str) -> str:
    kind, _sep, who = actor.partition(":")
    if kind == "telegram":
        return _("by admin {user}").format(user=who)
    if kind == "cli":
        return _("from the command line")
    if kind == "system":
        return _("automatically")
    return _("by {actor}").format(actor=actor)


def audit_line(entry: AuditEntry, office: OfficeView, locale: str) -> str:
    local: datetime = entry.at.astimezone(zone(office.timezone))
    when = f"{local:%Y-%m-%d %H:%M} {zone_abbrev(office.timezone, entry.at)}"
    line = f"{when} · {audit_sentence(entry, locale)} ({audit_actor(entry.actor)})"
    return line if len(line) <= AUDIT_LINE else line[: AUDIT_LINE - 1] + "…"


def audit_text(office: OfficeView, entries: list[AuditEntry], locale: str) -> str:
    title = _("🧾 Latest changes at {office}").format(office=office_title(office))
    if not entries:
        return title + "\n\n" + _("No changes recorded yet.")
    return clip(title + "\n\n" + "\n".join(audit_line(e, office, locale) for e in entries))
