"""FSM states of the admin menu: each is a prompt waiting for typed answers.

A handler of typed answers is declared with its state and ``TYPED``:
``@router.message(AdminInput.daily, TYPED)``. FSM data holds the office being
administered (``ADMIN_OFFICE``) and, while closing a date or writing an
announcement, the chosen date and the reason.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.state import State, StatesGroup

ADMIN_OFFICE = "admin_office"
ADMIN_DAY = "admin_day"  # ISO date
ADMIN_REASON = "admin_reason"  # a closure's reason, or an announcement's text

# Text that is not a command: a command typed at a prompt stays a command.
TYPED = F.text & ~F.text.startswith("/")


class AdminInput(StatesGroup):
    daily = State()
    priority = State()
    shares = State()
    window = State()
    rule = State()
    override = State()
    clear = State()
    close_date = State()
    close_reason = State()
    close_confirm = State()
    list_date = State()
    checkin = State()
    stats_range = State()
    announce_date = State()
    announce_text = State()
    announce_confirm = State()
    appoint = State()
    staff_chat = State()
    counters = State()
    counter_staff = State()
    request_hours = State()
