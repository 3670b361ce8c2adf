"""The waitlist: groups waiting at an office for a seat, offers of held seats
with a timed hold, and the jobs duty that makes and expires the offers.

- ``views``: ``Wish`` (what an entry waits for), the entry and offer views;
- ``entries``: joining (``join_waitlist``, ``join_waitlist_in``), leaving, reading;
- ``holds``: one slot's held seats offered to the next fitting entries (or back to
  the public), and its offers that ran out expired;
- ``answers``: ``accept_offer`` (a booking from the held seats), ``decline_offer``;
- ``duty``: ``run_waitlist_duty``, run by the jobs loop.

The seats themselves move by the seat rule (``booking.calendar.seats``): a freed
seat becomes a held one there, while a waiting entry covers its slot.
"""
