"""Buttons of free-text questions and tickets: their callback data (opaque ids only;
each tap is checked against the user who tapped) and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from booking.questions.offices import OfficeName
from bot.callbacks import MAX_ID

# What an office chosen for a question is for: a: the answer names the office's
# facts (hours, address, ...); t: a ticket to its staff.
OfficePurpose = Literal["a", "t"]
MAX_OFFICE_BUTTONS = 60


class Feedback(CallbackData, prefix="qf"):
    """ "Ini menjawab" / "Tidak menjawab" under an answer."""

    question: int = Field(ge=1, le=MAX_ID)
    helpful: Literal["y", "n"]


class AskStaff(CallbackData, prefix="qa"):
    """Hand the question to the office's staff."""

    question: int = Field(ge=1, le=MAX_ID)


class QuestionOffice(CallbackData, prefix="qo"):
    question: int = Field(ge=1, le=MAX_ID)
    office: int = Field(ge=1, le=MAX_ID)
    purpose: OfficePurpose


class TicketReply(CallbackData, prefix="tr"):
    """The applicant answers back on a ticket."""

    ticket: int = Field(ge=1, le=MAX_ID)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def ask_staff_button(question_id: int) -> InlineKeyboardButton:
    return _button(_("💬 Ask the staff"), AskStaff(question=question_id))


def answer_kb(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("👍 That answers it"), Feedback(question=question_id, helpful="y"))],
            [_button(_("👎 It does not"), Feedback(question=question_id, helpful="n"))],
            [ask_staff_button(question_id)],
        ]
    )


def ask_staff_kb(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[ask_staff_button(question_id)]])


def offices_kb(
    question_id: int, offices: Sequence[OfficeName], purpose: OfficePurpose
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for office in offices[:MAX_OFFICE_BUTTONS]:
        b.button(
            text=office.city,
            callback_data=QuestionOffice(
                question=question_id, office=office.office_id, purpose=purpose
            ),
        )
    b.adjust(2)
    return b.as_markup()


def reply_kb(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("↩️ Reply to the office"), TicketReply(ticket=ticket_id))]]
    )
