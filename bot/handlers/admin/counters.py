"""The office's counters: how many there are ("Loket 1" …), and its petugas loket,
who may open a counter and call and serve there but reach no other admin screen.
Both changes are audited by the domain. The screen also leads to the counter panel
(``bot.handlers.counter_desk``), which admins use like petugas loket."""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.roles import grant_counter_staff, list_counter_staff, revoke_counter_staff
from booking.offices.views import OfficeView
from booking.queue.counters import MAX_COUNTERS, counters_of, set_counters
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.states import TYPED, AdminInput
from bot.handlers.common import Event, RouterSpec, show

router = RouterSpec("admin-counters")


async def show_counters_setting(
    event: Event, admin: AdminContext, office: OfficeView, note: str = ""
) -> None:
    await admin.leave_prompt()
    counters = await counters_of(admin.domain, office.id)
    staff = await list_counter_staff(admin.domain, office.id)
    lines = [note, ""] if note else []
    lines.append(_("🪟 Counters of {office}: {n}").format(office=office.code, n=len(counters)))
    lines += [f"• {c.name}" + (" · " + _("open") if c.open else "") for c in counters]
    lines.append("")
    lines.append(_("Petugas loket (they may only call and serve at this office):"))
    lines += [f"• {user}" for user in staff] or [_("none yet")]
    await show(event, "\n".join(lines), kb.counters_kb(office.id, staff))


@router.callback_query(acb.AdminAct.filter(F.action == "counters"))
async def counters_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await show_counters_setting(query, admin, office)


@router.callback_query(acb.AdminAct.filter(F.action == "c_count"))
async def count_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _("How many counters does {office} have? Type a number from 0 to {max}.").format(
        office=office.code, max=MAX_COUNTERS
    )
    await admin.ask(query, AdminInput.counters, office, text, kb.back_kb(office.id))


@router.message(AdminInput.counters, TYPED)
async def count_typed(message: Message, admin: AdminContext, office: OfficeView) -> None:
    typed = (message.text or "").strip()
    if not typed.isdigit() or int(typed) > MAX_COUNTERS:
        await message.answer(
            _("Please type a whole number from 0 to {max}, e.g. 4.").format(max=MAX_COUNTERS)
        )
        return
    await set_counters(admin.domain, office.id, int(typed), actor=admin.actor)
    note = _("✅ {office} has {n} counters now.").format(office=office.code, n=int(typed))
    await show_counters_setting(message, admin, office, note)


@router.callback_query(acb.AdminAct.filter(F.action == "c_grant"))
async def grant_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = _(
        "Type the numeric Telegram user id of the new petugas loket of {office}. "
        "They can find it with @userinfobot. Usernames are not accepted."
    ).format(office=office.code)
    await admin.ask(query, AdminInput.counter_staff, office, text, kb.back_kb(office.id))


@router.message(AdminInput.counter_staff, TYPED)
async def grant(message: Message, admin: AdminContext, office: OfficeView) -> None:
    user = await grant_counter_staff(
        admin.domain, message.text or "", office.code, actor=admin.actor
    )
    note = _("✅ {user} is now petugas loket of {office}. They open the panel with /loket.").format(
        user=user.telegram_id, office=office.code
    )
    await show_counters_setting(message, admin, office, note)


@router.callback_query(acb.AdminCounterStaff.filter())
async def revoke(
    query: CallbackQuery,
    callback_data: acb.AdminCounterStaff,
    callback_answer: CallbackAnswer,
    admin: AdminContext,
    office: OfficeView,
) -> None:
    await revoke_counter_staff(admin.domain, callback_data.user, office.code, actor=admin.actor)
    callback_answer.text = _("Removed.")
    await show_counters_setting(query, admin, office)
