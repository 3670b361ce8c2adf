"""Sending a booking's confirmation: its text, then its QR code and its .ics.

The update's handler hands them over (``FileSender.send``) and returns; they go
out a moment later from a task of their own, once a render worker has made the
files (``bot.attachments.Renderer``), so in a rush the next updates, and the
callback answer, are not held up by rendering or by the send budget.

They must arrive, so each is also an outbox row, written with the booking
(``booking.notify.confirmations``) and left to this task for a while. The task
records what it sent and hands back what it could not send (an error after the
session's retries, or still waiting after half the hand-off time); the outbox
sender then delivers those with ``deliver``. If the process stops first, the rows'
hand-off lapses and the sender delivers them: after a restart too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from booking.appointments.service import get_appointment
from booking.appointments.views import AppointmentView
from booking.core.context import Domain
from booking.notify.confirmations import (
    CALENDAR,
    CONFIRMATION,
    QR_CODE,
    hand_back,
    mark_handled,
)
from booking.notify.outbox import ClaimedNotification
from booking.offices.content import Content
from bot import keyboards as kb
from bot.attachments import BookingFiles, Renderer
from bot.notices import Notices
from bot.texts import confirmation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Confirmation:
    """What a booking's confirmation says, in the current locale."""

    text: str
    files: BookingFiles
    photo_caption: str
    document_caption: str

    @classmethod
    def of(
        cls, view: AppointmentView, content: Content, locale: str, domain: Domain
    ) -> Confirmation:
        title = _("Passport appointment {code}").format(code=view.code)
        description = _("{office}, {address}. Arrive 30 minutes early.").format(
            office=view.office_name, address=view.office_address
        )
        return cls(
            text=confirmation(view, content, locale),
            files=BookingFiles.of(view, title=title, description=description, stamp=domain.now()),
            photo_caption=_("Booking code {code}: show this QR code at the counter.").format(
                code=view.code
            ),
            document_caption=_("Add the appointment to your calendar."),
        )


class FileSender:
    def __init__(self, renderer: Renderer, domain: Domain | None = None) -> None:
        self.renderer = renderer
        self.domain = domain
        self._tasks: set[asyncio.Task[None]] = set()

    def send(
        self,
        bot: Bot,
        chat_id: int,
        files: BookingFiles,
        *,
        photo_caption: str,
        document_caption: str,
        text: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        appointment_id: int | None = None,
    ) -> None:
        """In the background: ``text`` (if given), then the QR code and the .ics.
        With ``appointment_id``, the booking's confirmation rows are recorded sent,
        or handed to the outbox sender."""
        sent: list[str] = []

        async def send_all() -> None:
            if text is not None:
                await bot.send_message(chat_id, text, reply_markup=reply_markup)
                sent.append(CONFIRMATION)
            png, ics = await self.renderer.render(files)
            await send_qr(bot, chat_id, files.code, png, photo_caption)
            sent.append(QR_CODE)
            await send_ics(bot, chat_id, files.code, ics, document_caption)
            sent.append(CALENDAR)

        async def run() -> None:
            failure = None
            try:
                async with asyncio.timeout(self._patience_s()):
                    await send_all()
            except TelegramAPIError as exc:
                log.warning("could not send the files of booking %s: %s", files.code, exc)
                failure = str(exc)
            except TimeoutError:
                log.warning(
                    "the files of booking %s wait too long; the outbox sends them", files.code
                )
                failure = "handed to the outbox: the send waited too long"
            except Exception as exc:
                log.exception("could not render the files of booking %s", files.code)
                failure = repr(exc)
            if appointment_id is not None:
                await self._settle(appointment_id, sent, failure)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _patience_s(self) -> float | None:
        """How long the task may take before the outbox sender takes over: half the
        rows' hand-off, so the two never send one message both."""
        if self.domain is None:
            return None
        return self.domain.settings.confirmation_handoff_s / 2

    async def _settle(self, appointment_id: int, sent: list[str], failure: str | None) -> None:
        if self.domain is None:
            return
        unsent = [k for k in (CONFIRMATION, QR_CODE, CALENDAR) if k not in sent]
        try:
            await mark_handled(self.domain, appointment_id, sent)
            if failure is not None:
                await hand_back(self.domain, appointment_id, unsent, failure)
        except Exception:
            log.exception(
                "recording the confirmation of %s failed; the outbox sends it", appointment_id
            )

    async def deliver(
        self, bot: Bot, row: ClaimedNotification, content: Content, notices: Notices
    ) -> None:
        """Send one confirmation row from the outbox (its handler did not)."""
        assert row.appointment_id is not None
        view = await get_appointment(self._domain(), row.recipient, row.appointment_id)
        locale = notices.locale_of(row.language)
        with notices.i18n.context(), notices.i18n.use_locale(locale):
            parts = Confirmation.of(view, content, locale, self._domain())
            if row.kind == CONFIRMATION:
                await bot.send_message(row.recipient, parts.text, reply_markup=kb.home_kb())
                return
        png, ics = await self.renderer.render(parts.files)
        if row.kind == QR_CODE:
            await send_qr(bot, row.recipient, view.code, png, parts.photo_caption)
        else:
            await send_ics(bot, row.recipient, view.code, ics, parts.document_caption)

    def _domain(self) -> Domain:
        assert self.domain is not None, "delivering from the outbox needs the domain"
        return self.domain

    async def drain(self) -> None:
        """Wait until every file started so far is sent (or has failed)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def close(self) -> None:
        await self.drain()
        self.renderer.close()


async def send_qr(bot: Bot, chat_id: int, code: str, png: bytes, caption: str) -> None:
    await bot.send_photo(chat_id, BufferedInputFile(png, f"{code}.png"), caption=caption)


async def send_ics(bot: Bot, chat_id: int, code: str, ics: bytes, caption: str) -> None:
    await bot.send_document(chat_id, BufferedInputFile(ics, f"{code}.ics"), caption=caption)
