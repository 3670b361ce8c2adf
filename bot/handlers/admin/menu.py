"""/admin: choosing the office, its menu, the dispatch of taps and typed answers,
and (super-admins only) appointing and removing office admins."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.roles import add_admin, list_admins, offices_of_admin, remove_admin
from booking.core.context import Domain
from booking.core.errors import BookingError, OfficeNotFound
from booking.db.models import Office
from booking.offices.content import Content
from booking.offices.lookup import get_office_by_code
from bot import states
from bot.config import BotSettings
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.access import current_office, office_of, super_admin
from bot.handlers.admin.base import SCREENS, TYPED, Env, Event, router, screen, typed
from bot.handlers.admin.states import ADMIN_OFFICE, AdminInput
from bot.handlers.admin.texts import admin_error, menu_text, nothing_changed
from bot.handlers.common import refuse, show, user_id


def env_of(
    event: Event,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> Env:
    return Env(domain, settings, state, locale, content, user_id(event))


async def enter_office(event: Event, office: Office, env: Env) -> None:
    """Show the office menu; the office becomes this chat's current one."""
    locale = (await env.state.get_data()).get(states.LOCALE)
    await env.state.clear()
    await env.state.update_data(
        {ADMIN_OFFICE: office.id, **({states.LOCALE: locale} if locale else {})}
    )
    superuser = await super_admin(env.domain, env.settings, env.user_id)
    several = (
        superuser
        or len(await offices_of_admin(env.domain, env.user_id, env.settings.admin_id_set)) > 1
    )
    assert office.id is not None
    await show(
        event, menu_text(office), kb.menu_kb(office.id, superuser=superuser, several=several)
    )


screen("menu")(enter_office)


async def show_offices(event: Event, env: Env, page: int) -> None:
    offices = await offices_of_admin(env.domain, env.user_id, env.settings.admin_id_set)
    if len(offices) == 1:
        await enter_office(event, offices[0], env)
        return
    if not offices:
        await show(event, _("There is no active office to administer yet."))
        return
    pages = max(1, -(-len(offices) // kb.OFFICES_PER_PAGE))
    await show(event, _("Which office?"), kb.offices_kb(offices, min(page, pages - 1)))


@router.message(Command("admin"))
async def admin_command(
    message: Message,
    command: CommandObject,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    env = env_of(message, domain, settings, state, locale, content)
    code = (command.args or "").strip()
    if not code:
        await show_offices(message, env, 0)
        return
    office: Office | None
    try:
        found = await get_office_by_code(domain, code.upper()[:32])
    except OfficeNotFound:
        office = None
    else:
        assert found.id is not None
        office = await office_of(domain, settings, env.user_id, found.id)
    if office is None:
        await message.answer(
            _("There is no office “{code}” among the offices you manage.").format(code=code[:32])
        )
        await show_offices(message, env, 0)
        return
    await enter_office(message, office, env)


@router.callback_query(acb.AdminOffices.filter())
async def offices_page(
    query: CallbackQuery,
    callback_data: acb.AdminOffices,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    await show_offices(
        query, env_of(query, domain, settings, state, locale, content), callback_data.page
    )


@router.callback_query(acb.AdminAct.filter())
async def action(
    query: CallbackQuery,
    callback_data: acb.AdminAct,
    callback_answer: CallbackAnswer,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    """Every admin screen: the office in the button is checked against the user first."""
    office = await office_of(domain, settings, query.from_user.id, callback_data.office)
    handler = SCREENS.get(callback_data.action)
    if office is None or handler is None:
        await refuse(query, callback_answer)
        return
    await handler(query, office, env_of(query, domain, settings, state, locale, content))


@router.message(StateFilter(AdminInput), F.text, ~F.text.startswith("/"))
async def typed_answer(
    message: Message,
    raw_state: str | None,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    """Text typed at an admin prompt, for the office chosen in this chat."""
    office = await current_office(message, state, domain, settings)
    if office is None:
        await state.set_state(None)
        await message.answer(_("You no longer administer that office. Send /admin to start again."))
        return
    handler = TYPED.get(raw_state or "")
    if handler is None:  # a step answered with buttons
        await message.answer(_("Please use the buttons above, or send /cancel to stop."))
        return
    await handler(message, office, env_of(message, domain, settings, state, locale, content))


# --- office admins (super-admins only) ----------------------------------------------


async def admins_text(office: Office, env: Env) -> str:
    admins = await list_admins(env.domain, office.id)
    lines = [_("👤 Admins of {office}:").format(office=f"{office.name} ({office.code})")]
    lines += [f"• {a.telegram_id} ({a.created_by})" for a in admins] or [_("none yet")]
    lines.append("")
    lines.append(
        _("Super-admins (ADMIN_IDS or add-admin --super) manage every office and are not listed.")
    )
    return "\n".join(lines)


@screen("admins")
async def admins_screen(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    if not await super_admin(env.domain, env.settings, env.user_id):
        await show(event, _("Only a super-admin can appoint office admins."), kb.back_kb(office.id))
        return
    admins = await list_admins(env.domain, office.id)
    await show(event, await admins_text(office, env), kb.admins_kb(office.id, admins))


@screen("appoint")
async def appoint_prompt(event: Event, office: Office, env: Env) -> None:
    assert office.id is not None
    if not await super_admin(env.domain, env.settings, env.user_id):
        await show(event, _("Only a super-admin can appoint office admins."), kb.back_kb(office.id))
        return
    await env.ask(AdminInput.appoint, office)
    await show(
        event,
        _(
            "Type the numeric Telegram user id of the new admin of {office}. "
            "They can find it with @userinfobot. Usernames are not accepted."
        ).format(office=office.code),
        kb.back_kb(office.id),
    )


@typed(AdminInput.appoint)
async def appoint(message: Message, office: Office, env: Env) -> None:
    assert office.id is not None
    if not await super_admin(env.domain, env.settings, env.user_id):
        await env.state.set_state(None)
        await message.answer(_("Only a super-admin can appoint office admins."))
        return
    try:
        role = await add_admin(env.domain, message.text or "", office.code, actor=env.actor)
    except BookingError as exc:
        await message.answer(f"{admin_error(exc, env.locale)} {nothing_changed()}")
        return
    await env.state.set_state(None)
    admins = await list_admins(env.domain, office.id)
    await message.answer(
        _("{user} is now an admin of {office}. They open the menu with /admin.").format(
            user=role.telegram_id, office=office.code
        ),
        reply_markup=kb.admins_kb(office.id, admins),
    )


@router.callback_query(acb.AdminRemove.filter())
async def remove(
    query: CallbackQuery,
    callback_data: acb.AdminRemove,
    callback_answer: CallbackAnswer,
    domain: Domain,
    settings: BotSettings,
    state: FSMContext,
    locale: str,
    content: Content,
) -> None:
    office = await office_of(domain, settings, query.from_user.id, callback_data.office)
    if office is None or not await super_admin(domain, settings, query.from_user.id):
        await refuse(query, callback_answer)
        return
    env = env_of(query, domain, settings, state, locale, content)
    try:
        await remove_admin(domain, callback_data.user, office.code, actor=env.actor)
    except BookingError as exc:
        callback_answer.text = admin_error(exc, locale)[:200]
    else:
        callback_answer.text = _("Removed.")
    await admins_screen(query, office, env)
