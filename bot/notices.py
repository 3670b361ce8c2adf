"""Texts of the reminders and notices the sender delivers from the outbox.

An outbox row carries a template key and its arguments; the text is made when
the row is sent, in the recipient's language, with times in the office's zone
(WIB/WITA/WIT). Message ids are English, gettext style, marked with ``N_`` (one
of Babel's default keywords); their translations live in the bot's catalogs
(``bot/locales``).

Another part of the bot may add a template, or replace one (``bot.notice_buttons``
adds the "new date" button under a closure notice), with ``Notices.register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from babel.dates import format_date

from booking.admin.checkin import RELEASED_TEMPLATE
from booking.calendar.schedule import zone, zone_abbrev
from booking.notify.confirmations import CANCELLATION
from booking.notify.outbox import REMINDER_DAY_BEFORE, REMINDER_SOON, ClaimedNotification
from booking.questions import tickets
from booking.queue.calling import CALLED_TEMPLATE, HEADS_UP_TEMPLATE
from bot.i18n import LANGUAGE_NAMES, build_i18n, normalize_language
from bot.question_buttons import reply_kb
from bot.texts import short_moment

TEXT_LIMIT = 4096


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark only")
    return message


DAY_BEFORE = N_(
    "⏰ Reminder: your passport appointment is on {date} at {time} {zone}.\n"
    "{office}\n{address}\n"
    "Booking code: {code}\n"
    "Please arrive 30 minutes early and bring your documents."
)
SOON = N_(
    "⏰ Your passport appointment starts at {time} {zone} ({date}).\n"
    "{office}\n{address}\n"
    "Booking code: {code}. Please arrive 30 minutes early."
)
# A family's reminder (a booking group of several people): one message to the
# account, every member's name and booking code listed.
GROUP_DAY_BEFORE = N_(
    "⏰ Reminder: the passport appointment for {count} people is on {date} at {time} {zone}.\n"
    "{office}\n{address}\n"
    "Booking codes:\n{members}\n"
    "Please arrive 30 minutes early and bring everyone's documents."
)
GROUP_SOON = N_(
    "⏰ The passport appointment for {count} people starts at {time} {zone} ({date}).\n"
    "{office}\n{address}\n"
    "Booking codes:\n{members}\n"
    "Please arrive 30 minutes early."
)
ANNOUNCEMENT = N_(
    "📢 Announcement from {office} for your appointment on {date} ({code}):\n\n{text}"
)
CLOSURE = N_(
    "❗ {office} is closed on {date}: {reason}.\n"
    "Your appointment {code} has been cancelled. Please choose a new date; "
    "this change does not count against your reschedule limit."
)
GROUP_CLOSURE = N_(
    "❗ {office} is closed on {date}: {reason}.\n"
    "The appointments {codes} have been cancelled. Please choose a new date for all of you; "
    "this change does not count against your reschedule limit."
)

# To an applicant sent home from the counter, whom the staff released.
RELEASED = N_(
    "↩️ {office}: the appointment {code} of {name} on {date} was ended at the counter. "
    "You can book again, for today too if seats are left. Please bring everything that "
    "was missing."
)

# Posted to an office's staff chat; staff reply to the post to answer. The ticket
# number must stay in the text: a reply is matched to its ticket by it.
TICKET_TO_STAFF = N_(
    "🎫 Ticket #{ticket} · {office}\nFrom: {name} · language: {language}\n\n{text}\n\n"
    "Reply to this message to answer. /tiket lists open tickets; /tutup {ticket} closes this one."
)
TICKET_FOLLOW_UP = N_(
    "🎫 Ticket #{ticket} · {office}\n{name} answered back:\n\n{text}\n\n"
    "Reply to this message to answer."
)
CANCELLED = N_(
    "Appointment {code} is cancelled. If you added it to your calendar, delete the event there too."
)
TICKET_REPLY = N_("💬 {office} answered your question (ticket #{ticket}):\n\n{text}")
TICKET_CLOSED = N_(
    "✅ {office} closed your ticket #{ticket}. Thank you for your question! "
    "If you need anything else, just ask here."
)

# The fair release: a draw's result for those who got no seat, the waitlist's offer
# (``bot.notice_buttons`` adds "Take" / "Skip") and its expiry, and "remind me".
DRAW_LOST_TEMPLATE = "draw_lost"
WAITLIST_OFFER_TEMPLATE = "waitlist_offer"
WAITLIST_OFFER_EXPIRED_TEMPLATE = "waitlist_offer_expired"
RELEASE_OPENING_TEMPLATE = "release_opening"
DRAW_LOST = N_(
    "🎲 The draw of {office}: not this time, none of your choices had seats left for "
    "your group. You are on the waitlist at position {position}: when a seat frees up, "
    "it is offered to you in this chat."
)
DRAW_LOST_NO_WAITLIST = N_(
    "🎲 The draw of {office}: not this time, none of your choices had seats left for "
    "your group. Seats left after the draw can be booked as usual."
)
WAITLIST_OFFER = N_(
    "🎟 A seat for you at {office}: {when} ({label}).\n"
    "It is held for you until {until}. Take it, or skip it so the next person in line gets it."
)
GROUP_WAITLIST_OFFER = N_(
    "🎟 {seats} seats for your group at {office}: {when} ({label}).\n"
    "They are held for you until {until}. Take them, or skip them so the next in line get them."
)
WAITLIST_OFFER_EXPIRED = N_(
    "⌛ The seat offered at {office} for {when} was not taken in time and went to the next "
    "person in line. You stay on the waitlist."
)
OPENING_DRAW = N_(
    "🔔 Requests are open at {office}: the dates opening {release} are drawn among the "
    "requests. Send yours before then: Book an appointment → {office}."
)
OPENING_FIRST_COME = N_(
    "🔔 New dates are open at {office} now ({release}). Book an appointment → {office}."
)

# The day at the office: a counter called the applicant's queue number, and their
# turn is near (sent once, when ``HEADS_UP_AT`` people are ahead).
QUEUE_CALLED = N_("🔔 Your turn: number {number}, please go to {counter}.\n{office}")
QUEUE_HEADS_UP = N_(
    "⏳ Your turn is near: number {number}, {ahead} ahead of you at {office}. "
    "Please come back to the hall now; the counter is shown when you are called."
)
QUEUE_NEXT = N_(
    "⏳ You are next: number {number} at {office}. Please come back to the hall now; "
    "the counter is shown when you are called."
)


@dataclass(frozen=True)
class Rendered:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


Translate = Callable[[str], str]
Renderer = Callable[[dict[str, Any], str, Translate], Rendered]


class UnknownTemplate(Exception):
    def __init__(self, template: str) -> None:
        super().__init__(f"no renderer for template {template!r}")
        self.template = template


def clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def long_date(day: date, locale: str) -> str:
    return format_date(day, "EEEE, d MMMM y", locale=locale)


def local_start(args: dict[str, Any]) -> tuple[datetime, str]:
    """The session start in the office's zone, and the zone's name (WIB/WITA/WIT)."""
    start = datetime.fromisoformat(args["start"])
    tz_name = args["timezone"]
    return start.astimezone(zone(tz_name)), zone_abbrev(tz_name, start)


def _reminder(message: str, group_message: str) -> Renderer:
    """A reminder: ``message`` for one person, ``group_message`` listing every
    member (``args["members"]``: name and code) when the group has several."""

    def render(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
        start, zone_name = local_start(args)
        members = args.get("members") or []
        fields = {
            "date": long_date(start.date(), locale),
            "time": f"{start:%H:%M}",
            "zone": zone_name,
            "office": args["office"],
            "address": args["address"],
        }
        if len(members) > 1:
            listed = "\n".join(f"• {name}: {code}" for name, code in members)
            text = t(group_message).format(count=len(members), members=listed, **fields)
        else:
            text = t(message).format(code=args["code"], **fields)
        return Rendered(text)

    return render


def _announcement(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    day = date.fromisoformat(args["day"])
    return Rendered(
        t(ANNOUNCEMENT).format(
            office=args["office_name"],
            date=long_date(day, locale),
            code=args["code"],
            text=args["text"],
        )
    )


def _closure(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    """The closure notice (``bot.notice_buttons`` adds its "new date" button)."""
    day = date.fromisoformat(args["day"])
    fields = {
        "office": args["office_name"],
        "date": long_date(day, locale),
        "reason": args["reason"],
    }
    codes = args.get("codes") or []
    if len(codes) > 1:  # a booking group: one notice for all its members
        return Rendered(t(GROUP_CLOSURE).format(codes=", ".join(codes), **fields))
    return Rendered(t(CLOSURE).format(code=args["code"], **fields))


def _released(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    day = date.fromisoformat(args["day"])
    return Rendered(
        t(RELEASED).format(
            office=args["office_name"],
            code=args["code"],
            name=args["name"],
            date=long_date(day, locale),
        )
    )


def _to_staff(message: str) -> Renderer:
    def render(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
        language = LANGUAGE_NAMES.get(str(args["language"]), str(args["language"]))
        return Rendered(
            t(message).format(
                ticket=args["ticket"],
                office=args["office"],
                name=args["name"],
                language=language,
                text=args["text"],
            )
        )

    return render


def _ticket_reply(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    text = t(TICKET_REPLY).format(office=args["office"], ticket=args["ticket"], text=args["text"])
    return Rendered(text, reply_kb(int(args["ticket"])))


def _ticket_closed(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    return Rendered(t(TICKET_CLOSED).format(office=args["office"], ticket=args["ticket"]))


def _cancelled(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    return Rendered(t(CANCELLED).format(code=", ".join(args["codes"])))


def moment_of(args: dict[str, Any], key: str, locale: str) -> str:
    """The datetime arg ``key`` in the office's zone (``args["timezone"]``)."""
    return short_moment(datetime.fromisoformat(args[key]), args.get("timezone") or "UTC", locale)


def _draw_lost(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    position = args.get("position")
    if position is None:
        return Rendered(t(DRAW_LOST_NO_WAITLIST).format(office=args["office"]))
    return Rendered(t(DRAW_LOST).format(office=args["office"], position=position))


def _waitlist_offer(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    """The offer's text (``bot.notice_buttons`` adds its "Take" / "Skip")."""
    message = GROUP_WAITLIST_OFFER if int(args["seats"]) > 1 else WAITLIST_OFFER
    return Rendered(
        t(message).format(
            office=args["office"],
            when=moment_of(args, "start", locale),
            label=args["label"],
            seats=args["seats"],
            until=moment_of(args, "expires_at", locale),
        )
    )


def _offer_expired(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    return Rendered(
        t(WAITLIST_OFFER_EXPIRED).format(
            office=args["office"], when=moment_of(args, "start", locale)
        )
    )


def _release_opening(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    fields = {"office": args["office"], "release": moment_of(args, "release_at", locale)}
    if args.get("mode") == "draw":
        return Rendered(t(OPENING_DRAW).format(**fields))
    return Rendered(t(OPENING_FIRST_COME).format(**fields))


def _queue_called(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    return Rendered(
        t(QUEUE_CALLED).format(
            number=args["number"], counter=args["counter"], office=args["office"]
        )
    )


def _queue_heads_up(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    message = QUEUE_NEXT if int(args["ahead"]) == 0 else QUEUE_HEADS_UP
    return Rendered(t(message).format(**{k: args[k] for k in ("number", "ahead", "office")}))


def _plain(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
    return Rendered(str(args["text"]))


class Notices:
    """Renders outbox rows, translating with the bot's catalogs (``i18n``)."""

    def __init__(self, i18n: I18n | None = None, default_locale: str = "id") -> None:
        self.i18n = i18n if i18n is not None else build_i18n(default_locale)
        self.default_locale = self.i18n.default_locale
        self.renderers: dict[str, Renderer] = {
            REMINDER_DAY_BEFORE: _reminder(DAY_BEFORE, GROUP_DAY_BEFORE),
            REMINDER_SOON: _reminder(SOON, GROUP_SOON),
            "office_announcement": _announcement,
            "closure_displaced": _closure,
            RELEASED_TEMPLATE: _released,
            "text": _plain,
            CANCELLATION: _cancelled,
            tickets.TO_STAFF: _to_staff(TICKET_TO_STAFF),
            tickets.FOLLOW_UP: _to_staff(TICKET_FOLLOW_UP),
            tickets.STAFF_REPLY: _ticket_reply,
            tickets.CLOSED: _ticket_closed,
            CALLED_TEMPLATE: _queue_called,
            HEADS_UP_TEMPLATE: _queue_heads_up,
            DRAW_LOST_TEMPLATE: _draw_lost,
            WAITLIST_OFFER_TEMPLATE: _waitlist_offer,
            WAITLIST_OFFER_EXPIRED_TEMPLATE: _offer_expired,
            RELEASE_OPENING_TEMPLATE: _release_opening,
        }

    def register(self, template: str, renderer: Renderer) -> None:
        self.renderers[template] = renderer

    def locale_of(self, language: str | None) -> str:
        return normalize_language(language, self.default_locale)

    def translate(self, message: str, locale: str) -> str:
        return self.i18n.gettext(message, locale=locale)

    def render(self, notification: ClaimedNotification) -> Rendered:
        renderer = self.renderers.get(notification.template)
        if renderer is None:
            raise UnknownTemplate(notification.template)
        locale = self.locale_of(notification.language)
        # The bot's keyboards translate with the current i18n context and locale.
        with self.i18n.context(), self.i18n.use_locale(locale):
            rendered = renderer(notification.args, locale, lambda m: self.translate(m, locale))
        return Rendered(clip(rendered.text), rendered.reply_markup)
