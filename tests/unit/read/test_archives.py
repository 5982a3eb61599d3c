"""Reading distributions: members, kept contents, metadata, and the limits (fast, in-memory-sized)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from deploypack.read.archives import CorruptArchive, Limits, printable_name, read_distribution
from tests.hostile.archives import Entry, sdist_entries, wheel_entries, write_tar, write_zip


def test_sdist_members_contents_and_metadata(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "pkg-1.0.tar.gz", sdist_entries(
        Entry("pkg-1.0/src", kind="dir"), Entry("pkg-1.0/src/mod.py", b"x = 1\n"),
        Entry("pkg-1.0/src/alias.py", kind="symlink", target="mod.py"),
    ))
    dist = read_distribution(sdist)
    assert dist.kind == "sdist" and dist.metadata_path == "PKG-INFO"
    assert dist.metadata is not None and dist.metadata.name == "pkg" and dist.metadata.version == "1.0"
    module = dist.member("src/mod.py")
    assert module is not None and module.type == "file" and module.size == 6
    assert module.sha256 == hashlib.sha256(b"x = 1\n").digest()
    alias = dist.member("src/alias.py")
    assert alias is not None and alias.type == "symlink" and alias.link_target == "mod.py"
    assert "pyproject.toml" in dist.contents and "src/mod.py" not in dist.contents
    assert dist.sha256 == hashlib.sha256(sdist.read_bytes()).hexdigest()
    assert dist.limit_exceeded is None


def test_wheel_members_and_metadata(tmp_path: Path) -> None:
    wheel = write_zip(tmp_path / "pkg-1.0-py3-none-any.whl", wheel_entries(Entry("pkg/data.bin", b"\0" * 5000)))
    dist = read_distribution(wheel)
    assert dist.kind == "wheel" and dist.metadata_path == "pkg-1.0.dist-info/METADATA"
    member = dist.member("pkg/data.bin")
    assert member is not None and member.size == 5000 and member.compressed_size is not None
    assert member.compressed_size < 5000 and not member.undecodable_name
    assert dist.contents["pkg-1.0.dist-info/RECORD"] == b""


def test_empty_members_are_hashed_without_reading(tmp_path: Path) -> None:
    dist = read_distribution(write_tar(tmp_path / "pkg-1.0.tar.gz", sdist_entries(Entry("pkg-1.0/__init__.py"))))
    member = dist.member("__init__.py")
    assert member is not None and member.sha256 == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("name", ["pkg-1.0.zip", "pkg-1.0.egg", "README"])
def test_unsupported_names_are_corrupt_archive_errors(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(CorruptArchive, match=name):
        read_distribution(path)


def test_plain_and_xz_tars_are_read(tmp_path: Path) -> None:
    for compression, name in (("", "pkg-1.0.tar"), ("xz", "pkg-1.0.tgz")):
        path = write_tar(tmp_path / name, sdist_entries(Entry("pkg-1.0/a.py", b"1")), compression=compression)
        assert read_distribution(path).member("a.py") is not None


def test_garbage_after_the_end_marker_is_corrupt(tmp_path: Path) -> None:
    # tarfile alone stops at the first bad header and drops the members after it.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("pkg-1.0/PKG-INFO")
        archive.addfile(info, io.BytesIO(b""))
    data = buffer.getvalue()
    damaged = data[:512] + b"\xff" * 512 + data[512:]
    path = tmp_path / "pkg-1.0.tar"
    path.write_bytes(damaged)
    with pytest.raises(CorruptArchive, match="after the end-of-archive marker"):
        read_distribution(path)


def test_limits_stop_reading_and_say_which_option(tmp_path: Path) -> None:
    sdist = write_tar(tmp_path / "pkg-1.0.tar.gz", sdist_entries(*(Entry(f"pkg-1.0/m{i}.py", b"x") for i in range(20))))
    assert read_distribution(sdist, Limits(max_members=5)).limit_exceeded == "more than 5 members (max-members)"
    big = write_tar(tmp_path / "big-1.0.tar.gz", sdist_entries(Entry("pkg-1.0/zeros", bytes(3 * 1024**2))))
    stopped = read_distribution(big, Limits(max_compression_ratio=10.0))
    assert stopped.limit_exceeded is not None and "max-compression-ratio" in stopped.limit_exceeded
    assert read_distribution(big, Limits(max_compression_ratio=100_000.0)).limit_exceeded is None


def test_printable_name_escapes_undecodable_bytes() -> None:
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")
    assert printable_name(raw) == "caf\\xe9"
    assert printable_name("café") == "café"


def test_reader_defaults_are_the_documented_option_defaults(tmp_path: Path) -> None:
    # `check`, `build` and a bare read_distribution() must stop at the same places.
    from deploypack.config.options import Options
    from deploypack.read.collect import limits_of

    assert limits_of(Options(project_dir=tmp_path, outdir=tmp_path / "dist")) == Limits()
    assert Limits() == Limits(max_members=200_000, max_unpacked_size=4 * 1024**3, max_compression_ratio=200.0)


def test_printable_name_of_a_surrogate_that_is_no_byte() -> None:
    assert printable_name("a\ud800b") == "a\\ud800b"
    printable_name("a\ud800b").encode("utf-8")
