"""Group concurrent write requests of one process into shared transactions.

A request is an async function of a connection that is inside a write
transaction. The first request starts a runner; requests that arrive while the
runner's transaction is in progress wait and go together into the next one.
Each request runs inside its own SAVEPOINT: when it raises, its savepoint is
rolled back and only that request gets the error, while the others of the batch
go on and commit. Every request is still checked by the database: its own
statements, constraints and unique indexes decide, in the order the requests run.

A batch commits once for all its requests, which is what makes it cheaper than
one transaction each. If the transaction cannot begin or commit, every request of
the batch gets that error (none of them took effect) and may retry.

Requests run in order of their ``order_key`` (then of arrival), so that batches
of several processes on PostgreSQL touch slot rows in the same order and do not
deadlock each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")

Work = Callable[[AsyncConnection], Awaitable[T]]
OpenWriter = Callable[[], AbstractAsyncContextManager[AsyncSession]]

# A batch this large commits before more requests join: one transaction holds the
# write lock for a bounded time.
DEFAULT_MAX_BATCH = 256


@dataclass
class _Request(Generic[T]):
    work: Work[T]
    order_key: int
    future: asyncio.Future[T] = field(repr=False)
    result: Any = None
    error: BaseException | None = None


class WriteBatcher:
    """Runs write requests of one process in shared transactions (see module doc)."""

    def __init__(self, open_writer: OpenWriter, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self._open_writer = open_writer
        self._max_batch = max_batch
        self._pending: list[_Request[Any]] = []
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0  # transactions committed or attempted, for tests and benchmarks

    async def submit(self, work: Work[T], *, order_key: int = 0) -> T:
        """Run ``work`` in the next batch and return what it returns, or raise what
        it raised (or the batch's begin/commit error)."""
        loop = asyncio.get_running_loop()
        request: _Request[T] = _Request(work, order_key, loop.create_future())
        self._pending.append(request)
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        return await request.future

    async def _run(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                batch = [r for r in batch if not r.future.done()]  # cancelled waiters
                if batch:
                    await self._run_batch(sorted(batch, key=lambda r: r.order_key))
        finally:
            # Only when the runner itself is cancelled (the loop is shutting down).
            for request in self._pending:
                request.future.cancel()
            self._pending.clear()

    async def _run_batch(self, batch: list[_Request[Any]]) -> None:
        self.batches += 1
        try:
            async with self._open_writer() as session:
                conn = await session.connection()
                for request in batch:
                    await _run_in_savepoint(conn, request)
                await session.commit()
        except BaseException as exc:  # noqa: BLE001 (handed to every waiter, then re-raised if fatal)
            for request in batch:
                _settle_with(request, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for request in batch:
            if request.error is not None:
                _settle_with(request, request.error)
            elif not request.future.done():
                request.future.set_result(request.result)


async def _run_in_savepoint(conn: AsyncConnection, request: _Request[Any]) -> None:
    """Run one request inside its own savepoint; its error rolls the savepoint back
    and is kept for the request alone."""
    savepoint = await conn.begin_nested()
    try:
        request.result = await request.work(conn)
    except Exception as exc:  # noqa: BLE001 (the request's own failure)
        await savepoint.rollback()
        request.error = exc
    else:
        await savepoint.commit()


def _settle_with(request: _Request[Any], exc: BaseException) -> None:
    if request.future.done():
        return
    if isinstance(exc, asyncio.CancelledError):
        request.future.cancel()
    else:
        request.future.set_exception(exc)
