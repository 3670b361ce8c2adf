"""At the counter and in the reports: check-in (with a distinct answer for each
refusal), no-shows after a session, statistics, the capacity chart and the audit
log in the office's own time."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import SendPhoto
from sqlmodel import select

from booking.admin.audit import audit_log
from booking.admin.checkin import RELEASED_TEMPLATE, check_in
from booking.appointments.service import cancel, get_appointment
from booking.core.clock import FixedClock
from booking.core.context import Domain
from booking.core.kinds import AppointmentStatus
from booking.db.models import Notification
from booking.notify.outbox import ClaimedNotification
from bot.notices import Notices
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    ADMIN_B,
    admin_chat,
    at_screen,
    audit_count,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY, booked, slot_on
from tests.bot.recording import Chat_, file_bytes
from tests.conftest import TODAY, TOMORROW

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def notes_of(ctx: Domain, template: str) -> list[Notification]:
    async with ctx.db.reader() as session:
        return list(
            await session.exec(select(Notification).where(Notification.template == template))
        )


async def test_check_in_by_command_and_by_typing(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    first = await booked(ctx, office, 880000501, TODAY)  # Siang 13:00 WIB
    second = await booked(ctx, office, 880000502, TODAY)
    chat: Chat_ = await admin_chat(ADMIN_A)
    sent = await chat.send(f"/checkin {first.code}")
    assert f"✅ Checked in: {first.code}\nQueue number: 1 (Siang 13:00–15:00 WIB)" in texts(sent)
    assert "3171**********" in texts(sent)

    await chat.send("/admin")
    await chat.press(f"aac:checkin:{office}")
    sent = await chat.send(second.code.lower())
    assert f"Checked in: {second.code}\nQueue number: 2" in texts(sent)
    after = await get_appointment(ctx, 880000502, second.id)
    assert after.status is AppointmentStatus.CHECKED_IN

    sent = await chat.send(first.code)
    assert f"Booking {first.code} is already checked in, with queue number 1." in texts(sent)
    # A command at the check-in prompt is a command, not a code.
    third = await booked(ctx, office, 880000503, TODAY)
    sent = await chat.send(f"/checkin {third.code}")
    assert f"Checked in: {third.code}\nQueue number: 3" in texts(sent)


@SQLITE_ONLY
async def test_check_in_refusals_each_have_their_own_answer(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    tomorrow = await booked(ctx, office, 880000511, TOMORROW)
    theirs = await booked(ctx, office_b, 880000512, TOMORROW, label="Pagi")
    gone = await booked(ctx, office, 880000513, TODAY)
    await cancel(ctx, telegram_id=880000513, appointment_id=gone.id)
    chat = await at_screen(admin_chat, office, "checkin")
    before = await audit_count(ctx, office)
    cases = {
        "ZZZZZZ": "No appointment has the code ZZZZZZ.",
        "not a code at all": "No appointment has the code not a code at all.",
        theirs.code: f"Booking {theirs.code} is for another office (OTHR), not this one.",
        gone.code: f"Booking {gone.code} was cancelled. Not checked in.",
        tomorrow.code: (
            f"Booking {tomorrow.code} is for Tue, 1 Dec 2026, not today (Mon, 30 Nov 2026)."
        ),
    }
    for typed, answer in cases.items():
        sent = await chat.send(typed)
        assert answer in texts(sent), typed
    assert await audit_count(ctx, office) == before
    assert (await get_appointment(ctx, 880000511, tomorrow.id)).queue_number is None


async def test_release_of_someone_sent_home(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    appt = await booked(ctx, office, 880000551, TODAY)
    chat: Chat_ = await admin_chat(ADMIN_A)
    await chat.send(f"/checkin {appt.code}")
    sent = await chat.press(f"arl:{office}:{appt.code}", f"Sent home: {appt.code}")
    assert f"Release {appt.code}? Use it when the applicant was sent home" in texts(sent)
    assert (await get_appointment(ctx, 880000551, appt.id)).status is AppointmentStatus.CHECKED_IN
    sent = await chat.press("arl:", f"Release {appt.code}")
    assert f"↩️ {appt.code} released (" in texts(sent) and "They can book again." in texts(sent)
    assert (await get_appointment(ctx, 880000551, appt.id)).status is AppointmentStatus.RELEASED
    [note] = await notes_of(ctx, RELEASED_TEMPLATE)
    assert note.recipient == 880000551 and note.args["code"] == appt.code

    # A second tap of the same button: refused, nothing changes.
    sent = await chat.tap(f"arl:{office}:{appt.code}:1")
    assert "This appointment is no longer active (sent home)." in texts(sent)
    assert "Nothing was changed." in texts(sent)
    sent = await chat.tap(f"aac:audit:{office}")
    assert f"{appt.code} released after check-in (sent home) (by admin {ADMIN_A})" in texts(sent)
    assert f"{appt.code} checked in, queue number 1 (by admin {ADMIN_A})" in texts(sent)

    # Another office's admin cannot release it; a booked code is not released.
    other = await booked(ctx, office, 880000552, TODAY)
    sent = await chat.tap(f"arl:{office}:{other.code}:1")
    assert f"Booking {other.code} is not checked in" in texts(sent)
    chat_b: Chat_ = await admin_chat(ADMIN_B)
    await chat_b.tap(f"arl:{office}:{other.code}:1")
    assert (await get_appointment(ctx, 880000552, other.id)).status is AppointmentStatus.BOOKED


@SQLITE_ONLY
async def test_release_note_in_the_applicants_language(ctx: Domain) -> None:
    def note(language: str) -> str:
        claimed = ClaimedNotification(
            id=1,
            recipient=1,
            kind=RELEASED_TEMPLATE,
            template=RELEASED_TEMPLATE,
            args={
                "office_name": "Kantor Imigrasi TEST",
                "code": "K7M2QX9T",
                "name": "Budi Santoso",
                "day": "2026-11-30",
            },
            language=language,
            due_at=datetime(2026, 11, 30, tzinfo=UTC),
            late=False,
            attempts=0,
            office_id=1,
            appointment_id=1,
        )
        return Notices().render(claimed).text

    assert note("en") == (
        "↩️ Kantor Imigrasi TEST: the appointment K7M2QX9T of Budi Santoso on Monday, "
        "30 November 2026 was ended at the counter. You can book again, for today too if "
        "seats are left. Please bring everything that was missing."
    )
    assert note("id").startswith(
        "↩️ Kantor Imigrasi TEST: jadwal K7M2QX9T atas nama Budi Santoso pada Senin, "
        "30 November 2026 diselesaikan oleh petugas loket."
    )


@SQLITE_ONLY
async def test_checkin_command_of_a_super_admin_needs_an_office(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    from tests.bot.admin_fixtures import SUPER

    appt = await booked(ctx, office, 880000521, TODAY)
    chat: Chat_ = await admin_chat(SUPER)
    sent = await chat.send(f"/checkin {appt.code}")
    assert "Choose the office first with /admin" in texts(sent)
    await chat.send("/admin TEST")
    sent = await chat.send(f"/checkin {appt.code}")
    assert "Queue number: 1" in texts(sent)


async def test_no_shows_after_the_session_ends(
    ctx: Domain,
    office: int,
    office_b: int,
    admin_chat: Callable[[int], Any],
    clock: FixedClock,
) -> None:
    came = await booked(ctx, office, 880000531, TODAY)
    absent = await booked(ctx, office, 880000532, TODAY)
    siang = await slot_on(ctx, office, TODAY, "Siang")
    chat = await at_screen(admin_chat, office, "noshow")
    assert "Siang 13:00–15:00 WIB: 2 not checked in (not ended yet)" in chat.last_text()
    assert not [d for _, d in chat.last_keyboard() if d.startswith("ans:")]
    sent = await chat.tap(f"ans:{office}:{siang}")  # too early, even when forged
    assert "That session has not ended yet" in texts(sent)
    assert (await get_appointment(ctx, 880000532, absent.id)).status is AppointmentStatus.BOOKED

    clock.set(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))  # 13:00 WIB
    await check_in(ctx, office, came.code, actor="cli:test")
    clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))  # 15:30 WIB
    await chat.tap(f"aac:noshow:{office}")
    sent = await chat.press("ans:", "Siang")
    assert "✅ 1 appointment marked as no-show." in texts(sent)
    assert (await get_appointment(ctx, 880000532, absent.id)).status is AppointmentStatus.NO_SHOW
    assert (await get_appointment(ctx, 880000531, came.id)).status is AppointmentStatus.CHECKED_IN

    await chat.tap(f"aac:stats:{office}")
    sent = await chat.press(f"aac:stats7:{office}")
    report = texts(sent)
    assert (
        "Statistics of Kantor Imigrasi TEST (TEST), Tue, 24 Nov 2026 – Mon, 30 Nov 2026" in report
    )
    assert "Appointments: 2" in report
    assert "Checked in: 1 (50.0%)" in report and "No-shows: 1 (50.0%)" in report


@SQLITE_ONLY
async def test_statistics_of_a_typed_range_and_bad_ranges(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await booked(ctx, office, 880000541, TOMORROW)
    appt = await booked(ctx, office, 880000542, TOMORROW)
    await cancel(ctx, telegram_id=880000542, appointment_id=appt.id)
    chat = await at_screen(admin_chat, office, "stats")
    sent = await chat.send("2026-12-01 2026-12-31")
    assert "Appointments: 2" in texts(sent)
    assert "Cancelled: 1 (50.0%), of which 0 by office closures" in texts(sent)
    sent = await chat.send("2026-12-31 2026-12-01")
    assert "The range ends (Tue, 1 Dec 2026) before it starts (Thu, 31 Dec 2026)." in texts(sent)
    sent = await chat.send("last month")
    assert "“last” is not a date." in texts(sent)
    sent = await chat.send("2026-12-01 2026-12-02 2026-12-03")
    assert "Please type one date, or two" in texts(sent)


async def test_capacity_chart_is_a_png(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await booked(ctx, office, 880000551, TOMORROW)
    chat = await at_screen(admin_chat, office, "stats")
    sent = await chat.press(f"aac:chart:{office}")
    [photo] = [r for r in sent if isinstance(r, SendPhoto)]
    assert file_bytes(photo.photo).startswith(PNG_SIGNATURE)
    assert photo.caption and "next 14 days: 1 of" in photo.caption


async def test_the_chart_caption_counts_only_days_with_sessions(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office, "stats")
    sent = await chat.press(f"aac:chart:{office}")
    [photo] = [r for r in sent if isinstance(r, SendPhoto)]
    # 30 November to 13 December: 10 weekdays with sessions of 12 seats, 4 weekend days.
    assert photo.caption and "0 of 120 seats, on the 10 days with sessions" in photo.caption


@SQLITE_ONLY
async def test_audit_log_in_the_office_time(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    # OTHR is in WITA
    chat = await at_screen(admin_chat, office_b, "quota", "q_daily", user=ADMIN_B)
    await chat.send("7")
    sent = await chat.tap(f"aac:audit:{office_b}")
    log = texts(sent)
    assert "🧾 Latest changes at Kantor Imigrasi OTHR (OTHR)" in log
    assert (
        f"2026-11-30 08:00 WITA · The daily quota changed from 4 to 7 (by admin {ADMIN_B})"
    ) in log
    [entry] = await audit_log(ctx, office_b, 1)
    assert entry.action == "set_default_quota" and entry.after == {"daily": 7, "priority": 0}
    # Office TEST's log shows nothing of OTHR's change.
    chat_a: Chat_ = await admin_chat(ADMIN_A)
    sent = await chat_a.tap(f"aac:audit:{office}")
    assert "daily quota" not in texts(sent) and "07:00 WIB" in texts(sent)


NOT_UNDERSTOOD = "I did not understand that"


@pytest.mark.parametrize("opened_by", ["button", "/checkin CODE"])
@pytest.mark.parametrize("leave", ["button", "/cancel", "/admin"])
async def test_the_check_in_prompt_stays_open_until_left(
    ctx: Domain,
    office: int,
    office_b: int,
    admin_chat: Callable[[int], Any],
    opened_by: str,
    leave: str,
) -> None:
    """Codes one after another, each checked in; leaving closes the prompt."""
    first, second, third, fourth = [
        await booked(ctx, office, 880000561 + i, TODAY) for i in range(4)
    ]
    chat: Chat_ = await admin_chat(ADMIN_A)
    await chat.send("/admin")
    if opened_by == "button":
        await chat.press(f"aac:checkin:{office}")
        sent = await chat.send(first.code)
    else:
        sent = await chat.send(f"/checkin {first.code}")
    assert f"Checked in: {first.code}\nQueue number: 1" in texts(sent)
    sent = await chat.send(second.code)
    assert f"Checked in: {second.code}\nQueue number: 2" in texts(sent)
    sent = await chat.send(third.code)
    assert f"Checked in: {third.code}\nQueue number: 3" in texts(sent)

    if leave == "button":
        await chat.tap(f"aac:menu:{office}")  # the menu button under the answers
    else:
        await chat.send(leave)
    sent = await chat.send(fourth.code)
    assert NOT_UNDERSTOOD in texts(sent)
    assert (await get_appointment(ctx, 880000564, fourth.id)).status is AppointmentStatus.BOOKED
