"""The README rendered ahead in a forked process must be exactly what the check would render,
used only for that text, and harmless when anything goes wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploypack.checks.readme import render_problems
from deploypack.read.ahead import CheckAhead
from deploypack.read.archives import Limits, read_distribution
from tests.hostile.archives import Entry, write_zip

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="renders in a forked process")

BROKEN_RST = "Title\n=====\n\nSome *emphasis without an end.\n\n.. unknown-directive:: x\n"


def wheel_with(tmp_path: Path, description: str, content_type: str = "text/x-rst") -> Path:
    metadata = (f"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nDescription-Content-Type: {content_type}\n\n"
                + description).encode()
    return write_zip(tmp_path / "pkg-1.0-py3-none-any.whl", [
        Entry("pkg/__init__.py", b""), Entry("pkg-1.0.dist-info/METADATA", metadata),
    ])


def no_child_left(ahead: CheckAhead) -> bool:
    return ahead._pid is None  # noqa: SLF001 - reaped by close()


def test_the_render_done_ahead_is_the_checks_own(tmp_path: Path) -> None:
    ahead = CheckAhead([wheel_with(tmp_path, BROKEN_RST)], Limits())
    found, problems = ahead.lookup(BROKEN_RST, "text/x-rst")
    assert found
    expected = render_problems(BROKEN_RST, "text/x-rst")
    assert expected and problems == expected
    assert no_child_left(ahead)


def test_another_text_is_not_answered(tmp_path: Path) -> None:
    ahead = CheckAhead([wheel_with(tmp_path, BROKEN_RST)], Limits())
    assert ahead.lookup(BROKEN_RST + "\nmore\n", "text/x-rst") == (False, None)
    assert ahead.lookup(BROKEN_RST, "text/markdown") == (False, None)
    ahead.close()


def test_a_clean_readme_is_answered_as_rendering(tmp_path: Path) -> None:
    ahead = CheckAhead([wheel_with(tmp_path, "Fine\n====\n\nText.\n")], Limits())
    assert ahead.lookup("Fine\n====\n\nText.\n", "text/x-rst") == (True, None)


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_a_damaged_wheel_only_means_the_check_renders_itself(content: bytes, tmp_path: Path) -> None:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(content)
    ahead = CheckAhead([wheel], Limits())
    assert ahead.distribution() is None  # read again by the parent, which reports it
    assert ahead.lookup(BROKEN_RST, "text/x-rst") == (False, None)
    assert no_child_left(ahead)


def test_without_a_wheel_nothing_is_started(tmp_path: Path) -> None:
    ahead = CheckAhead([tmp_path / "pkg-1.0.tar.gz"], Limits())
    assert ahead._pid is None  # noqa: SLF001
    assert ahead.lookup("x", "text/x-rst") == (False, None)


def test_check_reports_the_render_problem_found_ahead(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    run = run_cli(["check", str(wheel_with(tmp_path, BROKEN_RST)), "--format", "json"])
    messages = [f["message"] for f in run.json()["findings"] if f["code"] == "M003"]
    assert messages and all("does not render" in message for message in messages)
    assert run.exit_code == 1


def test_nothing_is_forked_while_another_thread_runs(tmp_path: Path) -> None:
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        ahead = CheckAhead([wheel_with(tmp_path, BROKEN_RST)], Limits())
        assert ahead._pid is None  # noqa: SLF001
        assert ahead.lookup(BROKEN_RST, "text/x-rst") == (False, None)
    finally:
        release.set()
        other.join()


def test_the_wheel_read_ahead_is_the_one_read_here(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, BROKEN_RST)
    ahead = CheckAhead([tmp_path / "pkg-1.0.tar.gz", wheel], Limits(max_members=10))
    assert ahead.wheel == wheel
    child_read = ahead.distribution()
    here = read_distribution(wheel, Limits(max_members=10))
    assert child_read is not None and child_read.members == here.members and child_read.contents == here.contents
    assert (child_read.sha256, child_read.metadata_bytes) == (here.sha256, here.metadata_bytes)
    assert child_read.limit_exceeded is None
    assert ahead.lookup(BROKEN_RST, "text/x-rst")[0]
    assert no_child_left(ahead)


def test_check_reports_the_same_with_and_without_the_child(tmp_path: Path) -> None:
    import threading

    from tests.conftest import run_cli
    from tests.hostile.archives import sdist_entries, write_tar

    sdist = write_tar(tmp_path / "pkg-1.0.tar.gz", sdist_entries(Entry("pkg-1.0/pkg/__init__.py", b"x = 1\n")))
    damaged = tmp_path / "other-1.0-py3-none-any.whl"
    damaged.write_bytes(b"PK\x03\x04 truncated")
    args = ["check", str(damaged), str(sdist), str(wheel_with(tmp_path, BROKEN_RST)), "--format", "json"]
    with_child = run_cli(args).json()
    release = threading.Event()
    other = threading.Thread(target=release.wait)  # a second thread: no fork, everything read here
    other.start()
    try:
        without = run_cli(args).json()
    finally:
        release.set()
        other.join()
    assert with_child["findings"] == without["findings"] and with_child["artifacts"] == without["artifacts"]
    assert [f["artifact"] for f in with_child["findings"] if f["code"] == "A001"] == [damaged.name]
