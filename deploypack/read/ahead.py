"""Work `deploypack check` hands to a forked process while it reads the other archives.

Reading archives and rendering the long description as the index does (docutils for
reStructuredText) are the slow parts of `check`, and both are Python work under the GIL: a
thread would not overlap them, a second process does. The child reads the first wheel — the
same `read_distribution`, same limits — and sends it back, then renders that wheel's
description with `readme.render_problems` and sends the result; meanwhile the parent reads
the sdist. The README check uses the render when the description it checks is that very text.
Anything that goes wrong in the child — no fork on this platform, a crash, a timeout — only
means the parent does that work itself, as it would without this.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploypack.read.archives import Distribution, Limits
from deploypack.read.readme import digest

_TIMEOUT = 120.0  # seconds to wait for the child before doing its work here


class CheckAhead:
    def __init__(self, paths: Sequence[Path], limits: Limits, render: bool = True) -> None:
        self.wheel: Path | None = None
        self._pid: int | None = None
        self._read_end: int | None = None
        self._pending = b""
        self._distribution: Distribution | None = None
        self._renders: dict[str, list[tuple[int | None, str]] | None] | None = None
        wheel = next((path for path in paths if path.name.endswith(".whl")), None)
        # Forking while another thread runs could leave the child a lock held by nobody (an
        # import, a stream): only from a single-threaded process (the CLI's, at this point).
        if wheel is None or not hasattr(os, "fork") or threading.active_count() > 1:
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, report, and leave without running the parent's cleanup
            code = 1
            try:
                os.close(read_end)
                _quiet()
                _work(wheel, limits, render, write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.wheel, self._pid, self._read_end = wheel, pid, read_end

    def distribution(self) -> Distribution | None:
        """The wheel as the child read it; None: read it here (unreadable, or the child failed)."""
        if self._distribution is None and self._read_end is not None:
            message = self._next_message()
            if isinstance(message, Distribution):
                self._distribution = message
            else:
                self.close()
        return self._distribution

    def lookup(self, description: str, content_type: str) -> tuple[bool, list[tuple[int | None, str]] | None]:
        """(True, the render problems) when the child rendered this text, else (False, None)."""
        if self._renders is None:
            self.distribution()  # the wheel comes first
            message = self._next_message() if self._read_end is not None else None
            self._renders = message if isinstance(message, dict) else {}
            self.close()
        key = digest(description, content_type)
        return (True, self._renders[key]) if key in self._renders else (False, None)

    def share_renders(self) -> None:
        """Hand the child's renders to the README renderer (deploypack/read/readme.py), which
        answers the README check with them instead of rendering the same text again."""
        from deploypack.read import readme

        self.lookup("", "")  # waits for the child's renders, if any
        for key, problems in (self._renders or {}).items():
            readme.remember_digest(key, problems)

    def _next_message(self) -> Any:
        """The next object the child sent, or None (it ended, failed or took too long)."""
        assert self._read_end is not None
        deadline = time.monotonic() + _TIMEOUT
        try:
            while True:
                if len(self._pending) >= 8:
                    size = int.from_bytes(self._pending[:8], "big")
                    if len(self._pending) >= 8 + size:
                        body, self._pending = self._pending[8:8 + size], self._pending[8 + size:]
                        return pickle.loads(body)  # noqa: S301 - written by our own child
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._read_end], [], [], left)[0]:
                    return None
                chunk = os.read(self._read_end, 1 << 20)
                if not chunk:
                    return None
                self._pending += chunk
        except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def close(self) -> None:
        if self._read_end is not None:
            with contextlib.suppress(OSError):
                os.close(self._read_end)
            self._read_end = None
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = None


def _quiet() -> None:
    """The child prints nothing: its output would mix with the parent's report."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _send(write_end: int, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = len(data).to_bytes(8, "big") + data
    view = memoryview(data)
    while view:
        written = os.write(write_end, view)
        view = view[written:]


def _work(wheel: Path, limits: Limits, render: bool, write_end: int) -> None:
    from deploypack.read.archives import read_distribution

    try:
        dist = read_distribution(wheel, limits)
    except Exception:  # noqa: BLE001 - the parent reads it again and reports what is wrong
        _send(write_end, None)
        return
    _send(write_end, dist)
    if not render or dist.metadata_bytes is None:
        return
    from deploypack.read.metadata import parse_metadata
    from deploypack.read.readme import render_problems

    raw = parse_metadata(dist.metadata_bytes)[0]
    description = raw.get("description") or ""
    content_type = raw.get("description_content_type") or "text/x-rst"
    renders: dict[str, list[tuple[int | None, str]] | None] = {}
    if description.strip():
        renders[digest(description, content_type)] = render_problems(description, content_type)
    _send(write_end, renders)
