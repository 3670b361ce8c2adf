"""Booking at a draw-mode office while a release's request window is open: a
request instead of a seat. After the group list, the applicant ranks up to three
choices (a date and session, a date and any session, or the earliest date of the
release), checks the summary and sends it; the reply says when the draw is and
shows the seed's hash. The same screens change a request's choices from "My
appointments" (``REQUEST`` in FSM data) until the window closes.

The choices so far are kept in FSM data (``states.CHOICES``) as dates and session
labels; the buttons carry only a date and a session's place on that date."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.errors import (
    ActiveAppointmentExists,
    AlreadyRequested,
    ApplicantNotFound,
    ChoiceNotInRelease,
    TooManyChoices,
)
from booking.draw.requests import Choice, RequestView, change_request, submit_request
from booking.draw.windows import DrawView, open_draw
from booking.offices.content import Content
from booking.offices.lookup import get_office
from booking.people.members import members_of
from bot import callbacks as cb
from bot import keyboards as kb
from bot import states
from bot.handlers.booking import group as group_step
from bot.handlers.booking.confirm import GROUP_REFUSALS
from bot.handlers.booking.group import chosen, member_lines, show_group
from bot.handlers.booking.shared import flow_expired
from bot.handlers.common import (
    Event,
    RouterSpec,
    refusal_to_menu,
    reset_flow,
    show,
    show_main_menu,
)
from bot.texts import choice_text, domain_error, long_date, short_hash, short_moment

router = RouterSpec("booking-request", show_refusal=refusal_to_menu)

MAX_CHOICES = 3
# Refusals that send the applicant back to the group list (someone must be removed).
GROUP_REFUSED = (*GROUP_REFUSALS, AlreadyRequested, ActiveAppointmentExists)


def choices_of(data: dict[str, Any]) -> list[Choice]:
    return [
        Choice(date.fromisoformat(day) if day else None, label)
        for day, label in data.get(states.CHOICES) or []
    ]


def choices_data(choices: list[Choice]) -> dict[str, Any]:
    rows = [[c.day.isoformat() if c.day else None, c.slot_label] for c in choices]
    return {states.CHOICES: rows}


def choice_lines(choices: list[Choice], locale: str) -> list[str]:
    return [f"{n}. {choice_text(c.day, c.slot_label, locale)}" for n, c in enumerate(choices, 1)]


def draw_line(draw: DrawView, timezone: str, locale: str) -> str:
    return _("Draw: {when}.").format(when=short_moment(draw.release_at, timezone, locale))


async def current_draw(event: Event, state: FSMContext, domain: Domain) -> DrawView | None:
    """The draw this flow is requesting for, if its window is still open; otherwise
    the flow ends with why (None)."""
    data = await state.get_data()
    office_id, draw_id = data.get(states.OFFICE), data.get(states.DRAW)
    if not office_id or not draw_id:
        await flow_expired(event, state)
        return None
    draw = await open_draw(domain, office_id)
    if draw is None or draw.id != draw_id:
        await show_main_menu(
            event,
            state,
            _("Requests for this release are closed: the draw has been held or is starting."),
        )
        return None
    return draw


async def show_choices(
    event: Event,
    state: FSMContext,
    domain: Domain,
    locale: str,
    draw: DrawView,
    note: str | None = None,
) -> None:
    """The choices so far, and the dates of the release to choose from."""
    await state.set_state(states.Requesting.choices)
    office = await get_office(domain, draw.office_id)
    data = await state.get_data()
    choices = choices_of(data)
    lines = [note, ""] if note else []
    lines += [
        office.name,
        draw_line(draw, office.timezone, locale),
        _("Requests are taken until the draw; then the seats are given in a random order.")
        if draw.requests_close_at == draw.release_at
        else _("Requests are taken until {when}.").format(
            when=short_moment(draw.requests_close_at, office.timezone, locale)
        ),
        "",
        _("Choose up to {max} choices, the one you want most first.").format(max=MAX_CHOICES),
    ]
    if choices:
        lines += ["", _("Your choices:"), *choice_lines(choices, locale)]
    room = len(choices) < MAX_CHOICES
    if not room:
        lines += ["", _("That is the most choices a request can have.")]
    days = list(draw.days) if room else []
    seats_now = seats_now_month(domain, office.timezone, draw.office_id, data)
    if seats_now is not None:
        lines += ["", _("Seats earlier releases left can be booked at once: “Seats left now”.")]
    markup = kb.request_days_kb(days, bool(choices), room, locale, seats_now)
    await show(event, "\n".join(lines), markup)


def seats_now_month(
    domain: Domain, timezone: str, office_id: int, data: dict[str, Any]
) -> cb.Month | None:
    """This month's calendar of the seats left for the group (first come), or None
    while a request is being changed (no group is being booked)."""
    group = chosen(data)
    if data.get(states.REQUEST) or not group:
        return None
    today = local_now(domain.now(), timezone).date()
    return kb.month_of(office_id, cb.new_booking(cb.shape_for(group)), today)


@router.callback_query(cb.Group.filter(F.action == "continue"))
async def group_done(
    query: CallbackQuery, state: FSMContext, domain: Domain, content: Content, locale: str
) -> None:
    """ "Continue" on the group list: at an office whose request window is open, the
    request's choices; otherwise the seat calendar (``group.group_done``)."""
    data = await state.get_data()
    office_id = data.get(states.OFFICE)
    draw = await open_draw(domain, office_id) if office_id and chosen(data) else None
    if draw is None:
        await group_step.group_done(query, state, domain, content, locale)
        return
    await state.update_data({states.DRAW: draw.id, **choices_data([])})
    await show_choices(query, state, domain, locale, draw)


def add_choice(choices: list[Choice], choice: Choice) -> tuple[list[Choice], str | None]:
    """The choices with ``choice`` added, or unchanged and why not."""
    if choice in choices:
        return choices, _("That choice is already in your list.")
    if len(choices) >= MAX_CHOICES:
        return choices, _("That is the most choices a request can have.")
    return [*choices, choice], None


@router.callback_query(cb.Pick.filter(F.what.in_({"earliest", "undo", "back"})))
async def pick_simple(
    query: CallbackQuery,
    callback_data: cb.Pick,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """The earliest date; dropping the last choice; back to the list of choices."""
    draw = await current_draw(query, state, domain)
    if draw is None:
        return
    choices = choices_of(await state.get_data())
    note = None
    if callback_data.what == "earliest":
        choices, note = add_choice(choices, Choice(None, None))
    elif callback_data.what == "undo" and choices:
        choices = choices[:-1]
    await state.update_data(choices_data(choices))
    if note:
        callback_answer.text = note
    await show_choices(query, state, domain, locale, draw, note)


def release_day(draw: DrawView, number: int) -> date | None:
    """The release's date numbered ``number`` (YYYYMMDD), or None (not one of them)."""
    try:
        day = cb.day_of(number)
    except ValueError:
        return None
    return day if day in draw.days else None


@router.callback_query(cb.Pick.filter(F.what.in_({"day", "slot"})))
async def pick_on_day(
    query: CallbackQuery,
    callback_data: cb.Pick,
    state: FSMContext,
    domain: Domain,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """A date of the release ("day": its sessions to choose from), or a choice on it
    ("slot": a session by its place plus one, or 0 for any session)."""
    draw = await current_draw(query, state, domain)
    if draw is None:
        return
    day = release_day(draw, callback_data.day)
    labels = draw.sessions.get(day, ()) if day else ()
    if day is None or callback_data.slot > len(labels):
        callback_answer.text = _("That date is not part of this release.")
        await show_choices(query, state, domain, locale, draw, callback_answer.text)
        return
    if callback_data.what == "day":
        await state.set_state(states.Requesting.session)
        text = _("{day}\nChoose a session, or any session of that date:").format(
            day=long_date(day, locale)
        )
        await show(query, text, kb.request_sessions_kb(day, labels))
        return
    label = labels[callback_data.slot - 1] if callback_data.slot else None
    choices, note = add_choice(choices_of(await state.get_data()), Choice(day, label))
    await state.update_data(choices_data(choices))
    if note:
        callback_answer.text = note
    await show_choices(query, state, domain, locale, draw, note)


async def people_lines(
    domain: Domain, uid: int, data: dict[str, Any], content: Content, locale: str
) -> list[str]:
    """The people of the request being made (from the group list)."""
    group = chosen(data)
    saved = {m.id: m for m in await members_of(domain, uid)}
    return member_lines([c for c in group if c.member_id in saved], saved, content, locale)


@router.callback_query(cb.Pick.filter(F.what == "review"))
async def review(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """The summary: office, draw, people, choices, the seed's hash; "Send request"."""
    draw = await current_draw(query, state, domain)
    if draw is None:
        return
    data = await state.get_data()
    choices = choices_of(data)
    if not choices:
        callback_answer.text = _("Choose at least one date first.")
        await show_choices(query, state, domain, locale, draw, callback_answer.text)
        return
    office = await get_office(domain, draw.office_id)
    lines = [
        _("Please check your request:"),
        "",
        _("Office: {name}").format(name=office.name),
        draw_line(draw, office.timezone, locale),
    ]
    if not data.get(states.REQUEST):
        people = await people_lines(domain, query.from_user.id, data, content, locale)
        lines += ["", _("People ({n}):").format(n=len(people)), *people]
    lines += ["", _("Your choices, in order:"), *choice_lines(choices, locale)]
    lines += ["", seed_line(draw.seed_hash)]
    await state.set_state(states.Requesting.summary)
    await show(query, "\n".join(lines), kb.request_summary_kb())


def seed_line(seed_hash: str) -> str:
    return _("Seed hash of the draw: {hash}…").format(hash=short_hash(seed_hash))


@router.callback_query(cb.Pick.filter(F.what == "submit"))
async def submit(
    query: CallbackQuery,
    state: FSMContext,
    domain: Domain,
    content: Content,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Send the request (or the changed choices); a refusal goes back to the step
    that can fix it, with the reason."""
    draw = await current_draw(query, state, domain)
    if draw is None:
        return
    data = await state.get_data()
    choices = choices_of(data)
    uid = query.from_user.id
    try:
        if data.get(states.REQUEST):
            request = await change_request(
                domain, telegram_id=uid, request_id=data[states.REQUEST], choices=choices
            )
        else:
            request = await submit_request(
                domain,
                telegram_id=uid,
                office_id=draw.office_id,
                members=chosen(data),
                choices=choices,
            )
    except ApplicantNotFound:
        await flow_expired(query, state)
        return
    except (TooManyChoices, ChoiceNotInRelease) as exc:
        await show_choices(query, state, domain, locale, draw, domain_error(exc))
        return
    except GROUP_REFUSED as exc:
        if data.get(states.REQUEST):
            raise
        await show_group(query, state, domain, content, locale, domain_error(exc))
        return
    changed = bool(data.get(states.REQUEST))
    await reset_flow(state)
    callback_answer.text = _("Request changed.") if changed else _("Request recorded.")
    office = await get_office(domain, draw.office_id)
    await show(
        query, recorded_text(request, office.timezone, locale, changed), kb.request_kb(request.id)
    )


def recorded_text(request: RequestView, timezone: str, locale: str, changed: bool) -> str:
    """The reply to a request sent: when the draw is, the seed's hash, how to change."""
    when = short_moment(request.draw_at, timezone, locale)
    first = (
        _("Your request is changed. Draw: {when}. The result is sent in this chat.")
        if changed
        else _("Your request is recorded. Draw: {when}. The result is sent in this chat.")
    )
    lines = [
        first.format(when=when),
        "",
        *choice_lines(list(request.choices), locale),
        "",
        seed_line(request.seed_hash),
        _(
            "The seed is revealed at the draw: anyone can check that its SHA-256 is this hash, "
            "so the order cannot be changed afterwards."
        ),
        "",
        _("You can change or withdraw the request under “My appointments” until {when}.").format(
            when=short_moment(request.draw.requests_close_at, timezone, locale)
        ),
    ]
    return "\n".join(lines)
