"""Turning domain objects and errors into translated text (no Telegram calls here)."""

from __future__ import annotations

import re
from datetime import date, datetime

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_decimal

from booking.appointments.views import AppointmentView
from booking.calendar.views import SessionAvailability
from booking.core.errors import (
    AlreadyBooked,
    AppointmentNotFound,
    BookingError,
    DayClosed,
    InvalidName,
    InvalidNik,
    NameReason,
    NikReason,
    NikTaken,
    NotActive,
    NotFound,
    PriorityNotEligible,
    RescheduleLimitReached,
    SameSlot,
    SessionStarted,
    SlotFull,
    TooLateToChange,
)
from booking.core.kinds import AppointmentStatus, PriorityReason, ServiceType
from booking.offices.content import Content
from booking.people.names import NAME_MAX, NAME_MIN

TEXT_LIMIT = 4096
# The office class that leads an immigration office's official name ("Kantor
# Imigrasi Kelas I Non TPI Jakarta Selatan"); the place that follows tells offices apart.
OFFICE_CLASS = re.compile(r"^Kantor Imigrasi(?: Kelas I{1,3})?(?: Khusus)?(?: Non)?(?: TPI)? ")


def clip(text: str) -> str:
    """Keep a text within Telegram's 4096-character limit."""
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def office_place(name: str) -> str:
    """An office's short name for buttons: its official name without the office
    class ("Jakarta Selatan"); the office page shows the whole name."""
    return OFFICE_CLASS.sub("", name).strip() or name


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
    }
    return names[status]


def documents(content: Content, service: ServiceType, locale: str) -> str:
    return "\n".join(f"• {d}" for d in content.services[service].documents.get(locale))


def session_line(s: SessionAvailability, locale: str) -> str:
    return f"{long_date(s.start.date(), locale)}, {s.label} {time_range(s.start, s.end, s.zone)}"


def appointment_line(v: AppointmentView, locale: str) -> str:
    return (
        f"{v.code} · {v.office_name}\n"
        f"{long_date(v.day, locale)}, {v.label} {time_range(v.start, v.end, v.zone)}"
    )


def confirmation(v: AppointmentView, content: Content, locale: str) -> str:
    lines = [
        _("✅ Your appointment is booked."),
        "",
        _("Booking code: {code}").format(code=v.code),
        _("Office: {name}").format(name=v.office_name),
        _("Address: {address}").format(address=v.office_address),
        _("Date: {day}").format(day=long_date(v.day, locale)),
        _("Time: {label}, {time}").format(label=v.label, time=time_range(v.start, v.end, v.zone)),
        _("Service: {service}").format(service=service_name(content, v.service, locale)),
    ]
    if v.priority is not None:
        lines.append(_("Priority service: {reason}").format(reason=priority_name(v.priority)))
    lines += [
        "",
        _("Bring these documents:"),
        documents(content, v.service, locale),
        "",
        _("Please arrive 30 minutes early. Show the QR code or the booking code at the counter."),
    ]
    return clip("\n".join(lines))


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
            "and your NIK gives a younger age."
        ),
        PriorityReason.CHILD.value: _(
            "Child priority is for children under 5 on the appointment day, "
            "and the NIK gives an older age."
        ),
        PriorityReason.PREGNANT.value: _("Pregnancy priority needs a woman's NIK."),
    }
    return reasons.get(exc.reason, _("You are not eligible for that priority service."))


def not_active(exc: NotActive) -> str:
    return _("This appointment is no longer active ({status}).").format(
        status=status_name(AppointmentStatus(exc.status))
    )


def domain_error(exc: BookingError) -> str:
    """A short explanation of a domain error, without revealing anything about others."""
    if isinstance(exc, SlotFull):
        return _("Sorry, that session just filled up.")
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
    if isinstance(exc, AppointmentNotFound | NotFound):
        return _("This button is no longer valid.")
    return _("Sorry, that did not work. Please try again.")
