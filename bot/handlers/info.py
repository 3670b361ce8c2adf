"""Requirements per service, PNBP fees and the FAQ, from the content data file."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from booking.offices.content import Content
from bot import callbacks as cb
from bot import keyboards as kb
from bot.handlers.common import Event, RouterSpec, refuse, reset_flow, show
from bot.texts import documents, rupiah, service_name

router = RouterSpec("info")


@router.message(Command("info"))
@router.callback_query(cb.Menu.filter(F.action == "info"))
async def info_menu(event: Event, state: FSMContext, content: Content, locale: str) -> None:
    await reset_flow(state)
    await show(
        event, _("Requirements & fees: what would you like to know?"), kb.info_kb(content, locale)
    )


@router.callback_query(cb.Info.filter(F.topic == "requirements"))
async def requirements(
    query: CallbackQuery,
    callback_data: cb.Info,
    content: Content,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    service = callback_data.service
    if service is None:
        await refuse(query, callback_answer)
        return
    text = _("Documents to bring for “{service}”:").format(
        service=service_name(content, service, locale)
    )
    text += "\n" + documents(content, service, locale)
    text += "\n\n" + _("Bring the originals. The officer may ask for copies.")
    await show(query, text, kb.back_to_info_kb())


def fee_lines(content: Content, locale: str) -> list[str]:
    """Each passport (ordinary or electronic, 5 or 10 years) and its fee."""
    lines = [_("Passport fees (PNBP):")]
    lines += [f"• {fee.label.get(locale)}: {rupiah(fee.amount, locale)}" for fee in content.fees]
    return lines


@router.callback_query(cb.Info.filter(F.topic == "fees"))
async def fees(query: CallbackQuery, content: Content, locale: str) -> None:
    lines = [*fee_lines(content, locale), "", content.fees_source.get(locale)]
    await show(query, "\n".join(lines), kb.back_to_info_kb())


@router.callback_query(cb.Info.filter(F.topic == "payment"))
async def payment(query: CallbackQuery, content: Content, locale: str) -> None:
    """The fees and how to pay them, as a new message: it may be asked from under
    a summary or a confirmation, which must stay in the chat."""
    lines = fee_lines(content, locale)
    if content.payment is not None:
        lines += ["", content.payment.get(locale)]
    await show(query, "\n".join(lines), kb.back_to_info_kb(), edit=False)


@router.callback_query(cb.Info.filter(F.topic == "faq"))
async def faq(query: CallbackQuery, content: Content, locale: str) -> None:
    lines = [_("Frequently asked questions")]
    for entry in content.faq:
        lines += ["", f"❔ {entry.q.get(locale)}", entry.a.get(locale)]
    await show(query, "\n".join(lines), kb.back_to_info_kb())
