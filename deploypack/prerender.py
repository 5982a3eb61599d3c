"""Render a wheel's README in a forked process while `deploypack check` reads the archives.

Rendering the long description as the index does (docutils for reStructuredText) is the
slowest check, and reading the archives is the slowest step: both are Python work under the
GIL, so a thread would not overlap them but a second process does. The child reads only the
first wheel's METADATA (a zip's central directory and one member), renders its description
with `readme.render_problems` and sends the result back; the README check uses it when the
description it checks is that very text, and renders itself otherwise. Anything that goes
wrong in the child — no fork on this platform, a damaged wheel, a crash, a timeout — only
means the check renders inline, as it would without this.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import threading
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

_READ_LIMIT = 4 * 1024 * 1024  # a METADATA larger than this is left to the check


def _key(description: str, content_type: str) -> str:
    return hashlib.sha256(f"{content_type}\0{description}".encode("utf-8", "surrogatepass")).hexdigest()


class Prerender:
    def __init__(self, paths: Sequence[Path]) -> None:
        self._pid: int | None = None
        self._read_end: int | None = None
        self._results: dict[str, list[tuple[int | None, str]] | None] | None = None
        wheel = next((path for path in paths if path.name.endswith(".whl")), None)
        # Forking while another thread runs could leave the child a lock held by nobody (an
        # import, a stream): only from a single-threaded process (the CLI's, at this point).
        if wheel is None or not hasattr(os, "fork") or threading.active_count() > 1:
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: render, report, and leave without running the parent's cleanup
            code = 1
            try:
                os.close(read_end)
                _quiet()
                _render_into(wheel, write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self._pid, self._read_end = pid, read_end

    def lookup(self, description: str, content_type: str, timeout: float = 30.0
               ) -> tuple[bool, list[tuple[int | None, str]] | None]:
        """(True, the render problems) when the child rendered this text, else (False, None)."""
        results = self._collect(timeout)
        key = _key(description, content_type)
        if key in results:
            return True, results[key]
        return False, None

    def _collect(self, timeout: float) -> dict[str, list[tuple[int | None, str]] | None]:
        if self._results is not None:
            return self._results
        self._results = {}
        if self._read_end is None:
            return self._results
        data = b""
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0 and select.select([self._read_end], [], [], left)[0]:
                chunk = os.read(self._read_end, 65536)
                if not chunk:
                    break
                data += chunk
            else:
                data = b""  # timed out: whatever came is incomplete
            reply = json.loads(data) if data else {}
            problems = reply.get("problems")
            self._results[str(reply["key"])] = (
                None if problems is None else [(line, str(message)) for line, message in problems]
            )
        except (OSError, ValueError, KeyError, TypeError):
            pass
        finally:
            self.close()
        return self._results

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


def _render_into(wheel: Path, write_end: int) -> None:
    from deploypack.checks.metadata_fields import _parse
    from deploypack.checks.readme import render_problems

    with zipfile.ZipFile(wheel) as archive:
        name = next((info for info in archive.infolist() if info.filename.count("/") == 1
                     and info.filename.endswith(".dist-info/METADATA") and info.file_size <= _READ_LIMIT), None)
        if name is None:
            return
        raw = _parse(archive.read(name))[0]
    description = raw.get("description") or ""
    content_type = raw.get("description_content_type") or "text/x-rst"
    if not description.strip():
        return
    problems = render_problems(description, content_type)
    reply = json.dumps({"key": _key(description, content_type), "problems": problems}).encode()
    with os.fdopen(write_end, "wb") as stream:
        stream.write(reply)
