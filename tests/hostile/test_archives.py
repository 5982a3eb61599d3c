"""Hostile archives read by deploypack: every one ends in a finding, never a crash, never a
file written anywhere (reading is streaming; nothing is extracted)."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from deploypack.catalogue import checks as catalogue_checks
from deploypack.checks import CheckContext, run_checks
from deploypack.config.options import Options
from deploypack.core.findings import Finding
from deploypack.read.archives import read_distribution
from deploypack.read.collect import read_distributions
from tests.hostile.archives import (
    Entry,
    sdist_entries,
    set_zip_declared_size,
    tar_bomb,
    wheel_entries,
    write_tar,
    write_zip,
)

SDIST = "pkg-1.0.tar.gz"
WHEEL = "pkg-1.0-py3-none-any.whl"


def check_archives(paths: list[Path], **limits: object) -> list[Finding]:
    """What a run finds in these archives: unreadable ones (A001) plus every registered check."""
    options = Options(project_dir=paths[0].parent, outdir=paths[0].parent / "dist", **limits)  # type: ignore[arg-type]
    dists, findings = read_distributions(paths, options)
    return findings + run_checks(CheckContext(distributions=tuple(dists), options=options), options, catalogue_checks())


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in root.rglob("*")}


def codes_for(findings: list[Finding], member: str | None = None) -> set[str]:
    return {f.code for f in findings if member is None or f.member == member}


Maker = Callable[[Path], Path]

# An absolute member path that must never be written: in the file system's root, not in a test directory.
ABSOLUTE_ESCAPE = "/deploypack-test-absolute-escape"

HOSTILE: dict[str, tuple[Maker, str, str]] = {
    # case: (make the archive in a directory, the code expected, the member it names)

    "tar-dotdot-path": (lambda d: write_tar(d / SDIST, sdist_entries(Entry("pkg-1.0/../../escape", b"x"))),
                        "A003", "pkg-1.0/../../escape"),
    "tar-absolute-path": (lambda d: write_tar(d / SDIST, sdist_entries(Entry(ABSOLUTE_ESCAPE, b"x"))),
                          "A003", ABSOLUTE_ESCAPE),
    "tar-symlink-to-etc": (lambda d: write_tar(d / SDIST, sdist_entries(
        Entry("pkg-1.0/passwd", kind="symlink", target="/etc/passwd"))), "A003", "pkg-1.0/passwd"),
    "tar-symlink-climbing": (lambda d: write_tar(d / SDIST, sdist_entries(
        Entry("pkg-1.0/sub/up", kind="symlink", target="../../../outside"))), "A003", "pkg-1.0/sub/up"),
    "tar-hardlink-outside": (lambda d: write_tar(d / SDIST, sdist_entries(
        Entry("pkg-1.0/shadow", kind="hardlink", target="/etc/shadow"))), "A003", "pkg-1.0/shadow"),
    "tar-char-device": (lambda d: write_tar(d / SDIST, sdist_entries(Entry("pkg-1.0/null", kind="chr"))),
                        "A004", "pkg-1.0/null"),
    "tar-block-device": (lambda d: write_tar(d / SDIST, sdist_entries(Entry("pkg-1.0/sda", kind="blk"))),
                         "A004", "pkg-1.0/sda"),
    "tar-fifo": (lambda d: write_tar(d / SDIST, sdist_entries(Entry("pkg-1.0/pipe", kind="fifo"))),
                 "A004", "pkg-1.0/pipe"),
    "tar-duplicate": (lambda d: write_tar(d / SDIST, sdist_entries(
        Entry("pkg-1.0/a.py", b"good"), Entry("pkg-1.0/a.py", b"evil"))), "A006", "pkg-1.0/a.py"),
    "tar-name-not-utf8": (lambda d: write_tar(d / SDIST, sdist_entries(Entry("pkg-1.0/caf\udce9.py", b"x"))),
                          "A007", "pkg-1.0/caf\\xe9.py"),
    "zip-dotdot-path": (lambda d: write_zip(d / WHEEL, wheel_entries(Entry("../../escape.py", b"x"))),
                        "A003", "../../escape.py"),
    "zip-absolute-path": (lambda d: write_zip(d / WHEEL, wheel_entries(Entry("/etc/cron.d/evil", b"x"))),
                          "A003", "/etc/cron.d/evil"),
    "zip-windows-drive": (lambda d: write_zip(d / WHEEL, wheel_entries(Entry("C:\\Windows\\evil.dll", b"x"))),
                          "A003", "C:\\Windows\\evil.dll"),
    "zip-symlink": (lambda d: write_zip(d / WHEEL, wheel_entries(
        Entry("pkg/config", kind="symlink", target="settings.py"))), "A005", "pkg/config"),
    "zip-symlink-to-etc": (lambda d: write_zip(d / WHEEL, wheel_entries(
        Entry("pkg/passwd", kind="symlink", target="/etc/passwd"))), "A003", "pkg/passwd"),
    "zip-device": (lambda d: write_zip(d / WHEEL, wheel_entries(Entry("pkg/null", kind="chr"))),
                   "A004", "pkg/null"),
    "zip-duplicate": (lambda d: write_zip(d / WHEEL, wheel_entries(
        Entry("pkg/a.py", b"good"), Entry("pkg/a.py", b"evil"))), "A006", "pkg/a.py"),
    "zip-name-not-marked-utf8": (lambda d: write_zip(d / WHEEL, wheel_entries(Entry("pkg/cafX.py", b"x")),
                                                     raw_names={"pkg/cafX.py": b"pkg/caf\xe9.py"}),
                                 "A007", "pkg/caf\u0398.py"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_member_is_a_finding_and_nothing_is_extracted(case: str, tmp_path: Path) -> None:
    make, code, member = HOSTILE[case]
    archive = make(tmp_path)
    before = snapshot(tmp_path)

    findings = check_archives([archive])

    named = [f for f in findings if f.code == code and f.member == member]
    assert named, f"no {code} for {member!r} in {[(f.code, f.member, f.message) for f in findings]}"
    assert named[0].artifact == archive.name
    assert named[0].severity.value == "error"
    assert member in named[0].message and archive.name in named[0].message
    assert "A001" not in codes_for(findings)  # readable: the hostile member is named, not "corrupt"
    assert snapshot(tmp_path) == before
    assert not Path(ABSOLUTE_ESCAPE).exists()
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path.parent / "escape.py").exists()


@pytest.mark.parametrize("case", ["tar", "zip"])
def test_well_formed_archive_has_no_archive_finding(case: str, tmp_path: Path) -> None:
    # The control: links inside an sdist and ordinary members are not reported.
    if case == "tar":
        archive = write_tar(tmp_path / SDIST, sdist_entries(
            Entry("pkg-1.0/pkg", kind="dir"), Entry("pkg-1.0/pkg/a.py", b"x"),
            Entry("pkg-1.0/pkg/b.py", kind="symlink", target="a.py"),
            Entry("pkg-1.0/pkg/c.py", kind="hardlink", target="pkg-1.0/pkg/a.py"),
            Entry("pkg-1.0/docs/caf\u00e9.md", b"utf-8 is fine"),
        ))
    else:
        archive = write_zip(tmp_path / WHEEL, wheel_entries(Entry("pkg/caf\u00e9.py", b"utf-8 flagged")))
    assert not {c for c in codes_for(check_archives([archive])) if c.startswith("A")}


def test_zip_bomb_by_declared_size_is_refused_before_inflating(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / WHEEL, wheel_entries(Entry("pkg/big1.bin", b"x"), Entry("pkg/big2.bin", b"y")))
    set_zip_declared_size(archive, "pkg/big1.bin", 3 * 1024**3)
    set_zip_declared_size(archive, "pkg/big2.bin", 3 * 1024**3)
    started = time.monotonic()
    findings = check_archives([archive])
    assert time.monotonic() - started < 5
    [limit] = [f for f in findings if f.code == "A002"]
    assert "declares" in limit.message and "max-unpacked-size" in limit.message
    assert limit.artifact == archive.name


def test_zip_bomb_by_ratio_is_refused_and_the_limit_is_configurable(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / WHEEL, wheel_entries(Entry("pkg/zeros.bin", bytes(32 * 1024**2))))
    assert archive.stat().st_size < 100_000  # about 1000:1
    [limit] = [f for f in check_archives([archive]) if f.code == "A002"]
    assert "compression ratio" in limit.message and "max-compression-ratio" in limit.message
    # Raised on purpose, the same archive reads in full.
    assert "A002" not in codes_for(check_archives([archive], max_compression_ratio=5000.0))


def test_zip_whose_member_inflates_beyond_its_declared_size_is_corrupt(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / WHEEL, wheel_entries(Entry("pkg/zeros.bin", bytes(4 * 1024**2))))
    set_zip_declared_size(archive, "pkg/zeros.bin", 100)  # lies: the data inflates to 4 MiB
    [unreadable] = [f for f in check_archives([archive]) if f.code == "A001"]
    assert archive.name in unreadable.message and "CRC" in unreadable.message


def test_tar_gz_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / SDIST, sdist_entries(Entry("pkg-1.0/zeros.bin", bytes(48 * 1024**2))))
    started = time.monotonic()
    [limit] = [f for f in check_archives([archive]) if f.code == "A002"]
    assert time.monotonic() - started < 10
    assert "inflates more than 200 times" in limit.message and "max-compression-ratio" in limit.message


def test_unpacked_size_limit_is_configurable(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / SDIST, sdist_entries(Entry("pkg-1.0/data.bin", os.urandom(3 * 1024**2))))
    assert "A002" not in codes_for(check_archives([archive]))
    [limit] = [f for f in check_archives([archive], max_unpacked_size=1024**2) if f.code == "A002"]
    assert f"more than {1024**2} bytes unpacked (max-unpacked-size)" in limit.message


def test_tar_bomb_of_many_members_stops_at_the_member_limit(tmp_path: Path) -> None:
    archive = tar_bomb(tmp_path / SDIST, 300_000)
    started = time.monotonic()
    findings = check_archives([archive], max_members=1000)
    assert time.monotonic() - started < 5  # stops at the limit instead of walking 300k headers
    [limit] = [f for f in findings if f.code == "A002"]
    assert "more than 1000 members (max-members)" in limit.message


def test_zip_with_many_members_stops_at_the_member_limit(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / WHEEL, wheel_entries(*(Entry(f"pkg/m{i}.py") for i in range(3000))),
                        compression=zipfile.ZIP_STORED)
    [limit] = [f for f in check_archives([archive], max_members=500) if f.code == "A002"]
    assert "more than 500 members" in limit.message


def _truncated(directory: Path) -> Path:
    whole = write_tar(directory / "whole.tar.gz", sdist_entries(Entry("pkg-1.0/data.bin", os.urandom(200_000))))
    cut = directory / SDIST
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    return cut


def _corrupt_gzip(directory: Path) -> Path:
    path = write_tar(directory / SDIST, sdist_entries(Entry("pkg-1.0/data.bin", bytes(200_000))))
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 16] = os.urandom(16)
    path.write_bytes(bytes(data))
    return path


def _truncated_zip(directory: Path) -> Path:
    path = write_zip(directory / WHEEL, wheel_entries(Entry("pkg/data.bin", os.urandom(50_000))))
    path.write_bytes(path.read_bytes()[:-200])  # the central directory is gone
    return path


def _corrupt_zip_member(directory: Path) -> Path:
    path = write_zip(directory / WHEEL, wheel_entries(Entry("pkg/data.bin", os.urandom(50_000))),
                     compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    data[1000:1016] = bytes(16)
    path.write_bytes(bytes(data))
    return path


def _encrypted_zip_member(directory: Path) -> Path:
    path = write_zip(directory / WHEEL, wheel_entries(Entry("pkg/secret.py", b"x" * 100)))
    data = bytearray(path.read_bytes())
    offset = 0
    while (offset := data.find(b"PK", offset)) != -1:  # set the "encrypted" bit of every header
        if data[offset + 2: offset + 4] == b"\x03\x04":
            data[offset + 6] |= 1
        elif data[offset + 2: offset + 4] == b"\x01\x02":
            data[offset + 8] |= 1
        offset += 2
    path.write_bytes(bytes(data))
    return path


CORRUPT: dict[str, Maker] = {
    "truncated-tar-gz": _truncated,
    "corrupt-gzip-stream": _corrupt_gzip,
    "empty-sdist": lambda d: (d / SDIST).write_bytes(b"") and d / SDIST or d / SDIST,
    "random-bytes-sdist": lambda d: (d / SDIST).write_bytes(os.urandom(4096)) and d / SDIST,
    "truncated-zip": _truncated_zip,
    "corrupt-zip-member": _corrupt_zip_member,
    "encrypted-zip-member": _encrypted_zip_member,
    "text-file-named-wheel": lambda d: (d / WHEEL).write_text("not a zip\n") and d / WHEEL,
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_archive_is_one_a001_finding(case: str, tmp_path: Path) -> None:
    archive = CORRUPT[case](tmp_path)
    before = snapshot(tmp_path)
    findings = check_archives([archive])
    [unreadable] = [f for f in findings if f.code == "A001"]
    assert unreadable.artifact == archive.name
    assert unreadable.message.startswith(f"{archive.name}: not a readable")
    assert "Traceback" not in unreadable.message
    assert snapshot(tmp_path) == before


def test_wheel_whose_record_lies_is_read_safely(tmp_path: Path) -> None:
    # RECORD names a file that is not there, a wrong hash, and a path outside: reading takes
    # RECORD as data (its checks are the W codes), and never opens what it names.
    record = (b"pkg/__init__.py,sha256=AAAA,6\n../../../etc/passwd,sha256=BBBB,10\n"
              b"pkg/missing.py,sha256=CCCC,3\npkg-1.0.dist-info/RECORD,,\n")
    entries = [e for e in wheel_entries() if not e.name.endswith("RECORD")]
    archive = write_zip(tmp_path / WHEEL, [*entries, Entry("pkg-1.0.dist-info/RECORD", record)])
    dist = read_distribution(archive)
    assert dist.contents["pkg-1.0.dist-info/RECORD"] == record
    assert {m.name for m in dist.members} == {e.name for e in entries} | {"pkg-1.0.dist-info/RECORD"}
    assert not codes_for(check_archives([archive])) & {"A001", "A002", "A003"}


CLI_CASES = {
    # `deploypack check` as a user runs it on archives built elsewhere: the finding, exit 1,
    # and nothing written anywhere (no --outdir, TMPDIR is the test's own).
    "tar-dotdot-path": "A003",
    "tar-symlink-to-etc": "A003",
    "tar-char-device": "A004",
    "zip-symlink-to-etc": "A003",
    "zip-duplicate": "A006",
    "zip-name-not-marked-utf8": "A007",
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_deploypack_check_reports_the_hostile_member(case: str, tmp_path: Path) -> None:
    from tests.conftest import clean_environ, run_subprocess

    archives = tmp_path / "archives"
    archives.mkdir()
    archive = HOSTILE[case][0](archives)
    temp = tmp_path / "tmp"
    temp.mkdir()
    before = snapshot(tmp_path)
    run = run_subprocess(["check", str(archive), "--format", "json"], environ=clean_environ(TMPDIR=str(temp)),
                         cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert report["ok"] is False
    assert any(f["code"] == CLI_CASES[case] and f["member"] == HOSTILE[case][2] for f in report["findings"])
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", ["zip-bomb", "corrupt"])
def test_deploypack_check_on_a_bomb_or_a_corrupt_archive(case: str, tmp_path: Path) -> None:
    from tests.conftest import clean_environ, run_subprocess

    if case == "zip-bomb":
        archive = write_zip(tmp_path / WHEEL, wheel_entries(Entry("pkg/zeros.bin", bytes(32 * 1024**2))))
        code = "A002"
    else:
        archive = _truncated(tmp_path)
        code = "A001"
    before = snapshot(tmp_path)
    run = run_subprocess(["check", str(archive), "--format", "json"], environ=clean_environ(TMPDIR=str(tmp_path)),
                         cwd=tmp_path)
    assert run.exit_code == 1, run.stderr
    assert [f["code"] for f in run.json()["findings"] if f["code"].startswith("A")] == [code]
    assert "Traceback" not in run.stderr
    assert snapshot(tmp_path) == before
