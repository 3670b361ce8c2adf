"""The console playground (``python -m bot --console``) driven through its standard
input: one complete booking, with the real clock and the sample offices."""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import date
from pathlib import Path

from icalendar import Calendar

from tests.factories import make_nik
from tests.processes import bot_environment

PROMPT = "\n> "
STEP_S = 60.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUTTON = re.compile(r"\[(\d+)\] ((?:(?!\s{3}\[).)*)")


def buttons(chunk: str) -> list[tuple[int, str]]:
    """(number, text) of the buttons printed last in ``chunk``."""
    found: list[tuple[int, str]] = []
    for line in chunk.splitlines():
        if not line.startswith("    "):
            continue
        row = [(int(n), text.strip()) for n, text in BUTTON.findall(line)]
        if row and row[0][0] == 1:
            found = []
        found += row
    return found


def number_of(chunk: str, pattern: str) -> str:
    for number, text in buttons(chunk):
        if re.search(pattern, text):
            return str(number)
    raise AssertionError(f"no button matching {pattern!r} in:\n{chunk}")


class Console:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.transcript = ""

    async def ready(self) -> str:
        """Everything printed until the console asks for the next line."""
        assert self.process.stdout is not None
        start = len(self.transcript)
        while len(self.transcript) == start or not self.transcript.endswith(PROMPT):
            data = await asyncio.wait_for(self.process.stdout.read(4096), STEP_S)
            if not data:
                raise AssertionError(f"the playground stopped:\n{self.transcript[start:]}")
            self.transcript += data.decode()
        return self.transcript[start:]

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def enter(self, line: str) -> str:
        await self.type(line)
        return await self.ready()

    async def quit(self) -> int:
        """Type /quit; returns the exit status once the playground has ended."""
        assert self.process.stdout is not None
        await self.type("/quit")
        rest = await asyncio.wait_for(self.process.stdout.read(), STEP_S)
        self.transcript += rest.decode()
        return await asyncio.wait_for(self.process.wait(), STEP_S)


async def start_playground(tmp_path: Path, *options: str) -> asyncio.subprocess.Process:
    """``python -m bot --console`` with ``options``, reading and writing pipes."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--console",
        *options,
        cwd=tmp_path,  # no .env here
        env=bot_environment(tmp_path / "data"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def book_in_playground(tmp_path: Path) -> tuple[str, str]:
    """Drive one booking; returns (output after confirming, whole transcript)."""
    process = await start_playground(tmp_path)
    console = Console(process)
    try:
        out = await console.ready()
        assert "sample offices loaded" in console.transcript
        out = await console.enter(number_of(out, "^English$"))
        out = await console.enter(number_of(out, "Book an appointment"))
        out = await console.enter(number_of(out, "^DKI Jakarta$"))
        out = await console.enter(number_of(out, "Jakarta Selatan"))
        out = await console.enter("Sari Wulandari")
        out = await console.enter(make_nik(date(1990, 5, 17)))
        out = await console.enter("/contact")
        out = await console.enter(number_of(out, "^New passport$"))
        out = await console.enter(number_of(out, "^Ordinary passport, 5 years$"))
        out = await console.enter(number_of(out, "No priority"))
        out = await console.enter(number_of(out, "^Continue ›$"))
        for _ in range(3):  # the first open day may be in a later month
            # A date with seats: its number alone, or marked today (•) or few left (🔸).
            days = [(n, t) for n, t in buttons(out) if re.fullmatch(r"\d+[•🔸]?", t)]
            if days:
                break
            out = await console.enter(number_of(out, "^›$"))
        assert days, out
        out = await console.enter(str(days[0][0]))
        out = await console.enter(number_of(out, r"\d+ left$"))
        out = await console.enter(number_of(out, "Confirm booking"))
        assert await console.quit() == 0
        assert console.transcript.endswith("Bye.\n")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    return out, console.transcript


def test_one_booking_through_standard_input(tmp_path: Path) -> None:
    out, transcript = asyncio.run(book_in_playground(tmp_path))
    code_match = re.search(r"Booking code ([A-Z0-9]{6,12})", out)
    assert code_match, out
    code = code_match.group(1)
    photo = Path(re.search(r"bot sent a photo: (\S+)", out).group(1))  # type: ignore[union-attr]
    ics = Path(re.search(r"bot sent a document: (\S+)", out).group(1))  # type: ignore[union-attr]
    assert photo.is_file() and photo.read_bytes().startswith(PNG_SIGNATURE)
    assert ics.is_file() and ics.suffix == ".ics"
    (event,) = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert code in str(event.get("uid")) + str(event.get("summary"))
    assert event.decoded("dtstart").tzinfo is not None
    assert "Traceback" not in transcript
    # The NIK shows once, where the user typed it; the bot only ever shows it masked.
    assert transcript.count(make_nik(date(1990, 5, 17))) == 1


async def admin_in_playground(tmp_path: Path) -> str:
    """Play as an admin of JAKSEL and set its daily quota to a typed 90."""
    process = await start_playground(tmp_path, "--admin", "jaksel")  # any case
    console = Console(process)
    try:
        out = await console.ready()
        assert "You play Telegram user 100001." in out
        assert "You are an admin of JAKSEL: send /admin." in out
        await console.enter(number_of(out, "^English$"))
        out = await console.enter("/admin")
        out = await console.enter(number_of(out, "Quotas"))
        out = await console.enter(number_of(out, "^Daily quota$"))
        out = await console.enter("90")  # typed input: a quota, not button 90
        assert "The daily quota is now 90." in out, out
        out = await console.enter("#1")  # an explicit button press
        assert await console.quit() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return console.transcript


def test_the_admin_side_with_a_typed_number(tmp_path: Path) -> None:
    transcript = asyncio.run(admin_in_playground(tmp_path))
    assert "Traceback" not in transcript
