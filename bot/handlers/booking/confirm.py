"""Booking, last step: the summary's confirm button books.

This router is tried before every other (``bot.handlers.get_routers``): in a rush
nearly every update is a confirm. A session already seen full is answered from a
mark (``bot.sold_out``) with the nearest dates worked out once for everyone
(``bot.nearest_dates``), so no "full" answer waits for the database.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.appointments.service import appointments_of, book
from booking.calendar.views import SessionAvailability
from booking.core.context import Domain
from booking.core.errors import (
    AlreadyBooked,
    ApplicantNotFound,
    DayClosed,
    PriorityNotEligible,
    SessionStarted,
    SlotFull,
    SlotNotFound,
)
from booking.core.kinds import PriorityReason, ServiceType
from booking.offices.content import Content
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.files import FileSender
from bot.handlers.booking.details import ask_priority
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

# No show_refusal middleware here: the one refusal left to show (AlreadyBooked) is
# caught below, and the hot path of a rush stays one layer shorter.
router = RouterSpec("booking-confirm")
log = logging.getLogger(__name__)


async def answer_full(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    nearest_dates: NearestDates,
    locale: str,
    office_id: int,
    service: ServiceType,
    session: SessionAvailability,
    priority: PriorityReason | None,
) -> None:
    """The session is full: say so and offer the nearest dates with seats."""
    await state.set_state(states.Booking.day)
    day = session.start.date()
    nearest = await nearest_dates.get(domain, office_id, day, priority=priority is not None)
    note = domain_error(SlotFull(session.slot_id))
    await offer_dates(
        query,
        domain,
        locale,
        office_id,
        service,
        cb.NEW_BOOKING,
        day,
        note,
        priority is not None,
        nearest=nearest,
    )


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
    priority = None if d.priority == "none" else PriorityReason(d.priority)
    if raw_state == states.Booking.summary.state:
        # A user still at the summary holds no appointment (booking resets the flow,
        # and a new flow is refused while one is held): a session just seen full is
        # answered "full" without reading anything, and any other tap goes straight
        # to the booking, which decides.
        known = sold_out_sessions.get(domain, d.slot, priority is not None)
        if known is not None:
            office_id, session = known
            await answer_full(
                query, state, domain, nearest_dates, locale, office_id, d.service, session, priority
            )
            return
        held_before: set[int] = set()
    else:
        # A repeated tap (the flow already ended) finds its booking already made;
        # the domain then returns it.
        held_before = {v.id for v in await appointments_of(domain, query.from_user.id) if v.active}
    try:
        view = await book(
            domain,
            telegram_id=query.from_user.id,
            slot_id=d.slot,
            service=d.service,
            priority=priority,
        )
    except ApplicantNotFound:
        await flow_expired(query, state)
        return
    except SlotFull:
        full = await sold_out_sessions.found_full(domain, d.slot, priority is not None)
        if full is None:
            raise SlotNotFound(d.slot) from None
        office_id, session = full
        await answer_full(
            query, state, domain, nearest_dates, locale, office_id, d.service, session, priority
        )
        return
    except (DayClosed, SessionStarted) as exc:
        step = states.Booking.day if isinstance(exc, DayClosed) else states.Booking.session
        await state.set_state(step)
        await session_refused(
            query,
            domain,
            locale,
            callback_answer,
            d.slot,
            d.service,
            cb.NEW_BOOKING,
            exc,
            priority is not None,
        )
        return
    except PriorityNotEligible as exc:
        await ask_priority(query, state, domain_error(exc))
        return
    except AlreadyBooked as exc:
        await show_main_menu(query, state, domain_error(exc))
        return
    if view.id in held_before:
        callback_answer.text = _("Already booked: {code}").format(code=view.code)
        text = _("This booking is already confirmed: {code}").format(code=view.code)
        await show(query, text, kb.record_kb(), edit=False)
        return
    await reset_flow(state)
    callback_answer.text = _("Booked: {code}").format(code=view.code)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError:
            pass
    await send_confirmation(bot, query.from_user.id, view, content, locale, domain, files)
    log.info("appointment %s booked", view.id)
