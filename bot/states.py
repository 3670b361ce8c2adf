"""FSM states of the booking flow.

FSM data holds only what the next step needs: the chosen office, service and slot
ids, the typed full name and the locale. Never the NIK: it is validated and the
applicant registered as soon as it is typed, after which only ids are kept.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

# FSM data keys
LOCALE = "locale"
OFFICE = "office_id"
SERVICE = "service"
SLOT = "slot_id"
FULL_NAME = "full_name"
PRIORITY = "priority"


class Booking(StatesGroup):
    province = State()
    office = State()
    service = State()
    day = State()
    session = State()
    saved = State()  # a returning applicant confirms the saved details
    name = State()
    nik = State()
    phone = State()
    priority = State()
    summary = State()


class Changing(StatesGroup):
    """My appointments: cancel confirmation and the reschedule calendar."""

    cancel = State()
    day = State()
    session = State()
    confirm = State()


class Choosing(StatesGroup):
    language = State()
