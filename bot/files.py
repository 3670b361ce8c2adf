"""Sending a booking's confirmation: its text, then a QR code per member and the
group's .ics.

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
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from booking.appointments.groups import group_of_appointment
from booking.appointments.views import GroupView
from booking.core.context import Domain
from booking.notify.confirmations import (
    CONFIRMATION,
    QR_CODE,
    Part,
    confirmation_parts,
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
    """What a group's confirmation says, in the current locale: the text, the QR
    codes' captions (one per active member, in order) and the calendar file's."""

    text: str | None  # None: the files alone
    files: BookingFiles
    photo_captions: tuple[str, ...]
    document_caption: str
    parts: tuple[Part, ...]  # the messages, as the outbox knows them

    @classmethod
    def of(cls, group: GroupView, content: Content, locale: str, domain: Domain) -> Confirmation:
        members = group.active_members
        codes = ", ".join(m.code for m in members)
        title = _("Passport appointment {code}").format(code=codes)
        description = _("{office}, {address}. Arrive 30 minutes early.").format(
            office=group.office_name, address=group.office_address
        )
        return cls(
            text=confirmation(group, content, locale),
            files=BookingFiles.of(group, title=title, description=description, stamp=domain.now()),
            photo_captions=tuple(qr_caption(m.code, m.full_name, len(members)) for m in members),
            document_caption=_("Add the appointment to your calendar."),
            parts=tuple(confirmation_parts([m.id for m in members])),
        )


def qr_caption(code: str, name: str, size: int) -> str:
    if size == 1:
        return _("Booking code {code}: show this QR code at the counter.").format(code=code)
    return _("{name}, booking code {code}: {name} shows this QR code at the counter.").format(
        name=name, code=code
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
        confirmation: Confirmation,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """In the background: the text, then the QR codes and the .ics; then the
        group's confirmation rows are recorded sent, or handed to the outbox sender."""
        sent: list[Part] = []
        text_part, *qr_parts, calendar_part = confirmation.parts
        files = confirmation.files

        async def send_all() -> None:
            if confirmation.text is not None:
                await bot.send_message(chat_id, confirmation.text, reply_markup=reply_markup)
                sent.append(text_part)
            pngs, ics = await self.renderer.render(files)
            captions = confirmation.photo_captions
            for part, code, png, caption in zip(qr_parts, files.codes, pngs, captions, strict=True):
                await send_qr(bot, chat_id, code, png, caption)
                sent.append(part)
            await send_ics(bot, chat_id, files.uid, ics, confirmation.document_caption)
            sent.append(calendar_part)

        async def run() -> None:
            failure = None
            try:
                async with asyncio.timeout(self._patience_s()):
                    await send_all()
            except TelegramAPIError as exc:
                log.warning("could not send the files of booking %s: %s", files.uid, exc)
                failure = str(exc)
            except TimeoutError:
                log.warning(
                    "the files of booking %s wait too long; the outbox sends them", files.uid
                )
                failure = "handed to the outbox: the send waited too long"
            except Exception as exc:
                log.exception("could not render the files of booking %s", files.uid)
                failure = repr(exc)
            await self._settle(confirmation.parts, sent, failure)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _patience_s(self) -> float | None:
        """How long the task may take before the outbox sender takes over: half the
        rows' hand-off, so the two never send one message both."""
        if self.domain is None:
            return None
        return self.domain.settings.confirmation_handoff_s / 2

    async def _settle(self, parts: Sequence[Part], sent: list[Part], failure: str | None) -> None:
        if self.domain is None:
            return
        unsent = [p for p in parts if p not in sent]
        try:
            await mark_handled(self.domain, sent)
            if failure is not None:
                await hand_back(self.domain, unsent, failure)
        except Exception:
            log.exception("recording the confirmation of %s failed; the outbox sends it", parts[0])

    async def deliver(
        self, bot: Bot, row: ClaimedNotification, content: Content, notices: Notices
    ) -> None:
        """Send one confirmation message from the outbox (its handler did not)."""
        assert row.appointment_id is not None
        group = await group_of_appointment(self._domain(), row.recipient, row.appointment_id)
        locale = notices.locale_of(row.language)
        with notices.i18n.context(), notices.i18n.use_locale(locale):
            parts = Confirmation.of(group, content, locale, self._domain())
            if row.kind == CONFIRMATION:
                assert parts.text is not None
                text = parts.text
                if (row.args or {}).get("source") == "draw":
                    text = _("🎲 You got a seat in the draw.") + "\n\n" + text
                await bot.send_message(row.recipient, text, reply_markup=kb.record_kb())
                return
        pngs, ics = await self.renderer.render(parts.files)
        if row.kind == QR_CODE:
            for (appointment_id, _kind), code, png, caption in zip(
                parts.parts[1:-1], parts.files.codes, pngs, parts.photo_captions, strict=True
            ):
                if appointment_id == row.appointment_id:
                    await send_qr(bot, row.recipient, code, png, caption)
            return
        await send_ics(bot, row.recipient, parts.files.uid, ics, parts.document_caption)

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
