"""Dates in the admin chat: closing (the displaced applicants are notified and can
rebook), reopening, the day list with its CSV export, and announcements."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from aiogram.methods import SendDocument
from sqlmodel import select

from booking.admin.announcements import ANNOUNCEMENT_TEMPLATE
from booking.admin.audit import audit_log
from booking.admin.closures import CLOSURE_TEMPLATE, close_day, closed_days
from booking.admin.daylist import CSV_HEADER
from booking.admin.quotas import set_office_quota
from booking.appointments.service import appointments_of
from booking.core.context import Domain
from booking.core.kinds import ServiceType
from booking.db.models import Notification
from booking.offices.content import load_content
from booking.people.applicants import set_phone
from bot.texts import service_name
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    ADMIN_A,
    STALE,
    admin_chat,
    at_screen,
    audit_count,
    bot_settings,
    day_data,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY, booked
from tests.bot.flows import pick_day, switch_language
from tests.bot.recording import Chat_, file_bytes
from tests.conftest import TOMORROW
from tests.factories import make_nik

UNCHANGED = "Nothing was changed."


async def notices(ctx: Domain, template: str) -> list[Notification]:
    async with ctx.db.reader() as session:
        rows = await session.exec(
            select(Notification).where(Notification.template == template).order_by(Notification.id)
        )
        return list(rows)


async def at_close_prompt(admin_chat: Callable[[int], Any], office: int) -> Chat_:
    return await at_screen(admin_chat, office, "close", "close_ask")


async def test_closure_notifies_exactly_the_displaced_who_rebook_freely(
    ctx: Domain,
    office: int,
    office_b: int,
    admin_chat: Callable[[int], Any],
    new_chat: Callable[..., Chat_],
) -> None:
    first = await booked(ctx, office, 880000201, TOMORROW, label="Pagi")
    second = await booked(ctx, office, 880000202, TOMORROW, label="Siang")
    await booked(ctx, office, 880000203, date(2026, 12, 2))  # another date
    await booked(ctx, office_b, 880000204, TOMORROW, label="Pagi")  # another office

    chat = await at_close_prompt(admin_chat, office)
    await chat.send("2026-12-01")
    assert "Why is Tue, 1 Dec 2026 closed" in chat.last_text()
    sent = await chat.send("Listrik padam")
    assert "2 appointments will be cancelled" in texts(sent)
    sent = await chat.send("yes")  # the confirmation is a button
    assert "Please use the buttons above, or send /cancel to stop." in texts(sent)
    assert await closed_days(ctx, office, TOMORROW, TOMORROW) == []  # not before confirming
    sent = await chat.tap(day_data("close_yes", office, TOMORROW))
    assert "✅ Tue, 1 Dec 2026 is closed. 2 appointments cancelled" in texts(sent)
    assert [c.reason for c in await closed_days(ctx, office, TOMORROW, TOMORROW)] == [
        "Listrik padam"
    ]

    rows = await notices(ctx, CLOSURE_TEMPLATE)
    assert sorted(n.recipient for n in rows) == [880000201, 880000202]
    assert {n.appointment_id for n in rows} == {first.id, second.id}
    assert all(n.args and n.args["reason"] == "Listrik padam" for n in rows)
    [entry] = [e for e in await audit_log(ctx, office, 5) if e.action == "close_day"]
    assert entry.actor == f"telegram:{ADMIN_A}"
    assert entry.after and entry.after["displaced"] == 2

    # The displaced applicant takes the notice's "new date" button; it does not count.
    applicant = new_chat(880000201)
    await switch_language(applicant, "en")
    await applicant.tap(f"ap:rebook:{first.id}")
    await pick_day(applicant, date(2026, 12, 3))
    await applicant.press("se:", "Pagi")
    await applicant.press(f"rb:{first.id}:")
    [new] = [v for v in await appointments_of(ctx, 880000201) if v.active]
    assert new.day == date(2026, 12, 3) and new.reschedule_count == 0

    # A second tap of the confirmation closes nothing again.
    sent = await chat.tap(day_data("close_yes", office, TOMORROW))
    assert STALE in texts(sent)
    assert len(await notices(ctx, CLOSURE_TEMPLATE)) == 2


@SQLITE_ONLY
async def test_closing_a_closed_day_a_past_day_or_no_day_changes_nothing(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await close_day(ctx, office, TOMORROW, "Libur", actor="cli:test")
    chat = await at_close_prompt(admin_chat, office)
    before = await audit_count(ctx, office)
    for typed, message in (
        ("2026-12-01", "Tue, 1 Dec 2026 is already closed."),
        ("2026-11-27", "Fri, 27 Nov 2026 is in the past (today is Mon, 30 Nov 2026)."),
        ("tomorrow", "“tomorrow” is not a date."),
        ("2026-02-30", "“2026-02-30” is not a date."),
    ):
        sent = await chat.send(typed)
        assert message in texts(sent) and UNCHANGED in texts(sent), typed
    assert await audit_count(ctx, office) == before
    assert [c.reason for c in await closed_days(ctx, office, TOMORROW, TOMORROW)] == ["Libur"]

    # A reason too long is refused too; then a good one is asked to confirm.
    await chat.send("2026-12-02")
    sent = await chat.send("x" * 201)
    assert "Please type a text of 1 to 200 characters." in texts(sent)
    sent = await chat.send("Acara kantor")
    assert "0 appointments will be cancelled" in texts(sent)


@SQLITE_ONLY
async def test_reopen_a_closed_day(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await close_day(ctx, office, TOMORROW, "Libur", actor="cli:test")
    chat = await at_screen(admin_chat, office, "close")
    assert "Tue, 1 Dec 2026: Libur" in chat.last_text()
    sent = await chat.press("ady:reopen:")
    assert "✅ Tue, 1 Dec 2026 is open again." in texts(sent)
    assert await closed_days(ctx, office, TOMORROW, TOMORROW) == []
    sent = await chat.tap(day_data("reopen", office, TOMORROW))
    assert "Tue, 1 Dec 2026 is not closed. Nothing was changed." in texts(sent)


async def test_day_list_pages_and_csv_export(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await set_office_quota(ctx, office, 20, actor="cli:test")
    codes = []
    for i in range(12):
        label = "Pagi" if i < 6 else "Siang"
        v = await booked(ctx, office, 880000300 + i, TOMORROW, label=label)
        codes.append(v.code)
    chat = await at_screen(admin_chat, office, "list")
    sent = await chat.press("ady:list:", "Tomorrow")
    page = texts(sent)
    assert "📋 Kantor Imigrasi TEST (TEST) · Tue, 1 Dec 2026" in page
    assert "Pagi 08:00–10:00 WIB: 6/10 booked, priority 0/1" in page
    assert "Siang 13:00–15:00 WIB: 6/10 booked, priority 0/1" in page
    assert "Applicants: 12 (page 1 of 2)" in page
    assert "3171**********" in page and "Budi Santoso" in page and "booked" in page
    assert make_nik(date(1990, 5, 17), serial=301) not in page  # never the plain NIK
    sent = await chat.press("ady:list:", "›")
    second = texts(sent)
    assert "Applicants: 12 (page 2 of 2)" in second
    shown = [c for c in codes if c in page] + [c for c in codes if c in second]
    assert sorted(shown) == sorted(codes)

    sent = await chat.press("ady:csv:")
    [doc] = [r for r in sent if isinstance(r, SendDocument)]
    assert doc.document.filename == "TEST-2026-12-01.csv"  # type: ignore[union-attr]
    raw = file_bytes(doc.document)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER
    assert sorted(r[CSV_HEADER.index("code")] for r in rows[1:]) == sorted(codes)
    assert {r[CSV_HEADER.index("zone")] for r in rows[1:]} == {"WIB"}
    assert {r[CSV_HEADER.index("nik_masked")][4:14] for r in rows[1:]} == {"*" * 10}


async def test_phone_masked_in_the_day_list_in_full_in_the_audited_csv(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    first = await booked(ctx, office, 880000401, TOMORROW)
    second = await booked(ctx, office, 880000402, TOMORROW, label="Pagi")
    await set_phone(ctx, 880000401, "081234567890")
    chat = await at_screen(admin_chat, office, "list")
    sent = await chat.press("ady:list:", "Tomorrow")
    assert "📞 0812*****890" in texts(sent) and "081234567890" not in texts(sent)

    sent = await chat.press("ady:csv:")
    [doc] = [r for r in sent if isinstance(r, SendDocument)]
    rows = list(csv.reader(io.StringIO(file_bytes(doc.document).decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER
    by_code = {r[CSV_HEADER.index("code")]: dict(zip(CSV_HEADER, r, strict=True)) for r in rows}
    assert by_code[first.code]["phone"] == "081234567890"
    assert by_code[second.code]["phone"] == ""
    assert {by_code[c]["date"] for c in (first.code, second.code)} == {"2026-12-01"}
    assert by_code[first.code]["status"] == "booked"
    [entry] = [e for e in await audit_log(ctx, office, 5) if e.action == "export_day_csv"]
    assert entry.actor == f"telegram:{ADMIN_A}" and entry.after is not None
    assert entry.after["day"] == "2026-12-01" and entry.after["rows"] == 2
    sent = await chat.tap(f"aac:audit:{office}")
    assert f"Day list of Tue, 1 Dec 2026 exported as CSV (2 people) (by admin {ADMIN_A})" in texts(
        sent
    )


@SQLITE_ONLY
async def test_csv_values_in_the_admins_language(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    appt = await booked(ctx, office, 880000411, TOMORROW)
    chat = await at_screen(admin_chat, office, "list")
    await switch_language(chat, "id")
    sent = await chat.tap(day_data("csv", office, TOMORROW))
    [doc] = [r for r in sent if isinstance(r, SendDocument)]
    rows = list(csv.reader(io.StringIO(file_bytes(doc.document).decode("utf-8-sig"))))
    assert rows[0] == CSV_HEADER  # the machine columns stay in English
    [row] = [dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]]
    assert row["code"] == appt.code
    assert (row["status"], row["priority"]) == ("terjadwal", "")
    assert row["service"] == service_name(load_content(), ServiceType.NEW, "id")


@SQLITE_ONLY
async def test_day_list_of_a_typed_date(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    chat = await at_screen(admin_chat, office, "list")
    sent = await chat.send("2026-12-05")  # a Saturday
    assert "No sessions on this date." in texts(sent)
    assert "Nobody is booked on this date." in texts(sent)
    sent = await chat.send("5 Dec")
    assert "“5 Dec” is not a date." in texts(sent)


async def test_announcement_goes_once_to_everyone_booked_that_day(
    ctx: Domain, office: int, office_b: int, admin_chat: Callable[[int], Any]
) -> None:
    await booked(ctx, office, 880000401, TOMORROW, label="Pagi")
    await booked(ctx, office, 880000402, TOMORROW, label="Siang")
    await booked(ctx, office, 880000403, date(2026, 12, 2))
    await booked(ctx, office_b, 880000404, TOMORROW, label="Pagi")
    chat = await at_screen(admin_chat, office, "announce")
    sent = await chat.send("2026-11-01")
    assert "is in the past" in texts(sent)
    sent = await chat.send("2026-12-01")
    assert "2 appointments on Tue, 1 Dec 2026" in texts(sent)
    sent = await chat.send("Bawa map biru.")
    # A preview and "Send?" first: nothing is queued until the admin says so.
    assert "Bawa map biru." in texts(sent) and "Send this to the 2 applicants" in texts(sent)
    assert await notices(ctx, ANNOUNCEMENT_TEMPLATE) == []
    sent = await chat.press("ady:announce_yes:")
    assert "✅ The announcement is queued for 2 applicants" in texts(sent)
    rows = await notices(ctx, ANNOUNCEMENT_TEMPLATE)
    assert sorted(n.recipient for n in rows) == [880000401, 880000402]
    assert all(n.args and n.args["text"] == "Bawa map biru." for n in rows)

    # The same announcement again is not sent twice.
    await chat.tap(f"aac:announce:{office}")
    await chat.send("1/12/2026")  # day first, as written in Indonesia
    await chat.send("Bawa map biru.")
    sent = await chat.press("ady:announce_yes:")
    assert "queued for 0 applicants" in texts(sent)
    assert "2 of them had already received this announcement." in texts(sent)
    assert len(await notices(ctx, ANNOUNCEMENT_TEMPLATE)) == 2
