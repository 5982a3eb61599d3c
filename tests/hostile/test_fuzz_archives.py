"""Property tests: the archive readers on random bytes, damaged archives and random member
lists. Whatever the input, reading ends in a Distribution (with findings) or a clean
CorruptArchive; no other exception escapes, and every message can be printed and encoded."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploypack.read.archives import CorruptArchive, Distribution, Limits, read_distribution
from deploypack.read.safety import escapes, member_findings
from tests.hostile.archives import Entry, sdist_entries, wheel_entries, write_tar, write_zip

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_LIMITS = Limits(max_members=200, max_unpacked_size=2 * 1024**2, max_compression_ratio=200.0)
FILENAMES = ("pkg-1.0.tar.gz", "pkg-1.0-py3-none-any.whl")


def read_safely(path: Path) -> Distribution | None:
    """Read; a CorruptArchive is an accepted outcome, anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkginfo warns about odd metadata versions
        try:
            dist = read_distribution(path, SMALL_LIMITS)
        except CorruptArchive as error:
            assert error.message.startswith(path.name)
            error.message.encode("utf-8")
            return None
    for finding in member_findings(dist):
        json.dumps(finding.message, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    for member in dist.members:
        member.name.encode("utf-8")
    return dist


def _valid_archive(kind: str, directory: Path) -> bytes:
    if kind == "sdist":
        path = write_tar(directory / FILENAMES[0], sdist_entries(Entry("pkg-1.0/a.py", b"print(1)\n" * 50)))
    else:
        path = write_zip(directory / FILENAMES[1], wheel_entries(Entry("pkg/a.py", b"print(1)\n" * 50)))
    return path.read_bytes()


@FUZZ
@given(data=st.binary(max_size=4096), filename=st.sampled_from(FILENAMES))
def test_random_bytes_never_crash_the_reader(data: bytes, filename: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / filename
        path.write_bytes(data)
        read_safely(path)


@FUZZ
@given(
    kind=st.sampled_from(["sdist", "wheel"]),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_damaged_archives_never_crash_the_reader(kind: str, flips: list[tuple[float, int]], cut: float | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        data = bytearray(_valid_archive(kind, Path(directory)))
        for where, value in flips:
            data[int(where * len(data))] = value
        if cut is not None:
            data = data[: int(cut * len(data))]
        path = Path(directory) / FILENAMES[0 if kind == "sdist" else 1]
        path.write_bytes(bytes(data))
        read_safely(path)


# "caf\udce9" and "\udcff" stand for bytes that are not UTF-8 (written raw into tar names).
_SEGMENTS = st.sampled_from(["..", ".", "pkg-1.0", "pkg", "a.py", "", "/", "\\", "C:", "etc", "caf\u00e9", " ",
                             "caf\udce9", "\udcff\udc80"])
_NAMES = st.lists(st.one_of(_SEGMENTS, st.text(min_size=1, max_size=8)), min_size=1, max_size=5).map("/".join).filter(
    lambda name: name.strip("/") != "" and "\x00" not in name)
_ENTRIES = st.builds(
    Entry,
    name=_NAMES,
    data=st.binary(max_size=64),
    kind=st.sampled_from(["file", "dir", "symlink", "hardlink", "chr", "fifo"]),
    target=st.one_of(_NAMES, st.just("/etc/passwd")),
)


@FUZZ
@given(entries=st.lists(_ENTRIES, max_size=12), as_wheel=st.booleans())
def test_random_member_lists_are_read_and_unsafe_paths_reported(entries: list[Entry], as_wheel: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        if as_wheel:
            entries = [e for e in entries
                       if e.kind != "hardlink" and not _has_surrogates(e.name) and not _has_surrogates(e.target)]
            path = write_zip(Path(directory) / FILENAMES[1], wheel_entries(*entries))
        else:
            path = write_tar(Path(directory) / FILENAMES[0], sdist_entries(*entries))
        before = sorted(p.name for p in Path(directory).iterdir())
        dist = read_safely(path)
        assert sorted(p.name for p in Path(directory).iterdir()) == before
    if dist is None:
        return
    reported = {f.member for f in member_findings(dist) if f.code == "A003"}
    for member in dist.members:
        if escapes(member.name):
            assert member.name in reported


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


@pytest.mark.parametrize(("name", "expected"), [
    ("pkg/a.py", False), ("pkg/../a.py", False), ("pkg/../../a.py", True), ("../a.py", True),
    ("/abs", True), ("\\\\server\\share", True), ("C:\\x", True), ("c:x", True), ("./a", False),
    ("a/./../../b", True), ("..a/b", False), ("a..", False),
])
def test_escapes(name: str, expected: bool) -> None:
    assert escapes(name) is expected


@FUZZ
@given(name=_NAMES)
def test_a_name_that_does_not_escape_stays_inside_the_unpack_directory(name: str) -> None:
    import posixpath

    root = "/unpack/here"
    landed = posixpath.normpath(posixpath.join(root, name.replace("\\", "/")))
    if not escapes(name):
        assert landed == root or landed.startswith(root + "/"), (name, landed)


def test_a_damaged_zip_extra_field_is_a_clean_error() -> None:
    """A case hypothesis found: one zeroed byte makes zipfile index past a damaged extra field
    (IndexError), which must still end as a clean 'corrupt archive', not a crash."""
    with tempfile.TemporaryDirectory() as directory:
        data = bytearray(_valid_archive("wheel", Path(directory)))
        data[int(0.7421875 * len(data))] = 0
        path = Path(directory) / FILENAMES[1]
        path.write_bytes(bytes(data))
        read_safely(path)
