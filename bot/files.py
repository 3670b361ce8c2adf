"""Sending a booking's QR codes (one per member) and .ics after its confirmation text.

The confirmation text goes out from the update's handler; the two files follow a
moment later, from a task of their own, once a render worker has made them
(``bot.attachments.Renderer``). The update is done without waiting for them, so
in a rush the next updates are not held up by rendering. Nothing is lost: the
process waits for these tasks when it stops (``drain``), and a file that cannot
be rendered or sent is logged; the applicant can show the QR code again from
"My appointments".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile

from bot.attachments import BookingFiles, Renderer

log = logging.getLogger(__name__)


class FileSender:
    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self._tasks: set[asyncio.Task[None]] = set()

    def send(
        self,
        bot: Bot,
        chat_id: int,
        files: BookingFiles,
        *,
        photo_captions: Sequence[str],
        document_caption: str,
    ) -> None:
        """Render and send the QR codes (one caption each), then the .ics, in the
        background."""

        async def render_and_send() -> None:
            try:
                pngs, ics = await self.renderer.render(files)
                for code, png, caption in zip(files.codes, pngs, photo_captions, strict=True):
                    photo = BufferedInputFile(png, f"{code}.png")
                    await bot.send_photo(chat_id, photo, caption=caption)
                await bot.send_document(
                    chat_id, BufferedInputFile(ics, f"{files.uid}.ics"), caption=document_caption
                )
            except TelegramAPIError as exc:
                log.warning("could not send the files of booking %s: %s", files.uid, exc)
            except Exception:
                log.exception("could not render the files of booking %s", files.uid)

        task = asyncio.get_running_loop().create_task(render_and_send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every file started so far is sent (or has failed)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def close(self) -> None:
        await self.drain()
        self.renderer.close()
