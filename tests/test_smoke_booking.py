from booking.appointments import book
from booking.availability import sessions_of
from booking.models import ServiceType
from tests.factories import add_applicant, add_office


async def test_book_one_seat(ctx, clock):
    office_id = await add_office(ctx)
    await add_applicant(ctx, 1001)
    from datetime import date

    sessions = await sessions_of(ctx, office_id, date(2026, 12, 1))
    assert len(sessions) == 1 and sessions[0].seats_left == 10
    appt = await book(ctx, telegram_id=1001, slot_id=sessions[0].slot_id, service=ServiceType.NEW)
    assert len(appt.code) == 8
    after = await sessions_of(ctx, office_id, date(2026, 12, 1))
    assert after[0].seats_left == 9
