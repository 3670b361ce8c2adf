"""Waiting in tests: for a condition, with a deadline, never for a fixed time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]],
    within: float = 10.0,
    *,
    what: str | Callable[[], str] = "the condition",
    every: float = 0.01,
) -> None:
    """Return once ``condition()`` (a function or a coroutine function) is true;
    fail with ``what`` (a text, or a function giving one) after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"{said}: not met within {within}s")
        await asyncio.sleep(every)
