"""How the bot's child processes (the render workers) stop: when the bot stops them,
and never later than the bot itself.

- Ctrl-C in a terminal, and many supervisors, send SIGINT to the whole process
  group, children included. A child ignores it: the bot stops its children itself
  once it no longer needs them, so a Ctrl-C prints no ``KeyboardInterrupt``
  traceback from a child. A child is started with SIGINT held back
  (``sigint_held``) so that a Ctrl-C during its start-up, before it could ignore
  SIGINT, does not reach it either.
- When the bot dies without stopping them (SIGKILL, the OOM killer), a child exits
  too: on Linux the kernel kills it when the thread that started it ends
  (``PR_SET_PDEATHSIG``); elsewhere a thread of the child notices that its parent
  changed. multiprocessing's resource tracker then exits by itself: it stops when
  the last process holding its pipe is gone.

SIGTERM keeps its default action in a child (it ends it at once, with no output):
the pool ends a stuck worker with SIGTERM.

This module is imported by the child processes: the standard library only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_CHECK_S = 1.0  # how often the portable watch looks at the parent


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold SIGINT back from this thread while it starts a child process: the child
    starts with the same signal mask. The process still gets a SIGINT sent now (in
    another thread, or in this one when the block ends)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_child(parent_pid: int) -> None:
    """The initializer of a child process started by ``parent_pid``: ignore SIGINT,
    and exit when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _killed_with_parent():
        threading.Thread(
            target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True
        ).start()
    if os.getppid() != parent_pid:  # the parent died before the watch began
        os._exit(0)


def _killed_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False when it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)
