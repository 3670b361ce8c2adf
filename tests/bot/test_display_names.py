"""What the offices and content data add to the screens: a session's English label
in English, an office's short name on its button, the passport each person applies
for (and so the one fee each pays), and "Change details" correcting the holder's
name and phone number."""

# ruff: noqa: F811 - the fixtures imported from admin_fixtures are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest

from booking.admin.daylist import day_list
from booking.admin.offices_file import SessionSpec
from booking.appointments.groups import groups_of
from booking.core.context import Domain
from booking.core.kinds import Passport
from booking.people.applicants import get_applicant
from tests.bot.admin_fixtures import (  # noqa: F401 - fixtures
    admin_chat,
    at_screen,
    bot_settings,
    office_b,
    texts,
)
from tests.bot.conftest import SQLITE_ONLY
from tests.bot.flows import (
    add_member,
    choose_for_person,
    choose_language,
    give_details,
    holder_nik,
    pick_day,
    reach_people,
    reach_summary,
    skip_phone,
    to_summary,
)
from tests.bot.recording import Chat_
from tests.bot.test_summary import summary_with_phone
from tests.conftest import TOMORROW
from tests.factories import WEEKDAYS, add_office, make_nik, office_spec

WIFE = make_nik(TOMORROW.replace(year=1992), female=True, serial=1202)


@pytest.fixture
async def office(ctx: Domain) -> int:
    """Office TEST with its short name and English session labels, and office TEST-2
    in the same province without either."""
    sessions = [
        SessionSpec(label="Pagi", label_en="Morning", start=time(8), end=time(10), rule=WEEKDAYS),
        SessionSpec(
            label="Siang", label_en="Afternoon", start=time(13), end=time(15), rule=WEEKDAYS
        ),
    ]
    spec = office_spec(daily=10, priority=2, sessions=sessions)
    named = spec.model_copy(
        update={"name": "Kantor Imigrasi Kelas I TPI Kota Contoh", "short_name": "Contoh"}
    )
    other = office_spec("TEST-2").model_copy(
        update={"name": "Kantor Imigrasi Kelas I TPI Kota Lain"}
    )
    office_id = await add_office(ctx, named)
    await add_office(ctx, other)
    return office_id


@SQLITE_ONLY
async def test_office_buttons_show_the_short_name_else_the_place(
    office: int, new_chat: Callable[..., Chat_]
) -> None:
    chat = new_chat()
    await choose_language(chat, "id")
    await chat.tap("mn:book")
    await chat.press("pv:book:")
    offices = [text for text, data in chat.last_keyboard() if data.startswith("of:")]
    assert offices == ["Contoh", "Kota Lain"]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "label", "other"), [("en", "Afternoon", "Siang"), ("id", "Siang", "Afternoon")]
)
async def test_session_labels_in_the_users_language(
    office: int,
    new_chat: Callable[..., Chat_],
    admin_chat: Callable[[int], Any],
    language: str,
    label: str,
    other: str,
) -> None:
    chat = new_chat()
    await reach_summary(chat, holder_nik(chat), language=language, day=TOMORROW, session=label)
    summary = chat.last_text()
    assert label in summary and other not in summary
    confirmation = texts(await chat.press("cf:"))
    assert label in confirmation and other not in confirmation
    await chat.send("/my")
    assert label in chat.last_text() and other not in chat.last_text()

    admin = await at_screen(admin_chat, office, "list")  # the admin's chat is in English
    listed = texts(await admin.press("ady:list:", "Tomorrow"))
    assert "Afternoon" in listed and "Siang" not in listed


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["en", "id"])
async def test_the_session_screen_shows_the_label_of_the_language(
    office: int, new_chat: Callable[..., Chat_], language: str
) -> None:
    chat = new_chat()
    await choose_language(chat, language)
    await reach_people(chat)
    await give_details(chat, holder_nik(chat))
    await choose_for_person(chat)
    await chat.press("gp:continue:")
    await pick_day(chat, TOMORROW)
    buttons = [text for text, data in chat.last_keyboard() if data.startswith("se:")]
    expected = ("Morning", "Afternoon") if language == "en" else ("Pagi", "Siang")
    assert [b.split()[0] for b in buttons] == list(expected)


@SQLITE_ONLY
async def test_each_person_pays_the_fee_of_their_passport(
    ctx: Domain, office: int, new_chat: Callable[..., Chat_], admin_chat: Callable[[int], Any]
) -> None:
    chat = new_chat()
    await choose_language(chat, "en")
    await reach_people(chat)
    await give_details(chat, holder_nik(chat))
    await chat.press("sv:new")
    asked = chat.last_text()
    assert "which passport" in asked and "Electronic passport, 10 years: Rp950,000" in asked
    kinds = [text for text, data in chat.last_keyboard() if data.startswith("pk:")]
    assert kinds == [
        "Ordinary passport, 5 years",
        "Ordinary passport, 10 years",
        "Electronic passport, 5 years",
        "Electronic passport, 10 years",
    ]
    await chat.press("pk:electronic_10")
    await chat.press("pr:none")
    await add_member(chat, "Siti Aminah", WIFE, service="renewal")  # ordinary, 5 years
    await to_summary(chat, day=TOMORROW)
    summary = chat.last_text()
    assert "Budi Santoso" in summary and "· Electronic passport, 10 years" in summary
    assert "Siti Aminah" in summary and "· Ordinary passport, 5 years" in summary
    assert "• Electronic passport, 10 years: Rp950,000" in summary
    assert "• Ordinary (non-electronic) passport, 5 years: Rp350,000" in summary
    assert "Total: Rp1,300,000" in summary
    assert "Rp650,000" not in summary  # the kinds nobody chose

    await chat.press("cf:")
    [group] = await groups_of(ctx, chat.user_id)
    kinds_booked = {m.full_name: m.passport for m in group.members}
    assert kinds_booked == {
        "Budi Santoso": Passport.ELECTRONIC_10,
        "Siti Aminah": Passport.ORDINARY_5,
    }
    listed = await day_list(ctx, office, TOMORROW)
    assert {e.full_name: e.passport for e in listed.entries} == kinds_booked
    admin = await at_screen(admin_chat, office, "list")
    shown = texts(await admin.press("ady:list:", "Tomorrow"))
    assert "Electronic passport, 10 years" in shown and "Ordinary passport, 5 years" in shown


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "nik_note", "renamed"),
    [
        ("en", "a different NIK is a different person", "Your name is now Budi Santosa."),
        ("id", "NIK lain berarti orang lain", "Nama Anda sekarang Budi Santosa."),
    ],
)
async def test_change_details_corrects_the_holders_name_and_phone(
    ctx: Domain,
    office: int,
    new_chat: Callable[..., Chat_],
    language: str,
    nik_note: str,
    renamed: str,
) -> None:
    chat = new_chat()
    await summary_with_phone(chat, language)
    await chat.press("gp:edit:")
    assert nik_note in chat.last_text()
    await chat.press("gp:rename:")
    await chat.send("Budi Santosa")
    assert renamed in chat.last_text()
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.full_name == "Budi Santosa"
    assert applicant.phone is not None

    await chat.press("gp:phone:")
    await skip_phone(chat)  # no phone number any more
    applicant = await get_applicant(ctx, chat.user_id)
    assert applicant is not None and applicant.phone is None
    assert nik_note in chat.last_text()  # the group list again

    await to_summary(chat, day=TOMORROW)
    summary = chat.last_text()
    assert "Budi Santosa" in summary and "Budi Santoso" not in summary
    assert applicant.nik_masked in summary  # the same person: the NIK stays
    assert "+62812" not in summary
