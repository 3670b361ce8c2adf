"""Free text in a private chat outside any flow step is a question: answered from
the knowledge base, or abstained on with an offer to ask the office's staff.

Answers about "this office" use the office the question names, else the one the
applicant chose for an earlier question, else the office of their last booking;
when it matters and none is known, the bot asks with buttons. Under each answer:
"That answers it" / "It does not" (recorded for the content owners) and "Ask the
staff", which hands the question to the office's staff as a ticket. A staff reply
arrives with a "Reply to the office" button that continues the same ticket.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.core.context import Domain
from booking.core.errors import NotFound, OfficeNotFound
from booking.draw.opening import release_rule_text
from booking.people.views import ApplicantView
from booking.questions.asked import (
    question_of,
    record_feedback,
    record_question,
    set_question_office,
)
from booking.questions.facts import last_booked_office, office_facts, office_names
from booking.questions.knowledge import Entry, OfficeFact
from booking.questions.offices import Mentions, OfficeName, find_offices
from booking.questions.ranker import QuestionRanker, Thresholds, choose
from booking.questions.redact import mask_name
from booking.questions.tickets import (
    MAX_MESSAGE_CHARS,
    MessageTooLong,
    NoStaffChat,
    TicketClosed,
    TicketLimitReached,
    applicant_message,
    open_ticket,
    ticket_of,
)
from bot import question_buttons as qb
from bot.handlers.common import Event, Markup, RouterSpec, refuse, show, user_id
from bot.keyboards import main_menu_kb
from bot.question_texts import answer_text

router = RouterSpec("questions")

# FSM data keys: the office chosen for an earlier question, the ticket being answered.
CHOSEN_OFFICE = "question_office_id"
TICKET = "ticket_id"
# Shorter texts ("ok", "halo") are not offered to the staff.
MIN_STAFF_QUESTION = 8


class Asking(StatesGroup):
    reply = State()  # the applicant types a message for their ticket


def too_long_text() -> str:
    return _("That message is too long. Please keep it under {limit} characters.").format(
        limit=MAX_MESSAGE_CHARS
    )


async def known_office(
    domain: Domain, state: FSMContext, telegram_id: int, mentions: Mentions
) -> int | None:
    """The office the question is about, when it is clear."""
    if len(mentions.office_ids) == 1:
        return mentions.office_ids[0]
    chosen = (await state.get_data()).get(CHOSEN_OFFICE)
    remembered = (
        chosen if isinstance(chosen, int) else await last_booked_office(domain, telegram_id)
    )
    if remembered is not None and (not mentions.office_ids or remembered in mentions.office_ids):
        return remembered
    return None


async def say(event: Event, text: str, markup: Markup = None) -> None:
    """A new message: what the bot says about a question never replaces the message
    whose button was tapped (the answer and its buttons stay readable)."""
    await show(event, text, markup, edit=False)


async def send_answer(
    event: Event, domain: Domain, entry: Entry, question_id: int, office_id: int | None, locale: str
) -> bool:
    """Answer with ``entry``; False when the office it names does not exist."""
    facts = rule = None
    if entry.office_fact is not None and office_id is not None:
        try:
            facts = await office_facts(domain, office_id)
        except OfficeNotFound:
            return False
        if entry.office_fact is OfficeFact.RELEASE:
            rule = await release_rule_text(domain, office_id)
    await say(event, answer_text(entry, locale, facts, rule), qb.answer_kb(question_id))
    return True


@router.message(StateFilter(None), F.text, ~F.text.startswith("/"))
async def question(
    message: Message, state: FSMContext, domain: Domain, questions: QuestionRanker, locale: str
) -> None:
    text = message.text or ""
    if len(text) > MAX_MESSAGE_CHARS:
        await message.answer(too_long_text())
        return
    offices = await office_names(domain)
    mentions = find_offices(text, offices)
    matches = questions.rank(mentions.rest)
    best = choose(matches, Thresholds())
    office_id = await known_office(domain, state, user_id(message), mentions)
    question_id = await record_question(
        domain,
        telegram_id=user_id(message),
        text=text,
        language=locale,
        office_id=office_id,
        entry_id=best.entry.id if best else None,
        score=matches[0].score if matches else 0.0,
    )
    if best is None:
        outside = matches[0].entry if matches and matches[0].entry.outside else None
        await abstain(message, question_id, outside, locale, offer=len(text) >= MIN_STAFF_QUESTION)
        return
    if best.entry.office_fact is not None and office_id is None:
        named = [o for o in offices if o.office_id in mentions.office_ids]
        await ask_office(message, question_id, named or offices, "a")
        return
    await send_answer(message, domain, best.entry, question_id, office_id, locale)


async def abstain(
    message: Message, question_id: int, outside: Entry | None, locale: str, *, offer: bool
) -> None:
    if outside is not None:
        text = outside.a.get(locale)
    else:
        text = _(
            "I did not understand that, or I have no answer to it yet. "
            "Please use the menu below, or /help."
        )
    if offer:
        text += "\n\n" + _("I can also pass your question to the office's staff.")
        await message.answer(text, reply_markup=qb.ask_staff_kb(question_id))
    else:
        await message.answer(text, reply_markup=main_menu_kb())


async def ask_office(
    event: Event, question_id: int, offices: list[OfficeName], purpose: qb.OfficePurpose
) -> None:
    if not offices:
        await say(event, _("No office takes questions yet."), main_menu_kb())
        return
    await say(event, _("Which office is it about?"), qb.offices_kb(question_id, offices, purpose))


@router.callback_query(qb.Feedback.filter())
async def feedback(
    query: CallbackQuery,
    callback_data: qb.Feedback,
    domain: Domain,
    callback_answer: CallbackAnswer,
) -> None:
    helpful = callback_data.helpful == "y"
    await record_feedback(domain, callback_data.question, user_id(query), helpful=helpful)
    callback_answer.text = _("Thank you for telling us.")
    if not helpful:
        await say(
            query,
            _("Sorry about that. I can pass your question to the office's staff."),
            qb.ask_staff_kb(callback_data.question),
        )


@router.callback_query(qb.AskStaff.filter())
async def ask_staff(
    query: CallbackQuery,
    callback_data: qb.AskStaff,
    state: FSMContext,
    domain: Domain,
    locale: str,
    applicant: ApplicantView | None,
) -> None:
    asked = await question_of(domain, callback_data.question, user_id(query))
    chosen = (await state.get_data()).get(CHOSEN_OFFICE)
    office_id = asked.office_id or (chosen if isinstance(chosen, int) else None)
    office_id = office_id or await last_booked_office(domain, user_id(query))
    if office_id is None:
        await ask_office(query, callback_data.question, await office_names(domain), "t")
        return
    await hand_over(query, domain, callback_data.question, office_id, locale, applicant)


@router.callback_query(qb.QuestionOffice.filter())
async def office_chosen(
    query: CallbackQuery,
    callback_data: qb.QuestionOffice,
    state: FSMContext,
    domain: Domain,
    questions: QuestionRanker,
    locale: str,
    applicant: ApplicantView | None,
    callback_answer: CallbackAnswer,
) -> None:
    asked = await question_of(domain, callback_data.question, user_id(query))
    await office_facts(domain, callback_data.office)  # OfficeNotFound: refused as stale
    await state.update_data({CHOSEN_OFFICE: callback_data.office})
    await set_question_office(domain, callback_data.question, user_id(query), callback_data.office)
    if callback_data.purpose == "t":
        await hand_over(
            query, domain, callback_data.question, callback_data.office, locale, applicant
        )
        return
    entry = questions.knowledge.entry(asked.entry_id or "")
    if entry is None or not await send_answer(
        query, domain, entry, callback_data.question, callback_data.office, locale
    ):
        await refuse(query, callback_answer)


async def hand_over(
    query: CallbackQuery,
    domain: Domain,
    question_id: int,
    office_id: int,
    locale: str,
    applicant: ApplicantView | None,
) -> None:
    """Open a ticket with the office's staff for the question, and say so."""
    asked = await question_of(domain, question_id, user_id(query))
    name = applicant.full_name if applicant is not None else query.from_user.first_name
    try:
        ticket = await open_ticket(
            domain,
            telegram_id=user_id(query),
            office_id=office_id,
            text=asked.text,
            language=locale,
            display_name=mask_name(name),
            question_id=question_id,
        )
    except NoStaffChat:
        text = _(
            "This office does not answer questions in this chat yet. "
            "Please contact the office directly (/offices has its address and phone)."
        )
    except TicketLimitReached as exc:
        text = _(
            "You have sent {limit} questions to the staff in the last 24 hours, the most "
            "allowed. Please try again later."
        ).format(limit=exc.limit)
    except MessageTooLong:
        text = too_long_text()
    except OfficeNotFound:
        text = _("This button is no longer valid.")
    else:
        text = _(
            "Your question went to the staff of {office} as ticket #{ticket}. "
            "Their answer will arrive in this chat."
        ).format(office=ticket.office_name, ticket=ticket.id)
    await say(query, text, main_menu_kb())


@router.callback_query(qb.TicketReply.filter())
async def reply_to_office(
    query: CallbackQuery,
    callback_data: qb.TicketReply,
    state: FSMContext,
    domain: Domain,
) -> None:
    ticket = await ticket_of(domain, callback_data.ticket, user_id(query))
    if ticket.closed_at is not None:
        await say(query, closed_text(ticket.id), main_menu_kb())
        return
    await state.set_state(Asking.reply)
    await state.update_data({TICKET: ticket.id})
    await say(
        query,
        _("Type your message for {office} (ticket #{ticket}). Send /cancel to stop.").format(
            office=ticket.office_name, ticket=ticket.id
        ),
    )


def closed_text(ticket_id: int) -> str:
    return _("Ticket #{ticket} is closed. To ask something new, just type your question.").format(
        ticket=ticket_id
    )


@router.message(Asking.reply, F.text)
async def message_to_office(message: Message, state: FSMContext, domain: Domain) -> None:
    ticket_id = (await state.get_data()).get(TICKET)
    if not isinstance(ticket_id, int):
        await state.set_state(None)
        await message.answer(_("This button is no longer valid."), reply_markup=main_menu_kb())
        return
    try:
        ticket = await applicant_message(
            domain, ticket_id=ticket_id, telegram_id=user_id(message), text=message.text or ""
        )
    except MessageTooLong:
        await message.answer(too_long_text())
        return
    except TicketClosed:
        text = closed_text(ticket_id)
    except (NotFound, NoStaffChat):
        text = _("This button is no longer valid.")
    else:
        text = _("Sent to the staff of {office} (ticket #{ticket}).").format(
            office=ticket.office_name, ticket=ticket.id
        )
    await state.set_state(None)
    await state.update_data({TICKET: None})
    await message.answer(text, reply_markup=main_menu_kb())
