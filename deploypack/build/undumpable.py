"""While the hooks run, deploypack's own /proc entries are closed to them (Linux).

A hook runs as the same user as deploypack, so through /proc it could open deploypack's
standard streams (`/proc/<pid>/fd/2`: the very pipe the runner reads workflow commands from)
and read its environment (`/proc/<pid>/environ`: the runner's tokens the hooks' own environment
leaves out). A process that is not "dumpable" has its /proc entries owned by root and refused
to processes without CAP_SYS_PTRACE; the flag is reset when a process starts another program,
so the hooks, the hook server and the installer stay as they are. deploypack is dumpable again
after the build (it may run inside a longer process).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from collections.abc import Callable, Iterator

_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def closed_to_hooks() -> Iterator[bool]:
    """Within the block this process is not dumpable (yields whether that could be done)."""
    prctl = _prctl()
    before = prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0) if prctl is not None else -1
    if prctl is None or before < 0 or prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        yield False
        return
    try:
        yield True
    finally:
        prctl(_PR_SET_DUMPABLE, before, 0, 0, 0)
