"""At the counter: checking applicants in by booking code, and marking no-shows
once a session is over.

The check-in prompt stays open for one code after another, whether it was opened
with the menu button or with /checkin, until the admin taps a button or sends
/cancel or /admin.

Under each check-in, a button releases someone sent home from the counter (a
missing document, say), after a second tap: their appointment ends and they can
book again, the same day if seats are left.
"""

from __future__ import annotations

from aiogram import F, flags
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from booking.admin.checkin import check_in, mark_no_shows, release
from booking.admin.daylist import day_list
from booking.core.kinds import AppointmentStatus
from booking.offices.views import OfficeView
from bot.handlers.admin import callbacks as acb
from bot.handlers.admin import keyboards as kb
from bot.handlers.admin.context import AdminContext
from bot.handlers.admin.states import TYPED, AdminInput
from bot.handlers.common import Event, RouterSpec, show
from bot.texts import service_name, session_name, time_range

router = RouterSpec("admin-counter")

ALL = 100_000


def checkin_prompt_text(office: OfficeView) -> str:
    return _(
        "✅ Check-in at {office}. Type a booking code (e.g. K7M2QX9T). "
        "You can type one code after another; /cancel ends it."
    ).format(office=office.code)


@router.callback_query(acb.AdminAct.filter(F.action == "checkin"))
async def checkin_prompt(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    text = checkin_prompt_text(office)
    await admin.ask(query, AdminInput.checkin, office, text, kb.back_kb(office.id))


async def check_in_code(
    message: Message, admin: AdminContext, office: OfficeView, code: str
) -> None:
    result = await check_in(admin.domain, office.id, code, actor=admin.actor)
    v = result.appointment
    await message.answer(
        _(
            "✅ Checked in: {code}\nQueue number: {number} ({label} {time})\n"
            "{name} · {nik} · {service}"
        ).format(
            code=v.code,
            number=result.queue_number,
            label=session_name(v, admin.locale),
            time=time_range(v.start, v.end, v.zone),
            name=result.full_name,
            nik=result.nik_masked,
            service=service_name(admin.content, v.service, admin.locale),
        )
        + "".join(
            "\n"
            + _("👪 With the family: {code} · {name} · queue number {number}").format(
                code=m.code, name=m.full_name, number=m.queue_number
            )
            for m in result.members[1:]
        ),
        reply_markup=kb.checked_in_kb(office.id, [m.code for m in result.members]),
    )


@router.callback_query(acb.AdminRelease.filter(~F.sure))
async def release_ask(
    query: CallbackQuery, callback_data: acb.AdminRelease, admin: AdminContext, office: OfficeView
) -> None:
    await admin.leave_prompt()
    text = _(
        "Release {code}? Use it when the applicant was sent home, e.g. for a missing "
        "document. Their appointment ends, and they can book again, today too if seats "
        "are left; the seat they had stays used. They get a short note."
    ).format(code=callback_data.code)
    await show(query, text, kb.release_kb(office.id, callback_data.code), edit=False)


@router.callback_query(acb.AdminRelease.filter(F.sure))
async def release_sure(
    query: CallbackQuery, callback_data: acb.AdminRelease, admin: AdminContext, office: OfficeView
) -> None:
    done = await release(admin.domain, office.id, callback_data.code, actor=admin.actor)
    text = _("↩️ {code} released ({name}). They can book again.").format(
        code=done.code, name=done.full_name
    )
    await show(query, text, kb.back_kb(office.id))


@router.message(AdminInput.checkin, TYPED)
@flags.plain_refusal
async def typed_code(message: Message, admin: AdminContext, office: OfficeView) -> None:
    await check_in_code(message, admin, office, message.text or "")


@router.message(Command("checkin"))
@flags.plain_refusal
async def checkin_command(message: Message, command: CommandObject, admin: AdminContext) -> None:
    """/checkin CODE at the office chosen with /admin (or the admin's only office);
    it opens the check-in prompt for the codes that follow."""
    office = admin.office
    if office is None:
        offices = await admin.offices()
        if len(offices) != 1:
            await message.answer(_("Choose the office first with /admin, then send /checkin CODE."))
            return
        office = offices[0]
    code = (command.args or "").strip()
    if not code:
        await admin.ask(
            message, AdminInput.checkin, office, checkin_prompt_text(office), kb.back_kb(office.id)
        )
        return
    await admin.open_prompt(AdminInput.checkin, office)
    await check_in_code(message, admin, office, code)


@router.callback_query(acb.AdminAct.filter(F.action == "noshow"))
async def no_shows_screen(query: CallbackQuery, admin: AdminContext, office: OfficeView) -> None:
    await show_no_shows(query, admin, office)


async def show_no_shows(
    event: Event, admin: AdminContext, office: OfficeView, prefix: str = ""
) -> None:
    await admin.leave_prompt()
    today = admin.today(office)
    listed = await day_list(admin.domain, office.id, today, page_size=ALL)
    now = admin.domain.now()
    waiting = {s.slot_id: 0 for s in listed.sessions}
    for e in listed.entries:
        if e.status is AppointmentStatus.BOOKED:
            waiting[e.slot_id] = waiting.get(e.slot_id, 0) + 1
    ended = [(s, waiting[s.slot_id]) for s in listed.sessions if s.end <= now]
    lines = [_("🚫 No-shows at {office} today:").format(office=office.code)]
    for s in listed.sessions:
        state = _("ended") if s.end <= now else _("not ended yet")
        lines.append(
            _("• {label} {time}: {n} not checked in ({state})").format(
                label=session_name(s, admin.locale),
                time=time_range(s.start, s.end, s.zone),
                n=waiting[s.slot_id],
                state=state,
            )
        )
    if not listed.sessions:
        lines.append(_("No sessions today."))
    if ended:
        lines.append(_("Tap an ended session to mark those not checked in as no-shows."))
    lines.append("")
    lines.append(_("Appointments of past days are closed out automatically at the end of the day."))
    text = "\n".join(lines)
    markup = kb.no_shows_kb(office.id, ended, admin.locale)
    await show(event, f"{prefix}\n\n{text}" if prefix else text, markup)


@router.callback_query(acb.AdminNoShow.filter())
async def mark(
    query: CallbackQuery, callback_data: acb.AdminNoShow, admin: AdminContext, office: OfficeView
) -> None:
    """A session of another office, or none at all, is refused as forged (``SlotNotFound``)."""
    result = await mark_no_shows(
        admin.domain, office.id, slot_id=callback_data.slot, actor=admin.actor
    )
    text = ngettext(
        "✅ {n} appointment marked as no-show.",
        "✅ {n} appointments marked as no-show.",
        result.marked,
    ).format(n=result.marked)
    await show_no_shows(query, admin, office, text)
