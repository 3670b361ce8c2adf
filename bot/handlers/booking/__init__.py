"""Booking, by step: ``office`` (province → office), ``details`` (the people: saved
details, name, NIK, phone; per person service and priority), ``group`` (the group
list, then the summary), ``calendar`` (month → date → session, only what fits the
whole group) and ``confirm``; ``request`` replaces the calendar while a draw-mode
office takes requests (its router is tried before the group list's, whose
"Continue" it takes); ``shared`` holds what the steps share with each other and with
rescheduling (``bot.handlers.appointments``)."""

from __future__ import annotations

from bot.handlers.booking import calendar, confirm, details, group, office, request
from bot.handlers.common import RouterGroup

# The confirm router is tried before every other router (bot.handlers.get_routers);
# the other steps' routers form the "booking" router, in the order of the flow.
confirm_router = confirm.router
router = RouterGroup(
    "booking", office.router, details.router, request.router, group.router, calendar.router
)
