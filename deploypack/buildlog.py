"""The build log: everything the backend and the installer print, captured, bounded, kept.

Backend output is untrusted and unbounded (a `setup.py` can print gigabytes). The log keeps
the first `max_bytes` and the last 64 KiB, and says how much was dropped in between, so
the telling tail of a failure is never lost.
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path
from typing import IO

_TAIL_BYTES = 64 * 1024


class BuildLog:
    def __init__(self, path: Path, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._handle: IO[bytes] = open(path, "wb")
        self._written = 0
        self._dropped = 0
        self._tail: collections.deque[bytes] = collections.deque()
        self._tail_size = 0
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            room = self.max_bytes - self._written
            if room > 0:
                self._handle.write(data[:room])
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
        for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536), b""):
            self.write(chunk)

    def close(self) -> None:
        with self._lock:
            if self._handle.closed:
                return
            if self._dropped:
                tail = b"".join(self._tail)[-_TAIL_BYTES:]
                omitted = self._dropped - len(tail)
                self._handle.write(f"\n[... {omitted} bytes of output omitted ...]\n".encode())
                self._handle.write(tail)
            self._handle.close()

    def tail_text(self, max_lines: int = 25) -> str:
        """The last lines written so far (for failure messages)."""
        with self._lock:
            self._handle.flush()
            recent = b"".join(self._tail) if self._dropped else self.path.read_bytes()[-_TAIL_BYTES:]
        lines = recent.decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-max_lines:])

    def full_text(self) -> str:
        with self._lock:
            if not self._handle.closed:
                self._handle.flush()
        text = self.path.read_bytes().decode("utf-8", "replace")
        if self._dropped and not self._handle.closed:
            text += b"".join(self._tail).decode("utf-8", "replace")
        return text
