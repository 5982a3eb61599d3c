"""The fast wheel reader must agree with zipfile on every member it reads, and leave the rest to it."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploypack.read import archives as distributions
from deploypack.read import fastzip

LIMITS = distributions.Limits()


def write_wheel(path: Path, entries: list[tuple[str, bytes, int]]) -> Path:
    """entries: (name, content, compression); a name ending in / is a directory."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content, compression in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            archive.writestr(info, content)
    return path


def fast_members_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the members the fast path read itself (the real function, observed)."""
    taken: list[str] = []
    real = fastzip.read_member

    def observed(view, info, end, keep):  # type: ignore[no-untyped-def]
        result = real(view, info, end, keep)
        if result is not None:
            taken.append(info.filename)
        return result

    monkeypatch.setattr(fastzip, "read_member", observed)
    return taken


def both(path: Path) -> tuple[object, object]:
    return distributions._read_wheel(path, LIMITS), distributions._read_wheel(path, LIMITS, fast=False)


ENTRIES = [
    ("demo/", b"", zipfile.ZIP_STORED),
    ("demo/__init__.py", b"x = 1\n" * 4000, zipfile.ZIP_DEFLATED),
    ("demo/empty.py", b"", zipfile.ZIP_DEFLATED),
    ("demo/stored.bin", bytes(range(256)) * 40, zipfile.ZIP_STORED),
    ("demo/caf\u00e9.txt", b"non-ASCII name", zipfile.ZIP_DEFLATED),
    ("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", zipfile.ZIP_DEFLATED),
    ("demo-1.0.dist-info/RECORD", b"", zipfile.ZIP_DEFLATED),
]


def test_plain_wheel_is_read_fast_and_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", ENTRIES)
    taken = fast_members_read(monkeypatch)
    fast, slow = both(path)
    assert fast == slow
    assert sorted(taken) == sorted(name for name, _, _ in ENTRIES if not name.endswith("/"))


def test_large_member_is_inflated_in_chunks(tmp_path: Path) -> None:
    content = bytes(range(256)) * (3 * 1024 * 1024 // 256 + 7)  # larger than one chunk and the keep limit
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", [("demo/big.bin", content, zipfile.ZIP_DEFLATED)])
    fast, slow = both(path)
    assert fast == slow


def corrupt(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("demo/__init__.py")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if how == "crc":
        raw[data_start + 5] ^= 0xFF
    elif how == "local-name":
        raw[info.header_offset + 30] ^= 0x01  # the first letter of the local header's name
    elif how == "signature":
        raw[info.header_offset] = 0x00
    elif how == "declared-size":
        # The central directory says one byte more than the data inflates to.
        central = raw.find(b"PK\x01\x02")
        while raw[central + 46:central + 46 + len(info.filename)] != info.filename.encode():
            central = raw.find(b"PK\x01\x02", central + 1)
        (size,) = struct.unpack_from("<L", raw, central + 24)
        struct.pack_into("<L", raw, central + 24, size + 1)
    path.write_bytes(bytes(raw))


def outcome(path: Path, fast: bool) -> object:
    try:
        return distributions._read_wheel(path, LIMITS, fast=fast)
    except distributions.CorruptArchive as error:
        return error.message


@pytest.mark.parametrize("how", ["crc", "local-name", "signature", "declared-size"])
def test_damage_is_left_to_zipfile(how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", ENTRIES)
    corrupt(path, how)
    taken = fast_members_read(monkeypatch)
    assert outcome(path, fast=True) == outcome(path, fast=False)
    assert "demo/__init__.py" not in taken
    if how != "declared-size":  # zipfile itself accepts a member shorter than declared
        with pytest.raises(distributions.CorruptArchive):
            distributions.read_distribution(path, LIMITS)


def test_two_entries_sharing_one_header_are_left_to_zipfile(tmp_path: Path) -> None:
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", ENTRIES[:2])
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    twin = zipfile.ZipInfo("demo/twin.py")
    twin.header_offset = infos[1].header_offset
    ends = fastzip.member_ends([*infos, twin], 10_000)
    assert ends[infos[1].header_offset] == -1
    assert ends[infos[0].header_offset] == infos[1].header_offset


NAMES = st.text(alphabet=st.characters(min_codepoint=48, max_codepoint=0x2FF, exclude_characters="/\\"),
                min_size=1, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(
    st.tuples(st.lists(NAMES, min_size=1, max_size=4).map("/".join), st.binary(max_size=5000),
              st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])),
    min_size=1, max_size=10, unique_by=lambda entry: entry[0]))
def test_any_wheel_reads_the_same_both_ways(entries: list, tmp_path_factory) -> None:
    path = write_wheel(tmp_path_factory.mktemp("fuzz") / "demo-1.0-py3-none-any.whl", entries)
    fast, slow = both(path)
    assert fast == slow


@pytest.fixture(params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each reader test below runs with python-isal (when installed) and with zlib."""
    from deploypack.read import inflate

    if request.param == "zlib":
        monkeypatch.setattr(inflate, "_isal", None)
    elif inflate.backend() != "isal":
        pytest.skip("python-isal is not installed")
    return request.param


@pytest.mark.parametrize("how", ["crc", "truncated"])
def test_both_inflaters_read_alike_and_decline_damage(how: str, inflater: str, tmp_path: Path) -> None:
    from deploypack.read import inflate

    assert inflate.backend() == inflater
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", ENTRIES)
    fast, slow = both(path)
    assert fast == slow
    corrupt(path, "crc") if how == "crc" else path.write_bytes(path.read_bytes()[:-200])
    assert outcome(path, fast=True) == outcome(path, fast=False)
