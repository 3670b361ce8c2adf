"""Booking, last step: the summary's confirm button books the whole group.

This router is tried before every other (``bot.handlers.get_routers``): in a rush
nearly every update is a confirm. A session already seen full is answered from a
mark (``bot.sold_out``) with the nearest dates worked out once for everyone
(``bot.nearest_dates``), so no "full" answer waits for the database.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import active_group, book_group
from booking.calendar.availability import session_by_id
from booking.calendar.views import SessionAvailability
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    DayClosed,
    DuplicateMember,
    EmptyGroup,
    GroupTooLarge,
    MemberAlreadyBooked,
    PriorityNotEligible,
    SessionStarted,
    SlotFull,
    SlotNotFound,
)
from booking.offices.content import Content
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.files import FileSender
from bot.handlers.booking.group import group_data, show_group
from bot.handlers.booking.shared import (
    flow_expired,
    offer_dates,
    send_confirmation,
    session_refused,
)
from bot.handlers.common import RouterSpec, reset_flow, show, show_main_menu
from bot.nearest_dates import NearestDates
from bot.sold_out import SoldOutSessions
from bot.texts import domain_error

# No show_refusal middleware here: the refusals left to show are caught below, and
# the hot path of a rush stays one layer shorter.
router = RouterSpec("booking-confirm")
log = logging.getLogger(__name__)

# What the group must change before booking again: shown on the group list.
GROUP_REFUSALS = (
    PriorityNotEligible,
    MemberAlreadyBooked,
    DuplicateMember,
    GroupTooLarge,
    EmptyGroup,
)


async def answer_full(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    nearest_dates: NearestDates,
    locale: str,
    office_id: int,
    target: cb.Target,
    session: SessionAvailability,
    note: str,
) -> None:
    """The session has not the seats the group needs: say so and offer the nearest
    dates with enough."""
    await state.set_state(states.Booking.day)
    day = session.start.date()
    nearest = await nearest_dates.get(domain, office_id, day, target.shape)
    await offer_dates(query, domain, locale, office_id, target, day, note, nearest=nearest)


async def back_to_group(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    confirm: cb.Confirm,
    note: str,
) -> None:
    """The group list again (as the button had it, also when the flow was left),
    after why the booking was refused."""
    office, _session = await session_by_id(domain, confirm.slot)
    await state.update_data({states.OFFICE: office.id, **group_data(confirm.members)})
    await show_group(query, state, domain, content, locale, note)


@router.callback_query(cb.Confirm.filter())
async def confirm(
    query: CallbackQuery,
    callback_data: cb.Confirm,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
    nearest_dates: NearestDates,
    sold_out_sessions: SoldOutSessions,
    files: FileSender,
    raw_state: str | None = None,
) -> None:
    d = callback_data
    uid = query.from_user.id
    shape = d.shape
    target = cb.new_booking(shape)
    if raw_state == states.Booking.summary.state:
        # A user still at the summary holds no appointment (booking resets the flow,
        # and a new flow is refused while one is held): a session just seen without
        # seats for this group is answered "full" without reading anything, and any
        # other tap goes straight to the booking, which decides.
        known = sold_out_sessions.get(domain, d.slot, shape)
        if known is not None:
            office_id, session = known
            note = domain_error(SlotFull(d.slot))
            await answer_full(
                query, state, domain, nearest_dates, locale, office_id, target, session, note
            )
            return
        held_before = None
    else:
        # A repeated tap (the flow already ended) finds its booking already made;
        # the domain then returns it.
        held_before = await active_group(domain, uid)
    try:
        group = await book_group(domain, telegram_id=uid, slot_id=d.slot, members=d.members)
    except ApplicantNotFound:
        await flow_expired(query, state)
        return
    except SlotFull as exc:
        full = await sold_out_sessions.found_full(domain, d.slot, shape)
        if full is None:
            raise SlotNotFound(d.slot) from None
        office_id, session = full
        note = domain_error(exc)
        await answer_full(
            query, state, domain, nearest_dates, locale, office_id, target, session, note
        )
        return
    except (DayClosed, SessionStarted) as exc:
        step = states.Booking.day if isinstance(exc, DayClosed) else states.Booking.session
        await state.set_state(step)
        await session_refused(query, domain, locale, callback_answer, d.slot, target, exc)
        return
    except GROUP_REFUSALS as exc:
        await back_to_group(query, state, domain, content, locale, d, domain_error(exc))
        return
    except AlreadyBooked as exc:
        await show_main_menu(query, state, domain_error(exc))
        return
    codes = ", ".join(m.code for m in group.active_members)
    if held_before is not None and held_before.id == group.id:
        callback_answer.text = _("Already booked: {code}").format(code=codes)[:200]
        text = _("This booking is already confirmed: {code}").format(code=codes)
        await show(query, text, kb.record_kb(), edit=False)
        return
    await reset_flow(state)
    callback_answer.text = _("Booked: {code}").format(code=codes)[:200]
    # The summary keeps its keyboard: removing it would cost a message in a rush,
    # and a second tap answers "already confirmed".
    await send_confirmation(bot, uid, group, content, locale, domain, files)
    log.info("group %s booked", group.id)
