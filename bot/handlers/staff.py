"""The office's staff chat (a Telegram group): staff replies relayed to applicants,
``/tiket`` (open tickets with their age), ``/tutup N`` (close a ticket, which
thanks the applicant) and ``/statistik`` (the last 7 days' figures).

Staff are the office's admins (and super-admins), decided by their numeric
Telegram id: a reply from any other member of the group is ignored. A reply is
matched to its ticket by the ticket number in the bot's post it replies to, and
the ticket must belong to an office whose staff chat this group is.
"""

from __future__ import annotations

import re
from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, ReactionTypeEmoji
from aiogram.utils.i18n import gettext as _

from booking.core.context import Domain
from booking.core.errors import NotFound
from booking.questions.stats import question_stats
from booking.questions.tickets import (
    MessageTooLong,
    TicketClosed,
    TicketView,
    close_ticket,
    open_tickets,
    staff_chat_offices,
    staff_reply,
    ticket_in_chat,
)
from bot.config import BotSettings
from bot.handlers.admin.access import office_of
from bot.handlers.common import OnLoop, RouterSpec, user_id
from bot.ticket_texts import age, ticket_figures

GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}
_TICKET_NUMBER = re.compile(r"#(\d{1,10})")
STATS_DAYS = 7


class GroupRouterSpec(RouterSpec):
    """A ``RouterSpec`` whose router serves group chats only."""

    def build(self) -> Router:
        router = Router(name=self.name)
        router.message.filter(OnLoop(F.chat.type.in_(GROUPS)))
        for event, handler, filters in self.handlers:
            router.observers[event].register(handler, *filters)
        return router


router = GroupRouterSpec("staff")


def ticket_number(post: Message, bot: Bot) -> int | None:
    """The ticket a bot's post in the staff chat is about."""
    if post.from_user is None or post.from_user.id != bot.id:
        return None
    match = _TICKET_NUMBER.search(post.text or "")
    return int(match.group(1)) if match else None


async def staff_ticket(
    message: Message, domain: Domain, settings: BotSettings, ticket_id: int
) -> TicketView | None:
    """The ticket, if it is this chat's and the sender is staff of its office."""
    try:
        ticket = await ticket_in_chat(domain, message.chat.id, ticket_id)
    except NotFound:
        return None
    if await office_of(domain, settings, user_id(message), ticket.office_id) is None:
        return None
    return ticket


@router.message(Command("tiket"))
async def list_tickets(message: Message, domain: Domain, settings: BotSettings) -> None:
    offices = await staff_chat_offices(domain, message.chat.id)
    if not offices:
        await message.reply(
            _(
                "This group is not an office's staff chat. Its id is {chat_id}: an office "
                "admin can make it one with /staffchat in a private chat with me."
            ).format(chat_id=message.chat.id)
        )
        return
    allowed = [o for o in offices if await office_of(domain, settings, user_id(message), o)]
    if not allowed:
        return
    tickets = [t for t in await open_tickets(domain, message.chat.id) if t.office_id in allowed]
    if not tickets:
        await message.reply(_("No open tickets."))
        return
    now = domain.now()
    lines = [_("Open tickets:")]
    for t in tickets:
        status = _("answered") if t.first_answer_at and t.status == "answered" else _("waiting")
        lines.append(f"#{t.id} · {age(now - t.created_at)} · {t.display_name} · {status}")
    lines += ["", _("Reply to a ticket's post to answer; /tutup N closes ticket N.")]
    await message.reply("\n".join(lines))


@router.message(Command("tutup"))
async def close(
    message: Message, command: CommandObject, bot: Bot, domain: Domain, settings: BotSettings
) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if arg.isdigit():
        ticket_id: int | None = int(arg)
    elif message.reply_to_message is not None:
        ticket_id = ticket_number(message.reply_to_message, bot)
    else:
        ticket_id = None
    if ticket_id is None:
        await message.reply(_("Send /tutup with the ticket number, e.g. /tutup 12."))
        return
    ticket = await staff_ticket(message, domain, settings, ticket_id)
    if ticket is None:
        return
    try:
        await close_ticket(
            domain, chat_id=message.chat.id, ticket_id=ticket.id, staff_id=user_id(message)
        )
    except TicketClosed:
        await message.reply(_("Ticket #{ticket} is closed already.").format(ticket=ticket.id))
        return
    await message.reply(
        _("Ticket #{ticket} closed; the applicant has been thanked.").format(ticket=ticket.id)
    )


@router.message(F.reply_to_message, F.text)
async def relay_reply(message: Message, bot: Bot, domain: Domain, settings: BotSettings) -> None:
    assert message.reply_to_message is not None
    ticket_id = ticket_number(message.reply_to_message, bot)
    if ticket_id is None or (message.text or "").startswith("/"):
        return
    ticket = await staff_ticket(message, domain, settings, ticket_id)
    if ticket is None:
        return  # not a ticket of this chat, or not from its office's staff: ignored
    try:
        await staff_reply(
            domain,
            chat_id=message.chat.id,
            ticket_id=ticket.id,
            staff_id=user_id(message),
            text=message.text or "",
        )
    except TicketClosed:
        await message.reply(_("Ticket #{ticket} is closed already.").format(ticket=ticket.id))
        return
    except MessageTooLong as exc:
        await message.reply(
            _("Too long for the applicant: at most {limit} characters.").format(limit=exc.limit)
        )
        return
    try:  # "sent": a reaction, so the group's message limit is kept for answers
        await message.react([ReactionTypeEmoji(emoji="👍")])
    except TelegramAPIError:
        await message.reply(_("Sent to the applicant (ticket #{ticket}).").format(ticket=ticket.id))


@router.message(Command("statistik"))
async def statistics(message: Message, domain: Domain, settings: BotSettings) -> None:
    """Per office of this chat: tickets per day, median time to the first staff
    answer, and the share of questions the bot answered itself ("Ini menjawab")."""
    until = domain.now()
    since = until - timedelta(days=STATS_DAYS)
    lines = [_("The last {days} days:").format(days=STATS_DAYS)]
    for office_id in await staff_chat_offices(domain, message.chat.id):
        office = await office_of(domain, settings, user_id(message), office_id)
        if office is None:
            continue
        stats = await question_stats(domain, office_id, since, until)
        lines += ["", office.name, *ticket_figures(stats)]
    if len(lines) > 1:
        await message.reply("\n".join(lines))
