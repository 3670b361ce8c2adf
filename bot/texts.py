"""Turning domain objects and errors into translated text (no Telegram calls here)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Protocol

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_decimal

from booking.admin.closures import DISPLACED
from booking.appointments.views import AppointmentView, GroupView, MemberAppointment
from booking.calendar.schedule import zone, zone_abbrev
from booking.calendar.views import SessionAvailability
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyBooked,
    AlreadyRequested,
    AlreadyWaiting,
    AppointmentNotFound,
    BookingError,
    ChoiceNotInRelease,
    DayClosed,
    DuplicateMember,
    EmptyGroup,
    GroupTooLarge,
    InvalidName,
    InvalidNik,
    MemberAlreadyBooked,
    NameReason,
    NikReason,
    NikTaken,
    NotActive,
    NotEnoughSeats,
    NotFound,
    NoUpcomingRelease,
    OfferAlreadyAnswered,
    OfferExpired,
    PriorityNotEligible,
    RequestWindowClosed,
    RescheduleLimitReached,
    SameSlot,
    SessionStarted,
    SlotFull,
    TooLateToChange,
    TooManyChoices,
)
from booking.core.kinds import AppointmentStatus, Passport, PriorityReason, ServiceType
from booking.offices.content import Content, Fee
from booking.people.members import MemberView
from booking.people.names import NAME_MAX, NAME_MIN
from bot.queue_texts import queue_error

TEXT_LIMIT = 4096
# The office class that leads an immigration office's official name ("Kantor
# Imigrasi Kelas I Non TPI Jakarta Selatan"); the place that follows tells offices apart.
OFFICE_CLASS = re.compile(r"^Kantor Imigrasi(?: Kelas I{1,3})?(?: Khusus)?(?: Non)?(?: TPI)? ")


def clip(text: str) -> str:
    """Keep a text within Telegram's 4096-character limit."""
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


class NamedOffice(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def short_name(self) -> str | None: ...


def office_place(office: NamedOffice) -> str:
    """An office's short name for buttons ("Jakarta Selatan"): the offices data's
    ``short_name``, else the official name without the office class; the office page
    shows the whole name."""
    return office.short_name or OFFICE_CLASS.sub("", office.name).strip() or office.name


class LabelledSession(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def label_en(self) -> str | None: ...


def session_name(s: LabelledSession, locale: str) -> str:
    """A session's label in the user's language: the offices data's English label in
    English (the Indonesian one when there is none)."""
    return (s.label_en or s.label) if locale == "en" else s.label


def ordinal(n: str, locale: str) -> str:
    """ "ke-3" in Indonesian, "3rd" in English."""
    if locale != "en":
        return f"ke-{n}"
    suffix = (
        "th"
        if n[-2:] in ("11", "12", "13")
        else {"1": "st", "2": "nd", "3": "rd"}.get(n[-1:], "th")
    )
    return n + suffix


def long_date(day: date, locale: str) -> str:
    return format_date(day, "EEEE, d MMMM y", locale=locale)


def month_title(year: int, month: int, locale: str) -> str:
    return format_date(date(year, month, 1), "LLLL y", locale=locale).capitalize()


def time_range(start: datetime, end: datetime, zone: str) -> str:
    return f"{start:%H:%M}–{end:%H:%M} {zone}"


def rupiah(amount: int, locale: str) -> str:
    return "Rp" + format_decimal(amount, locale=locale)


def service_name(content: Content, service: ServiceType, locale: str) -> str:
    return content.services[service].name.get(locale)


def priority_name(reason: PriorityReason | None) -> str:
    names = {
        None: _("None"),
        PriorityReason.ELDERLY: _("Elderly (60 or older)"),
        PriorityReason.DISABLED: _("Person with a disability"),
        PriorityReason.PREGNANT: _("Pregnant woman"),
        PriorityReason.CHILD: _("Child under 5"),
    }
    return names[reason]


def status_name(status: AppointmentStatus) -> str:
    names = {
        AppointmentStatus.BOOKED: _("booked"),
        AppointmentStatus.CHECKED_IN: _("checked in"),
        AppointmentStatus.SERVED: _("served"),
        AppointmentStatus.CANCELLED: _("cancelled"),
        AppointmentStatus.NO_SHOW: _("did not come"),
        AppointmentStatus.RELEASED: _("sent home"),
    }
    return names[status]


def documents(content: Content, service: ServiceType, locale: str) -> str:
    return "\n".join(f"• {d}" for d in content.services[service].documents.get(locale))


def session_line(s: SessionAvailability, locale: str) -> str:
    when = time_range(s.start, s.end, s.zone)
    return f"{long_date(s.start.date(), locale)}, {session_name(s, locale)} {when}"


def appointment_line(v: AppointmentView, locale: str) -> str:
    return (
        f"{v.code} · {v.office_name}\n"
        f"{long_date(v.day, locale)}, {session_name(v, locale)} "
        f"{time_range(v.start, v.end, v.zone)}"
    )


def member_line(
    n: int,
    member: MemberView,
    service: str,
    priority: PriorityReason | None,
    passport: Passport | None = None,
) -> str:
    """One person of the group: number, name, masked NIK, service, passport, priority."""
    line = f"{n}. {member.full_name} · {member.nik_masked} · {service}"
    if passport is not None:
        line += " · " + passport_name(passport)
    if priority is not None:
        line += " · " + _("priority: {reason}").format(reason=priority_name(priority))
    return line


def passport_name(passport: Passport) -> str:
    """ "Electronic passport, 10 years": the kind and the years it is valid."""
    if passport.electronic:
        return _("Electronic passport, {years} years").format(years=passport.years)
    return _("Ordinary passport, {years} years").format(years=passport.years)


def group_fees(content: Content, passports: list[Passport | None], locale: str) -> str:
    """The PNBP fee each person of the group pays, by the passport they chose, with
    the total; every fee of the content file when a passport was not asked (the
    file names no passport for its fees)."""
    size = len(passports)
    lines = [_("PNBP fees:") if size == 1 else _("PNBP fees for {n} people:").format(n=size)]
    fees: dict[Passport | None, Fee] = {f.passport: f for f in content.fees if f.passport}
    known = all(p in fees for p in passports)
    if known:
        counts = [(fees[p], passports.count(p)) for p in dict.fromkeys(passports)]
    else:
        counts = [(fee, size) for fee in content.fees]
    for fee, n in counts:
        each = rupiah(fee.amount, locale)
        total = rupiah(fee.amount * n, locale)
        label = fee.label.get(locale)
        lines.append(f"• {label}: {total}" if n == 1 else f"• {label}: {n} × {each} = {total}")
    if known and len(counts) > 1:
        total = rupiah(sum(fee.amount * n for fee, n in counts), locale)
        lines.append(_("Total: {total}").format(total=total))
    lines.append(content.fees_source.get(locale))
    return "\n".join(lines)


def group_documents(content: Content, services: list[ServiceType], locale: str) -> str:
    """What each person brings, per service the group has."""
    distinct = list(dict.fromkeys(services))
    if len(distinct) == 1:
        return documents(content, distinct[0], locale)
    return "\n".join(
        f"{service_name(content, s, locale)}:\n{documents(content, s, locale)}" for s in distinct
    )


def member_code_line(m: MemberAppointment, content: Content, locale: str) -> str:
    line = (
        f"• {m.full_name} ({m.nik_masked}): {m.code} · {service_name(content, m.service, locale)}"
    )
    if m.priority is not None:
        line += " · " + _("priority: {reason}").format(reason=priority_name(m.priority))
    return line


def confirmation(g: GroupView, content: Content, locale: str) -> str:
    members = g.active_members
    lines = [
        _("✅ Your appointment is booked.")
        if len(members) == 1
        else _("✅ Your appointment is booked for {n} people.").format(n=len(members)),
        "",
    ]
    if len(members) == 1:
        lines.append(_("Booking code: {code}").format(code=members[0].code))
    else:
        lines.append(_("Booking codes, one per person:"))
        lines += [member_code_line(m, content, locale) for m in members]
    lines += [
        _("Office: {name}").format(name=g.office_name),
        _("Address: {address}").format(address=g.office_address),
        _("Date: {day}").format(day=long_date(g.day, locale)),
        _("Time: {label}, {time}").format(
            label=session_name(g, locale), time=time_range(g.start, g.end, g.zone)
        ),
    ]
    if len(members) == 1:
        m = members[0]
        lines.append(
            _("Service: {service}").format(service=service_name(content, m.service, locale))
        )
        if m.priority is not None:
            lines.append(_("Priority service: {reason}").format(reason=priority_name(m.priority)))
    lines += [
        "",
        _("Bring these documents:"),
        group_documents(content, [m.service for m in members], locale),
        "",
        _("Please arrive 30 minutes early. Show the QR code or the booking code at the counter.")
        if len(members) == 1
        else _(
            "Please arrive 30 minutes early, all together. Each person shows their own "
            "QR code or booking code at the counter."
        ),
    ]
    return clip("\n".join(lines))


def group_lines(g: GroupView, locale: str, *, everyone: bool = False) -> list[str]:
    """A group under "My appointments": where and when, then each active member
    (``everyone``: each member, for a group a closure cancelled)."""
    lines = [
        f"{g.office_name}\n{long_date(g.day, locale)}, {session_name(g, locale)} "
        f"{time_range(g.start, g.end, g.zone)}"
    ]
    members = g.members if everyone else g.active_members
    lines += [f"• {m.code} · {m.full_name} ({m.nik_masked}){checked_in_mark(m)}" for m in members]
    return lines


def checked_in_mark(m: MemberAppointment) -> str:
    """After a member's name: checked in, with the queue number (nothing while booked)."""
    if m.status is not AppointmentStatus.CHECKED_IN:
        return ""
    if m.queue_number is None:
        return " · " + _("✅ Checked in")
    return " · " + _("✅ Checked in, queue number {number}").format(number=m.queue_number)


def cancelled_by(v: AppointmentView) -> str:
    """Who cancelled an appointment: the applicant, or the office closing that day."""
    if v.cancel_reason == DISPLACED:
        return _("cancelled because the office closed")
    if v.cancel_reason == "applicant":
        return _("cancelled by you")
    return status_name(v.status)


NIK_REASONS = {
    NikReason.LENGTH: lambda: _("A NIK has exactly 16 digits."),
    NikReason.ALL_ZEROS: lambda: _("A NIK cannot be all zeros."),
    NikReason.REGION: lambda: _(
        "The region code in the first 6 digits (province, regency and district code) "
        "is not known. Please check them."
    ),
    NikReason.BIRTH_DATE: lambda: _(
        "Digits 7 to 12 are not a valid birth date. Please check them."
    ),
    NikReason.FUTURE_BIRTH_DATE: lambda: _(
        "Digits 7 to 12 give a birth date in the future. Please check them."
    ),
}


def invalid_nik(exc: InvalidNik) -> str:
    return _("That NIK is not valid: {reason} Please type it again.").format(
        reason=NIK_REASONS[exc.reason]()
    )


def invalid_name(exc: InvalidName) -> str:
    rule = _(
        "Please type your full name as on your KTP: {min} to {max} letters, no digits."
    ).format(min=NAME_MIN, max=NAME_MAX)
    if exc.reason is NameReason.HIDDEN:
        detail = _(
            "Invisible characters, such as zero-width spaces or text-direction marks, "
            "cannot be part of it."
        )
        return f"{rule} {detail}"
    if exc.reason is NameReason.NO_LETTERS:
        return f"{rule} " + _("Emoji or symbols alone are not a name.")
    return rule


def priority_not_eligible(exc: PriorityNotEligible) -> str:
    reasons = {
        PriorityReason.ELDERLY.value: _(
            "Elderly priority is for applicants aged 60 or older on the appointment day, "
            "and the NIK gives a younger age."
        ),
        PriorityReason.CHILD.value: _(
            "Child priority is for children under 5 on the appointment day, "
            "and the NIK gives an older age."
        ),
        PriorityReason.PREGNANT.value: _("Pregnancy priority needs a woman's NIK."),
    }
    text = reasons.get(exc.reason, _("You are not eligible for that priority service."))
    if exc.full_name:
        text = f"{exc.full_name}: {text}"
    return text


def not_enough_seats(exc: NotEnoughSeats) -> str:
    if exc.seats_left == 0:
        return _("Sorry, that session just filled up.")
    return _("Sorry, that session cannot seat all {size} people: it has {left} left.").format(
        size=exc.group_size, left=exc.seats_left
    )


def not_active(exc: NotActive) -> str:
    return _("This appointment is no longer active ({status}).").format(
        status=status_name(AppointmentStatus(exc.status))
    )


def domain_error(exc: BookingError) -> str:
    """A short explanation of a domain error, without revealing anything about others."""
    if isinstance(exc, NotEnoughSeats):
        return not_enough_seats(exc)
    if isinstance(exc, SlotFull):
        return _("Sorry, that session just filled up.")
    if isinstance(exc, MemberAlreadyBooked | ActiveAppointmentExists):
        return _(
            "{name} already holds an active appointment ({code}): one active appointment "
            "per NIK. Remove {name} from the group, or cancel that appointment first."
        ).format(name=exc.full_name, code=exc.code)
    if isinstance(exc, DuplicateMember):
        return _("That person is already in the group: each NIK once per group.")
    if isinstance(exc, GroupTooLarge):
        return _("The group is full: at most {max} people per account.").format(max=exc.max_size)
    if isinstance(exc, EmptyGroup):
        return _("Add at least one person to the group.")
    if isinstance(exc, DayClosed):
        return _("Sorry, the office has closed that date.")
    if isinstance(exc, SessionStarted):
        return _("That session has started or starts too soon to book.")
    if isinstance(exc, AlreadyBooked):
        return _(
            "You already hold an active appointment ({code}). "
            "Cancel or reschedule it under “My appointments”."
        ).format(code=exc.code)
    if isinstance(exc, NotActive):
        return not_active(exc)
    if isinstance(exc, RescheduleLimitReached):
        return _("You have already used your reschedule (limit: {limit}).").format(limit=exc.limit)
    if isinstance(exc, TooLateToChange):
        return _(
            "It is too late to change this appointment: rescheduling is possible "
            "only up to the day before (H-1)."
        )
    if isinstance(exc, PriorityNotEligible):
        return priority_not_eligible(exc)
    if isinstance(exc, NikTaken):
        return _(
            "This NIK is already registered to another Telegram account. "
            "Please contact the office if this is your NIK."
        )
    if isinstance(exc, InvalidNik):
        return invalid_nik(exc)
    if isinstance(exc, InvalidName):
        return invalid_name(exc)
    if isinstance(exc, SameSlot):
        return _("Your appointment is already in that session.")
    fair = fair_release_error(exc)
    if fair is not None:
        return fair
    if isinstance(exc, AppointmentNotFound | NotFound):
        return _("This button is no longer valid.")
    queue = queue_error(exc)
    if queue is not None:
        return queue
    return _("Sorry, that did not work. Please try again.")


# --- the fair release: requests, the draw, the waitlist, when dates open -------------------


def short_moment(at: datetime, tz_name: str, locale: str) -> str:
    """A moment in the office's zone, short: "Rabu 2 Des 07:00 WITA"."""
    local = at.astimezone(zone(tz_name))
    day = format_date(local.date(), "EEEE d MMM", locale=locale)
    return f"{day} {local:%H:%M} {zone_abbrev(tz_name, at)}"


def moment_at(at: datetime, tz_name: str, locale: str) -> str:
    """A moment in the office's zone, in a sentence: "Rabu 2 Des pukul 07:00 WITA"."""
    local = at.astimezone(zone(tz_name))
    return _("{day} at {time} {zone}").format(
        day=format_date(local.date(), "EEEE d MMM", locale=locale),
        time=f"{local:%H:%M}",
        zone=zone_abbrev(tz_name, at),
    )


def short_day(day: date, locale: str) -> str:
    """A date on a button: "Rab 2 Des"."""
    return format_date(day, "EEE d MMM", locale=locale)


def choice_text(day: date | None, slot_label: str | None, locale: str) -> str:
    """One choice of a request: a date and session, a date and any session, or the
    earliest date of the release."""
    if day is None:
        return _("the earliest date")
    if slot_label is None:
        return _("{day}, any session").format(day=long_date(day, locale))
    return f"{long_date(day, locale)}, {slot_label}"


def short_hash(seed_hash: str) -> str:
    """The seed hash's first 12 hex digits: enough to compare by eye."""
    return seed_hash[:12]


def wish_text(first_day: date, last_day: date, slot_label: str | None, locale: str) -> str:
    """What a waitlist entry waits for."""
    if first_day != last_day:
        return _("any date from {first} to {last}").format(
            first=long_date(first_day, locale), last=long_date(last_day, locale)
        )
    return choice_text(first_day, slot_label, locale)


def already_requested(exc: AlreadyRequested) -> str:
    if exc.by == "nik" and exc.full_name:
        return _(
            "{name} is already in another request for this release: one request per NIK. "
            "Remove {name} from the group."
        ).format(name=exc.full_name)
    return _(
        "You already have a request for this release: one request per account. "
        "Change or withdraw it under “My appointments”."
    )


def fair_release_error(exc: BookingError) -> str | None:
    """The words of the requests' and the waitlist's refusals (None: not one of them)."""
    if isinstance(exc, RequestWindowClosed):
        return _("Requests for this release are closed: the draw has been held or is starting.")
    if isinstance(exc, AlreadyRequested):
        return already_requested(exc)
    if isinstance(exc, TooManyChoices):
        return _("A request has 1 to {max} choices.").format(max=exc.max_choices)
    if isinstance(exc, ChoiceNotInRelease):
        return _("That date or session is not part of this release. Please choose again.")
    if isinstance(exc, AlreadyWaiting):
        if exc.reason == "nik":
            return _(
                "Someone in the group is already on the waitlist at this office: "
                "one waitlist entry per NIK."
            )
        return _(
            "You are already on a waitlist: one entry per account. See it under “My appointments”."
        )
    if isinstance(exc, OfferExpired):
        return _(
            "Sorry, this offer has expired: the seats went to the next person waiting. "
            "You stay on the waitlist."
        )
    if isinstance(exc, OfferAlreadyAnswered):
        return _("You have already answered this offer.")
    if isinstance(exc, NoUpcomingRelease):
        return _("That date is open already, or no release opens it: there is nothing to remind.")
    return None
