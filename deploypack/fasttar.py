"""A fast reader for the plain tar archives that sdists are, with tarfile as the authority.

tarfile spends most of a large sdist's read on per-header Python work (Django's sdist has a
pax header for each of its 10 000 members). This reader handles only the plain, well-formed
case — ustar headers with valid checksums, pax extended headers carrying path, linkpath and
size, regular files, directories, links and special files — and gives up (`Unusual`) on
anything else: GNU long names and sparse files, global pax headers, non-UTF-8 names, base-256
numbers, damaged or truncated data, a limit reached. The caller then reads the archive again
with tarfile, whose findings stay the reference; a test holds both readers to the same
result on every archive this one accepts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import IO, NamedTuple

BLOCK = 512
_CHUNK = 1024 * 1024
_REGULAR = (b"0", b"\0", b"7")  # tarfile's REGTYPE, AREGTYPE, CONTTYPE
_TYPES = {b"0": "file", b"\0": "file", b"7": "file", b"1": "hardlink", b"2": "symlink",
          b"3": "other", b"4": "other", b"5": "dir", b"6": "other"}
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")


class Unusual(Exception):
    """Not a plain archive this reader vouches for: read it with tarfile instead."""


class RawMember(NamedTuple):
    name: str
    type: str
    size: int
    mode: int
    linkname: str
    sha256: bytes | None
    data: bytes | None  # content, when `keep` asked for it


def _text(field: bytes) -> str:
    end = field.find(b"\0")
    try:
        return (field if end < 0 else field[:end]).decode("utf-8")
    except UnicodeDecodeError:
        raise Unusual("a name that is not UTF-8") from None


def _number(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):
        raise Unusual("a base-256 number")
    end = field.find(b"\0")
    text = (field if end < 0 else field[:end]).strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise Unusual("a number that is not octal") from None


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156])
    unsigned = 256 + sum(block[:148]) + sum(block[156:])
    if stored == unsigned:
        return True
    signed = 256 + sum((b - 256 if b > 127 else b) for b in block[:148] + block[156:])
    return stored == signed


def _pax_records(data: bytes) -> dict[str, str]:
    """The records tarfile would read, failing where its decoding would fall back."""
    records: dict[str, str] = {}
    position = 0
    while (match := _PAX_RECORD.match(data, position)) is not None:
        length = int(match.group(1))
        if length == 0:
            raise Unusual("an empty pax record")
        value = data[match.end(2) + 1: match.start(1) + length - 1]
        try:
            records[match.group(2).decode("utf-8")] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise Unusual("a pax record that is not UTF-8") from None
        position += length
    if "hdrcharset" in records or any(key.startswith("GNU.sparse") for key in records):
        raise Unusual("a pax header with a charset or sparse map")
    return records


class _Reader:
    def __init__(self, stream: IO[bytes], spend: Callable[[int], None]) -> None:
        self.stream = stream
        self.spend = spend

    def exact(self, size: int) -> bytes:
        data = self.stream.read(size)
        if len(data) != size:
            raise Unusual("truncated")
        return data

    def data(self, size: int, keep: bool) -> tuple[bytes, bytes | None]:
        """A member's content (hashed, kept if asked) and its padding."""
        digest = hashlib.sha256()
        kept: list[bytes] | None = [] if keep else None
        left = size
        while left:
            chunk = self.exact(min(left, _CHUNK))
            self.spend(len(chunk))
            digest.update(chunk)
            if kept is not None:
                kept.append(chunk)
            left -= len(chunk)
        self.exact(-size % BLOCK)
        return digest.digest(), (b"".join(kept) if kept is not None else None)


def read_plain_tar(
    stream: IO[bytes],
    spend: Callable[[int], None],
    keep: Callable[[str, int], bool],
    max_members: int,
) -> list[RawMember]:
    """Every member of a plain tar stream, or Unusual. `spend` may raise to stop at a limit
    (the caller then falls back too); `keep(name, size)` says which contents to return."""
    reader = _Reader(stream, spend)
    members: list[RawMember] = []
    pax: dict[str, str] = {}
    while True:
        block = stream.read(BLOCK)
        if not block:
            if not members or pax:
                raise Unusual("no member, or a pax header without its member")
            return members
        if len(block) != BLOCK:
            raise Unusual("truncated header")
        if block.count(0) == BLOCK:
            if not members or pax:
                raise Unusual("an empty archive")
            reader.spend(BLOCK)  # counted as tarfile's reader counts it: from the end marker on
            _zeros_to_the_end(reader)
            return members
        if not _checksum_ok(block):
            raise Unusual("bad checksum")
        kind = block[156:157]
        size = _number(block[124:136])
        if kind == b"x":
            if pax:
                raise Unusual("two pax headers for one member")
            pax = _pax_records(reader.exact(size + (-size % BLOCK))[:size]) or {"": ""}
            continue
        if kind not in _TYPES:
            raise Unusual(f"member type {kind!r}")
        name = _text(block[0:100])
        linkname = _text(block[157:257])
        prefix = _text(block[345:500])
        if kind == b"\0" and name.endswith("/"):
            kind = b"5"
        if kind == b"5":
            name = name.rstrip("/")
        if prefix:
            name = prefix + "/" + name
        if "path" in pax:
            name = pax["path"].rstrip("/")
        if "linkpath" in pax:
            linkname = pax["linkpath"]
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise Unusual("a pax size that is not a number") from None
        pax = {}
        if kind == b"5":
            name = name.rstrip("/")
        if len(members) >= max_members:
            raise Unusual("the member limit")
        digest = data = None
        if kind in _REGULAR:
            relative = name.split("/", 1)[1] if "/" in name else ""
            digest, data = reader.data(size, keep(relative, size))
        members.append(RawMember(name, _TYPES[kind], size, _number(block[100:108]), linkname, digest, data))


def _zeros_to_the_end(reader: _Reader) -> None:
    """After the end marker only zero padding may follow (else a header was damaged)."""
    while chunk := reader.stream.read(_CHUNK):
        reader.spend(len(chunk))
        if chunk.count(0) != len(chunk):
            raise Unusual("data after the end-of-archive marker")
