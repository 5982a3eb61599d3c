"""The fast tar reader must agree with tarfile on every archive it accepts, and decline the rest."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploypack.read import archives as distributions
from deploypack.read import fasttar

LIMITS = distributions.Limits()


def write_sdist(path: Path, entries: list[tuple[str, str, bytes]], fmt: int = tarfile.PAX_FORMAT) -> Path:
    """entries: (name under the top directory, kind, content or link target)."""
    with tarfile.open(path, "w:gz", format=fmt) as archive:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(f"demo-1.0/{name}" if name else "demo-1.0")
            info.mtime = 1_700_000_000
            if kind == "file":
                info.size = len(payload)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.mode = 0o755
            if kind in ("symlink", "hardlink"):
                info.linkname = payload.decode()
            archive.addfile(info)
    return path


def both(path: Path) -> tuple[object, object]:
    return distributions._read_sdist_fast(path, LIMITS), distributions._read_sdist_with_tarfile(path, LIMITS)


ENTRIES = [
    ("", "dir", b""),
    ("PKG-INFO", "file", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
    ("setup.py", "file", b"from setuptools import setup\nsetup()\n"),
    ("empty.txt", "file", b""),
    ("pkg", "dir", b""),
    ("pkg/__init__.py", "file", b"x = 1\n" * 5000),
    ("pkg/" + "deep/" * 30 + "long_name_module.py", "file", b"long = True\n"),  # needs a long name
    ("pkg/caf\u00e9.txt", "file", b"non-ASCII name"),
    ("link", "symlink", b"pkg/__init__.py"),
    ("hard", "hardlink", b"demo-1.0/setup.py"),
    ("pipe", "fifo", b""),
]


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_agrees_with_tarfile(fmt: int, tmp_path: Path) -> None:
    short_ascii = [e for e in ENTRIES if "deep/" not in e[0] and "caf" not in e[0]]  # what ustar can store
    entries = ENTRIES if fmt == tarfile.PAX_FORMAT else short_ascii
    fast, slow = both(write_sdist(tmp_path / "demo-1.0.tar.gz", entries, fmt))
    assert fast is not None, "a plain archive must take the fast path"
    assert fast == slow


def test_declines_gnu_long_names_and_tarfile_reads_them(tmp_path: Path) -> None:
    path = write_sdist(tmp_path / "demo-1.0.tar.gz", ENTRIES[:3] + [ENTRIES[6]], tarfile.GNU_FORMAT)
    fast, slow = both(path)
    assert fast is None
    assert any("long_name_module.py" in member.name for member in slow[0])  # type: ignore[index]


def damaged(tmp_path: Path, how: str) -> Path:
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, payload in (("demo-1.0/a.txt", b"a" * 700), ("demo-1.0/b.txt", b"b")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    raw = bytearray(plain.getvalue())
    if how == "checksum":
        raw[512 * 3 + 10] ^= 0x01  # a byte of the second member's pax header block
    elif how == "trailing-garbage":
        raw[-100] = 0x41
    elif how == "truncated":
        raw = raw[:512 * 4 + 100]
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(gzip.compress(bytes(raw)))
    return path


@pytest.mark.parametrize("how", ["checksum", "trailing-garbage", "truncated"])
def test_declines_damage_and_the_public_reader_still_reports_it(how: str, tmp_path: Path) -> None:
    path = damaged(tmp_path, how)
    assert distributions._read_sdist_fast(path, LIMITS) is None
    with pytest.raises(distributions.CorruptArchive):
        distributions.read_distribution(path, LIMITS)


def test_declines_at_the_member_limit_so_tarfile_reports_it(tmp_path: Path) -> None:
    path = write_sdist(tmp_path / "demo-1.0.tar.gz", ENTRIES)
    limits = distributions.Limits(max_members=3)
    assert distributions._read_sdist_fast(path, limits) is None
    assert distributions.read_distribution(path, limits).limit_exceeded


NAMES = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="/\\"),
                min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.lists(NAMES, min_size=1, max_size=6).map("/".join),
                          st.sampled_from(["file", "dir", "symlink"]), st.binary(max_size=3000)),
                min_size=1, max_size=12, unique_by=lambda entry: entry[0]),
       fmt=st.sampled_from([tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]))
def test_any_member_list_reads_the_same_both_ways(entries: list, fmt: int, tmp_path_factory) -> None:
    entries = [(name, kind, b"target" if kind == "symlink" else payload) for name, kind, payload in entries]
    try:
        path = write_sdist(tmp_path_factory.mktemp("fuzz") / "demo-1.0.tar.gz", entries, fmt)
    except ValueError:
        return  # a name ustar cannot store
    fast, slow = both(path)
    if fmt == tarfile.PAX_FORMAT:
        assert fast is not None, "pax archives of UTF-8 names are plain"
    if fast is not None:
        assert fast == slow


def test_reader_stops_cleanly_on_random_bytes() -> None:
    for data in (b"", b"\0" * 1024, b"x" * 512, bytes(range(256)) * 4):
        with pytest.raises(fasttar.Unusual):
            fasttar.read_plain_tar([data], lambda n: None, lambda name, size: False, 10)


@pytest.mark.parametrize("inflater", ["isal", "zlib"])
def test_both_inflaters_read_sdists_alike_and_decline_damage(inflater: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from deploypack.read import inflate

    if inflater == "zlib":
        monkeypatch.setattr(inflate, "_isal", None)
    elif inflate.backend() != "isal":
        pytest.skip("python-isal is not installed")
    fast, slow = both(write_sdist(tmp_path / "demo-1.0.tar.gz", ENTRIES))
    assert fast is not None and fast == slow
    for how in ("checksum", "trailing-garbage", "truncated"):
        path = damaged(tmp_path, how)
        assert distributions._read_sdist_fast(path, LIMITS) is None
    path = tmp_path / "demo-1.0.tar.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[:-8] + bytes([raw[-8] ^ 1]) + raw[-7:])  # the gzip trailer's CRC
    assert distributions._read_sdist_fast(path, LIMITS) is None
    with pytest.raises(distributions.CorruptArchive):
        distributions.read_distribution(path, LIMITS)
