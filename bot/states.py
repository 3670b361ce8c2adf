"""FSM states of the booking flow.

FSM data holds only what the next step needs: the chosen office, the group being
put together (member ids with their service and priority), the person being added,
the typed full name and the locale. Never a NIK: it is validated and the person
saved as soon as it is typed (``save_member``), after which only ids are kept.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

# FSM data keys
LOCALE = "locale"
OFFICE = "office_id"
FULL_NAME = "full_name"
# The group so far: a list of [member id, service, priority or None].
MEMBERS = "members"
# The member whose service and priority are being asked.
ADDING = "adding"


class Booking(StatesGroup):
    province = State()
    office = State()
    saved = State()  # a returning applicant confirms the saved details
    name = State()  # the account holder's own details, then the phone
    nik = State()
    phone = State()
    member_name = State()  # another person of the group
    member_nik = State()
    service = State()  # per person: the service, then the priority
    priority = State()
    group = State()  # the group list: add, remove, continue
    day = State()
    session = State()
    summary = State()
    passport = State()  # per person, after the service: the passport applied for
    rename = State()  # "Change details": the holder types their corrected name


class Changing(StatesGroup):
    """My appointments: cancel confirmation and the reschedule calendar."""

    cancel = State()
    day = State()
    session = State()
    confirm = State()


class Choosing(StatesGroup):
    language = State()


# A request's choices so far (draw mode): a list of [ISO date or None, session label or
# None]; the draw they are for; the request being changed (absent for a new one).
CHOICES = "choices"
DRAW = "draw_id"
REQUEST = "request_id"


class Requesting(StatesGroup):
    """A request of a draw-mode release: the choices, a date's sessions, the summary."""

    choices = State()
    session = State()
    summary = State()


class Waitlisting(StatesGroup):
    """Joining the waitlist for a range of dates: the dates are typed."""

    dates = State()
