"""``/staffchat``: an office admin sets the Telegram group where the office's staff
answer applicants' questions (audited). To learn a group's id, add the bot to the
group and send /tiket there.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from booking.admin.roles import offices_of_admin
from booking.admin.staff_chat import InvalidStaffChat, set_staff_chat
from booking.core.context import Domain
from booking.questions.tickets import staff_chat_of
from bot.callbacks import MAX_ID
from bot.config import BotSettings
from bot.handlers.admin.access import office_of
from bot.handlers.common import Event, RouterSpec, refuse, show, user_id
from bot.keyboards import main_menu_kb

router = RouterSpec("admin_staff")

STAFF_CHAT_OFFICE = "staff_chat_office_id"  # FSM data: the office being set
REMOVE = "-"


class StaffChatOffice(CallbackData, prefix="sc"):
    office: int = Field(ge=1, le=MAX_ID)


class SettingStaffChat(StatesGroup):
    chat_id = State()


@router.message(Command("staffchat"))
async def staff_chat_command(
    message: Message, state: FSMContext, domain: Domain, settings: BotSettings
) -> None:
    offices = await offices_of_admin(domain, user_id(message), settings.admin_id_set)
    if not offices:
        await message.answer(_("Only an office admin can set its staff chat."))
        return
    if len(offices) == 1 and offices[0].id is not None:
        await ask_chat_id(message, state, domain, offices[0].id, offices[0].name)
        return
    b = InlineKeyboardBuilder()
    for office in offices:
        if office.id is not None:
            b.button(text=office.name, callback_data=StaffChatOffice(office=office.id))
    b.adjust(1)
    await message.answer(_("Staff chat of which office?"), reply_markup=b.as_markup())


@router.callback_query(StaffChatOffice.filter())
async def office_picked(
    query: CallbackQuery,
    callback_data: StaffChatOffice,
    state: FSMContext,
    domain: Domain,
    settings: BotSettings,
    callback_answer: CallbackAnswer,
) -> None:
    office = await office_of(domain, settings, user_id(query), callback_data.office)
    if office is None or office.id is None:
        await refuse(query, callback_answer)
        return
    await ask_chat_id(query, state, domain, office.id, office.name)


async def ask_chat_id(
    event: Event, state: FSMContext, domain: Domain, office_id: int, name: str
) -> None:
    current = await staff_chat_of(domain, office_id)
    await state.set_state(SettingStaffChat.chat_id)
    await state.update_data({STAFF_CHAT_OFFICE: office_id})
    now = str(current) if current is not None else _("none")
    await show(
        event,
        _(
            "Staff chat of {office}: {current}.\n\n"
            "Type the id of the Telegram group where the staff answer questions "
            "(add me to the group and send /tiket there to see its id), or {remove} for "
            "none. Send /cancel to stop."
        ).format(office=name, current=now, remove=REMOVE),
        edit=False,
    )


@router.message(SettingStaffChat.chat_id, F.text)
async def chat_id_typed(
    message: Message, state: FSMContext, domain: Domain, settings: BotSettings
) -> None:
    office_id = (await state.get_data()).get(STAFF_CHAT_OFFICE)
    office = (
        await office_of(domain, settings, user_id(message), office_id)
        if isinstance(office_id, int)
        else None
    )
    if office is None or office.id is None:
        await state.set_state(None)
        await message.answer(
            _("You no longer administer this office."), reply_markup=main_menu_kb()
        )
        return
    typed = (message.text or "").strip()
    try:
        await set_staff_chat(
            domain,
            office.id,
            None if typed == REMOVE else typed,
            actor=f"telegram:{user_id(message)}",
        )
    except InvalidStaffChat:
        await message.answer(
            _("That is not a group id: it looks like -1001234567890. Please try again.")
        )
        return
    await state.set_state(None)
    await state.update_data({STAFF_CHAT_OFFICE: None})
    text = (
        _("{office} has no staff chat now.")
        if typed == REMOVE
        else _("Questions to {office} now go to the group {chat_id}.")
    ).format(office=office.name, chat_id=typed)
    await message.answer(text, reply_markup=main_menu_kb())
