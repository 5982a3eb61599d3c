"""Members of a wheel read straight from the mapped file, with zipfile as the authority.

zipfile costs tens of microseconds of Python per member (open, local header, a reader object,
small reads); a wheel of thousands of modules spends most of its read there. This reader takes
zipfile's central directory as is and, per member, handles only the plain case — stored or
deflated, not encrypted, the local header's name equal to the directory's, the data inside the
member's own span, exactly the declared size inflated, CRC-32 matching — and returns None for
anything else, so the caller reads that member through zipfile, which reports what is wrong.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import mmap
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import IO

from deploypack.read import inflate

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_UNUSUAL_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, compressed patch data, strong encryption
_UTF8_FLAG = 0x800
_CHUNK = 1024 * 1024


@contextlib.contextmanager
def mapped(handle: IO[bytes]) -> Iterator[memoryview | None]:
    """The file's bytes without reading them into memory; None where it cannot be mapped."""
    try:
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        yield None
        return
    view = memoryview(mapping)
    try:
        yield view
    finally:
        view.release()
        # A slice still referenced (by a traceback on the way out) keeps the mapping open
        # until it is collected; closing it under the slice would be unsafe.
        with contextlib.suppress(BufferError):
            mapping.close()


def member_ends(infos: Sequence[zipfile.ZipInfo], archive_end: int) -> dict[int, int]:
    """Header offset -> where the next member's header begins: a member's data must end there
    (members that overlap are how some zip bombs inflate one stream many times)."""
    shared = collections.Counter(info.header_offset for info in infos)
    offsets = sorted(shared)
    ends = {offset: following for offset, following in zip(offsets, [*offsets[1:], archive_end], strict=True)}
    # Two entries naming one local header: left to zipfile (its newer versions refuse them).
    return {offset: (-1 if shared[offset] > 1 else end) for offset, end in ends.items()}


Read = tuple[bytes, bytes | None, int]  # sha256 digest, the content if kept, bytes inflated


def read_member(view: memoryview, info: zipfile.ZipInfo, end: int, keep: bool) -> Read | None:
    """(sha256 digest, the content if `keep`, bytes inflated) of a plain member, or None."""
    offset = info.header_offset
    if info.compress_type not in (_STORED, _DEFLATED) or info.flag_bits & _UNUSUAL_FLAGS:
        return None
    if offset < 0 or offset + _LOCAL_HEADER.size > end:
        return None
    fields = _LOCAL_HEADER.unpack_from(view, offset)
    signature, flags, method, name_length, extra_length = fields[0], fields[3], fields[4], fields[10], fields[11]
    if signature != _LOCAL_SIGNATURE or method != info.compress_type or flags & _UNUSUAL_FLAGS:
        return None
    name_start = offset + _LOCAL_HEADER.size
    try:
        name = bytes(view[name_start:name_start + name_length]).decode("utf-8" if flags & _UTF8_FLAG else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    start = name_start + name_length + extra_length
    stop = start + info.compress_size
    if stop > end:
        return None
    data = view[start:stop]
    if method == _STORED:
        return _stored(data, info, keep)
    try:
        return _deflated(data, info, keep)
    except inflate.ERRORS:
        return None  # damaged: zipfile reads it again and says how


def _stored(data: memoryview, info: zipfile.ZipInfo, keep: bool) -> Read | None:
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        return None
    return hashlib.sha256(data).digest(), (bytes(data) if keep else None), len(data)


def _deflated(data: memoryview, info: zipfile.ZipInfo, keep: bool) -> Read | None:
    inflater = inflate.decompressobj(-15)
    digest = hashlib.sha256()
    crc = 0
    kept: list[bytes] = []
    produced = 0
    pending: bytes | memoryview = data
    while True:
        # Never more than the declared size (plus one byte to notice a lie), a chunk at a time.
        out = inflater.decompress(pending, min(_CHUNK, info.file_size - produced + 1))
        pending = inflater.unconsumed_tail
        produced += len(out)
        if produced > info.file_size:
            return None
        digest.update(out)
        crc = zlib.crc32(out, crc)
        if keep:
            kept.append(out)
        if inflater.eof or not out:
            break
    if not inflater.eof or produced != info.file_size or crc != info.CRC:
        return None
    return digest.digest(), (b"".join(kept) if keep else None), produced
