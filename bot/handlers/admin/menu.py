"""/admin: choosing the office and its menu, and (super-admins only) appointing and
removing office admins."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.roles import add_admin, list_admins, remove_admin
from booking.offices.views import OfficeView
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.access import IsSuper, office_by_code
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.states import ADMIN_OFFICE, TYPED, AdminInput
from bot.handlers.admin.texts import admins_text, menu_text
from bot.handlers.common import Event, RouterSpec, reset_flow, show

router = RouterSpec("admin-menu")


async def enter_office(event: Event, admin: AdminContext, office: OfficeView) -> None:
    """Show the office menu; the office becomes this chat's current one."""
    await reset_flow(admin.state)
    await admin.state.update_data({ADMIN_OFFICE: office.id})
    superuser = await admin.is_super()
    several = superuser or len(await admin.offices()) > 1
    await show(
        event, menu_text(office), kb.menu_kb(office.id, superuser=superuser, several=several)
    )


async def show_offices(event: Event, admin: AdminContext, page: int) -> None:
    offices = await admin.offices()
    if len(offices) == 1:
        await enter_office(event, admin, offices[0])
        return
    if not offices:
        await show(event, _("There is no active office to administer yet."))
        return
    pages = max(1, -(-len(offices) // kb.OFFICES_PER_PAGE))
    await show(event, _("Which office?"), kb.offices_kb(offices, min(page, pages - 1)))


@router.message(Command("admin"))
async def admin_command(message: Message, command: CommandObject, admin: AdminContext) -> None:
    """/admin, or /admin CODE for that office. Either leaves any prompt."""
    await reset_flow(admin.state)
    code = (command.args or "").strip()
    if not code:
        await show_offices(message, admin, 0)
        return
    office = await office_by_code(admin.domain, admin.settings, admin.user_id, code)
    if office is None:
        await message.answer(
            _("There is no office “{code}” among the offices you manage.").format(code=code[:32])
        )
        await show_offices(message, admin, 0)
        return
    await enter_office(message, admin, office)


@router.callback_query(acb.AdminOffices.filter())
async def offices_page(
    query: CallbackQuery, callback_data: acb.AdminOffices, admin: AdminContext
) -> None:
    await show_offices(query, admin, callback_data.page)


@router.callback_query(acb.AdminAct.filter(F.action == "menu"))
async def menu_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await enter_office(query, admin, office)


# --- office admins (super-admins only) ----------------------------------------------


@router.callback_query(acb.AdminAct.filter(F.action == "admins"), IsSuper())
async def admins_screen(event: Event, admin: AdminContext, office: OfficeView) -> None:
    admins = await list_admins(admin.domain, office.id)
    await show(event, admins_text(office, admins), kb.admins_kb(office.id, admins))


@router.callback_query(acb.AdminAct.filter(F.action == "appoint"), IsSuper())
async def appoint_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _(
        "Type the numeric Telegram user id of the new admin of {office}. "
        "They can find it with @userinfobot. Usernames are not accepted."
    ).format(office=office.code)
    await admin.ask(query, AdminInput.appoint, office, text, kb.back_kb(office.id))


@router.message(AdminInput.appoint, TYPED, IsSuper())
async def appoint(message: Message, admin: AdminContext, office: OfficeView) -> None:
    role = await add_admin(admin.domain, message.text or "", office.code, actor=admin.actor)
    await admin.leave_prompt()
    admins = await list_admins(admin.domain, office.id)
    await message.answer(
        _("{user} is now an admin of {office}. They open the menu with /admin.").format(
            user=role.telegram_id, office=office.code
        ),
        reply_markup=kb.admins_kb(office.id, admins),
    )


@router.callback_query(acb.AdminAct.filter(F.action.in_({"admins", "appoint"})))
@router.message(AdminInput.appoint, TYPED)
async def only_super(event: Event, admin: AdminContext, office: OfficeView) -> None:
    """An office admin at a super-admin's screen, or one who lost the super role."""
    await admin.leave_prompt()
    await show(event, _("Only a super-admin can appoint office admins."), kb.back_kb(office.id))


@router.callback_query(acb.AdminRemove.filter(), IsSuper())
async def remove(
    query: CallbackQuery,
    callback_data: acb.AdminRemove,
    callback_answer: CallbackAnswer,
    admin: AdminContext,
    office: OfficeView,
) -> None:
    await remove_admin(admin.domain, callback_data.user, office.code, actor=admin.actor)
    callback_answer.text = _("Removed.")
    await admins_screen(query, admin, office)
