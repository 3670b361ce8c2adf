"""The hand-off to an office's staff: a ticket posted to the staff group, a staff
reply relayed to the applicant, the applicant answering back, /tiket, /tutup, the
ticket limit, replies from non-staff members, and /staffchat."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage, SetMessageReaction

from booking.admin.audit import audit_log
from booking.admin.roles import add_admin
from booking.admin.staff_chat import set_staff_chat
from booking.core.context import Domain
from booking.questions.tickets import open_tickets
from tests.bot.conftest import SQLITE_ONLY, ChatIn
from tests.bot.flows import choose_language
from tests.bot.recording import Chat_
from tests.bot.staff_chat import STAFF_CHAT, GroupMember, bot_post, deliver

STAFF = 880001
NOT_STAFF = 880002
QUESTION = "resep nasi goreng yang enak gimana"  # abstained on: for the staff


async def staffed(ctx: Domain, office: int) -> None:
    await set_staff_chat(ctx, office, STAFF_CHAT, actor="test")
    await add_admin(ctx, STAFF, "TEST", actor="test")


async def hand_to_staff(chat: Chat_, question: str = QUESTION) -> str:
    """Ask, abstained on, tap "Ask the staff" (choosing the office if asked)."""
    await chat.send(question)
    await chat.press("qa:")
    if any(data.startswith("qo:") for _t, data in chat.last_keyboard()):
        await chat.press("qo:")
    return chat.last_text()


def sent_texts(requests: list[object], chat_id: int) -> list[str]:
    return [str(r.text) for r in requests if isinstance(r, SendMessage) and r.chat_id == chat_id]


@SQLITE_ONLY
async def test_abstain_ticket_staff_reply_answer_back_and_close(
    ctx: Domain,
    office: int,
    dp: Dispatcher,
    bot: Bot,
    chat_in: ChatIn,
) -> None:
    await staffed(ctx, office)
    chat = await chat_in("id")
    said = await hand_to_staff(chat)
    [ticket] = await open_tickets(ctx, STAFF_CHAT)
    assert f"tiket #{ticket.id}" in said

    [post] = await deliver(ctx, bot)
    assert post.recipient == STAFF_CHAT
    text = post.message.text or ""
    assert f"Tiket #{ticket.id}" in text and QUESTION in text
    assert "Bu**" in text and "bahasa: Bahasa Indonesia" in text

    # A group member who is not staff of the office: ignored.
    outsider = GroupMember(dp, bot, NOT_STAFF)
    assert await outsider.send("Saya bukan petugas", reply_to=post.message) == []
    assert await deliver(ctx, bot) == []

    staff = GroupMember(dp, bot, STAFF)
    sent = await staff.send("Silakan datang ke loket informasi.", reply_to=post.message)
    assert any(isinstance(r, SetMessageReaction) for r in sent)
    [relayed] = await deliver(ctx, bot)
    assert relayed.recipient == chat.user_id
    assert "Silakan datang ke loket informasi." in (relayed.message.text or "")
    assert "Kantor Imigrasi TEST" in (relayed.message.text or "")

    # The applicant answers back on the same ticket.
    await chat.press(f"tr:{ticket.id}")
    await chat.send("Terima kasih, jam berapa loketnya buka?")
    assert f"tiket #{ticket.id}" in chat.last_text()
    [follow_up] = await deliver(ctx, bot)
    assert follow_up.recipient == STAFF_CHAT
    assert "jam berapa loketnya buka" in (follow_up.message.text or "")
    assert f"#{ticket.id}" in (follow_up.message.text or "")

    listed = sent_texts(await staff.send("/tiket"), STAFF_CHAT)
    assert any(f"#{ticket.id}" in t for t in listed)

    figures = "\n".join(sent_texts(await staff.send("/statistik"), STAFF_CHAT))
    assert "Kantor Imigrasi TEST" in figures and "Tiket per hari" in figures
    assert "Tiket per hari: 30.11: 1" in figures and "jawaban pertama: 0 mnt" in figures
    assert "0% dari 1" in figures  # one question, not answered by the bot

    closed = sent_texts(await staff.send(f"/tutup {ticket.id}"), STAFF_CHAT)
    assert any("ditutup" in t for t in closed)
    [thanks] = await deliver(ctx, bot)
    assert thanks.recipient == chat.user_id and "Terima kasih" in (thanks.message.text or "")
    assert await open_tickets(ctx, STAFF_CHAT) == []

    # A reply to the closed ticket's post is refused, not relayed.
    late = sent_texts(await staff.send("satu lagi", reply_to=post.message), STAFF_CHAT)
    assert any("sudah ditutup" in t for t in late)
    assert await deliver(ctx, bot) == []


@SQLITE_ONLY
async def test_replies_to_other_messages_and_from_other_groups_are_ignored(
    ctx: Domain, office: int, dp: Dispatcher, bot: Bot, chat_in: ChatIn
) -> None:
    await staffed(ctx, office)
    chat = await chat_in("id")
    await hand_to_staff(chat)
    [post] = await deliver(ctx, bot)
    staff = GroupMember(dp, bot, STAFF)
    # Someone quoting the ticket's text is not the bot's post.
    forged = bot_post(post.message.text or "", from_id=NOT_STAFF)
    assert await staff.send("jawaban", reply_to=forged) == []
    # The same post replied to from another group.
    elsewhere = GroupMember(dp, bot, STAFF, chat_id=-1005555555555)
    assert (
        await elsewhere.send("jawaban", reply_to=bot_post(post.message.text or "", -1005555555555))
        == []
    )
    assert await deliver(ctx, bot) == []
    # /tiket in a group that is no staff chat tells its id.
    answer = sent_texts(await elsewhere.send("/tiket"), -1005555555555)
    assert any("-1005555555555" in t for t in answer)


@SQLITE_ONLY
async def test_the_daily_ticket_limit(ctx: Domain, office: int, bot: Bot, chat_in: ChatIn) -> None:
    await staffed(ctx, office)
    chat = await chat_in("en")
    limit = ctx.settings.ticket_daily_limit
    for n in range(limit):
        assert "ticket #" in await hand_to_staff(chat, f"{QUESTION} nomor {n}")
    refused = await hand_to_staff(chat, f"{QUESTION} sekali lagi")
    assert f"{limit} questions" in refused and "24 hours" in refused
    assert len(await open_tickets(ctx, STAFF_CHAT)) == limit


@SQLITE_ONLY
async def test_an_office_without_staff_chat_says_so(
    ctx: Domain, office: int, chat_in: ChatIn
) -> None:
    chat = await chat_in("en")
    said = await hand_to_staff(chat)
    assert "does not answer questions in this chat yet" in said


@SQLITE_ONLY
async def test_a_repeated_tap_opens_one_ticket(ctx: Domain, office: int, chat_in: ChatIn) -> None:
    await staffed(ctx, office)
    chat = await chat_in("en")
    await chat.send(QUESTION)
    ask = chat.button("qa:")
    await chat.tap(ask)
    await chat.press("qo:")
    await chat.tap(ask)
    [ticket] = await open_tickets(ctx, STAFF_CHAT)
    assert f"ticket #{ticket.id}" in chat.last_text()


@SQLITE_ONLY
async def test_staffchat_sets_the_group_audited(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_]
) -> None:
    await add_admin(ctx, STAFF, "TEST", actor="test")
    stranger = new_chat()
    await stranger.send("/staffchat")
    assert "Hanya admin kantor" in stranger.last_text()

    admin = new_chat(user_id=STAFF, language_code="en")
    await choose_language(admin, "en")
    await admin.send("/staffchat")
    assert "Kantor Imigrasi TEST" in admin.last_text()
    await admin.send("my group")
    assert "not a group id" in admin.last_text()
    await admin.send(str(STAFF_CHAT))
    assert str(STAFF_CHAT) in admin.last_text()
    [entry, *_] = await audit_log(ctx, office)
    assert entry.action == "set_staff_chat" and entry.after == {"chat_id": STAFF_CHAT}
    assert entry.actor == f"telegram:{STAFF}"


@SQLITE_ONLY
async def test_another_applicants_real_ticket_button_is_refused(
    ctx: Domain, office: int, bot: Bot, chat_in: ChatIn
) -> None:
    await staffed(ctx, office)
    owner, other = await chat_in("en"), await chat_in("en")
    await hand_to_staff(owner)
    [ticket] = await open_tickets(ctx, STAFF_CHAT)
    await deliver(ctx, bot)  # the post to the staff group

    await other.tap(f"tr:{ticket.id}")
    assert "This button is no longer valid." in other.last_text()
    await other.send("Let me in on this ticket")
    assert await deliver(ctx, bot) == []  # nothing reached the staff group
    [still] = await open_tickets(ctx, STAFF_CHAT)
    assert still.id == ticket.id
