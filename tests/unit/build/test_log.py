"""The bounded build log: head kept, tail kept, the middle counted, never raising into the build."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from deploypack.build.log import BuildLog


def test_small_output_is_kept_whole(tmp_path: Path) -> None:
    log = BuildLog(tmp_path / "build.log", max_bytes=1024)
    log.section("building sdist")
    log.text("hello")
    log.close()
    assert (tmp_path / "build.log").read_text() == "\n===== building sdist =====\nhello\n"


def test_flood_keeps_head_and_tail_and_counts_what_was_dropped(tmp_path: Path) -> None:
    log = BuildLog(tmp_path / "build.log", max_bytes=10_000)
    log.write(b"HEAD\n")
    for _ in range(2000):
        log.write(b"y" * 1023 + b"\n")
    log.write(b"TAIL: the real error\n")
    assert log.full_text().endswith("TAIL: the real error\n")
    assert log.tail_text(1) == "TAIL: the real error"
    log.close()
    data = (tmp_path / "build.log").read_bytes()
    assert data.startswith(b"HEAD\n") and data.endswith(b"TAIL: the real error\n")
    assert len(data) <= 10_000 + 64 * 1024 + 100
    omitted = 5 + 2000 * 1024 + 21 - 10_000 - 64 * 1024
    assert f"[... {omitted} bytes of output omitted ...]".encode() in data


def test_writes_after_close_are_ignored(tmp_path: Path) -> None:
    log = BuildLog(tmp_path / "build.log")
    log.close()
    log.write(b"late output of a straggler")
    log.close()
    assert (tmp_path / "build.log").read_bytes() == b""


def test_pump_copies_a_child_process_output(tmp_path: Path) -> None:
    log = BuildLog(tmp_path / "build.log", max_bytes=100)
    child = subprocess.Popen([sys.executable, "-c", "print('a' * 5000); print('END')"], stdout=subprocess.PIPE)
    assert child.stdout is not None
    pump = threading.Thread(target=log.pump, args=(child.stdout,))
    pump.start()
    child.wait()
    pump.join(10)
    assert not pump.is_alive()
    assert log.tail_text(1) == "END"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_log_that_cannot_be_written_records_the_error_and_keeps_the_tail(tmp_path: Path) -> None:
    link = tmp_path / "full.log"
    os.symlink("/dev/full", link)  # every write fails with ENOSPC
    log = BuildLog(link, max_bytes=1024**2)
    for _ in range(300):
        log.write(b"z" * 1000 + b"\n")  # beyond the write buffer: the disk full error surfaces
    log.write(b"the last line\n")
    assert log.write_error is not None and log.write_error.errno == 28
    assert log.tail_text(1) == "the last line"
    log.close()
