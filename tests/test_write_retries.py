"""The one retry policy of write transactions (``booking.db.transactions``) and
``Database.transact``, which runs every ORM write under it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.core.context import Domain
from booking.db.models import Applicant
from booking.db.transactions import INTEGRITY_RERUNS, WRITE_ATTEMPTS, is_transient, retrying
from tests.conftest import DEFAULT_NOW

FAST = 0.0001  # base delay of the backoff, so that the tests do not wait


class _Orig(Exception):
    def __init__(self, text: str, sqlstate: str | None = None) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def locked() -> OperationalError:
    return OperationalError("UPDATE slot ...", {}, _Orig("database is locked"))


def deadlock() -> OperationalError:
    return OperationalError("UPDATE slot ...", {}, _Orig("deadlock detected", "40P01"))


def unique_race() -> IntegrityError:
    return IntegrityError("INSERT ...", {}, _Orig("duplicate key", "23505"))


def failing(
    errors: list[BaseException], result: str = "done"
) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """An action that raises ``errors`` in turn, then returns ``result``; and its call count."""
    calls = [0]

    async def action() -> str:
        calls[0] += 1
        if calls[0] <= len(errors):
            raise errors[calls[0] - 1]
        return result

    return action, calls


def test_what_is_transient() -> None:
    assert is_transient(locked())
    assert is_transient(deadlock())
    assert not is_transient(unique_race())
    assert not is_transient(OperationalError("SELECT", {}, _Orig("no such table: slot")))
    assert not is_transient(ValueError("locked"))


async def test_a_transient_error_is_retried_until_the_run_succeeds() -> None:
    action, calls = failing([locked(), deadlock(), locked()])
    assert await retrying(action, base_delay=FAST) == "done"
    assert calls[0] == 4


async def test_a_non_transient_error_is_raised_at_once() -> None:
    error = OperationalError("SELECT", {}, _Orig("no such table: slot"))
    action, calls = failing([error])
    with pytest.raises(OperationalError):
        await retrying(action, base_delay=FAST)
    assert calls[0] == 1

    action, calls = failing([ValueError("not a database error")])
    with pytest.raises(ValueError):
        await retrying(action, base_delay=FAST)
    assert calls[0] == 1


async def test_attempts_are_bounded() -> None:
    action, calls = failing([locked()] * 50)
    with pytest.raises(OperationalError) as raised:
        await retrying(action, base_delay=FAST)
    assert is_transient(raised.value)
    assert calls[0] == WRITE_ATTEMPTS


async def test_a_unique_index_race_runs_again() -> None:
    action, calls = failing([unique_race()])
    assert await retrying(action, base_delay=FAST) == "done"
    assert calls[0] == 2


async def test_unique_index_races_run_again_a_bounded_number_of_times() -> None:
    action, calls = failing([unique_race()] * 10)
    with pytest.raises(IntegrityError):
        await retrying(action, base_delay=FAST)
    assert calls[0] == 1 + INTEGRITY_RERUNS


async def test_lock_errors_do_not_use_up_the_reruns_of_a_race() -> None:
    action, calls = failing([locked(), unique_race(), locked(), unique_race(), locked()])
    assert await retrying(action, base_delay=FAST) == "done"
    assert calls[0] == 6


def _applicant(telegram_id: int, nik_hash: str) -> Applicant:
    return Applicant(
        telegram_id=telegram_id,
        full_name="Siti Rahayu",
        nik_hash=nik_hash,
        nik_masked="3171************",
        birth_date=date(1990, 1, 1),
        sex="F",
        language="id",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


async def _applicants(ctx: Domain) -> list[int]:
    async with ctx.db.reader() as session:
        return sorted(a.telegram_id for a in await session.exec(select(Applicant)))


async def test_transact_commits_what_the_work_did(ctx: Domain) -> None:
    async def work(session: AsyncSession) -> int:
        session.add(_applicant(1, "h1"))
        return 7

    assert await ctx.db.transact(work) == 7
    assert await _applicants(ctx) == [1]


async def test_transact_rolls_back_when_the_work_raises(ctx: Domain) -> None:
    async def work(session: AsyncSession) -> None:
        session.add(_applicant(1, "h1"))
        await session.flush()
        raise ValueError("refused")

    with pytest.raises(ValueError):
        await ctx.db.transact(work)
    assert await _applicants(ctx) == []


async def test_transact_runs_again_after_a_unique_index_race_and_reads_the_winner(
    ctx: Domain,
) -> None:
    """The first run inserts a NIK that another transaction committed first; the
    run again finds the winner's row and returns it."""

    async def winner(session: AsyncSession) -> None:
        session.add(_applicant(1, "same-nik"))

    await ctx.db.transact(winner)
    runs: list[str] = []

    async def register(session: AsyncSession) -> int:
        existing = (
            await session.exec(select(Applicant).where(Applicant.nik_hash == "same-nik"))
        ).first()
        if runs and existing is not None:  # the second run reads the winner's row
            runs.append("read")
            return existing.telegram_id
        runs.append("insert")
        session.add(_applicant(2, "same-nik"))
        await session.flush()
        return 2

    assert await ctx.db.transact(register) == 1
    assert runs == ["insert", "read"]
    assert await _applicants(ctx) == [1]
