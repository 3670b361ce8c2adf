"""The console playground: the real bot in a terminal, with no token and no network.

``python -m bot --console`` starts an in-process Bot API emulator, points the bot
at it and runs the real dispatcher with long polling. Before that it migrates the
database, loads the sample offices and releases their slots.

- The bot's messages are printed with their buttons numbered ``[1] Text``.
- A typed line is sent as a message; a bare number (up to three digits) presses
  that button of the latest message that has buttons, except while the bot waits
  for typed input (a quota, a name): then it is sent as text. ``#2`` always
  presses button 2.
- ``--admin OFFICE`` makes the playground user an admin of that office (``/admin``).
- ``/contact`` shares a phone number (``/contact +6281234567890``, or a sample one).
- ``/quit``, end of input (Ctrl-D) or Ctrl-C exits.
- Photos and documents are saved under ``DATA_DIR/playground/``; their paths are printed.

It sends ``/start`` for you, then reads standard input line by line. Each line
waits for the bot to finish with the previous one, and the ``> `` prompt appears
when the playground is ready for the next, so a script can be piped in.

The database is the configured one (by default the SQLite file in ``DATA_DIR``).
The sample offices are loaded into the default database every time (loading
updates them in place), but into a configured ``DATABASE_URL`` only when it has
no offices yet, so a real office list is never overwritten. The real clock is used.
"""

from __future__ import annotations

import asyncio
import html
import re
import signal
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from aiogram import Dispatcher
from aiogram.fsm.storage.base import StorageKey
from pydantic import SecretStr
from sqlmodel import select

from booking.admin.offices_file import load_offices, read_offices_file
from booking.admin.roles import add_admin
from booking.calendar.release import release_slots
from booking.cli.main import SAMPLE_OFFICES
from booking.core.context import Domain
from booking.db.models import Office
from bot.app import close_app, create_app, poll, stop_polling
from bot.config import BotSettings
from bot.emulator import ApiCall, BotApiEmulator
from bot.factory import settle
from bot.handlers.admin.states import AdminInput
from bot.states import Booking

PLAYGROUND_TOKEN = "1000000001:playground-token-not-for-telegram"  # noqa: S105
PLAYGROUND_BOT_ID = int(PLAYGROUND_TOKEN.split(":")[0])
USER_ID = 100001
SAMPLE_PHONE = "+6281234567890"
PROMPT = "\n> "
# A bare number of up to this many digits presses a button; longer ones (a NIK, a
# phone number) are sent as text.
BUTTON_DIGITS = 3
GRID_ROW = 5  # rows with this many buttons or more are printed as a grid
# How long to wait for the bot to handle one line before giving up on it.
STEP_TIMEOUT_S = 60.0
PLAYGROUND_THROTTLE_RATE = 50.0
PLAYGROUND_THROTTLE_BURST = 100

HELP = (
    "Type a message and press Enter. A number presses a button of the latest message"
    " with buttons; while the bot waits for typed input (a quota, a name) a number is"
    " sent as text, and #2 presses button 2.\n/contact shares a phone number, /quit exits."
)
# The steps at which the bot waits for typed input: a bare number there is text.
CONFIRMING = {AdminInput.close_confirm.state, AdminInput.announce_confirm.state}
TYPING_STATES = {s.state for s in AdminInput.__states__} - CONFIRMING | {
    Booking.name.state,
    Booking.nik.state,
}


@dataclass
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False


@dataclass
class Buttons:
    message_id: int
    inline: bool
    items: list[Button]


def plain_text(text: str, parse_mode: str | None) -> str:
    """Text as a reader sees it: HTML tags removed and entities decoded."""
    if (parse_mode or "").upper() == "HTML":
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._")
    return cleaned or "file"


class Transcript:
    """Prints what the bot does and remembers the buttons of its latest message."""

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        self.out = out
        self.files_dir = files_dir
        self.current: Buttons | None = None

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    # --- buttons -------------------------------------------------------------

    def _keyboard(self, message_id: int, markup: Any) -> Buttons | None:
        if not isinstance(markup, dict):
            return None
        if markup.get("inline_keyboard"):
            rows, inline = markup["inline_keyboard"], True
        elif markup.get("keyboard"):
            rows, inline = markup["keyboard"], False
        else:
            return None
        items: list[Button] = []
        for row in rows:
            for raw in row:
                raw = raw if isinstance(raw, dict) else {"text": str(raw)}
                items.append(
                    Button(
                        text=str(raw.get("text", "")),
                        callback_data=raw.get("callback_data"),
                        url=raw.get("url"),
                        request_contact=bool(raw.get("request_contact")),
                    )
                )
        return Buttons(message_id, inline, items) if items else None

    def _show_buttons(self, message_id: int, markup: Any) -> None:
        buttons = self._keyboard(message_id, markup)
        if buttons is None:
            if isinstance(markup, dict) and markup.get("remove_keyboard"):
                if self.current is not None and not self.current.inline:
                    self.current = None
            elif self.current is not None and self.current.message_id == message_id:
                self.current = None
            return
        self.current = buttons
        rows = markup.get("inline_keyboard") or markup.get("keyboard")
        number = 1
        lines: list[list[str]] = []
        for row in rows:
            labels = []
            for _ in row:
                button = buttons.items[number - 1]
                extra = " (shares your phone)" if button.request_contact else ""
                extra += f" -> {button.url}" if button.url else ""
                labels.append(f"[{number}] {button.text}{extra}")
                number += 1
            lines.append(labels)
        # Wide rows (a calendar) line up in columns.
        grid = [label for labels in lines if len(labels) >= GRID_ROW for label in labels]
        width = max((len(label) for label in grid), default=0)
        prefix = "    " if buttons.inline else "    keyboard: "
        for labels in lines:
            if len(labels) >= GRID_ROW:
                labels = [label.ljust(width) for label in labels]
            self.say((prefix + "   ".join(labels)).rstrip())

    # --- what the bot did ------------------------------------------------------

    def _save(self, call: ApiCall, field: str, message_id: int) -> Path | None:
        if field not in call.files:
            return None
        name, data = call.files[field]
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / f"{message_id}-{safe_filename(name)}"
        path.write_bytes(data)
        return path.resolve()

    def on_call(self, call: ApiCall, result: dict[str, Any] | bool) -> None:
        method = call.method.lower()
        params = call.params
        message_id = result.get("message_id", 0) if isinstance(result, dict) else 0
        parse_mode = params.get("parse_mode")
        caption = plain_text(str(params.get("caption") or ""), parse_mode)
        if method == "sendmessage":
            self.say()
            self.say("bot: " + plain_text(str(params.get("text", "")), parse_mode))
            self._show_buttons(message_id, params.get("reply_markup"))
        elif method == "editmessagetext":
            self.say()
            self.say(f"bot (edited message {message_id}):")
            self.say(plain_text(str(params.get("text", "")), parse_mode))
            self._show_buttons(message_id, params.get("reply_markup"))
        elif method == "editmessagereplymarkup":
            self.say(f"bot (changed the buttons of message {message_id})")
            self._show_buttons(message_id, params.get("reply_markup"))
        elif method in ("sendphoto", "senddocument"):
            field = "photo" if method == "sendphoto" else "document"
            path = self._save(call, field, message_id)
            where = str(path) if path else str(params.get(field, "?"))
            self.say()
            self.say(f"bot sent a {field}: {where}")
            if caption:
                self.say(caption)
            self._show_buttons(message_id, params.get("reply_markup"))
        elif method in ("sendlocation", "sendvenue"):
            lat, lon = params.get("latitude"), params.get("longitude")
            self.say()
            if method == "sendvenue":
                self.say(f"bot sent a place: {params.get('title')}, {params.get('address')}")
            self.say(f"bot sent a location: {lat}, {lon}")
            self._show_buttons(message_id, params.get("reply_markup"))
        elif method == "answercallbackquery" and params.get("text"):
            kind = "popup" if str(params.get("show_alert")).lower() == "true" else "notice"
            self.say(f"    ({kind}) {plain_text(str(params['text']), None)}")
        elif method == "deletemessage":
            deleted = int(params.get("message_id") or 0)
            if self.current is not None and self.current.message_id == deleted:
                self.current = None


class LineReader:
    """Standard input lines as an asyncio queue, read by a daemon thread so that an
    interrupted playground never waits for one more line.

    While it is open, Ctrl-C (SIGINT) ends the input as Ctrl-D does: the line under
    way is finished, then the playground stops as after ``/quit``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, daemon=True, name="playground-stdin").start()
        with suppress(NotImplementedError, RuntimeError):  # not the main thread, or Windows
            self.loop.add_signal_handler(signal.SIGINT, self.queue.put_nowait, None)

    def close(self) -> None:
        with suppress(NotImplementedError, RuntimeError):
            self.loop.remove_signal_handler(signal.SIGINT)

    def _read(self) -> None:
        try:
            for line in self.stream:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, line)
        finally:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, None)

    async def next_line(self) -> str | None:
        return await self.queue.get()


async def prepare_playground(domain: Domain, settings: BotSettings) -> str:
    """Load the sample offices (unless a configured database already has offices)
    and release their slots; returns what was done, for the banner."""
    async with domain.db.reader() as session:
        has_offices = (await session.exec(select(Office.id).limit(1))).first() is not None
    loaded = settings.database_url is None or not has_offices
    if loaded:
        await load_offices(domain, read_offices_file(SAMPLE_OFFICES), actor="playground")
    made = await release_slots(domain)
    offices = "sample offices loaded" if loaded else "the database's own offices"
    return f"{offices}, {made} new slots released"


class Playground:
    def __init__(
        self,
        api: BotApiEmulator,
        transcript: Transcript,
        polling: asyncio.Task[None],
        dp: Dispatcher,
    ) -> None:
        self.api = api
        self.transcript = transcript
        self.polling = polling
        self.dp = dp

    async def step(self, update: dict[str, Any]) -> None:
        """Wait for the bot to handle one update (or for polling to end), and for
        what follows its answer (a booking's files)."""
        confirmed = asyncio.create_task(
            self.api.wait_confirmed(update["update_id"], STEP_TIMEOUT_S)
        )
        await asyncio.wait({confirmed, self.polling}, return_when=asyncio.FIRST_COMPLETED)
        if not confirmed.done():
            confirmed.cancel()
        elif not confirmed.result():
            self.transcript.say("(the bot did not answer in time)")
        await settle(self.dp)

    async def handle(self, line: str) -> bool:
        """Act on one input line; False when the user asked to quit."""
        text = line.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if text == "/contact" or text.startswith("/contact "):
            phone = text.removeprefix("/contact").strip() or SAMPLE_PHONE
            await self.step(self.api.share_contact(USER_ID, phone))
            return True
        if re.fullmatch(r"#[0-9]+", text) and self.transcript.current is not None:
            await self.press(int(text[1:]))
            return True
        if (
            text.isdigit()
            and len(text) <= BUTTON_DIGITS
            and self.transcript.current is not None
            and not await self.waiting_for_text()
        ):
            await self.press(int(text))
            return True
        await self.step(self.api.send_text(USER_ID, text))
        return True

    async def waiting_for_text(self) -> bool:
        """Whether the bot waits for the user to type something (its FSM step)."""
        key = StorageKey(bot_id=PLAYGROUND_BOT_ID, chat_id=USER_ID, user_id=USER_ID)
        return await self.dp.storage.get_state(key) in TYPING_STATES

    async def press(self, number: int) -> None:
        buttons = self.transcript.current
        assert buttons is not None
        if not 1 <= number <= len(buttons.items):
            self.transcript.say(f"(no button {number}: choose 1 to {len(buttons.items)})")
            return
        button = buttons.items[number - 1]
        if button.url:
            self.transcript.say(f"(this button opens {button.url})")
        elif buttons.inline and button.callback_data:
            update = self.api.press(USER_ID, button.callback_data, message_id=buttons.message_id)
            await self.step(update)
        elif buttons.inline:
            self.transcript.say("(the playground cannot press this kind of button)")
        elif button.request_contact:
            await self.step(self.api.share_contact(USER_ID, SAMPLE_PHONE))
        else:
            await self.step(self.api.send_text(USER_ID, button.text))


async def make_admin(domain: Domain, office: str) -> str:
    """Make the playground user an admin of ``office``; the banner's line about it."""
    role = await add_admin(domain, USER_ID, office.upper(), actor="playground")
    return f"You are an admin of {role.office_code}: send /admin."


async def run_console(
    settings: BotSettings,
    *,
    admin_of: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    files_dir = settings.data_dir / "playground"
    interactive = stdin.isatty()
    async with BotApiEmulator() as api:
        bot_settings = settings.model_copy(
            update={
                "bot_token": SecretStr(PLAYGROUND_TOKEN),
                "telegram_api_url": api.base_url,
                # One local user, often a pasted script: the flood throttle would only confuse.
                "throttle_rate": max(settings.throttle_rate, PLAYGROUND_THROTTLE_RATE),
                "throttle_burst": max(settings.throttle_burst, PLAYGROUND_THROTTLE_BURST),
            }
        )
        app = await create_app(bot_settings)
        try:
            prepared = await prepare_playground(app.domain, settings)
            transcript = Transcript(out, files_dir)
            api.listeners.append(transcript.on_call)
            transcript.say(f"Tanpa Antre playground: {prepared}.")
            transcript.say(f"You play Telegram user {USER_ID}.")
            if admin_of:
                transcript.say(await make_admin(app.domain, admin_of))
            else:
                transcript.say(
                    "To try the admin side: python -m bot --console --admin JAKSEL "
                    f"(or python -m booking add-admin --telegram-id {USER_ID} --office JAKSEL)."
                )
            transcript.say(f"Files the bot sends are saved in {files_dir.resolve()}")
            transcript.say(HELP)
            # Updates are handled one at a time, so the next line waits for the last answer.
            polling = asyncio.create_task(poll(app, handle_signals=False, handle_as_tasks=False))
            try:
                await converse(
                    Playground(api, transcript, polling, app.dp), stdin, out, interactive
                )
            finally:  # before the emulator goes away (also on Ctrl-C)
                await stop_polling(app, polling)
            transcript.say("\nBye.")
        finally:
            await close_app(app)


async def converse(playground: Playground, stdin: TextIO, out: TextIO, interactive: bool) -> None:
    """Start with /start, then act on each input line until /quit or end of input."""
    reader = LineReader(stdin)
    try:
        playground.transcript.say(PROMPT + "/start")
        await playground.step(playground.api.send_text(USER_ID, "/start"))
        while not playground.polling.done():
            # The prompt means "ready for the next line"; a script may wait for it.
            out.write(PROMPT)
            out.flush()
            line = await reader.next_line()
            if line is None:
                return
            if not interactive:  # show the piped line as if it had been typed
                playground.transcript.say(line.rstrip())
            if not await playground.handle(line):
                return
    finally:
        reader.close()
