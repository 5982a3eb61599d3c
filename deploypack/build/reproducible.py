"""`--reproducible`: build again from a fresh copy of the tree and compare, member by member.

Two builds of the same source with the same SOURCE_DATE_EPOCH must give the same bytes; if
they do not, the finding names the members that differ and how (content, timestamp, order,
permissions, owner), which is what a maintainer needs to fix it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from deploypack.build.log import BuildLog
from deploypack.config.options import Options
from deploypack.config.runenv import RunEnvironment
from deploypack.core.errors import BuildFailed
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project import git

Progress = Callable[[str], None]

REPRODUCIBLE = rule(
    "P001", "build-reproducible", Severity.NOTE, "a second build from a fresh copy gave identical bytes",
    why="Anyone can rebuild the release from its source and check that the published file is what the "
    "source says: the basis of verifiable builds.",
    fix="Nothing to fix.",
)
NOT_REPRODUCIBLE = rule(
    "P002", "build-not-reproducible", Severity.WARNING,
    "a second build from a fresh copy of the same source gave different bytes",
    why="A release that cannot be rebuilt bit for bit cannot be verified against its source; the "
    "difference often hides something the build picks up from the machine (time, file order, umask, user).",
    fix="Use a backend that honours SOURCE_DATE_EPOCH; do not write timestamps, random values or host "
    "details into the package at build time; sort any file lists the build generates.",
)
REBUILD_FAILED = rule(
    "P003", "rebuild-failed", Severity.WARNING, "the second build for the reproducibility check failed",
    why="A build that succeeds from the working tree but not from a fresh copy depends on files that are "
    "not part of the source (untracked or ignored files, build leftovers).",
    fix="Make the build work from a clean checkout: commit the files it needs.",
)

# Never copied into the fresh tree: build output and caches, which a clean checkout does not have.
_EXCLUDED_NAMES = ("*.egg-info", "__pycache__", ".tox", ".nox", ".venv", ".mypy_cache", ".pytest_cache",
                   ".ruff_cache", ".deploypack-staging-*")
_EXCLUDED_TOP = ("build", "dist")
_SHOWN = 8


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    mode: int
    mtime: float
    owner: tuple[object, ...]  # uid, gid, uname, gname (tar); () for zip
    digest: str | None
    link: str | None
    extra: bytes = b""  # zip: extra field and compression, which also change the bytes


@dataclasses.dataclass(frozen=True)
class Difference:
    member: str | None  # None: the archive itself (header, file name)
    aspects: tuple[str, ...]


def _digest(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def read_entries(path: Path) -> list[Entry]:
    """Every member with the attributes that decide the archive's bytes, in archive order."""
    entries = []
    if path.name.endswith(".whl") or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                with archive.open(info) as stream:
                    content_digest = _digest(stream)
                entries.append(Entry(
                    name=info.filename, kind="dir" if info.is_dir() else "file",
                    mode=(info.external_attr >> 16) & 0xFFFF, mtime=float(_zip_seconds(info.date_time)),
                    owner=(), digest=content_digest, link=None,
                    extra=info.extra + bytes([info.compress_type, info.create_system]) + info.comment,
                ))
        return entries
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            content = tar.extractfile(member) if member.isreg() else None
            entries.append(Entry(
                name=member.name, kind=_tar_kind(member), mode=member.mode, mtime=float(member.mtime),
                owner=(member.uid, member.gid, member.uname, member.gname),
                digest=_digest(content) if content is not None else None, link=member.linkname or None,
            ))
    return entries


def _zip_seconds(date_time: tuple[int, int, int, int, int, int]) -> int:
    year, month, day, hour, minute, second = date_time
    return ((((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second


def _tar_kind(info: tarfile.TarInfo) -> str:
    return ("file" if info.isreg() else "dir" if info.isdir() else "symlink" if info.issym()
            else "hardlink" if info.islnk() else "other")


def _gzip_header(path: Path) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(10)
    return head if head[:2] == b"\x1f\x8b" else b""


def compare_archives(first: Path, second: Path) -> list[Difference]:
    """How two archives of the same distribution differ; empty when their bytes are the same."""
    if _file_digest(first) == _file_digest(second):
        return []
    left, right = read_entries(first), read_entries(second)
    left_by_name = {entry.name: entry for entry in left}
    right_by_name = {entry.name: entry for entry in right}
    differences = []
    if first.name != second.name:
        differences.append(Difference(None, (f"file name {first.name} vs {second.name}",)))
    for name in left_by_name.keys() - right_by_name.keys():
        differences.append(Difference(name, ("only in the first build",)))
    for name in right_by_name.keys() - left_by_name.keys():
        differences.append(Difference(name, ("only in the second build",)))
    for entry in left:
        other = right_by_name.get(entry.name)
        aspects = _member_aspects(entry, other) if other is not None else ()
        if aspects:
            differences.append(Difference(entry.name, aspects))
    common = [entry.name for entry in left if entry.name in right_by_name]
    common_right = [entry.name for entry in right if entry.name in left_by_name]
    if common != common_right:
        moved = next(a for a, b in zip(common, common_right, strict=True) if a != b)
        differences.append(Difference(moved, ("order: members are stored in a different order",)))
    if not differences:
        differences.append(_header_difference(first, second))
    return sorted(differences, key=_cause_first)


def _member_aspects(entry: Entry, other: Entry) -> tuple[str, ...]:
    """How one member differs between the two builds (empty when it does not)."""
    aspects = []
    if entry.kind != other.kind:
        aspects.append(f"type {entry.kind} vs {other.kind}")
    if entry.digest != other.digest:
        aspects.append("content")
    if entry.mtime != other.mtime:
        aspects.append("timestamp")
    if entry.mode != other.mode:
        aspects.append(f"permissions {entry.mode & 0o7777:o} vs {other.mode & 0o7777:o}")
    if entry.owner != other.owner:
        aspects.append("uid/gid")
    if entry.link != other.link:
        aspects.append("link target")
    if entry.extra != other.extra:
        aspects.append("zip header fields")
    return tuple(aspects)


def _header_difference(first: Path, second: Path) -> Difference:
    """Same members, different bytes: the difference is in the archive's own headers."""
    if _gzip_header(first)[4:8] != _gzip_header(second)[4:8]:
        return Difference(None, ("timestamp in the gzip header",))
    return Difference(None, ("compression or archive headers",))


# Most telling first: a changed content is a cause; a changed time or order often only a symptom.
_ASPECT_RANK = ("content", "only in", "type", "link target", "permissions", "uid/gid", "order", "zip header",
                "timestamp")


def _aspect_rank(aspect: str) -> int:
    return next((rank for rank, prefix in enumerate(_ASPECT_RANK) if aspect.startswith(prefix)), len(_ASPECT_RANK))


def _cause_first(difference: Difference) -> tuple[bool, int, bool, str]:
    # RECORD lists every hash, so it differs whenever anything does: it goes after the cause.
    return (difference.member is not None, min(map(_aspect_rank, difference.aspects)),
            (difference.member or "").endswith(".dist-info/RECORD"), difference.member or "")


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return _digest(handle)


# What each kind of difference usually means, and what to change (aspect, or prefix ending in a space).
_ADVICE = (
    ("timestamp in the gzip header", "The gzip header holds the compression time: the backend should "
     "take it from SOURCE_DATE_EPOCH (or write 0)."),
    ("timestamp", "Member times differ: the backend stamps files it generates (or directories) with the "
     "build time instead of clamping them to SOURCE_DATE_EPOCH; setuptools sdists do this."),
    ("content", "Member contents differ: the build writes something that changes per run (a date, a "
     "random value, a host name, or an absolute build path, which compiled extensions often embed)."),
    ("order", "Members are stored in another order: the build lists files without sorting them."),
    ("permissions ", "Permissions follow the umask or the checkout: normalise them when building."),
    ("uid/gid", "Owner ids come from the building user: the backend should write 0/root."),
    ("only in ", "Files come and go between builds: the build includes files it generates or finds by "
     "chance (caches, leftovers)."),
)


def findings_for(first: Path, second: Path, epoch: str | None) -> list[Finding]:
    differences = compare_archives(first, second)
    if not differences:
        return [REPRODUCIBLE.at(
            f"{first.name} rebuilt bit for bit from a fresh copy of the source (sha256 {_file_digest(first)})",
            artifact=first.name, hint="",
        )]
    by_aspect: dict[str, list[str]] = {}
    parts = []
    for difference in differences:
        for aspect in difference.aspects:
            if difference.member is None:
                parts.append(f"the archive itself: {aspect}")
            else:
                by_aspect.setdefault(aspect, []).append(difference.member)
    for aspect, members in sorted(by_aspect.items(), key=lambda item: _aspect_rank(item[0])):
        listed = ", ".join(members[:_SHOWN]) + (f", and {len(members) - _SHOWN} more" if len(members) > _SHOWN else "")
        parts.append(f"{aspect}: {len(members)} member{'s' if len(members) != 1 else ''} ({listed})")
    aspects = [aspect for difference in differences for aspect in difference.aspects]
    advice = [text for key, text in _ADVICE
              if any(aspect == key or key.endswith(" ") and aspect.startswith(key) for aspect in aspects)]
    if not epoch:
        advice.insert(0, "No SOURCE_DATE_EPOCH was set (no git commit to take it from): set it, or build "
                      "from a git checkout.")
    hint = " ".join(advice) or NOT_REPRODUCIBLE.fix
    member = next((d.member for d in differences if d.member), None)
    return [NOT_REPRODUCIBLE.at(
        f"{first.name} differs between two builds of the same source: " + "; ".join(parts),
        artifact=first.name, member=member, hint=hint,
    )]


def _git_lines(directory: Path, *args: str) -> list[str] | None:
    text = git.output(directory, *args, timeout=60)
    if text is None:
        return None
    return [part for part in text.split("\0" if "-z" in args else "\n") if part]


def _excluded(relative: str, outdir_relative: str | None) -> bool:
    parts = relative.split("/")
    if outdir_relative and (relative == outdir_relative or relative.startswith(outdir_relative + "/")):
        return True
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in _EXCLUDED_NAMES)


def fresh_copy(project_dir: Path, outdir: Path, destination: Path) -> Path:
    """Copy the source as a clean checkout would have it; return the project dir inside the copy.

    In a git work tree: the files git tracks or would track (not ignored ones), plus `.git`
    itself (version plugins read the tag from it). Elsewhere: the tree minus build output.
    """
    project_dir = project_dir.resolve()
    top_lines = _git_lines(project_dir, "rev-parse", "--show-toplevel")
    top = Path(top_lines[0]).resolve() if top_lines else project_dir
    copy_top = destination / top.name
    project_relative = project_dir.relative_to(top).as_posix()
    outdir = outdir.resolve()
    skip = _CopyFilter(
        outdir.relative_to(top).as_posix() if outdir.is_relative_to(top) else None,
        {name if project_relative == "." else f"{project_relative}/{name}" for name in _EXCLUDED_TOP},
    )
    files = _git_lines(top, "ls-files", "-z", "--cached", "--others", "--exclude-standard") if top_lines else None
    if files is None:
        shutil.copytree(top, copy_top, symlinks=True, ignore=skip.copytree_ignore(top))
    else:
        _copy_git_files(top, copy_top, files, skip)
    return copy_top / project_relative


@dataclasses.dataclass(frozen=True)
class _CopyFilter:
    """What a fresh copy leaves out: the outdir, junk names and the build output at the project's top."""

    outdir_relative: str | None
    build_output: set[str]

    def is_build_output(self, relative: str) -> bool:
        return any(relative == out or relative.startswith(out + "/") for out in self.build_output)

    def copytree_ignore(self, top: Path) -> Callable[[str, list[str]], set[str]]:
        def ignore(directory: str, names: list[str]) -> set[str]:
            relative_dir = Path(directory).resolve().relative_to(top).as_posix()
            ignored = set()
            for name in names:
                relative = name if relative_dir == "." else f"{relative_dir}/{name}"
                if _excluded(relative, self.outdir_relative) or self.is_build_output(relative) or name == ".git":
                    ignored.add(name)
            return ignored

        return ignore


def _copy_git_files(top: Path, copy_top: Path, files: list[str], skip: _CopyFilter) -> None:
    """The files git tracks or would track (build output only when tracked), links as links, and `.git`."""
    copy_top.mkdir(parents=True)
    tracked = set(_git_lines(top, "ls-files", "-z", "--cached") or ())
    for relative in files:
        source = top / relative
        if _excluded(relative, skip.outdir_relative) or not (source.exists() or source.is_symlink()):
            continue
        if relative not in tracked and skip.is_build_output(relative):
            continue
        target = copy_top / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)
    git_dir = top / ".git"
    if git_dir.is_dir():
        shutil.copytree(git_dir, copy_top / ".git", symlinks=True)
    elif git_dir.is_file():
        shutil.copy2(git_dir, copy_top / ".git")


def rebuild_and_compare(
    options: Options,
    environ: RunEnvironment,
    first: Mapping[str, Path],
    epoch: str | None,
    progress: Progress,
) -> list[Finding]:
    """Build again from a fresh copy with the same SOURCE_DATE_EPOCH; compare with `first` (kind -> path)."""
    from deploypack.build.engine import Builder

    progress("rebuilding from a fresh copy for the reproducibility check…")
    with tempfile.TemporaryDirectory(prefix="deploypack-rebuild-") as work:
        work_dir = Path(work)
        copy = fresh_copy(options.project_dir, options.outdir, work_dir / "tree")
        output = work_dir / "out"
        output.mkdir()
        second_environ = environ.with_values({"SOURCE_DATE_EPOCH": epoch}) if epoch else environ
        log = BuildLog(work_dir / "rebuild.log", options.max_log_size)
        try:
            result = Builder(dataclasses.replace(options, project_dir=copy), log, lambda _m: None,
                             second_environ).build(output)
        except BuildFailed as failure:
            return [REBUILD_FAILED.at(f"building again from a fresh copy of the source failed: {failure.message}")]
        finally:
            log.close()
        second: dict[str, Path | None] = {"sdist": result.sdist, "wheel": result.wheel}
        findings: list[Finding] = []
        for kind, path in first.items():
            again = second.get(kind)
            if again is not None:  # no wheel where a compiler is missing (B016)
                findings.extend(findings_for(path, again, epoch))
        return findings
