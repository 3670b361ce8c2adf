"""💬 Staff chat: the Telegram group where the office's staff answer applicants'
questions (audited). ``/staffchat`` opens the same screen. To learn a group's id,
add the bot to the group and send /tiket there."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from booking.admin.staff_chat import InvalidStaffChat, set_staff_chat
from booking.offices.views import OfficeView
from booking.questions.tickets import staff_chat_of
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.menu import show_offices
from bot.handlers.admin.states import TYPED, AdminInput
from bot.handlers.common import Event, RouterSpec

router = RouterSpec("admin-staff-chat")

REMOVE = "-"  # typed for "no staff chat"


async def ask_chat_id(event: Event, admin: AdminContext, office: OfficeView) -> None:
    current = await staff_chat_of(admin.domain, office.id)
    now = str(current) if current is not None else _("none")
    text = _(
        "Staff chat of {office}: {current}.\n\n"
        "Type the id of the Telegram group where the staff answer questions "
        "(add me to the group and send /tiket there to see its id), or {remove} for "
        "none. Send /cancel to stop."
    ).format(office=office.name, current=now, remove=REMOVE)
    await admin.ask(event, AdminInput.staff_chat, office, text, kb.back_kb(office.id))


@router.callback_query(acb.AdminAct.filter(F.action == "staffchat"))
async def staff_chat_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await ask_chat_id(query, admin, office)


@router.message(Command("staffchat"))
async def staff_chat_command(message: Message, admin: AdminContext) -> None:
    """The screen of the office chosen in this chat, or of the admin's only office;
    else the office list first."""
    offices = await admin.offices()
    office = admin.office or (offices[0] if len(offices) == 1 else None)
    if office is None:
        await show_offices(message, admin, 0)
        return
    await ask_chat_id(message, admin, office)


@router.message(AdminInput.staff_chat, TYPED)
async def chat_id_typed(message: Message, admin: AdminContext, office: OfficeView) -> None:
    typed = (message.text or "").strip()
    try:
        await set_staff_chat(
            admin.domain, office.id, None if typed == REMOVE else typed, actor=admin.actor
        )
    except InvalidStaffChat:
        await message.answer(
            _("That is not a group id: it looks like -1001234567890. Please try again.")
        )
        return
    await admin.leave_prompt()
    text = (
        _("{office} has no staff chat now.")
        if typed == REMOVE
        else _("Questions to {office} now go to the group {chat_id}.")
    ).format(office=office.name, chat_id=typed)
    await message.answer(text, reply_markup=kb.back_kb(office.id))
