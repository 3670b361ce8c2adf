"""Booking, the group list: who is coming, each with their service and priority.
A person is added (``details``) or removed here, until "Continue" opens the
calendar of what fits the whole group; a session chosen there leads to the
summary, also shown from here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import MemberChoice
from booking.calendar.views import SessionAvailability
from booking.core.context import Domain
from booking.core.errors import EmptyGroup
from booking.core.kinds import Passport, PriorityReason, ServiceType
from booking.offices.content import Content
from booking.people.applicants import get_applicant
from booking.people.members import MemberView, members_of
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking.shared import flow_expired, show_calendar
from bot.handlers.common import Event, RouterSpec, refusal_to_menu, refuse, show
from bot.texts import (
    domain_error,
    group_documents,
    group_fees,
    member_line,
    service_name,
    session_line,
)

if TYPE_CHECKING:
    from booking.db.models import Office

router = RouterSpec("booking-group", show_refusal=refusal_to_menu)


def group_limit(domain: Domain) -> int:
    """How many people one account books at once: ``MAX_GROUP_SIZE``, within what the
    confirm button can carry (``cb.MAX_CONFIRMED``)."""
    return min(domain.settings.max_group_size, cb.MAX_CONFIRMED)


async def member_of(domain: Domain, uid: int, member_id: int) -> MemberView | None:
    """The account's saved person ``member_id``, or None (not one of its people)."""
    for member in await members_of(domain, uid):
        if member.id == member_id:
            return member
    return None


def chosen(data: dict[str, Any]) -> list[MemberChoice]:
    """The group so far, from FSM data (a row written before the passport was asked
    has none)."""
    return [
        MemberChoice(
            member_id,
            ServiceType(service),
            PriorityReason(p) if p else None,
            Passport(kind[0]) if kind and kind[0] else None,
        )
        for member_id, service, p, *kind in data.get(states.MEMBERS) or []
    ]


def member_lines(
    group: list[MemberChoice], saved: dict[int, MemberView], content: Content, locale: str
) -> list[str]:
    return [
        member_line(
            n, saved[c.member_id], service_name(content, c.service, locale), c.priority, c.passport
        )
        for n, c in enumerate(group, 1)
    ]


def group_data(group: list[MemberChoice]) -> dict[str, Any]:
    """The FSM data of the group ``group`` (what ``chosen`` reads)."""
    rows = [
        [
            c.member_id,
            c.service.value,
            c.priority.value if c.priority else None,
            c.passport.value if c.passport else None,
        ]
        for c in group
    ]
    return {states.MEMBERS: rows}


async def show_group(
    event: Event,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    note: str | None = None,
    *,
    editing: bool = False,
) -> None:
    """The group list, after ``note`` (why the last step did not change it);
    ``editing``: after "Change details", with the holder's name and phone too."""
    assert event.from_user is not None
    await state.set_state(states.Booking.group)
    group = chosen(await state.get_data())
    saved = {m.id: m for m in await members_of(domain, event.from_user.id)}
    members = [saved[c.member_id] for c in group if c.member_id in saved]
    limit = group_limit(domain)
    lines = [note, ""] if note else []
    if members:
        title = _("Who is coming ({n} of at most {max}):")
        lines.append(title.format(n=len(members), max=limit))
        lines += member_lines(group, saved, content, locale)
    else:
        lines.append(_("No one is in the group yet: add the people to book for."))
    lines += [
        "",
        _(
            "Up to {max} people per account, in the same session. "
            "Each NIK may hold one active appointment."
        ).format(max=limit),
    ]
    if len(members) >= limit:
        lines.append(_("The group is full."))
    if editing:
        lines += [
            "",
            _(
                "A NIK cannot be changed here: a different NIK is a different person. "
                "Remove that person and add them again with the right NIK."
            ),
        ]
    offered = [m for m in saved.values() if m.id not in {c.member_id for c in group}]
    markup = kb.group_kb(members, offered, limit - len(members), editing=editing)
    await show(event, "\n".join(lines), markup)


@router.callback_query(cb.Group.filter(F.action == "remove"))
async def remove_member(
    query: CallbackQuery,
    callback_data: cb.Group,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    group = chosen(await state.get_data())
    if not any(c.member_id == callback_data.member for c in group):
        # Not in this group (an old list, or forged): nothing changes.
        await refuse(query, callback_answer)
        return
    await state.update_data(group_data([c for c in group if c.member_id != callback_data.member]))
    callback_answer.text = _("Removed.")
    await show_group(query, state, domain, content, locale)


@router.callback_query(cb.Group.filter(F.action == "edit"))
async def change_details(
    query: CallbackQuery, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    """ "Change details" on the summary: the group list again, at the same office,
    where the holder can also correct their name and phone number."""
    if not (await state.get_data()).get(states.OFFICE):
        await flow_expired(query, state)
        return
    await show_group(query, state, domain, content, locale, editing=True)


@router.callback_query(cb.Group.filter(F.action == "continue"))
async def group_done(
    query: CallbackQuery, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    data = await state.get_data()
    office_id = data.get(states.OFFICE)
    if not office_id:
        await flow_expired(query, state)
        return
    group = chosen(data)
    if not group:
        await show_group(query, state, domain, content, locale, domain_error(EmptyGroup()))
        return
    await state.set_state(states.Booking.day)
    await show_calendar(query, domain, locale, office_id, cb.new_booking(cb.shape_for(group)))


async def show_summary(
    event: Event,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    office: Office,
    session: SessionAvailability,
) -> None:
    """Everything chosen, with the group's fees and documents, and the confirm button."""
    assert event.from_user is not None
    group = chosen(await state.get_data())
    saved = {m.id: m for m in await members_of(domain, event.from_user.id)}
    group = [c for c in group if c.member_id in saved]
    if not group:
        await flow_expired(event, state)
        return
    await state.set_state(states.Booking.summary)
    lines = [
        _("Please check your booking:"),
        "",
        _("Office: {name}").format(name=office.name),
        _("Address: {address}").format(address=office.address),
        _("Date and time: {when}").format(when=session_line(session, locale)),
        "",
        _("People ({n}):").format(n=len(group)),
    ]
    lines += member_lines(group, saved, content, locale)
    applicant = await get_applicant(domain, event.from_user.id)
    if applicant is not None and applicant.phone:
        lines += ["", _("Phone: {phone}").format(phone=applicant.phone)]
    lines += [
        "",
        group_fees(content, [c.passport for c in group], locale),
        "",
        _("Documents to bring, each person:"),
        group_documents(content, [c.service for c in group], locale),
    ]
    await show(event, "\n".join(lines), kb.summary_kb(session.slot_id, group))
