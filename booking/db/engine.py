"""Engine and session factories, and ``Database.transact``: the one way to write.

SQLite: WAL, a busy timeout, foreign keys on, and write transactions that begin
``IMMEDIATE`` (pysqlite would otherwise defer BEGIN, and a read-then-write
transaction could fail with SQLITE_BUSY despite the timeout). PostgreSQL:
READ COMMITTED; the conditional UPDATE of the booking rule is safe there.

A write is ``await ctx.db.transact(work)``: ``work(session)`` runs in a write
transaction (``BEGIN IMMEDIATE`` on SQLite, in this process's turn), which
commits when it returns and rolls back when it raises, under the retry policy of
``booking.db.transactions``. Bookings go through ``Database.batcher`` instead,
under the same policy (see ``booking.appointments.service.book``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.db.batching import WriteBatcher
from booking.db.transactions import retrying

T = TypeVar("T")

_BEGIN_OPTION = "tanpa_antre_begin"


class WriteSessions:
    """Opens write sessions. On SQLite, writers of one process take turns on an
    asyncio lock before ``BEGIN IMMEDIATE``: SQLite admits one writer at a time
    anyway, and a lock waiter wakes at once instead of polling the busy handler.
    Other processes are still held off by the database lock and busy timeout."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], serialize: bool) -> None:
        self._factory = factory
        self._lock = asyncio.Lock() if serialize else None

    def turn(self) -> AbstractAsyncContextManager[object]:
        """This process's turn to write (SQLite); nothing to wait for on PostgreSQL."""
        return self._lock if self._lock is not None else nullcontext()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        if self._lock is None:
            async with self._factory() as session:
                yield session
            return
        async with self._lock, self._factory() as session:
            yield session


@dataclass
class Database:
    engine: AsyncEngine
    reader: async_sessionmaker[AsyncSession]
    writer: WriteSessions
    write_engine: AsyncEngine | None = None
    # SQLite file: a synchronous engine on the same file, used by one worker thread
    # for ``run_write`` (a whole transaction in one trip to the thread).
    sqlite_sync: Engine | None = None
    # Slots this process saw full: a booking of one first checks with a read
    # whether it is still full (see ``booking.appointments.writes.slot_full_now``).
    # Only a hint; the database's counts decide.
    full_slots: set[int] = field(default_factory=set)
    _sqlite_thread: ThreadPoolExecutor | None = field(default=None, repr=False)

    @cached_property
    def batcher(self) -> WriteBatcher:
        """This process's shared write transactions (see ``booking.db.batching``)."""
        return WriteBatcher(self.run_write)

    async def run_write(self, work: Callable[[Connection], None]) -> None:
        """Run ``work`` with a connection inside one write transaction (``BEGIN
        IMMEDIATE`` on SQLite, in this process's turn) and commit if it returns."""
        async with self.writer.turn():
            if self.sqlite_sync is not None:
                if self._sqlite_thread is None:
                    self._sqlite_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-write")
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(
                    self._sqlite_thread, _in_transaction, self.sqlite_sync, work
                )
                return
            async with (self.write_engine or self.engine).begin() as conn:
                await conn.run_sync(work)

    async def transact(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` with a session in one write transaction and return what it
        returns: commit when it returns, roll back when it raises; the whole
        transaction runs again under the retry policy (``booking.db.transactions``)."""

        async def once() -> T:
            async with self.writer() as session:
                result = await work(session)
                await session.commit()
                return result

        return await retrying(once)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._sqlite_thread is not None:
            self._sqlite_thread.shutdown()
            self._sqlite_thread = None
        if self.sqlite_sync is not None:
            self.sqlite_sync.dispose()


def _in_transaction(engine: Engine, work: Callable[[Connection], None]) -> None:
    with engine.begin() as conn:
        work(conn)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN into our own hands (see the "begin" listener).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def create_database(url: str, *, busy_timeout_ms: int = 5000, echo: bool = False) -> Database:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
        kwargs["pool_size"] = 8
        kwargs["max_overflow"] = 8
        kwargs["pool_timeout"] = 120
    else:
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 10
        kwargs["pool_timeout"] = 120
    engine = create_async_engine(url, **kwargs)
    sqlite_sync = None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine.sync_engine, busy_timeout_ms)
        if parsed.database and parsed.database != ":memory:":
            sqlite_sync = create_engine(
                parsed.set(drivername="sqlite"),
                echo=echo,
                poolclass=StaticPool,
                connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            )
            _configure_sqlite(sqlite_sync, busy_timeout_ms)
            sqlite_sync = sqlite_sync.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    write_engine = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    return Database(
        engine=engine,
        write_engine=write_engine,
        sqlite_sync=sqlite_sync,
        reader=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
        writer=WriteSessions(
            async_sessionmaker(write_engine, class_=AsyncSession, expire_on_commit=False),
            serialize=engine.dialect.name == "sqlite",
        ),
    )
