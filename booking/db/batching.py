"""Group concurrent write requests of one process into shared transactions.

A request is a plain (synchronous) function of a ``RequestTx``: a connection
inside a write transaction. The first request starts a runner; requests that
arrive while the runner's transaction is in progress wait and go together into
the next one. Each request's writes run inside its own SAVEPOINT, opened when it
first uses ``RequestTx.conn``: when it raises, its savepoint is rolled back and
only that request gets the error, while the others of the batch go on and
commit. A request may first read with ``RequestTx.read`` and refuse from what it
read (a full slot, an appointment already held) without ever opening a
savepoint; if such a read itself fails in the database, the whole batch fails
(on PostgreSQL the transaction could not go on). Every request is still checked
by the database: its own statements, constraints and unique indexes decide, in
the order the requests run.

A whole batch is one call into the database layer (``Database.run_write``): on a
SQLite file, one trip to the writer thread, where the statements run without
going back to the event loop in between; on PostgreSQL, one connection's
transaction. It commits once for all its requests. If the transaction cannot
begin or commit, every request of the batch gets that error (none of them took
effect) and may retry.

Requests run in order of their ``order_key`` (then of arrival), so that batches
of several processes on PostgreSQL touch slot rows in the same order and do not
deadlock each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection, CursorResult, NestedTransaction
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

Work = Callable[["RequestTx"], T]
# Runs a function with a connection inside one write transaction, commits if it returns.
RunWrite = Callable[[Callable[[Connection], None]], Awaitable[None]]

# A batch this large commits before more requests join: one transaction holds the
# write lock for a bounded time.
DEFAULT_MAX_BATCH = 256


@dataclass
class RequestTx:
    """What a request runs with: the batch's connection. ``conn`` opens the
    request's savepoint on first use; ``read`` runs a read-only statement
    without one."""

    connection: Connection
    at_commit: list[tuple[Any, list[dict[str, Any]]]] = field(default_factory=list)
    savepoint: NestedTransaction | None = None

    @property
    def conn(self) -> Connection:
        """The connection, inside this request's savepoint: for its writes."""
        if self.savepoint is None:
            self.savepoint = self.connection.begin_nested()
        return self.connection

    def read(self, statement: Any, params: Any = None) -> CursorResult[Any]:
        """Run a statement that only reads, without opening a savepoint (inside
        this request's savepoint if ``conn`` opened it already)."""
        return self.connection.execute(statement, params)

    def insert_at_commit(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        """Execute ``statement`` with ``rows`` in this transaction right before it
        commits, together with the same statement's rows of the other requests
        (one round trip for all). Only if this request succeeds; if that insert
        fails, the whole batch fails."""
        self.at_commit.append((statement, rows))


@dataclass
class _Request(Generic[T]):
    work: Work[T]
    order_key: int
    future: asyncio.Future[T] = field(repr=False)
    result: Any = None
    error: BaseException | None = None


class WriteBatcher:
    """Runs write requests of one process in shared transactions (see module doc)."""

    def __init__(self, run_write: RunWrite, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self._run_write = run_write
        self._max_batch = max_batch
        self._pending: list[_Request[Any]] = []
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0  # transactions begun, for tests and benchmarks

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
            await self._run_write(lambda conn: _run_requests(conn, batch))
        except BaseException as exc:  # handed to every waiter, then re-raised if fatal
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


def _run_requests(conn: Connection, batch: list[_Request[Any]]) -> None:
    """Run each request (its writes in its own savepoint), then the inserts they
    left for the commit. A request's error rolls back its savepoint and is kept
    for it alone."""
    at_commit: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
    for request in batch:
        tx = RequestTx(conn)
        try:
            request.result = request.work(tx)
        except Exception as exc:  # the request's own failure
            if tx.savepoint is not None:
                tx.savepoint.rollback()
            elif isinstance(exc, DBAPIError):
                raise  # a read failed outside any savepoint: the batch fails
            request.error = exc
            continue
        if tx.savepoint is not None:
            tx.savepoint.commit()
        for statement, rows in tx.at_commit:
            at_commit.setdefault(id(statement), (statement, []))[1].extend(rows)
    for statement, rows in at_commit.values():
        conn.execute(statement, rows)


def _settle_with(request: _Request[Any], exc: BaseException) -> None:
    if request.future.done():
        return
    if isinstance(exc, asyncio.CancelledError):
        request.future.cancel()
    else:
        request.future.set_exception(exc)
