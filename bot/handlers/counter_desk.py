"""The counter panel of petugas loket (and office admins): open a counter ("Buka loket
3"), call the next number, then "Selesai" (served), "Panggil ulang" (recall, up to
``MAX_CALLS``) or "Tidak hadir" (missed); a missed number that comes back is put in
the queue again once.

``/loket`` opens the panel (``/loket 3`` opens counter 3 directly); office admins
also reach it from the admin menu's counters screen. Every button names the office,
the counter and the ticket it acts on; none of it is trusted: the domain checks the
tapping user's role at that office (``NotAuthorized``) and that the ticket is that
counter's, for every action. The called applicant's "your turn" message and the
heads-up go through the outbox, written by the domain in the calling transaction.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.admin.roles import counter_offices
from booking.core.context import Domain
from booking.core.errors import BookingError, NotAuthorized
from booking.offices.views import OfficeView
from booking.queue.calling import call_next, mark_missed, mark_served, recall, requeue_ticket
from booking.queue.counters import close_counter, counters_of, open_counter
from booking.queue.display import now_serving
from booking.queue.tickets import missed_tickets
from booking.queue.views import CounterView, TicketView
from bot import callbacks as cb
from bot.config import BotSettings
from bot.handlers.common import Event, RouterSpec, show
from bot.keyboards import fit, home_button, home_kb
from bot.texts import domain_error

MISSED_SHOWN = 8


async def refusal_to_panel(event: Event, data: dict[str, Any], exc: BookingError) -> None:
    """A refusal (not allowed here, a stale ticket, the call limit) above the way back
    to the panel it came from; nothing changed."""
    if isinstance(exc, NotAuthorized):
        text = _("Only the office's petugas loket and admins can call and serve there.")
        await show(event, text, home_kb())
        return
    desk = data.get("callback_data")
    markup = None
    if isinstance(desk, cb.Desk):
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[panel_button(_("‹ Counter panel"), desk.office, desk.counter)]]
        )
    await show(event, domain_error(exc), markup, edit=False)


router = RouterSpec("counter-desk", show_refusal=refusal_to_panel)


def desk_button(
    text: str, action: cb.DeskAction, office: int, counter: int = 0, ticket: int = 0
) -> InlineKeyboardButton:
    data = cb.Desk(action=action, office=office, counter=counter, ticket=ticket)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def panel_button(text: str, office: int, counter: int) -> InlineKeyboardButton:
    return desk_button(text, "panel" if counter else "offices", office, counter)


def counters_kb(office_id: int, counters: list[CounterView]) -> InlineKeyboardMarkup:
    rows = []
    for c in counters:
        if c.open:
            text = _("🪟 {counter} ›").format(counter=c.name)
            rows.append([desk_button(text, "panel", office_id, c.id)])
        else:
            text = _("Open {counter}").format(counter=c.name)
            rows.append([desk_button(text, "open", office_id, c.id)])
    rows.append([desk_button(_("↩️ Missed numbers"), "missed_list", office_id)])
    rows.append([home_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def panel_kb(office_id: int, counter: CounterView, max_calls: int) -> InlineKeyboardMarkup:
    """Call next (which also ends the number at the counter), then for that number
    done, call again (up to ``max_calls``) or, after the last call, not here; the
    missed numbers, and closing the counter."""
    rows = [[desk_button(_("📣 Call next"), "next", office_id, counter.id)]]
    ticket = counter.current
    if ticket is not None:
        rows.append([desk_button(_("✅ Done"), "done", office_id, counter.id, ticket.id)])
        if ticket.call_count < max_calls:
            text = _("🔁 Call again ({n}/{max})").format(n=ticket.call_count, max=max_calls)
            rows.append([desk_button(text, "recall", office_id, counter.id, ticket.id)])
        else:
            rows.append([desk_button(_("🚫 Not here"), "missed", office_id, counter.id, ticket.id)])
    rows.append([desk_button(_("↩️ Missed numbers"), "missed_list", office_id, counter.id)])
    close = _("Close {counter}").format(counter=counter.name)
    rows.append(
        [
            desk_button(close, "close", office_id, counter.id),
            desk_button(_("‹ Counters"), "offices", office_id),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def ticket_line(t: TicketView) -> str:
    marks = []
    if t.priority:
        marks.append(_("priority"))
    if t.walk_in:
        marks.append(_("walk-in"))
    if t.verify_at_counter:
        marks.append(_("check the priority"))
    tail = f" ({', '.join(marks)})" if marks else ""
    return _("Number {number}, called {n}×").format(number=t.label, n=t.call_count) + tail


async def counter_of(domain: Domain, office_id: int, counter_id: int) -> CounterView | None:
    return next((c for c in await counters_of(domain, office_id) if c.id == counter_id), None)


async def show_counters(event: Event, domain: Domain, office: OfficeView, note: str = "") -> None:
    counters = await counters_of(domain, office.id)
    waiting = (await now_serving(domain, office.id)).waiting
    lines = [note, ""] if note else []
    lines.append(_("🪟 Counters of {office}: {n} waiting").format(office=office.name, n=waiting))
    for c in counters:
        state = _("open") if c.open else _("closed")
        at = _(", number {number}").format(number=c.current.label) if c.current else ""
        lines.append(f"• {c.name}: {state}{at}")
    if not counters:
        lines.append(_("This office has no counters yet: an office admin sets them."))
    await show(event, "\n".join(lines), counters_kb(office.id, counters))


async def show_panel(
    event: Event, domain: Domain, office: OfficeView, counter_id: int, note: str = ""
) -> None:
    """The counter as it is now: open or not, the number at it, how many wait."""
    counter = await counter_of(domain, office.id, counter_id)
    if counter is None:
        await show_counters(event, domain, office, _("That counter no longer exists."))
        return
    if not counter.open:
        await show_counters(event, domain, office, note)
        return
    waiting = (await now_serving(domain, office.id)).waiting
    lines = [note, ""] if note else []
    lines.append(f"🪟 {counter.name} · {office.name}")
    lines.append(_("Waiting: {n}").format(n=waiting))
    if counter.current is not None:
        lines.append(_("At this counter: {ticket}").format(ticket=ticket_line(counter.current)))
    else:
        lines.append(_("Nobody at this counter: tap “Call next”."))
    await show(event, "\n".join(lines), panel_kb(office.id, counter, domain.settings.max_calls))


# --- entry -------------------------------------------------------------------------


@router.message(Command("loket", "counter"))
async def loket(
    message: Message, command: CommandObject, domain: Domain, settings: BotSettings
) -> None:
    """/loket: the counters of the user's office (a choice when several); /loket 3
    opens counter 3 there."""
    assert message.from_user is not None
    uid = message.from_user.id
    offices = await counter_offices(domain, uid, settings.admin_id_set)
    if not offices:
        await message.answer(_("Only the office's petugas loket and admins can use the counters."))
        return
    if len(offices) > 1:
        rows = [[desk_button(fit(o.name), "offices", o.id)] for o in offices[:20]]
        await message.answer(
            _("Which office?"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )
        return
    office = offices[0]
    typed = (command.args or "").strip()
    if not typed:
        await show_counters(message, domain, office)
        return
    counters = await counters_of(domain, office.id)
    counter = next((c for c in counters if typed.isdigit() and c.number == int(typed)), None)
    if counter is None:
        numbers = ", ".join(str(c.number) for c in counters) or "–"
        note = _("There is no counter “{typed}” at {office}. Its counters: {numbers}.").format(
            typed=typed[:16], office=office.code, numbers=numbers
        )
        await show_counters(message, domain, office, note)
        return
    await open_counter(
        domain,
        office_id=office.id,
        counter_id=counter.id,
        telegram_id=uid,
        admin_ids=settings.admin_id_set,
    )
    note = _("{counter} is open.").format(counter=counter.name)
    await show_panel(message, domain, office, counter.id, note)


# --- the panel ---------------------------------------------------------------------


@router.callback_query(cb.Desk.filter())
async def desk(
    query: CallbackQuery,
    callback_data: cb.Desk,
    domain: Domain,
    settings: BotSettings,
    callback_answer: CallbackAnswer,
) -> None:
    """Every tap of the panel. The domain checks the user's role at the office for
    each action (``NotAuthorized``), and that the ticket is being called."""
    d = callback_data
    uid = query.from_user.id
    offices = await counter_offices(domain, uid, settings.admin_id_set)
    office = next((o for o in offices if o.id == d.office), None)
    if office is None:
        raise NotAuthorized(uid, d.office)
    staff = {"telegram_id": uid, "admin_ids": settings.admin_id_set}
    if d.action == "offices":
        await show_counters(query, domain, office)
    elif d.action == "missed_list":
        await show_missed(query, domain, office, d.counter)
    elif d.action == "requeue":
        ticket = await requeue_ticket(domain, ticket_id=d.ticket, **staff)
        note = _("Number {number} is back in the queue.").format(number=ticket.label)
        callback_answer.text = note
        await show_missed(query, domain, office, d.counter, note)
    elif d.action == "panel":
        await show_panel(query, domain, office, d.counter)
    elif d.action in ("open", "close"):
        change = open_counter if d.action == "open" else close_counter
        counter = await change(domain, office_id=office.id, counter_id=d.counter, **staff)
        if d.action == "open":
            note = _("{counter} is open.").format(counter=counter.name)
        else:
            note = _("{counter} is closed.").format(counter=counter.name)
        await show_panel(query, domain, office, counter.id, note)
    elif d.action == "next":
        called = await call_next(domain, office_id=office.id, counter_id=d.counter, **staff)
        note = _("Nobody is waiting.")
        if called is not None:
            note = _("Called {number}.").format(number=called.label)
            callback_answer.text = note
        await show_panel(query, domain, office, d.counter, note)
    else:
        await ticket_action(query, domain, office, d, staff)


async def ticket_action(
    query: CallbackQuery, domain: Domain, office: OfficeView, d: cb.Desk, staff: dict[str, Any]
) -> None:
    """Done, call again, or not here, for the number at the counter."""
    keys = {"ticket_id": d.ticket, "counter_id": d.counter, **staff}
    if d.action == "recall":
        ticket = await recall(domain, **keys)
        note = _("Called {number} again.").format(number=ticket.label)
    elif d.action == "missed":
        ticket = await mark_missed(domain, **keys)
        note = _("{number} marked as not here.").format(number=ticket.label)
    else:
        ticket = await mark_served(domain, **keys)
        note = _("{number} served.").format(number=ticket.label)
    await show_panel(query, domain, office, d.counter, note)


async def show_missed(
    event: Event, domain: Domain, office: OfficeView, counter: int, note: str = ""
) -> None:
    """Today's missed numbers; one whose person came back goes into the queue again,
    once (those re-queued before are not offered)."""
    missed = [t for t in await missed_tickets(domain, office.id) if not t.requeued]
    lines = [note, ""] if note else []
    lines.append(_("↩️ Missed numbers at {office} today:").format(office=office.name))
    if not missed:
        lines.append(_("None."))
    else:
        lines.append(_("Tap a number whose person came back to put it in the queue again (once)."))
    back = _("↩️ {number} back in the queue")
    rows = [
        [desk_button(back.format(number=t.label), "requeue", office.id, counter, t.id)]
        for t in missed[:MISSED_SHOWN]
    ]
    rows.append([panel_button(_("‹ Counter panel"), office.id, counter)])
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))
