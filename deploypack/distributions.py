"""The built distributions, read once, streaming, without extracting anything to disk.

Every check works on these parsed values: member list with sizes, modes, link targets and
content hashes, the small files checks need to read (metadata, RECORD, configuration), and
the core metadata parsed with pkginfo. Reading enforces limits (member count, unpacked
size, compression ratio) so that a hostile archive cannot exhaust memory or disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pkginfo

from deploypack.errors import DeploypackError, ExitCode

Kind = Literal["sdist", "wheel"]
MemberType = Literal["file", "dir", "symlink", "hardlink", "other"]

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


def _hash_stream(stream: object, budget: list[int]) -> bytes:
    digest = hashlib.sha256()
    read = getattr(stream, "read")
    while chunk := read(_CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _LimitExceeded("unpacked size")
        digest.update(chunk)
    return digest.digest()


class _LimitExceeded(Exception):
    pass


def _keep(path: str, size: int) -> bool:
    return size <= _KEEP_LIMIT and (path.endswith(_KEEP_SUFFIXES) or path.count("/") == 0)


def _read_sdist(path: Path, limits: Limits) -> tuple[list[Member], dict[str, bytes], str | None]:
    members: list[Member] = []
    contents: dict[str, bytes] = {}
    budget = [limits.max_unpacked_size]
    exceeded: str | None = None
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for info in archive:
                if len(members) >= limits.max_members:
                    exceeded = f"more than {limits.max_members} members"
                    break
                relative = info.name.split("/", 1)[1] if "/" in info.name else ""
                member_type: MemberType = (
                    "file" if info.isreg() else "dir" if info.isdir() else "symlink" if info.issym()
                    else "hardlink" if info.islnk() else "other"
                )
                digest = None
                if member_type == "file":
                    stream = archive.extractfile(info)
                    assert stream is not None
                    if _keep(relative, info.size):
                        data = stream.read()
                        budget[0] -= len(data)
                        if budget[0] < 0:
                            raise _LimitExceeded("unpacked size")
                        contents[relative] = data
                        digest = hashlib.sha256(data).digest()
                    else:
                        digest = _hash_stream(stream, budget)
                members.append(Member(
                    name=info.name, path=relative, type=member_type, size=info.size, mode=info.mode,
                    sha256=digest, link_target=info.linkname or None,
                ))
    except _LimitExceeded as error:
        exceeded = f"more than {limits.max_unpacked_size} bytes unpacked ({error})"
    except (tarfile.TarError, EOFError, OSError, zlib_error()) as error:
        raise CorruptArchive(f"{path.name}: not a readable tar.gz archive ({error})") from None
    return members, contents, exceeded


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _read_wheel(path: Path, limits: Limits) -> tuple[list[Member], dict[str, bytes], str | None]:
    members: list[Member] = []
    contents: dict[str, bytes] = {}
    budget = [limits.max_unpacked_size]
    exceeded: str | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                exceeded = f"more than {limits.max_members} members"
                infos = infos[: limits.max_members]
            declared = sum(info.file_size for info in infos)
            compressed = sum(info.compress_size for info in infos) or 1
            if declared > limits.max_unpacked_size:
                return members, contents, f"declares {declared} bytes unpacked, above the {limits.max_unpacked_size} limit"
            if declared / compressed > limits.max_compression_ratio and declared > 1024 * 1024:
                return members, contents, f"compression ratio {declared / compressed:.0f}:1, above the {limits.max_compression_ratio:.0f}:1 limit"
            for info in infos:
                mode = (info.external_attr >> 16) & 0xFFFF
                if info.is_dir():
                    member_type: MemberType = "dir"
                elif stat.S_ISLNK(mode):
                    member_type = "symlink"
                elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # hatchling stores bare permissions
                    member_type = "other"
                else:
                    member_type = "file"
                digest = None
                link_target = None
                with archive.open(info) as stream:
                    if member_type == "symlink":
                        link_target = stream.read(4096).decode("utf-8", "replace")
                    elif member_type == "file":
                        if _keep(info.filename, info.file_size):
                            data = stream.read(_KEEP_LIMIT + 1)
                            budget[0] -= len(data)
                            contents[info.filename] = data
                            digest = hashlib.sha256(data).digest()
                        else:
                            digest = _hash_stream(stream, budget)
                members.append(Member(
                    name=info.filename, path=info.filename, type=member_type, size=info.file_size,
                    mode=mode & 0o7777, sha256=digest, link_target=link_target,
                    compressed_size=info.compress_size,
                ))
    except _LimitExceeded as error:
        exceeded = f"more than {limits.max_unpacked_size} bytes unpacked ({error})"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            zlib_error(), ValueError) as error:
        raise CorruptArchive(f"{path.name}: not a readable wheel (zip) archive ({error})") from None
    return members, contents, exceeded
