"""How the console playground prints what the bot does, and what a typed line does."""

from __future__ import annotations

import io
from pathlib import Path

from aiogram import Dispatcher
from aiogram.fsm.storage.base import StorageKey

from booking.core.context import Domain
from booking.offices.lookup import list_offices
from bot.config import BotSettings
from bot.console import (
    PLAYGROUND_BOT_ID,
    SAMPLE_PHONE,
    USER_ID,
    Playground,
    Transcript,
    plain_text,
    prepare_playground,
    safe_filename,
)
from bot.emulator import ApiCall, BotApiEmulator
from bot.handlers.admin.states import AdminInput
from tests.factories import add_office, office_spec


def transcript(tmp_path: Path) -> tuple[Transcript, io.StringIO]:
    out = io.StringIO()
    return Transcript(out, tmp_path / "files"), out


def show(t: Transcript, method: str, mid: int, files: dict | None = None, **params) -> None:
    """What the emulator reports for one successful call."""
    t.on_call(ApiCall(method, {"chat_id": 1, **params}, files or {}), {"message_id": mid})


def inline(*rows: list[tuple[str, str]]) -> dict:
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]}


def test_inline_buttons_are_numbered_in_order(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    markup = inline([("Yes", "cf:1"), ("No", "cf:0")], [("Menu", "mn:home")])
    show(t, "sendMessage", 7, text="Sure?", reply_markup=markup)
    assert out.getvalue() == "\nbot: Sure?\n    [1] Yes   [2] No\n    [3] Menu\n"
    assert t.current is not None and t.current.message_id == 7 and t.current.inline
    assert [b.callback_data for b in t.current.items] == ["cf:1", "cf:0", "mn:home"]


def test_an_edit_is_shown_as_an_edit_and_dropping_its_buttons_clears_them(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    show(t, "sendMessage", 3, text="a", reply_markup=inline([("x", "x:1")]))
    show(t, "editMessageText", 3, message_id="3", text="<b>b</b> &amp; c", parse_mode="HTML")
    assert "bot (edited message 3):\nb & c\n" in out.getvalue()
    assert t.current is None


def test_reply_keyboard_and_its_removal(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    keyboard = {"keyboard": [[{"text": "Share", "request_contact": True}], [{"text": "Skip"}]]}
    show(t, "sendMessage", 4, text="Phone?", reply_markup=keyboard)
    assert "keyboard: [1] Share (shares your phone)" in out.getvalue()
    assert t.current is not None and not t.current.inline and t.current.items[0].request_contact
    show(t, "sendMessage", 5, text="Saved.", reply_markup={"remove_keyboard": True})
    assert t.current is None


def test_files_are_saved_and_locations_printed(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    png = b"\x89PNG\r\n\x1a\n..."
    show(t, "sendPhoto", 9, {"photo": ("../A B.png", png)}, caption="QR")
    show(t, "sendLocation", 10, latitude="-6.25", longitude="106.8")
    saved = tmp_path / "files" / "9-A_B.png"
    assert saved.read_bytes() == png
    assert f"bot sent a photo: {saved.resolve()}\nQR\n" in out.getvalue()
    assert "bot sent a location: -6.25, 106.8" in out.getvalue()


def test_callback_answers_with_text_are_shown(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    t.on_call(ApiCall("answerCallbackQuery", {"callback_query_id": "1", "text": "Booked"}), True)
    t.on_call(ApiCall("answerCallbackQuery", {"callback_query_id": "2"}), True)
    assert out.getvalue() == "    (notice) Booked\n"


def test_helpers() -> None:
    assert plain_text("<i>a</i> &lt;b&gt;", "HTML") == "a <b>"
    assert plain_text("<i>a</i>", None) == "<i>a</i>"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("...") == "file"


class RecordingPlayground(Playground):
    """Records the updates a line produces instead of waiting for a bot."""

    def __init__(self, transcript: Transcript) -> None:
        # A dispatcher only for its FSM storage: the playground reads the user's step.
        super().__init__(BotApiEmulator(), transcript, polling=None, dp=Dispatcher())  # type: ignore[arg-type]
        self.updates: list[dict] = []

    async def step(self, update: dict) -> None:
        self.updates.append(update)


async def test_what_a_typed_line_does(tmp_path: Path) -> None:
    t, out = transcript(tmp_path)
    play = RecordingPlayground(t)
    show(t, "sendMessage", 5, text="Pick", reply_markup=inline([("A", "a:1"), ("B", "b:2")]))

    assert await play.handle("2")
    query = play.updates[-1]["callback_query"]
    assert (query["data"], query["message"]["message_id"]) == ("b:2", 5)

    # A long number is text (a NIK), not a button.
    assert await play.handle("3171011705900001")
    assert play.updates[-1]["message"]["text"] == "3171011705900001"

    count = len(play.updates)
    assert await play.handle("9")
    assert await play.handle("   ")
    assert len(play.updates) == count
    assert "(no button 9: choose 1 to 2)" in out.getvalue()

    assert await play.handle("/contact")
    assert play.updates[-1]["message"]["contact"]["phone_number"] == SAMPLE_PHONE
    assert await play.handle("/contact +628111222333")
    assert play.updates[-1]["message"]["contact"]["phone_number"] == "+628111222333"

    keyboard = {"keyboard": [[{"text": "Share", "request_contact": True}], [{"text": "Skip"}]]}
    show(t, "sendMessage", 6, text="Phone?", reply_markup=keyboard)
    assert await play.handle("2")
    assert play.updates[-1]["message"]["text"] == "Skip"
    assert await play.handle("1")
    assert play.updates[-1]["message"]["contact"]["user_id"] == USER_ID

    assert not await play.handle("/quit")


async def test_a_number_typed_at_a_typed_prompt_is_text(tmp_path: Path) -> None:
    t, _out = transcript(tmp_path)
    play = RecordingPlayground(t)
    show(t, "sendMessage", 5, text="Quota?", reply_markup=inline([("‹ Admin menu", "aac:menu:1")]))
    key = StorageKey(bot_id=PLAYGROUND_BOT_ID, chat_id=USER_ID, user_id=USER_ID)
    await play.dp.storage.set_state(key, AdminInput.daily)
    assert await play.handle("90")
    assert play.updates[-1]["message"]["text"] == "90"  # a quota, not button 90
    assert await play.handle("1")
    assert play.updates[-1]["message"]["text"] == "1"
    assert await play.handle("#1")  # an explicit press
    assert play.updates[-1]["callback_query"]["data"] == "aac:menu:1"


async def test_playground_loads_samples_into_an_empty_configured_database(ctx: Domain) -> None:
    settings = BotSettings(_env_file=None, database_url="configured://db")  # type: ignore[call-arg]
    # An empty configured database gets the sample offices.
    assert (await prepare_playground(ctx, settings)).startswith("sample offices loaded")
    samples = {o.code for o in await list_offices(ctx)}
    assert {"JAKSEL", "JAKPUS"} <= samples


async def test_playground_does_not_overwrite_real_offices(ctx: Domain) -> None:
    await add_office(ctx, office_spec("MINE"))
    settings = BotSettings(_env_file=None, database_url="configured://db")  # type: ignore[call-arg]
    banner = await prepare_playground(ctx, settings)
    assert banner.startswith("the database's own offices")
    assert [o.code for o in await list_offices(ctx)] == ["MINE"]
