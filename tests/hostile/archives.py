"""Crafting hostile archives byte for byte: what no well-behaved backend would write."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

WHEEL_METADATA = b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One member to write. `kind`: file, dir, symlink, hardlink, chr, blk, fifo."""

    name: str
    data: bytes = b""
    kind: str = "file"
    target: str = ""


_TAR_TYPES = {
    "file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
    "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE,
}


def write_tar(path: Path, entries: Iterable[Entry], *, compression: str = "gz") -> Path:
    """A tar archive; names may carry surrogate-escaped bytes (written raw, GNU format)."""
    with tarfile.open(path, f"w:{compression}", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = _TAR_TYPES[entry.kind]
            info.mode = 0o755 if entry.kind == "dir" else 0o644
            info.linkname = entry.target
            if entry.kind in ("chr", "blk"):
                info.devmajor, info.devminor = 1, 3
            info.size = len(entry.data) if entry.kind == "file" else 0
            archive.addfile(info, io.BytesIO(entry.data) if entry.kind == "file" else None)
    return path


_ZIP_MODES = {"file": 0o100644, "dir": 0o040755, "symlink": 0o120777, "chr": 0o020644, "blk": 0o060644,
              "fifo": 0o010644}


def write_zip(path: Path, entries: Iterable[Entry], *, raw_names: dict[str, bytes] | None = None,
              compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip archive. `raw_names` maps an ASCII placeholder name to the bytes stored instead
    (same length), written without the UTF-8 flag: what a careless tool writes."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names: we want them
        with zipfile.ZipFile(path, "w", compression=compression) as archive:
            for entry in entries:
                slash = "/" if entry.kind == "dir" and not entry.name.endswith("/") else ""
                info = zipfile.ZipInfo(entry.name + slash)
                info.external_attr = _ZIP_MODES[entry.kind] << 16
                info.compress_type = compression
                archive.writestr(info, entry.target.encode() if entry.kind == "symlink" else entry.data)
    if raw_names:
        data = path.read_bytes()
        for placeholder, raw in raw_names.items():
            assert len(placeholder.encode()) == len(raw)
            data = data.replace(placeholder.encode(), raw)
        path.write_bytes(data)
    return path


def wheel_entries(*extra: Entry) -> list[Entry]:
    """The members a minimal valid wheel has, plus `extra`."""
    return [
        Entry("pkg/__init__.py", b"x = 1\n"),
        *extra,
        Entry("pkg-1.0.dist-info/METADATA", WHEEL_METADATA),
        Entry("pkg-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        Entry("pkg-1.0.dist-info/RECORD", b""),
    ]


def sdist_entries(*extra: Entry) -> list[Entry]:
    return [
        Entry("pkg-1.0/PKG-INFO", WHEEL_METADATA),
        Entry("pkg-1.0/pyproject.toml", b"[project]\nname = 'pkg'\nversion = '1.0'\n"),
        *extra,
    ]


def set_zip_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's declared uncompressed size in the central directory (a lying zip)."""
    import struct

    data = bytearray(path.read_bytes())
    name = member.encode()
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) != -1:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if bytes(data[offset + 46: offset + 46 + name_length]) == name:
            struct.pack_into("<I", data, offset + 24, size)
        offset += 4
    path.write_bytes(bytes(data))


def tar_bomb(path: Path, members: int, prefix: str = "pkg-1.0/") -> Path:
    """A gzipped tar of `members` empty files, made from one header template (tarfile would
    take many seconds to write hundreds of thousands of members)."""
    import zlib

    template = bytearray(tarfile.TarInfo(prefix + "x").tobuf(tarfile.USTAR_FORMAT))
    template[0:100] = bytes(100)
    template[148:156] = b" " * 8
    base_sum = sum(template)
    blocks = []
    for index in range(members):
        name = f"{prefix}m{index}".encode()
        header = bytearray(template)
        header[0:len(name)] = name
        header[148:156] = b"%06o\0 " % (base_sum + sum(name))
        blocks.append(bytes(header))
    blocks.append(bytes(1024))
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    path.write_bytes(compressor.compress(b"".join(blocks)) + compressor.flush())
    return path
