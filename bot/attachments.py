"""Files sent with a confirmation: a QR code per booking code and one .ics event.

A family group gets one QR code per member, not one for the group: each member has
their own booking code, is checked in on their own (their own queue number) and
may be cancelled alone, and the counter's check-in reads one code per person. A
group code would need the counter to expand it, and would still name the members
who were cancelled. The group shares one time, so it gets one calendar event.

Rendering them is CPU work: about 3 ms a booking, most of it segno choosing the
QR code's mask. In a rush that would hold up every other update on the event
loop, so a ``Renderer`` runs it in worker processes (``RENDER_WORKERS``, default
1) and the bot's process only waits for the bytes. A worker takes all the files
waiting when it is free in one trip (at most ``MAX_BATCH``): one hand-over
between the processes per batch, not per booking. With 0 workers, or when a
worker dies, it renders in the bot's process instead: slower, never lost.

A worker ignores Ctrl-C (the bot stops it when it is done with it) and exits
when the bot dies (``bot.child_processes``).

This module is what a worker process imports: segno, icalendar and the standard
library only.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import segno
from icalendar import Alarm, Calendar, Event, Timezone

from bot.child_processes import sigint_held, start_child

if TYPE_CHECKING:
    from booking.appointments.views import AppointmentView, GroupView

log = logging.getLogger(__name__)

PRODID = "-//Tanpa Antre//Passport appointment//EN"

_In = TypeVar("_In")
_Out = TypeVar("_Out")


@dataclass(frozen=True)
class BookingFiles:
    """What the QR codes (one per booking code) and the calendar event say: plain
    values, so that a worker process can render them."""

    codes: tuple[str, ...]
    uid: str  # the calendar event's, the same for the group's later files
    title: str
    description: str
    location: str
    start: datetime  # aware, in the office's zone
    end: datetime
    stamp: datetime
    # The event's revision: a rescheduled appointment keeps its UID (its code) with
    # a higher SEQUENCE, so calendar apps move the event instead of adding another.
    sequence: int = 0

    @classmethod
    def of(
        cls, v: AppointmentView | GroupView, *, title: str, description: str, stamp: datetime
    ) -> BookingFiles:
        """The files of one appointment, or of a group's active members."""
        # A group's event keeps its first member's code as its UID, whoever is left.
        members = getattr(v, "members", None)
        if members is None:
            codes, uid = (v.code,), v.code
        else:
            codes, uid = tuple(m.code for m in v.active_members), members[0].code
        return cls(
            codes=codes,
            uid=uid,
            title=title,
            description=description,
            location=f"{v.office_name}, {v.office_address}",
            start=v.start,
            end=v.end,
            stamp=stamp,
            sequence=v.reschedule_count,
        )


def qr_png(code: str) -> bytes:
    """A PNG QR code holding just the booking code."""
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def event_ics(f: BookingFiles) -> bytes:
    """An RFC 5545 calendar with one event in the office's time zone (with its
    VTIMEZONE) and an alarm an hour before, so the applicant arrives early."""
    event = _event(f, f.sequence)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f.title)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    return _calendar("PUBLISH", event)


def cancellation_ics(f: BookingFiles) -> bytes:
    """The calendar file that removes the event of a cancelled appointment:
    METHOD:CANCEL, the same UID, STATUS:CANCELLED and a higher SEQUENCE."""
    event = _event(f, f.sequence + 1)
    event.add("status", "CANCELLED")
    return _calendar("CANCEL", event)


def _event(f: BookingFiles, sequence: int) -> Event:
    event = Event()
    event.add("uid", f"{f.uid}@tanpa-antre")
    event.add("sequence", sequence)
    event.add("dtstamp", f.stamp)
    event.add("dtstart", f.start)
    event.add("dtend", f.end)
    event.add("summary", f.title)
    event.add("location", f.location)
    event.add("description", f.description)
    return event


def _calendar(method: str, event: Event) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(event)
    for tzid in sorted(cal.get_missing_tzids()):
        vtimezone = _vtimezone(tzid)
        if vtimezone is not None:
            cal.subcomponents.insert(0, vtimezone)
    return cal.to_ical()


Rendered = tuple[tuple[bytes, ...], bytes]  # a QR code PNG per code, and the .ics


def render(f: BookingFiles) -> Rendered:
    """The QR code PNGs and the .ics of a booking (what a worker process runs)."""
    return tuple(qr_png(code) for code in f.codes), event_ics(f)


def render_all(batch: list[BookingFiles]) -> list[Rendered | Exception]:
    """``render`` for each (or why it failed): a worker renders all the files
    waiting in one trip, and one that fails does not fail the others."""
    results: list[Rendered | Exception] = []
    for files in batch:
        try:
            results.append(render(files))
        except Exception as exc:  # noqa: BLE001 - handed to that file's caller
            results.append(exc)
    return results


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of a zone, built once: its transitions take ~30 ms to work out."""
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None


class Renderer:
    """Renders confirmation files in ``workers`` processes (none: in this one).

    The processes are started by ``start`` (the bot's start-up, so the first
    booking does not wait for them) or by the first render. They are started
    with "spawn": a fresh interpreter importing this module, not a copy of the
    bot's memory and threads.
    """

    MAX_BATCH = 64

    def __init__(self, workers: int) -> None:
        self.workers = max(workers, 0)
        self._pool: Executor | None = None
        self._waiting: list[tuple[BookingFiles, asyncio.Future[Rendered]]] = []
        self._running = 0  # tasks handing batches to the workers
        self._runners: set[asyncio.Task[None]] = set()

    def _executor(self) -> Executor | None:
        if self.workers and self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_child,
                initargs=(os.getpid(),),
            )
        return self._pool

    @staticmethod
    def _submit(pool: Executor, fn: Callable[[_In], _Out], arg: _In) -> asyncio.Future[_Out]:
        """Run ``fn(arg)`` in the pool. Submitting may start a worker process: it
        starts with SIGINT held back, until it ignores it."""
        with sigint_held():
            return asyncio.get_running_loop().run_in_executor(pool, fn, arg)

    async def start(self) -> None:
        """Start the worker processes now and have them import what they use. If
        they cannot start, rendering stays in this process (and says so)."""
        pool = self._executor()
        if pool is None:
            return
        warm_up = BookingFiles(
            ("START",), "START", "", "", "", *(3 * [datetime(2026, 1, 1, tzinfo=UTC)])
        )
        try:
            await asyncio.gather(
                *(self._submit(pool, render, warm_up) for _ in range(self.workers))
            )
        except (BrokenProcessPool, OSError) as exc:
            log.warning("render workers could not start (%s); rendering in the bot's process", exc)
            self.close()
            self.workers = 0

    async def render(self, files: BookingFiles) -> Rendered:
        pool = self._executor()
        if pool is None:
            return render(files)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Rendered] = loop.create_future()
        self._waiting.append((files, done))
        if self._running < self.workers:
            # Each worker takes, in one trip, all the files waiting when it is free.
            self._running += 1
            runner = loop.create_task(self._run())
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        return await done

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.MAX_BATCH]
                del self._waiting[: self.MAX_BATCH]
                wanted = [files for files, _ in batch]
                pool = self._executor()
                try:
                    if pool is None:
                        results = render_all(wanted)
                    else:
                        results = await self._submit(pool, render_all, wanted)
                except BrokenProcessPool:
                    # A worker died (killed, out of memory): render these here; the
                    # next batch starts the workers afresh.
                    log.warning("a render worker died; rendering in the bot's process")
                    if self._pool is pool:
                        self._pool = None
                    if pool is not None:
                        pool.shutdown(wait=False, cancel_futures=True)
                    results = render_all(wanted)
                except asyncio.CancelledError:
                    for _, done in batch + self._waiting:
                        done.cancel()
                    self._waiting.clear()
                    raise
                except Exception as exc:  # noqa: BLE001 - each caller gets it
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for (_, done), result in zip(batch, results, strict=True):
                    if done.done():
                        continue
                    if isinstance(result, Exception):
                        done.set_exception(result)
                    else:
                        done.set_result(result)
        finally:
            self._running -= 1

    def close(self) -> None:
        """Stop the worker processes (waits for the ones rendering)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
