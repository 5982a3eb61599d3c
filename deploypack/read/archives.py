"""The built distributions, read once, streaming, without extracting anything to disk.

Every check works on these parsed values: member list with sizes, modes, link targets and
content hashes, the small files checks need to read (metadata, RECORD, configuration), and
the core metadata parsed with pkginfo. Reading enforces limits (member count, unpacked
size, compression ratio) so that a hostile archive cannot exhaust memory or disk.
"""

from __future__ import annotations

import bz2
import collections
import contextlib
import dataclasses
import gzip
import hashlib
import lzma
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Literal, cast

import pkginfo

from deploypack.core.errors import DeploypackError, ExitCode
from deploypack.read import fasttar, fastzip, inflate
from deploypack.read.readahead import readahead

Kind = Literal["sdist", "wheel"]
MemberType = fasttar.MemberType

# Small files whose content checks read; everything else is only hashed.
_KEEP_SUFFIXES = ("PKG-INFO", "METADATA", "RECORD", "WHEEL", "entry_points.txt", "top_level.txt",
                  "pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in")
_KEEP_LIMIT = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


class CorruptArchive(DeploypackError):
    """An archive that cannot be read as what its name says it is."""

    exit_code = ExitCode.FINDINGS


@dataclasses.dataclass(frozen=True)
class Limits:
    max_members: int = 200_000
    max_unpacked_size: int = 4 * 1024**3
    max_compression_ratio: float = 200.0


@dataclasses.dataclass(frozen=True)
class Member:
    """One archive member. `name` is the path as stored; `path` is relative to the project
    root for an sdist (the `name-version/` prefix removed) and equal to `name` for a wheel."""

    name: str
    path: str
    type: MemberType
    size: int
    mode: int
    sha256: bytes | None = None  # of the content, for files
    link_target: str | None = None
    compressed_size: int | None = None  # zip only
    # The stored name is not UTF-8 (tar), or not marked UTF-8 (zip); `name` is then a printable
    # form with the undecodable bytes escaped.
    undecodable_name: bool = False

    @property
    def is_file(self) -> bool:
        return self.type == "file"


@dataclasses.dataclass
class Distribution:
    path: Path
    kind: Kind
    size: int
    sha256: str
    members: list[Member]
    contents: dict[str, bytes]  # member path -> content, for the small files checks read
    metadata_path: str | None
    metadata: pkginfo.Distribution | None
    metadata_bytes: bytes | None
    limit_exceeded: str | None = None  # why reading stopped early, if it did

    @property
    def filename(self) -> str:
        return self.path.name

    def member(self, path: str) -> Member | None:
        return self._index().get(path)

    def _index(self) -> dict[str, Member]:
        index = getattr(self, "_member_index", None)
        if index is None:
            index = {member.path: member for member in self.members}
            self._member_index = index
        return index

    def files(self) -> Iterator[Member]:
        return (member for member in self.members if member.is_file)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_distribution(path: Path, limits: Limits = Limits()) -> Distribution:
    """Parse an sdist (`.tar.gz`) or a wheel (`.whl`); raise CorruptArchive when unreadable."""
    name = path.name
    if name.endswith(".whl"):
        members, contents, exceeded = _read_wheel(path, limits)
        kind: Kind = "wheel"
        metadata_path = next(
            (m.path for m in members if m.path.count("/") == 1 and m.path.endswith(".dist-info/METADATA")), None
        )
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        members, contents, exceeded = _read_sdist(path, limits)
        kind = "sdist"
        metadata_path = "PKG-INFO" if "PKG-INFO" in contents else None
    elif name.endswith(".zip"):
        raise CorruptArchive(f"{name}: zip sdists are no longer accepted by the index; build a .tar.gz (PEP 625)")
    else:
        raise CorruptArchive(f"{name}: not a distribution (expected .whl or .tar.gz)")
    metadata_bytes = contents.get(metadata_path) if metadata_path else None
    metadata = _parse_metadata(metadata_bytes) if metadata_bytes is not None else None
    return Distribution(
        path=path,
        kind=kind,
        size=path.stat().st_size,
        sha256=file_sha256(path),
        members=members,
        contents=contents,
        metadata_path=metadata_path,
        metadata=metadata,
        metadata_bytes=metadata_bytes,
        limit_exceeded=exceeded,
    )


def _parse_metadata(data: bytes) -> pkginfo.Distribution:
    distribution = pkginfo.Distribution()
    distribution.parse(data)
    return distribution


def _hash_stream(stream: IO[bytes], budget: _Budget) -> bytes:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        budget.spend(len(chunk))
        digest.update(chunk)
    return digest.digest()


class _LimitExceeded(Exception):
    pass


class _Budget:
    """Bytes a reader may still unpack: the size limit, and the ratio limit relative to the
    archive's own size (a small archive that inflates enormously is a bomb, whatever its total)."""

    def __init__(self, limits: Limits, archive_size: int) -> None:
        by_ratio = max(_RATIO_FLOOR, int(limits.max_compression_ratio * archive_size))
        self.left = min(limits.max_unpacked_size, by_ratio)
        self.reason = (
            f"more than {limits.max_unpacked_size} bytes unpacked (max-unpacked-size)"
            if limits.max_unpacked_size <= by_ratio
            else f"it inflates more than {limits.max_compression_ratio:g} times its {archive_size}-byte size "
            "(max-compression-ratio)"
        )

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise _LimitExceeded(self.reason)


# Below this many unpacked bytes the ratio limit does not apply: tiny archives of text
# compress far better than 200:1 and are harmless.
_RATIO_FLOOR = 1024 * 1024
# Errors the decompressors and parsers raise on damaged input, beyond their own classes.
_DAMAGED: tuple[type[Exception], ...] = (
    tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
    lzma.LZMAError, ValueError, NotImplementedError, RuntimeError, struct.error, OverflowError,
    IndexError,  # zipfile's extra-field parser indexes past the end of a damaged field
    *inflate.ERRORS,
)
# Anything that makes the fast sdist reader give up (tarfile then reads and judges the archive).
_FALL_BACK: tuple[type[Exception], ...] = (fasttar.Unusual, _LimitExceeded, *_DAMAGED)


def _keep(path: str, size: int) -> bool:
    return size <= _KEEP_LIMIT and (path.endswith(_KEEP_SUFFIXES) or path.count("/") == 0)


def printable_name(name: str) -> str:
    """A member name that can be printed and encoded whatever bytes it was made of."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that does not stand for a byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _undecodable(name: str) -> bool:
    # tarfile decodes names with surrogateescape: undecodable bytes become lone surrogates.
    return not name.isascii() and any("\ud800" <= char <= "\udfff" for char in name)


def _tar_member_type(info: tarfile.TarInfo) -> MemberType:
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    return "other"  # character or block device, FIFO, or a type tarfile does not know


def _read_sdist(path: Path, limits: Limits) -> tuple[list[Member], dict[str, bytes], str | None]:
    """The plain archive most sdists are, read fast; anything else read by tarfile."""
    fast = _read_sdist_fast(path, limits)
    return fast if fast is not None else _read_sdist_with_tarfile(path, limits)


def _read_sdist_fast(path: Path, limits: Limits) -> tuple[list[Member], dict[str, bytes], None] | None:
    budget = _Budget(limits, path.stat().st_size)
    try:
        with open(path, "rb") as handle, contextlib.closing(readahead(_decompressed_chunks(handle))) as chunks:
            raw = fasttar.read_plain_tar(chunks, budget.spend, _keep, limits.max_members)
    except _FALL_BACK:
        return None  # tarfile reads it again and reports what is wrong
    members: list[Member] = []
    contents: dict[str, bytes] = {}
    for item in raw:
        relative = item.name.split("/", 1)[1] if "/" in item.name else ""
        if item.data is not None:
            contents[relative] = item.data
        members.append(Member(
            name=item.name, path=relative, type=item.type, size=item.size, mode=item.mode,
            sha256=item.sha256, link_target=item.linkname or None,
        ))
    return members, contents, None


def _read_sdist_with_tarfile(path: Path, limits: Limits) -> tuple[list[Member], dict[str, bytes], str | None]:
    members: list[Member] = []
    contents: dict[str, bytes] = {}
    budget = _Budget(limits, path.stat().st_size)
    exceeded: str | None = None
    try:
        with open(path, "rb") as handle:
            archive, recorder = _open_tar(handle)
            while (info := archive.next()) is not None:
                # Stream mode keeps every TarInfo it has read; a tar bomb of millions of empty
                # members would fill memory with them, and nothing here needs them again.
                archive.members.clear()  # type: ignore[attr-defined]  # typeshed leaves out TarFile.members
                if len(members) >= limits.max_members:
                    exceeded = f"more than {limits.max_members} members (max-members)"
                    break
                undecodable = _undecodable(info.name) or _undecodable(info.linkname)
                name = printable_name(info.name) if undecodable else info.name
                relative = name.split("/", 1)[1] if "/" in name else ""
                member_type = _tar_member_type(info)
                digest = None
                if member_type == "file" and info.size == 0:
                    digest = _EMPTY_SHA256  # skips the per-member stream set-up: tar bombs are empty files
                    if _keep(relative, 0):
                        contents[relative] = b""
                elif member_type == "file":
                    stream = archive.extractfile(info)
                    if stream is None:
                        raise tarfile.ReadError(f"member {name!r} has no data")
                    if _keep(relative, info.size):
                        data = stream.read()
                        budget.spend(len(data))
                        contents[relative] = data
                        digest = hashlib.sha256(data).digest()
                    else:
                        digest = _hash_stream(stream, budget)
                members.append(Member(
                    name=name, path=relative, type=member_type, size=info.size, mode=info.mode,
                    sha256=digest, link_target=printable_name(info.linkname) if info.linkname else None,
                    undecodable_name=undecodable,
                ))
            else:
                _check_end(archive, recorder, budget)
    except _LimitExceeded as error:
        exceeded = str(error)
    except _DAMAGED as error:
        raise CorruptArchive(f"{path.name}: not a readable tar.gz archive ({_describe(error)})") from None
    return members, contents, exceeded


class _Recorder:
    """The decompressed tar stream, remembering the bytes it handed out last, so the data
    after the header that ended tarfile's walk can be checked (tarfile has consumed it)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.consumed = 0
        self.recent: collections.deque[bytes] = collections.deque(maxlen=64)  # tarfile reads ahead ~10 KiB

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.consumed += len(data)
        self.recent.append(data)
        return data

    def since(self, offset: int) -> bytes:
        recent = b"".join(self.recent)
        start = offset - (self.consumed - len(recent))
        if start < 0:
            raise tarfile.ReadError("cannot verify the end of the archive")
        return recent[start:]


def _open_tar(handle: IO[bytes]) -> tuple[tarfile.TarFile, _Recorder]:
    """A streaming reader over our own decompressor: GzipFile checks the CRC and length at the
    end, which tarfile's stream does not (damaged data would read as valid)."""
    recorder = _Recorder(_decompressed(handle))
    return tarfile.open(fileobj=recorder, mode="r|"), recorder  # type: ignore[call-overload]  # a reader, not IO[bytes]


def _decompressed_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The tar stream in large chunks; gzip (nearly every sdist) inflated by zlib directly."""
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b":
        return fasttar.gzip_chunks(handle)
    return fasttar.stream_chunks(_decompressed(handle))


def _decompressed(handle: IO[bytes]) -> IO[bytes]:
    magic = handle.read(6)
    handle.seek(0)
    stream: IO[bytes]
    if magic.startswith(b"\x1f\x8b"):
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=handle, mode="rb"))
    elif magic.startswith(b"BZh"):
        stream = cast(IO[bytes], bz2.BZ2File(handle))  # noqa: SIM115 - closed with the handle
    elif magic.startswith(b"\xfd7zXZ\x00"):
        stream = cast(IO[bytes], lzma.LZMAFile(handle))  # noqa: SIM115 - closed with the handle
    else:
        stream = handle
    return stream


def _check_end(archive: tarfile.TarFile, recorder: _Recorder, budget: _Budget) -> None:
    """tarfile takes a damaged header for the end of the archive and silently drops every
    member after it: from the end marker to the real end there must be only zero padding."""
    chunk = recorder.since(archive.offset)
    while chunk:
        budget.spend(len(chunk))
        if chunk.count(0) != len(chunk):
            raise tarfile.ReadError("data after the end-of-archive marker: a damaged member header")
        chunk = recorder.stream.read(_CHUNK)


def _describe(error: BaseException) -> str:
    return printable_name(str(error)) or type(error).__name__


def _zip_member_type(info: zipfile.ZipInfo, mode: int) -> MemberType:
    if info.is_dir():
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # hatchling stores bare permissions
        return "other"
    return "file"


def _read_wheel(path: Path, limits: Limits, fast: bool = True) -> tuple[list[Member], dict[str, bytes], str | None]:
    members: list[Member] = []
    contents: dict[str, bytes] = {}
    archive_size = path.stat().st_size
    budget = _Budget(limits, archive_size)
    exceeded: str | None = None
    try:
        with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive, fastzip.mapped(handle) as view:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                exceeded = f"more than {limits.max_members} members (max-members)"
                infos = infos[: limits.max_members]
            refused = _declared_size_refused(infos, limits, archive_size)
            if refused:
                return members, contents, refused
            fast_view = view if fast else None
            ends = fastzip.member_ends(infos, len(fast_view)) if fast_view is not None else {}
            for info in infos:
                members.append(_read_zip_member(archive, info, fast_view, ends, budget, contents))
    except _LimitExceeded as error:
        exceeded = str(error)
    except UnicodeDecodeError:
        raise CorruptArchive(f"{path.name}: a member name is marked UTF-8 but is not valid UTF-8") from None
    except _DAMAGED as error:
        raise CorruptArchive(f"{path.name}: not a readable wheel (zip) archive ({_describe(error)})") from None
    return members, contents, exceeded


def _declared_size_refused(infos: list[zipfile.ZipInfo], limits: Limits, archive_size: int) -> str | None:
    """Why the sizes a zip declares up front are refused (a bomb), before inflating a byte; else None."""
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_size:
        return f"it declares {declared} bytes unpacked, above the {limits.max_unpacked_size} limit (max-unpacked-size)"
    ratio = declared / max(archive_size, 1)
    if ratio > limits.max_compression_ratio and declared > _RATIO_FLOOR:
        return (f"it declares a compression ratio of {ratio:.0f}:1, above the "
                f"{limits.max_compression_ratio:g}:1 limit (max-compression-ratio)")
    return None


def _read_zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, view: memoryview | None, ends: Mapping[int, int],
    budget: _Budget,
    contents: dict[str, bytes],
) -> Member:
    """One wheel member: read from the mapped file when plain, else through zipfile."""
    mode = (info.external_attr >> 16) & 0xFFFF
    member_type = _zip_member_type(info, mode)
    digest = None
    link_target = None
    keep = _keep(info.filename, info.file_size)
    quick = (fastzip.read_member(view, info, ends[info.header_offset], keep)
             if view is not None and member_type == "file" else None)
    if quick is not None:
        digest, kept, inflated = quick
        budget.spend(inflated)
        if kept is not None:
            contents[info.filename] = kept
    elif member_type in ("symlink", "file"):
        # zipfile stops inflating at the declared size and checks the CRC, so a
        # member cannot inflate beyond what the budget already accounted for.
        with archive.open(info) as stream:
            if member_type == "symlink":
                link_target = printable_name(stream.read(4096).decode("utf-8", "surrogateescape"))
            elif keep:
                data = stream.read(_KEEP_LIMIT + 1)
                budget.spend(len(data))
                contents[info.filename] = data
                digest = hashlib.sha256(data).digest()
            else:
                digest = _hash_stream(stream, budget)
    return Member(
        name=info.filename, path=info.filename, type=member_type, size=info.file_size,
        mode=mode & 0o7777, sha256=digest, link_target=link_target,
        compressed_size=info.compress_size,
        # Without the UTF-8 flag, installers decode a name as cp437: non-ASCII names
        # would be installed under garbled names.
        undecodable_name=not info.flag_bits & _ZIP_UTF8_FLAG and not info.filename.isascii(),
    )


_ZIP_UTF8_FLAG = 0x800
_EMPTY_SHA256 = hashlib.sha256(b"").digest()
