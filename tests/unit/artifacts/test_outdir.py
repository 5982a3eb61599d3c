"""The output directory: foreign files refused, commits all-or-nothing, signals held back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploypack.artifacts import outdir
from deploypack.core.errors import UsageError


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())} if directory.exists() else {}


def test_foreign_files_are_refused_by_name_unless_clean(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "old-0.9-py3-none-any.whl").write_bytes(b"stale")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError) as refused:
        outdir.check_writable(out, clean=False)
    assert "notes.txt" in refused.value.message and "old-0.9-py3-none-any.whl" in refused.value.message
    assert "--clean" in (refused.value.hint or "")
    outdir.check_writable(out, clean=True)
    outdir.check_writable(out, clean=False, adopt={"old-0.9-py3-none-any.whl", "notes.txt"})


def commit_files(out: Path, files: dict[str, bytes], clean: bool = False) -> None:
    with outdir.staging_directory(out) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        outdir.commit(staging, out, list(files), clean)


def test_commit_replaces_the_previous_run_and_clean_removes_foreign_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    commit_files(out, {"a-1.tar.gz": b"1", "SHA256SUMS": b"s1"})
    (out / "foreign.whl").write_bytes(b"f")
    commit_files(out, {"a-2.tar.gz": b"2", "SHA256SUMS": b"s2"}, clean=True)
    assert snapshot(out) == {".deploypack-files": b"SHA256SUMS\na-2.tar.gz\n", "SHA256SUMS": b"s2", "a-2.tar.gz": b"2"}
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no staging directory left


def test_a_failing_commit_leaves_the_outdir_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    commit_files(out, {"a-1.tar.gz": b"1", "SHA256SUMS": b"s1"})
    before = snapshot(out)
    with pytest.raises(FileNotFoundError), outdir.staging_directory(out) as staging:
        (staging / "a-2.tar.gz").write_bytes(b"2")
        # the second name does not exist in staging: the commit fails half-way through its moves
        outdir.commit(staging, out, ["a-2.tar.gz", "missing.whl"], clean=False)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_a_failure_in_the_middle_of_the_moves_is_rolled_back(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    commit_files(out, {"a-1.tar.gz": b"1", "SHA256SUMS": b"s1"})
    before = snapshot(out)
    local, aside = tmp_path / "local", tmp_path / "aside"
    local.mkdir()
    aside.mkdir()
    (local / "a-2.tar.gz").write_bytes(b"2")
    (local / "SHA256SUMS").write_bytes(b"s2")
    # the old files are moved aside and two new ones moved in before the third is found missing
    with pytest.raises(FileNotFoundError):
        outdir._swap_in(local, out, aside, ["a-2.tar.gz", "SHA256SUMS", "missing.whl"], clean=False)
    assert snapshot(out) == before
    assert sorted(p.name for p in local.iterdir()) == ["SHA256SUMS", "a-2.tar.gz"]


def test_the_work_directory_is_outside_the_project_and_removed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    with outdir.staging_directory(project / "dist") as work:
        assert not work.is_relative_to(project)  # a backend packing every file must not see it
        (work / "x.whl").write_bytes(b"x")
    assert not work.exists()
    assert list(project.iterdir()) == []


def test_a_failing_first_commit_removes_the_outdir_it_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dist"
    with pytest.raises(FileNotFoundError), outdir.staging_directory(out) as work:
        outdir.commit(work, out, ["missing.whl"], clean=False)  # fails while staging
    assert not out.exists()
    local, aside = tmp_path / "local", tmp_path / "aside"
    local.mkdir()
    aside.mkdir()
    (local / "a-1.tar.gz").write_bytes(b"1")
    with pytest.raises(FileNotFoundError):
        outdir._swap_in(local, out, aside, ["a-1.tar.gz", "missing.whl"], clean=False)  # fails while moving in
    assert not out.exists() and (local / "a-1.tar.gz").read_bytes() == b"1"


def test_signals_wait_until_the_block_is_done() -> None:
    received: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: received.append("handled"))
    try:
        with outdir.signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            received.append("block finished")
        assert received == ["block finished", "handled"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_outdir_that_is_a_symlink_is_committed_through_it(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "dist"
    real.mkdir(parents=True)
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "dist"
    link.symlink_to(real)
    commit_files(link, {"a-1.tar.gz": b"1"})
    assert link.is_symlink() and snapshot(real)["a-1.tar.gz"] == b"1"
    assert sorted(p.name for p in real.parent.iterdir()) == ["dist"]
    assert sorted(p.name for p in link.parent.iterdir()) == ["dist"]


def test_staging_left_by_a_killed_run_is_removed_by_the_next_commit(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f"{outdir.STAGING_PREFIX}{int(dead.stdout)}-abc123"
    running = tmp_path / f"{outdir.STAGING_PREFIX}{os.getpid()}-def456"  # a live run's: kept
    for directory in (abandoned, running):
        (directory / ".previous").mkdir(parents=True)
        os.utime(directory, (time.time() - 3600, time.time() - 3600))
    commit_files(out, {"a-1.tar.gz": b"1"})
    assert not abandoned.exists() and running.exists()
    assert outdir.remove_abandoned_staging(tmp_path) == []


def test_signals_wait_even_when_another_thread_takes_them() -> None:
    """A mask is per thread: with a second thread running, the kernel may hand the signal to it."""
    import threading

    received: list[str] = []
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    previous = signal.signal(signal.SIGTERM, lambda number, frame: received.append("handled"))
    try:
        with outdir.signals_deferred():
            for _ in range(5):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)  # room for the handler to run, if it were not held back
            received.append("block finished")
        time.sleep(0.05)
        assert received[0] == "block finished" and "handled" in received
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
