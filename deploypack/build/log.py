"""The build log: everything the backend and the installer print, captured, bounded, kept.

Backend output is untrusted and unbounded (a `setup.py` can print gigabytes). The log keeps
the first `max_bytes` and the last 64 KiB, and says how much was dropped in between, so
the telling tail of a failure is never lost. Writing never raises into the build: a log
that cannot be written (disk full) keeps its tail in memory and records the error, which
the build reports once it is over.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from pathlib import Path
from typing import IO

_TAIL_BYTES = 64 * 1024


class BuildLog:
    def __init__(self, path: Path, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._handle: IO[bytes] = open(path, "wb")  # noqa: SIM115 - lives as long as the build
        self._written = 0
        self._dropped = 0
        self._tail: collections.deque[bytes] = collections.deque()
        self._tail_size = 0
        self._lock = threading.Lock()
        self.write_error: OSError | None = None  # the first error writing the file (ENOSPC…)

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._handle.closed:
                return  # a straggler's output after the build ended
            room = self.max_bytes - self._written if self.write_error is None else 0
            if room > 0:
                try:
                    self._handle.write(data[:room])
                except OSError as error:
                    self.write_error = error
                    room = 0
                else:
                    self._written += min(room, len(data))
                    data = data[room:]
            if data:
                self._dropped += len(data)
                self._tail.append(data)
                self._tail_size += len(data)
                while self._tail_size - len(self._tail[0]) >= _TAIL_BYTES:
                    self._tail_size -= len(self._tail.popleft())

    def section(self, title: str) -> None:
        self.write(f"\n===== {title} =====\n".encode())

    def text(self, message: str) -> None:
        self.write(message.encode("utf-8", "replace") + (b"" if message.endswith("\n") else b"\n"))

    def pump(self, stream: IO[bytes]) -> None:
        """Copy a child's output into the log until it closes (run in a thread)."""
        read = getattr(stream, "read1", stream.read)
        try:
            for chunk in iter(lambda: read(65536), b""):
                self.write(chunk)
        except (OSError, ValueError):
            return  # the pipe was closed under us: the build is over

    def close(self) -> None:
        with self._lock:
            if self._handle.closed:
                return
            try:
                if self._dropped:
                    tail = b"".join(self._tail)[-_TAIL_BYTES:]
                    omitted = self._dropped - len(tail)
                    self._handle.write(f"\n[... {omitted} bytes of output omitted ...]\n".encode())
                    self._handle.write(tail)
                self._handle.close()
            except OSError as error:
                self.write_error = self.write_error or error
                self._close_quietly()

    def _close_quietly(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()

    def tail_text(self, max_lines: int = 25) -> str:
        """The last lines written so far (for failure messages)."""
        return "\n".join(self.full_text()[-_TAIL_BYTES:].splitlines()[-max_lines:])

    def full_text(self) -> str:
        """What the log holds: the file's head and, beyond it, the tail kept in memory."""
        with self._lock:
            if not self._handle.closed:
                try:
                    self._handle.flush()
                except OSError as error:
                    self.write_error = self.write_error or error
            try:
                with open(self.path, "rb") as handle:
                    head = handle.read(self._written + _TAIL_BYTES + 4096)  # never more than was written
            except OSError:
                head = b""
            if self._dropped and not self._handle.closed:
                head += b"".join(self._tail)
        return head.decode("utf-8", "replace")
