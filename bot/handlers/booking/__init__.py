"""Booking, by step: ``office`` (province → office), ``calendar`` (service → month →
date → session), ``details`` (saved details, name, NIK, phone, priority →
summary) and ``confirm``; ``shared`` holds what the steps share with each other
and with rescheduling (``bot.handlers.appointments``)."""

from __future__ import annotations

from bot.handlers.booking import calendar, confirm, details, office
from bot.handlers.common import RouterGroup

# The confirm router is tried before every other router (bot.handlers.get_routers);
# the other steps' routers form the "booking" router, in the order of the flow.
confirm_router = confirm.router
router = RouterGroup("booking", office.router, calendar.router, details.router)
