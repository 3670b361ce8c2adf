"""Admin keyboards. Every button carries the office it acts on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from booking.admin.closures import ClosedDay
from booking.admin.daylist import DayList, SessionLine
from booking.admin.roles import AdminRoleView
from booking.offices.views import OfficeView
from bot.callbacks import CallbackData, Desk
from bot.handlers.admin import callbacks as acb
from bot.keyboards import fit
from bot.texts import office_place, session_name

OFFICES_PER_PAGE = 8


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def act(text: str, action: acb.Action, office_id: int) -> InlineKeyboardButton:
    return _button(text, acb.AdminAct(action=action, office=office_id))


def back_button(office_id: int) -> InlineKeyboardButton:
    return act(_("‹ Admin menu"), "menu", office_id)


def back_kb(office_id: int) -> InlineKeyboardMarkup:
    return acts_kb(office_id)


def acts_kb(office_id: int, *rows: Sequence[tuple[str, acb.Action]]) -> InlineKeyboardMarkup:
    """Rows of screen buttons of one office, then the way back to its menu."""
    buttons = [[act(text, action, office_id) for text, action in row] for row in rows]
    return InlineKeyboardMarkup(inline_keyboard=[*buttons, [back_button(office_id)]])


def offices_kb(offices: Sequence[OfficeView], page: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    first = page * OFFICES_PER_PAGE
    for office in offices[first : first + OFFICES_PER_PAGE]:
        b.row(act(fit(f"{office.code} · {office_place(office)}"), "menu", office.id))
    pages = max(1, -(-len(offices) // OFFICES_PER_PAGE))
    nav = []
    if page > 0:
        nav.append(_button("‹", acb.AdminOffices(page=page - 1)))
    if page + 1 < pages:
        nav.append(_button("›", acb.AdminOffices(page=page + 1)))
    if nav:
        b.row(*nav)
    return b.as_markup()


def menu_kb(office_id: int, *, superuser: bool, several: bool) -> InlineKeyboardMarkup:
    rows = [
        [act(_("⚙️ Quotas"), "quota", office_id), act(_("⛔ Close a date"), "close", office_id)],
        [act(_("📋 Day list"), "list", office_id), act(_("✅ Check-in"), "checkin", office_id)],
        [act(_("🚫 No-shows"), "noshow", office_id), act(_("📊 Statistics"), "stats", office_id)],
        [
            act(_("📣 Announcement"), "announce", office_id),
            act(_("🧾 Audit log"), "audit", office_id),
        ],
        [
            act(_("💬 Staff chat"), "staffchat", office_id),
            act(_("🪟 Counters"), "counters", office_id),
        ],
        [act(_("🖨 Arrival QR"), "poster", office_id), act(_("📺 Screen"), "screen", office_id)],
    ]
    if superuser:
        rows.append([act(_("👤 Office admins"), "admins", office_id)])
    if several:
        rows.append([_button(_("🏢 Other office"), acb.AdminOffices(page=0))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def quota_kb(office_id: int) -> InlineKeyboardMarkup:
    return acts_kb(
        office_id,
        [(_("Daily quota"), "q_daily"), (_("Priority quota"), "q_priority")],
        [(_("Session shares"), "q_shares")],
        [(_("Release window"), "q_window"), (_("Release time"), "q_rule")],
        [(_("Quota for a date or range"), "q_override")],
        [(_("Back to the default quota"), "q_clear")],
        [(_("🎲 Release mode"), "q_mode")],
    )


def day_button(
    text: str, action: acb.DayAction, office_id: int, day: date, page: int = 0
) -> InlineKeyboardButton:
    return _button(
        text,
        acb.AdminDay(action=action, office=office_id, day=acb.day_number(day), page=page),
    )


def closures_kb(office_id: int, closed: Sequence[ClosedDay]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(act(_("⛔ Close a date"), "close_ask", office_id))
    for c in closed[:20]:
        b.row(
            day_button(_("Reopen {day}").format(day=c.day.isoformat()), "reopen", office_id, c.day)
        )
    b.row(back_button(office_id))
    return b.as_markup()


def announce_confirm_kb(office_id: int, day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [day_button(_("📣 Yes, send it"), "announce_yes", office_id, day)],
            [back_button(office_id)],
        ]
    )


def close_confirm_kb(office_id: int, day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                day_button(
                    _("⛔ Yes, close {day}").format(day=day.isoformat()),
                    "close_yes",
                    office_id,
                    day,
                )
            ],
            [back_button(office_id)],
        ]
    )


def pick_day_kb(office_id: int, today: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                day_button(_("Today"), "list", office_id, today),
                day_button(_("Tomorrow"), "list", office_id, today + timedelta(days=1)),
            ],
            [back_button(office_id)],
        ]
    )


def day_list_kb(d: DayList) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    nav = []
    if d.page > 0:
        nav.append(day_button("‹", "list", d.office_id, d.day, d.page - 1))
    if d.page + 1 < d.pages:
        nav.append(day_button("›", "list", d.office_id, d.day, d.page + 1))
    if nav:
        b.row(*nav)
    b.row(day_button(_("⬇️ Export as CSV"), "csv", d.office_id, d.day))
    b.row(back_button(d.office_id))
    return b.as_markup()


def checked_in_kb(office_id: int, codes: Sequence[str]) -> InlineKeyboardMarkup:
    """Under a check-in: release one of those checked in, if sent home."""
    b = InlineKeyboardBuilder()
    for code in codes:
        b.row(
            _button(
                _("↩️ Sent home: {code}").format(code=code),
                acb.AdminRelease(office=office_id, code=code),
            )
        )
    return b.as_markup()


def release_kb(office_id: int, code: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(
        _button(
            _("✅ Release {code}").format(code=code),
            acb.AdminRelease(office=office_id, code=code, sure=True),
        )
    )
    b.row(act(_("‹ Back to check-in"), "checkin", office_id))
    return b.as_markup()


def no_shows_kb(
    office_id: int, ended: Sequence[tuple[SessionLine, int]], locale: str
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for s, waiting in ended:
        b.row(
            _button(
                _("🚫 {label} {time} ({n})").format(
                    label=session_name(s, locale), time=f"{s.start:%H:%M}", n=waiting
                ),
                acb.AdminNoShow(office=office_id, slot=s.slot_id),
            )
        )
    b.row(back_button(office_id))
    return b.as_markup()


def stats_kb(office_id: int) -> InlineKeyboardMarkup:
    return acts_kb(
        office_id,
        [(_("Last 7 days"), "stats7"), (_("Last 30 days"), "stats30")],
        [(_("📈 Chart of the next 14 days"), "chart")],
    )


def admins_kb(office_id: int, admins: Sequence[AdminRoleView]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(act(_("➕ Appoint an admin"), "appoint", office_id))
    for a in admins[:20]:
        b.row(
            _button(
                _("Remove {user}").format(user=a.telegram_id),
                acb.AdminRemove(office=office_id, user=a.telegram_id),
            )
        )
    b.row(back_button(office_id))
    return b.as_markup()


def screen_kb(office_id: int) -> InlineKeyboardMarkup:
    return acts_kb(office_id, [(_("🔑 New screen key"), "screen_key")])


def screen_key_kb(office_id: int) -> InlineKeyboardMarkup:
    return acts_kb(
        office_id,
        [(_("🔑 Yes, make a new key"), "screen_key_yes")],
        [(_("‹ Back to the screen"), "screen")],
    )


def counters_kb(office_id: int, staff: Sequence[int]) -> InlineKeyboardMarkup:
    """The counters screen: how many counters, the petugas loket (grant, revoke), and
    the counter panel itself."""
    b = InlineKeyboardBuilder()
    b.row(act(_("Number of counters"), "c_count", office_id))
    b.row(act(_("➕ Add petugas loket"), "c_grant", office_id))
    for user in staff[:20]:
        b.row(
            _button(
                _("Remove {user}").format(user=user),
                acb.AdminCounterStaff(office=office_id, user=user),
            )
        )
    b.row(_button(_("🪟 Counter panel"), Desk(action="offices", office=office_id)))
    b.row(back_button(office_id))
    return b.as_markup()


def release_mode_kb(office_id: int, draw_mode: bool) -> InlineKeyboardMarkup:
    """Under the release mode: switch it, the request window, back to the quotas."""
    switch = (
        _button(_("Switch to first come"), acb.AdminMode(office=office_id, mode="first-come"))
        if draw_mode
        else _button(_("Switch to the draw"), acb.AdminMode(office=office_id, mode="draw"))
    )
    rows = [[switch]]
    if draw_mode:
        rows.append([act(_("Request window"), "q_hours", office_id)])
    rows.append([act(_("‹ Quotas"), "quota", office_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
