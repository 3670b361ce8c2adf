"""The office's arrival poster (today's QR code, PNG and PDF) and its "now serving"
screen: the screen's address with its key, and a new key that cuts off the old
address (a screen left open elsewhere, a leaked link)."""

from __future__ import annotations

import asyncio

from aiogram import F
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _

from booking.offices.views import OfficeView
from booking.queue.arrival import arrival_link, arrival_token
from booking.queue.display import display_key, rotate_display_key
from bot.display import screen_url
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.common import RouterSpec, show
from bot.poster import poster_pdf, poster_png
from bot.texts import long_date

router = RouterSpec("admin-screen")


@router.callback_query(acb.AdminAct.filter(F.action == "poster"))
async def send_poster(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    """Today's arrival poster, as PNG and PDF documents (uncompressed, for printing)."""
    assert query.bot is not None
    today = admin.today(office)
    me = await query.bot.me()
    link = arrival_link(me.username or "", arrival_token(admin.domain, office.id, today))
    valid = long_date(today, "id")
    png, pdf = await asyncio.gather(
        asyncio.to_thread(poster_png, office.name, link, valid),
        asyncio.to_thread(poster_pdf, office.name, link, valid),
    )
    name = f"{office.code}-{today:%Y%m%d}-arrival"
    await query.bot.send_document(admin.user_id, BufferedInputFile(png, f"{name}.png"))
    await query.bot.send_document(
        admin.user_id,
        BufferedInputFile(pdf, f"{name}.pdf"),
        caption=_(
            "🖨 The arrival poster of {office} for {day}. Print it and hang it at the "
            "entrance: applicants scan it on arrival to check in. Its code changes every "
            "day, so print a new one each morning."
        ).format(office=office.name, day=long_date(today, admin.locale)),
        reply_markup=kb.back_kb(office.id),
    )


def screen_text(admin: AdminContext, office: OfficeView, key: str) -> str:
    return _(
        "📺 The “now serving” screen of {office}: open this address on the hall's TV "
        "(full screen, F11):\n{url}\n\nAnyone with the address can watch the screen. "
        "A new key makes the old address stop working."
    ).format(office=office.name, url=screen_url(admin.settings, office.code, key))


@router.callback_query(acb.AdminAct.filter(F.action == "screen"))
async def screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    key = await display_key(admin.domain, office.id)
    await show(query, screen_text(admin, office, key), kb.screen_kb(office.id))


@router.callback_query(acb.AdminAct.filter(F.action == "screen_key"))
async def screen_key_ask(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await show(
        query,
        _(
            "Make a new key for the screen of {office}? Screens open with the old "
            "address stop updating; open the new address on them."
        ).format(office=office.name),
        kb.screen_key_kb(office.id),
    )


@router.callback_query(acb.AdminAct.filter(F.action == "screen_key_yes"))
async def screen_key(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    key = await rotate_display_key(admin.domain, office.id, actor=admin.actor)
    text = _("🔑 New key made.") + "\n\n" + screen_text(admin, office, key)
    await show(query, text, kb.screen_kb(office.id))
