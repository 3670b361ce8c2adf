"""Inline and reply keyboards. Every button's callback data comes from ``bot.callbacks``."""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Collection, Sequence
from datetime import date
from functools import lru_cache

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import get_day_names

from booking.appointments.groups import MemberChoice
from booking.appointments.views import GroupView
from booking.calendar.views import DayAvailability, DayStatus, SessionAvailability
from booking.core.kinds import AppointmentStatus, Passport, ServiceType
from booking.db.models import Office
from booking.offices.content import Content
from booking.people.members import MemberView
from bot import callbacks as cb
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.texts import (
    long_date,
    month_title,
    office_place,
    passport_name,
    session_name,
    short_day,
    time_range,
)

OFFICES_PER_PAGE = 8
# A phone about 360 pixels wide shows about 32 characters across a keyboard; a
# row of n buttons gives each about 32 // n before Telegram cuts the label.
ROW_CHARACTERS = 32


def label_width(text: str) -> int:
    """How many characters wide ``text`` shows on a button: an emoji (or another
    wide character) counts 2, a variation selector or joiner 0."""
    width = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Cf") or 0xFE00 <= ord(ch) <= 0xFE0F:
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F") or unicodedata.category(ch) == "So"
        width += 2 if wide else 1
    return width


def label_limit(buttons_in_row: int) -> int:
    """The longest label a button may have in a row of ``buttons_in_row``."""
    return ROW_CHARACTERS // buttons_in_row


def fit(text: str, buttons_in_row: int = 1) -> str:
    """``text``, cut with "…" when it is too wide for a button in such a row (for
    names from the data, which can be of any length)."""
    limit = label_limit(buttons_in_row)
    while label_width(text) > limit:
        text = text[: -2 if text.endswith("…") else -1].rstrip() + "…"
    return text


# A date's button is its number plus at most one mark, so that seven fit a row.
DAY_MARKS = {
    DayStatus.FULL: "✖",
    DayStatus.CLOSED: "⛔",
    DayStatus.HOLIDAY: "🎌",
    DayStatus.NOT_RELEASED: "🔒",
}
CURRENT_MARK = "📌"  # the date of the appointment being rescheduled
TODAY_MARK = "•"
FEW_MARK = "🔸"
FEW_SEATS = 5  # an open date with this many seats left or fewer is marked "few left"


def _button(text: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def home_button(*, keep: bool = False) -> InlineKeyboardButton:
    """The way to the main menu; with ``keep`` the menu comes as a new message and
    the tapped one stays as it is."""
    return _button(_("🏠 Main menu"), cb.Menu(action="keep" if keep else "home"))


def home_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[home_button()]])


def record_kb() -> InlineKeyboardMarkup:
    """Under a record the applicant needs later (a confirmation: its code, address
    and documents): how to pay, and the menu; neither replaces it."""
    return InlineKeyboardMarkup(inline_keyboard=[[payment_button()], [home_button(keep=True)]])


def restart_kb() -> InlineKeyboardMarkup:
    """/start during a booking: leave it for the menu, or go on with it."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🔄 Yes, start again"), cb.Menu(action="home"))],
            [_button(_("↩️ No, continue my booking"), cb.Menu(action="stay"))],
        ]
    )


def language_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(LANGUAGE_NAMES[code], cb.Lang(code=code))] for code in LANGUAGES]
    )


def main_menu_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("📅 Book an appointment"), cb.Menu(action="book"))],
            [_button(_("🗂 My appointments"), cb.Menu(action="mine"))],
            [_button(_("📄 Requirements & fees"), cb.Menu(action="info"))],
            [_button(_("🏢 Offices"), cb.Menu(action="offices"))],
            [
                _button(_("❓ Help"), cb.Menu(action="help")),
                _button(_("🌐 Language"), cb.Menu(action="lang")),
            ],
        ]
    )


def provinces_kb(provinces: Sequence[str], purpose: cb.Purpose) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for i, name in enumerate(provinces):
        b.row(_button(fit(name), cb.Province(purpose=purpose, index=i)))
    b.row(home_button())
    return b.as_markup()


def page_count(total: int) -> int:
    return max(1, -(-total // OFFICES_PER_PAGE))


def offices_kb(
    offices: Sequence[Office], purpose: cb.Purpose, province: int, page: int
) -> InlineKeyboardMarkup:
    """One page of at most ``OFFICES_PER_PAGE`` offices, with previous/next buttons."""
    b = InlineKeyboardBuilder()
    first = page * OFFICES_PER_PAGE
    for office in offices[first : first + OFFICES_PER_PAGE]:
        assert office.id is not None
        label = fit(office_place(office))
        b.row(_button(label, cb.OfficePick(purpose=purpose, office=office.id)))
    pages = page_count(len(offices))
    nav = []
    if page > 0:
        nav.append(_button("‹", cb.OfficePage(purpose=purpose, province=province, page=page - 1)))
    if pages > 1:
        nav.append(_button(f"{page + 1}/{pages}", cb.Noop(what="header")))
    if page + 1 < pages:
        nav.append(_button("›", cb.OfficePage(purpose=purpose, province=province, page=page + 1)))
    if nav:
        b.row(*nav)
    b.row(_button(_("‹ Provinces"), cb.Menu(action="book" if purpose == "book" else "offices")))
    return b.as_markup()


def services_kb(content: Content, locale: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for service in ServiceType:
        name = content.services[service].name.get(locale)
        b.row(_button(name, cb.Service(service=service)))
    b.row(home_button())
    return b.as_markup()


def day_label(d: DayAvailability, *, today: date, current: date | None = None) -> str:
    """The date's number and one mark, the first that applies: the appointment
    being moved, not bookable (full, closed, holiday, not open yet), today, few
    seats left. The counts are on the session screen."""
    number = str(d.day.day)
    if d.day == current:
        return number + CURRENT_MARK
    if d.status in DAY_MARKS:
        return number + DAY_MARKS[d.status]
    if d.status is not DayStatus.OPEN:
        return "·"  # past, or no service that day
    if d.day == today:
        return number + TODAY_MARK
    if d.seats_left <= FEW_SEATS:
        return number + FEW_MARK
    return number


def calendar_legend(*, moving: bool = False) -> str:
    legend = _(
        "🔸 few seats left · ✖ full · ⛔ closed · 🎌 holiday · 🔒 not open yet · "
        "• today · “·” past or no service"
    )
    if moving:
        legend = _("📌 your current appointment") + " · " + legend
    return legend


def calendar_kb(
    office_id: int,
    target: cb.Target,
    year: int,
    month: int,
    days: Sequence[DayAvailability],
    locale: str,
    *,
    today: date,
    current: date | None = None,
    has_prev: bool,
    has_next: bool,
) -> InlineKeyboardMarkup:
    """A month: the title, the weekday header, one button per date (``day_label``),
    then previous/next month."""
    by_day = {d.day: d for d in days}
    rows: list[list[InlineKeyboardButton]] = []

    def month_button(text: str, y: int, m: int) -> InlineKeyboardButton:
        return _button(
            text,
            cb.Month(
                office=office_id,
                people=target.people,
                mode=target.mode,
                appt=target.appt,
                year=y,
                month=m,
            ),
        )

    prev_y, prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
    next_y, next_m = (year + 1, 1) if month == 12 else (year, month + 1)
    noop = cb.Noop(what="header")
    # The title has a row of its own: beside the arrows it would be cut on a phone.
    rows.append([_button(month_title(year, month, locale), noop)])
    names = get_day_names("short", locale=locale)
    rows.append([_button(names[i], noop) for i in range(7)])
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(_button(" ", noop))
                continue
            avail = by_day.get(day)
            if avail is None or avail.status in (DayStatus.PAST, DayStatus.NO_SERVICE):
                what = "no_service" if avail and avail.status is DayStatus.NO_SERVICE else "past"
                row.append(_button("·", cb.Noop(what=what)))
                continue
            data = cb.Day(
                office=office_id,
                people=target.people,
                mode=target.mode,
                appt=target.appt,
                year=year,
                month=month,
                day=day.day,
            )
            row.append(_button(day_label(avail, today=today, current=current), data))
        rows.append(row)
    nav = []
    if has_prev:
        nav.append(month_button("‹", prev_y, prev_m))
    if has_next:
        nav.append(month_button("›", next_y, next_m))
    if nav:
        rows.append(nav)
    rows.append([home_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def session_label(s: SessionAvailability, locale: str) -> str:
    """The session's label, time and seats left; shorter forms when a long label
    would not fit a phone (the start time tells a day's sessions apart)."""
    seats = _("{seats} left").format(seats=s.seats_left)
    hours = f"{s.start:%H:%M}–{s.end:%H:%M}"
    label = session_name(s, locale)
    forms = (
        f"{label} {time_range(s.start, s.end, s.zone)} · {seats}",
        f"{label} {hours} · {seats}",
        f"{hours} · {seats}",
    )
    return next((f for f in forms if label_width(f) <= ROW_CHARACTERS), forms[-1])


def sessions_kb(
    sessions: Sequence[SessionAvailability],
    office_id: int,
    target: cb.Target,
    day: date,
    locale: str,
) -> InlineKeyboardMarkup:
    """The bookable sessions of ``day``; for a new booking, a full session offers
    its waitlist (``WaitJoin``'s ``slot``: its place among the day's sessions)."""
    b = InlineKeyboardBuilder()
    for place, s in enumerate(sessions, 1):
        if s.bookable:
            data = cb.Session(
                slot=s.slot_id, people=target.people, mode=target.mode, appt=target.appt
            )
            b.row(_button(session_label(s, locale), data))
        elif not target.appt and s.is_open and s.left < target.shape.size:
            number = cb.day_number(day)
            join = cb.WaitJoin(office=office_id, first=number, last=number, slot=place)
            label = _("🕒 Waitlist: {session}").format(session=session_name(s, locale))
            b.row(_button(fit(label), join))
    back = month_of(office_id, target, day)
    b.row(_button(_("‹ Calendar"), back))
    return b.as_markup()


def dates_kb(
    days: Sequence[DayAvailability],
    office_id: int,
    target: cb.Target,
    locale: str,
) -> InlineKeyboardMarkup:
    """Suggested dates (nearest with seats) plus the calendar, in ``locale`` (the
    current one).

    It is the answer to every "full" in a rush, so the same keyboard is built once
    and shared (nothing changes a keyboard once built)."""
    return _dates_kb(tuple(days), office_id, target, locale)


@lru_cache(maxsize=512)
def _dates_kb(
    days: tuple[DayAvailability, ...],
    office_id: int,
    target: cb.Target,
    locale: str,
) -> InlineKeyboardMarkup:
    rows = []
    for d in days:
        text = f"{long_date(d.day, locale)} ({d.seats_left})"
        data = cb.Day(
            office=office_id,
            people=target.people,
            mode=target.mode,
            appt=target.appt,
            year=d.day.year,
            month=d.day.month,
            day=d.day.day,
        )
        rows.append([_button(text, data)])
    if days:
        month = cb.Month(
            office=office_id,
            people=target.people,
            mode=target.mode,
            appt=target.appt,
            year=days[0].day.year,
            month=days[0].day.month,
        )
        rows.append([_button(_("📅 Calendar"), month)])
    rows.append([home_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def saved_details_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Yes, use these details"), cb.Saved(action="use"))],
            [_button(_("✏️ Enter new details"), cb.Saved(action="edit"))],
            [home_button()],
        ]
    )


def contact_kb() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)],
            [KeyboardButton(text=_("Skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def priority_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("No priority needed"), cb.Priority(reason="none"))],
            [_button(_("Elderly (60 or older)"), cb.Priority(reason="elderly"))],
            [_button(_("Person with a disability"), cb.Priority(reason="disabled"))],
            [_button(_("Pregnant woman"), cb.Priority(reason="pregnant"))],
            [_button(_("Child under 5"), cb.Priority(reason="child"))],
        ]
    )


def summary_kb(slot_id: int, members: Sequence[MemberChoice]) -> InlineKeyboardMarkup:
    confirm = cb.Confirm(slot=slot_id, group=cb.group_code(members))
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Confirm booking"), confirm)],
            [_button(_("✏️ Change details"), cb.Group(action="edit", member=0))],
            [payment_button()],
            [_button(_("✖ Cancel"), cb.Menu(action="home"))],
        ]
    )


def group_kb(
    members: Sequence[MemberView],
    saved: Sequence[MemberView],
    room: int,
    *,
    editing: bool = False,
) -> InlineKeyboardMarkup:
    """The group list: add someone new or one of the ``saved`` people (while there is
    ``room``), remove a member, or continue to the calendar; ``editing`` (after
    "Change details"): also change the holder's name or phone number."""
    b = InlineKeyboardBuilder()
    if editing:
        b.row(_button(_("✏️ Change my name"), cb.Group(action="rename", member=0)))
        b.row(_button(_("📱 Change my phone number"), cb.Group(action="phone", member=0)))
    if room > 0:
        b.row(_button(_("➕ Add a family member"), cb.Group(action="new", member=0)))
        for m in saved[:room]:
            text = fit(_("➕ {name}").format(name=m.full_name))
            b.row(_button(text, cb.Group(action="add", member=m.id)))
    for m in members:
        text = fit(_("✖ Remove {name}").format(name=m.full_name))
        b.row(_button(text, cb.Group(action="remove", member=m.id)))
    if members:
        b.row(_button(_("Continue ›"), cb.Group(action="continue", member=0)))
    b.row(home_button())
    return b.as_markup()


def appointments_kb(
    active: Sequence[GroupView],
    displaced: Sequence[GroupView] = (),
    movable: Collection[int] = (),
    extra: Sequence[list[InlineKeyboardButton]] = (),
) -> InlineKeyboardMarkup:
    """Under "My appointments": per group its members' QR codes and cancel buttons,
    and moving or cancelling the whole group. A group of one keeps its QR code, its
    move and its cancel. A checked-in group has no buttons; a group not in
    ``movable`` (its reschedule used, or too late) is offered "cancel and book
    again" instead of a move. Then the ``extra`` rows (requests, waitlist entries)."""
    b = InlineKeyboardBuilder()
    for g in displaced:
        b.row(rebook_button(g.members[0].id, g.members[0].code))
    for g in active:
        members = g.active_members
        if any(m.status is not AppointmentStatus.BOOKED for m in members):
            continue  # checked in (a group checks in together): nothing left to change
        first = members[0].id
        renew = _button(_("Cancel and book again"), cb.Appt(action="renew", id=first))
        if len(members) == 1:
            b.row(
                _button(_("QR {code}").format(code=members[0].code), cb.Appt(action="qr", id=first))
            )
            cancel = _button(_("Cancel"), cb.Appt(action="cancel", id=first))
            if g.id in movable:
                b.row(_button(_("Reschedule"), cb.Appt(action="reschedule", id=first)), cancel)
            else:
                b.row(renew)
                b.row(cancel)
            continue
        for m in members:
            b.row(
                _button(_("QR {code}").format(code=m.code), cb.Appt(action="qr", id=m.id)),
                _button(
                    fit(_("✖ {name}").format(name=m.full_name), 2),
                    cb.Appt(action="cancel", id=m.id),
                ),
            )
        if g.id in movable:
            b.row(_button(_("Reschedule all"), cb.Appt(action="reschedule", id=first)))
        else:
            b.row(renew)
        b.row(_button(_("Cancel all"), cb.Appt(action="cancel_group", id=first)))
    for row in extra:
        b.row(*row)
    b.row(home_button())
    return b.as_markup()


def cancel_confirm_kb(
    appointment_id: int, *, whole_group: bool = False, renew: bool = False
) -> InlineKeyboardMarkup:
    """Yes or no to cancelling one member, the ``whole_group``, or the whole group
    to book again (``renew``)."""
    action: cb.ApptAction = "cancel_group_confirmed" if whole_group else "cancel_confirmed"
    label = _("Yes, cancel it")
    if renew:
        action, label = "renew_confirmed", _("Yes, cancel and book again")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(label, cb.Appt(action=action, id=appointment_id))],
            [_button(_("No, keep it"), cb.Menu(action="mine"))],
        ]
    )


def reschedule_confirm_kb(appointment_id: int, slot_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("✅ Move my appointment"), cb.Reschedule(appt=appointment_id, slot=slot_id)
                )
            ],
            [_button(_("No, keep it"), cb.Menu(action="mine"))],
        ]
    )


def rebook_button(appointment_id: int, code: str) -> InlineKeyboardButton:
    text = _("📅 New date for {code}").format(code=code)
    return _button(text, cb.Appt(action="rebook", id=appointment_id))


def rebook_confirm_kb(appointment_id: int, slot_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Book this date"), cb.Rebook(appt=appointment_id, slot=slot_id))],
            [_button(_("‹ My appointments"), cb.Menu(action="mine"))],
        ]
    )


def info_kb(content: Content, locale: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for service in ServiceType:
        name = content.services[service].name.get(locale)
        b.row(
            _button(
                _("📋 {service}").format(service=name),
                cb.Info(topic="requirements", service=service),
            )
        )  # noqa: E501
    b.row(_button(_("💰 Fees (PNBP)"), cb.Info(topic="fees")))
    b.row(payment_button())
    b.row(_button(_("❔ FAQ"), cb.Info(topic="faq")))
    b.row(home_button())
    return b.as_markup()


def payment_button() -> InlineKeyboardButton:
    """How to pay the fee: under the info menu, the summary and the confirmation
    (the answer comes as a new message, so a record stays)."""
    return _button(_("💳 How to pay"), cb.Info(topic="payment"))


def back_to_info_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("‹ Requirements & fees"), cb.Menu(action="info"))],
            [home_button()],
        ]  # noqa: E501
    )


def passport_kb(passports: Sequence[Passport]) -> InlineKeyboardMarkup:
    """One button per passport the content file has a fee for."""
    b = InlineKeyboardBuilder()
    for passport in passports:
        b.row(_button(passport_name(passport), cb.PassportPick(passport=passport)))
    b.row(home_button())
    return b.as_markup()


# --- the fair release: requests (draw mode), the waitlist, "remind me" ----------------------

DAYS_PER_ROW = 3


def request_days_kb(
    days: Sequence[date],
    has_choices: bool,
    room: bool,
    locale: str,
    seats_now: cb.Month | None = None,
) -> InlineKeyboardMarkup:
    """A request's choices: the release's dates (while there is ``room``), the earliest
    date, dropping the last choice, and on to the summary; ``seats_now``: the
    calendar of the seats earlier releases left, bookable at once."""
    b = InlineKeyboardBuilder()
    for i in range(0, len(days), DAYS_PER_ROW):
        row = days[i : i + DAYS_PER_ROW]
        b.row(
            *(
                _button(
                    fit(short_day(d, locale), len(row)), cb.Pick(what="day", day=cb.day_number(d))
                )
                for d in row
            )
        )
    if room:
        b.row(_button(_("⏩ The earliest date"), cb.Pick(what="earliest")))
    if has_choices:
        b.row(_button(_("↩️ Remove the last choice"), cb.Pick(what="undo")))
        b.row(_button(_("Continue ›"), cb.Pick(what="review")))
    if seats_now is not None:
        b.row(_button(_("📅 Seats left now"), seats_now))
    b.row(home_button())
    return b.as_markup()


def request_sessions_kb(day: date, labels: Sequence[str]) -> InlineKeyboardMarkup:
    """A release date's sessions (by their place on the date), or any of them."""
    number = cb.day_number(day)
    b = InlineKeyboardBuilder()
    for n, label in enumerate(labels, 1):
        b.row(_button(fit(label), cb.Pick(what="slot", day=number, slot=n)))
    b.row(_button(_("Any session"), cb.Pick(what="slot", day=number, slot=0)))
    b.row(_button(_("‹ Back"), cb.Pick(what="back")))
    return b.as_markup()


def request_summary_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Send request"), cb.Pick(what="submit"))],
            [_button(_("✏️ Change choices"), cb.Pick(what="back"))],
            [_button(_("✖ Cancel"), cb.Menu(action="home"))],
        ]
    )


def mine_button() -> InlineKeyboardButton:
    return _button(_("🗂 My appointments"), cb.Menu(action="mine"))


def mine_kb() -> InlineKeyboardMarkup:
    """Under a record (a request, a waitlist entry): "My appointments", the menu."""
    return InlineKeyboardMarkup(inline_keyboard=[[mine_button()], [home_button(keep=True)]])


def request_kb(request_id: int) -> InlineKeyboardMarkup:
    """Under a recorded request: the whole seed hash, "My appointments", the menu."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("#️⃣ Whole seed hash"), cb.Req(action="hash", id=request_id))],
            [mine_button()],
            [home_button(keep=True)],
        ]
    )


def request_buttons(request_id: int) -> list[list[InlineKeyboardButton]]:
    """Under "My appointments", a request still open: change or withdraw it."""
    return [
        [_button(_("✏️ Change request"), cb.Req(action="change", id=request_id))],
        [_button(_("✖ Withdraw request"), cb.Req(action="withdraw", id=request_id))],
    ]


def withdraw_confirm_kb(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("Yes, withdraw it"), cb.Req(action="withdraw_yes", id=request_id))],
            [_button(_("No, keep it"), cb.Menu(action="mine"))],
        ]
    )


def offer_kb(offer_id: int) -> InlineKeyboardMarkup:
    """Under a waitlist offer: take the seats, or let them go to the next in line."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("✅ Take"), cb.Offer(action="take", id=offer_id)),
                _button(_("Skip"), cb.Offer(action="skip", id=offer_id)),
            ]
        ]
    )


def waiting_buttons(entry_id: int) -> list[list[InlineKeyboardButton]]:
    """Under "My appointments", a waitlist entry: leave it."""
    return [[_button(_("Leave the waitlist"), cb.Waiting(action="leave", id=entry_id))]]


def leave_confirm_kb(entry_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("Yes, leave it"), cb.Waiting(action="leave_yes", id=entry_id))],
            [_button(_("No, stay"), cb.Menu(action="mine"))],
        ]
    )


def month_of(office_id: int, target: cb.Target, day: date) -> cb.Month:
    """The calendar's month of ``day``, for the same target."""
    return cb.Month(
        office=office_id,
        people=target.people,
        mode=target.mode,
        appt=target.appt,
        year=day.year,
        month=day.month,
    )


def full_day_kb(office_id: int, day: date, target: cb.Target) -> InlineKeyboardMarkup:
    """A full date: join the waitlist for it or for a range of dates, or back to the
    calendar."""
    number = cb.day_number(day)
    back = month_of(office_id, target, day)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("🕒 Join the waitlist"),
                    cb.WaitJoin(office=office_id, first=number, last=number),
                )
            ],
            [_button(_("🕒 Waitlist for a range"), cb.WaitJoin(office=office_id))],
            [_button(_("‹ Calendar"), back)],
            [home_button()],
        ]
    )


def not_open_kb(office_id: int, day: date, target: cb.Target) -> InlineKeyboardMarkup:
    """A date not open yet: "Remind me", back to the calendar."""
    back = month_of(office_id, target, day)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("🔔 Remind me"), cb.Remind(office=office_id, day=cb.day_number(day)))],
            [_button(_("‹ Calendar"), back)],
            [home_button()],
        ]
    )
