"""Buttons under notices the sender delivers: a closure notice offers a new date,
a waitlist offer "Take" / "Skip".

The closure's button opens the same rebooking flow as "My appointments" (the move
does not count against the reschedule limit); the offer's carry the offer's id. Each
tap is checked against the tapping user.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from booking.admin.closures import CLOSURE_TEMPLATE
from bot import callbacks as cb
from bot.keyboards import offer_kb
from bot.notices import WAITLIST_OFFER_TEMPLATE, Notices, Rendered, Translate


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark only")
    return message


NEW_DATE = N_("📅 New date for {code}")


def add_notice_buttons(notices: Notices) -> Notices:
    plain = notices.renderers[CLOSURE_TEMPLATE]

    def closure_with_button(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
        rendered = plain(args, locale, t)
        appointment_id = args.get("appointment_id")
        if not isinstance(appointment_id, int) or appointment_id < 1:
            return rendered
        button = InlineKeyboardButton(
            text=t(NEW_DATE).format(code=args["code"]),
            callback_data=cb.Appt(action="rebook", id=appointment_id).pack(),
        )
        return Rendered(rendered.text, InlineKeyboardMarkup(inline_keyboard=[[button]]))

    notices.register(CLOSURE_TEMPLATE, closure_with_button)
    offer = notices.renderers[WAITLIST_OFFER_TEMPLATE]

    def offer_with_buttons(args: dict[str, Any], locale: str, t: Translate) -> Rendered:
        rendered = offer(args, locale, t)
        offer_id = args.get("offer_id")
        if not isinstance(offer_id, int) or offer_id < 1:
            return rendered
        return Rendered(rendered.text, offer_kb(offer_id))

    notices.register(WAITLIST_OFFER_TEMPLATE, offer_with_buttons)
    return notices
