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
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Literal, NamedTuple

from deploypack.read import inflate

BLOCK = 512
_CHUNK = 4 * 1024 * 1024  # large: fewer hand-overs between the inflating thread and the parser
_REGULAR = (b"0", b"\0", b"7")  # tarfile's REGTYPE, AREGTYPE, CONTTYPE
MemberType = Literal["file", "dir", "symlink", "hardlink", "other"]
_TYPES: dict[bytes, MemberType] = {b"0": "file", b"\0": "file", b"7": "file", b"1": "hardlink", b"2": "symlink",
          b"3": "other", b"4": "other", b"5": "dir", b"6": "other"}
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")


class Unusual(Exception):
    """Not a plain archive this reader vouches for: read it with tarfile instead."""


class RawMember(NamedTuple):
    name: str
    type: MemberType
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
    try:  # the usual "0000644\0" or "012345\0 ", in one step
        return int(field.rstrip(b"\0 ") or b"0", 8)
    except ValueError:
        pass  # something after a NUL: read as tarfile does, below
    end = field.find(b"\0")
    text = (field if end < 0 else field[:end]).strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise Unusual("a number that is not octal") from None


def _checksum_ok(block: bytes) -> bool:
    stored_field = block[148:156]
    stored = _number(stored_field)
    # The checksum field itself counts as eight spaces (8 * 32 = 256).
    unsigned = sum(block) - sum(stored_field) + 256
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
    for key in records:
        if key == "hdrcharset" or key.startswith("GNU.sparse"):
            raise Unusual("a pax header with a charset or sparse map")
    return records


class _Window:
    """The decompressed stream through a sliding buffer: headers are sliced out of large
    chunks instead of read 512 bytes at a time through the decompressor's file object."""

    def __init__(self, chunks: Iterator[bytes], spend: Callable[[int], None]) -> None:
        self._chunks = chunks
        self._spend = spend
        self.buffer = b""
        self.position = 0

    def available(self, size: int) -> bool:
        """Whether `size` more bytes exist (pulling chunks as needed); False at the end."""
        have = len(self.buffer) - self.position
        if have >= size:
            return True
        parts = [self.buffer[self.position:]]
        while have < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._spend(len(chunk))
            parts.append(chunk)
            have += len(chunk)
        self.buffer = b"".join(parts)
        self.position = 0
        return have >= size

    def exact(self, size: int) -> bytes:
        start = self.position
        if len(self.buffer) - start < size:  # else the common case: sliced without a refill
            if not self.available(size):
                raise Unusual("truncated")
            start = self.position
        self.position = start + size
        return self.buffer[start:self.position]

    def data(self, size: int, keep: bool) -> tuple[bytes, bytes | None]:
        """A member's content (hashed, kept if asked), and its padding skipped."""
        start = self.position
        padded = size + (-size % BLOCK)
        if len(self.buffer) - start >= padded:  # the common case: all of it in the buffer
            self.position = start + padded
            content = memoryview(self.buffer)[start:start + size]
            return hashlib.sha256(content).digest(), (bytes(content) if keep else None)
        digest = hashlib.sha256()
        kept: list[bytes] | None = [] if keep else None
        left = size
        while left:
            if not self.available(1):
                raise Unusual("truncated")
            take = min(left, len(self.buffer) - self.position)
            piece = memoryview(self.buffer)[self.position:self.position + take]
            digest.update(piece)
            if kept is not None:
                kept.append(bytes(piece))
            self.position += take
            left -= take
        self.exact(-size % BLOCK)
        return digest.digest(), (b"".join(kept) if kept is not None else None)

    def rest_is_zeros(self) -> bool:
        """After the end marker only zero padding may follow (else a header was damaged)."""
        rest = self.buffer[self.position:]
        while True:
            if rest.count(0) != len(rest):
                return False
            chunk = next(self._chunks, None)
            if chunk is None:
                return True
            self._spend(len(chunk))
            rest = chunk


def read_plain_tar(
    chunks: Iterable[bytes],
    spend: Callable[[int], None],
    keep: Callable[[str, int], bool],
    max_members: int,
) -> list[RawMember]:
    """Every member of a plain tar stream (given as decompressed chunks), or Unusual. `spend`
    is told each chunk's size and may raise to stop at a limit (the caller then falls back
    too); `keep(name, size)` says which contents to return."""
    window = _Window(iter(chunks), spend)
    members: list[RawMember] = []
    pax: dict[str, str] = {}
    while (block := _next_header(window, members, pax)) is not None:
        kind = block[156:157]
        size = _number(block[124:136])
        if kind == b"x":
            if pax:
                raise Unusual("two pax headers for one member")
            pax = _pax_records(window.exact(size + (-size % BLOCK))[:size]) or {"": ""}
            continue
        if kind not in _TYPES:
            raise Unusual(f"member type {kind!r}")
        kind, name, linkname, size = _header_fields(block, kind, size, pax)
        pax = {}
        if len(members) >= max_members:
            raise Unusual("the member limit")
        digest = data = None
        if kind in _REGULAR:
            relative = name.split("/", 1)[1] if "/" in name else ""
            digest, data = window.data(size, keep(relative, size))
        members.append(RawMember(name, _TYPES[kind], size, _number(block[100:108]), linkname, digest, data))
    return members


def _next_header(window: _Window, members: list[RawMember], pax: dict[str, str]) -> bytes | None:
    """The next header block, or None at a sound end of the archive (a damaged end is Unusual)."""
    if not window.available(BLOCK):
        if window.position != len(window.buffer):
            raise Unusual("truncated header")
        if not members or pax:
            raise Unusual("no member, or a pax header without its member")
        return None
    block = window.exact(BLOCK)
    if block[0] == 0 and block.count(0) == BLOCK:  # a header's name never starts with NUL
        if not members or pax:
            raise Unusual("an empty archive")
        if not window.rest_is_zeros():
            raise Unusual("data after the end-of-archive marker")
        return None
    if not _checksum_ok(block):
        raise Unusual("bad checksum")
    return block


def _header_fields(block: bytes, kind: bytes, size: int, pax: dict[str, str]) -> tuple[bytes, str, str, int]:
    """A member's kind, name, link target and size: the ustar header's, overridden by the pax
    header before it."""
    name = _text(block[0:100])
    # Most members have neither a link target nor a ustar prefix: skip decoding empty fields.
    linkname = _text(block[157:257]) if block[157] else ""
    prefix = _text(block[345:500]) if block[345] else ""
    if kind == b"\0" and name.endswith("/"):
        kind = b"5"
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
    if kind == b"5":
        name = name.rstrip("/")
    return kind, name, linkname, size


def gzip_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The decompressed content of a single-member gzip file, in chunks of at most _CHUNK bytes.
    zlib checks the trailer's CRC and length; a second member, trailing bytes or a truncated
    stream are Unusual (tarfile's reader, over GzipFile, then decides)."""
    inflater = inflate.decompressobj(31)
    while compressed := handle.read(_CHUNK // 4):
        while compressed:
            out = inflater.decompress(compressed, _CHUNK)
            compressed = inflater.unconsumed_tail
            if out:
                yield out
            if inflater.eof:
                if inflater.unused_data or compressed or handle.read(1):
                    raise Unusual("data after the gzip stream")
                return
    raise Unusual("a truncated gzip stream")


def stream_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk
