"""The checks every dispatcher test runs afterwards fail when they should: on an
English catalogue string shown in Indonesian, and on a button too wide for a phone."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from booking.calendar.views import DayAvailability, DayStatus
from bot.handlers.offices import days_of_rule, has_weekend_sessions
from bot.i18n import build_i18n
from bot.keyboards import day_label, fit, label_width
from tests.bot.conftest import check_phone_width
from tests.bot.languages import LocaleRecordingSession, check_no_english, english_in


def recorded(
    text: str, locale: str | None, markup: InlineKeyboardMarkup | None = None
) -> LocaleRecordingSession:
    session = LocaleRecordingSession()
    request = SendMessage(chat_id=1, text=text, reply_markup=markup)
    session.requests.append(request)
    session.locales[id(request)] = locale
    return session


def test_english_in_indonesian_mode_fails() -> None:
    region = (
        "NIK tidak valid: The region code in the first 6 digits (province, regency and "
        "district code) is not known."
    )
    assert english_in(region)
    with pytest.raises(AssertionError, match="Indonesian mode"):
        check_no_english(recorded(region, "id"))
    button = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="🏠 Main menu", callback_data="mn:home")]]
    )
    with pytest.raises(AssertionError, match="Main menu"):
        check_no_english(recorded("Apa yang ingin Anda lakukan?", "id", button))


def test_indonesian_and_english_mode_pass() -> None:
    check_no_english(recorded("Tombol ini sudah tidak berlaku.", "id"))
    check_no_english(recorded("QR ABCD1234", "id"))  # the same in both languages
    check_no_english(recorded("This button is no longer valid.", "en"))
    session = recorded("This button is no longer valid.", None)
    session.rendered["This button is no longer valid."] = "en"  # an English notice
    check_no_english(session)
    session.rendered["This button is no longer valid."] = "id"
    with pytest.raises(AssertionError):
        check_no_english(session)


def row(*labels: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=t, callback_data="no:header") for t in labels]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def test_a_label_too_wide_for_a_phone_fails() -> None:
    check_phone_width(row(*["10✖"] * 7))  # 4 wide: the most a row of 7 allows
    with pytest.raises(AssertionError, match="a row of 7 allows 4"):
        check_phone_width(row(*["10 (160)"] * 7))
    with pytest.raises(AssertionError, match="a row of 1 allows 32"):
        check_phone_width(row("Kantor Imigrasi Kelas I Non TPI Jakarta Selatan"))
    reply = ReplyKeyboardMarkup(keyboard=[[{"text": "x" * 17}, {"text": "Lewati"}]])  # type: ignore[list-item]
    with pytest.raises(AssertionError, match="a row of 2 allows 16"):
        check_phone_width(reply)


def test_label_width_counts_an_emoji_as_two() -> None:
    assert label_width("25🎌") == 4
    assert label_width("⚙️ Kuota") == 8  # the variation selector takes no room
    assert label_width("‹ Kalender") == 10
    assert fit("Unit Layanan Paspor Kota Kasablanka Jakarta") == "Unit Layanan Paspor Kota Kasabl…"
    assert label_width(fit("🏢" * 20)) <= 32


def test_a_date_shows_its_number_and_one_mark() -> None:
    today = date(2026, 11, 30)

    def label(day: int, status: DayStatus, seats: int = 50, current: int | None = None) -> str:
        d = DayAvailability(date(2026, 12, day), status, seats_left=seats)
        return day_label(d, today=today, current=date(2026, 12, current) if current else None)

    assert label(1, DayStatus.OPEN) == "1"
    assert label(1, DayStatus.OPEN, seats=5) == "1🔸"
    assert label(2, DayStatus.FULL) == "2✖"
    assert label(2, DayStatus.FULL, current=2) == "2📌"  # the appointment being moved
    assert label(9, DayStatus.OPEN, seats=3, current=9) == "9📌"
    open_today = DayAvailability(today, DayStatus.OPEN, seats_left=3)
    assert day_label(open_today, today=today) == "30•"


@pytest.mark.parametrize(
    ("locale", "said"),
    [("id", "Sabtu ke-1 dan ke-3 setiap bulan"), ("en", "the 1st and 3rd Saturday of each month")],
)
def test_weekday_rules_read_as_people_say_them(locale: str, said: str) -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale(locale):
        assert days_of_rule("FREQ=MONTHLY;BYDAY=1SA,3SA", locale) == said
        assert days_of_rule("FREQ=WEEKLY;BYDAY=MO,TU", "en") == "Mon, Tue"
    assert has_weekend_sessions(["FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=1SA,3SA"])
    assert not has_weekend_sessions(["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"])
