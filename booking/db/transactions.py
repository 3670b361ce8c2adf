"""The one retry policy of write transactions.

Every write of the domain goes through ``Database.transact`` (one ORM session in
a write transaction) or, for bookings, ``Database.batcher`` (a request in a
shared transaction); both are run by ``retrying`` here:

- a transient lock error (``is_transient``: SQLite busy or locked, a PostgreSQL
  serialization failure, deadlock or lock not available) runs the whole
  transaction again after a jittered, exponentially growing pause, up to
  ``WRITE_ATTEMPTS`` runs in all;
- an ``IntegrityError`` (a unique index another transaction won the race for)
  runs it again at most ``INTEGRITY_RERUNS`` times: the next run reads the
  winner's row and answers from it (``AlreadyBooked``, the existing role, ...);
- any other error is raised at once.

A transaction that fails is rolled back before it runs again, so a run that
raises leaves nothing behind. The first run is a plain call: tenacity's machinery
(its futures take a lock, which the SQLite writer thread contends for) is built
only once a run has failed with an error worth another, and that second run
follows at once; the pauses grow from the third.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

T = TypeVar("T")

WRITE_ATTEMPTS = 8
INTEGRITY_RERUNS = 2
# Pauses before a run again: random in [0, BASE_DELAY * 2**n), at most MAX_DELAY seconds.
BASE_DELAY = 0.02
MAX_DELAY = 2.0


def is_transient(exc: BaseException) -> bool:
    """Lock contention and serialization failures that a retry can fix."""
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text:
            return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in {"40001", "40P01", "55P03"}:  # serialization, deadlock, lock not available
            return True
    return False


class _RunAgain:
    """The retry decision of one call of ``retrying``: it counts the unique-index
    races it has re-run."""

    def __init__(self, integrity_reruns: int) -> None:
        self.integrity_left = integrity_reruns

    def again(self, exc: BaseException) -> bool:
        if isinstance(exc, IntegrityError):
            self.integrity_left -= 1
            return self.integrity_left >= 0
        return is_transient(exc)

    def __call__(self, state: RetryCallState) -> bool:
        assert state.outcome is not None
        exc = state.outcome.exception()
        return exc is not None and self.again(exc)


async def retrying(
    action: Callable[[], Awaitable[T]],
    *,
    attempts: int = WRITE_ATTEMPTS,
    integrity_reruns: int = INTEGRITY_RERUNS,
    base_delay: float = BASE_DELAY,
) -> T:
    """Run ``action`` (one whole write transaction) under the retry policy (see
    the module doc) and return what it returns, or raise its last error."""
    run_again = _RunAgain(integrity_reruns)
    try:
        return await action()  # nearly every write: one run, nothing else
    except Exception as exc:
        if attempts <= 1 or not run_again.again(exc):
            raise
    policy = AsyncRetrying(
        stop=stop_after_attempt(attempts - 1),
        wait=wait_random_exponential(multiplier=base_delay, max=MAX_DELAY),
        retry=run_again,
        reraise=True,
    )
    async for attempt in policy:  # ends after a run that returns; re-raises the last error
        with attempt:
            result = await action()
    return result
