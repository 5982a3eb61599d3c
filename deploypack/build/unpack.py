"""Unpacking the sdist for the wheel build, safely: an sdist whose members would land outside the
unpack directory, or that is over the limits, is refused before anything is written."""

from __future__ import annotations

import dataclasses
import tarfile
from pathlib import Path

from deploypack.build import diagnose
from deploypack.core import faults
from deploypack.core.errors import BuildFailed
from deploypack.read.archives import CorruptArchive, Distribution, Limits, read_distribution
from deploypack.read.safety import MEMBER_ESCAPES, SPECIAL_MEMBER, limit_finding, member_findings


def _extract_all(archive: tarfile.TarFile, target: Path) -> None:
    """extractall with the "data" filter; Pythons before 3.10.12 / 3.11.4 lack filters (Debian 12's
    3.11.2, for one), so there refuse what that filter refuses: paths or links leaving the target,
    devices and other special files."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
        return
    root = target.resolve()
    for member in archive.getmembers():
        destination = (root / member.name).resolve()
        linked = (destination.parent / member.linkname).resolve() if member.issym() else \
            (root / member.linkname).resolve() if member.islnk() else destination
        special = not (member.isfile() or member.isdir() or member.issym() or member.islnk())
        if special or not destination.is_relative_to(root) or not linked.is_relative_to(root):
            raise tarfile.TarError(f"refusing member {member.name!r}: it would land outside the target")
    archive.extractall(target)  # noqa: S202 - every member checked above


def _refuse_unsafe_sdist(sdist: Path, limits: Limits) -> Distribution:
    """Read the sdist the backend wrote before unpacking it: a member that would land outside
    the unpack directory, a device file, or an archive over the limits stops the build with
    that archive finding (the extraction filter below is the second line of defence).
    Returns the sdist as read (the checks reuse it: a large sdist takes seconds to read)."""
    try:
        dist = read_distribution(sdist, limits)
    except CorruptArchive as error:
        raise BuildFailed(diagnose.BACKEND_FAILED.at(
            f"the backend wrote an sdist that cannot be read: {error.message}", artifact=sdist.name,
        )) from None
    if dist.limit_exceeded:
        raise BuildFailed(limit_finding(sdist.name, dist.limit_exceeded))
    for finding in member_findings(dist):
        if finding.code in (MEMBER_ESCAPES.code, SPECIAL_MEMBER.code):
            raise BuildFailed(dataclasses.replace(
                finding, message=f"{finding.message}; the wheel is not built from an sdist that cannot be "
                "unpacked safely",
            ))
    return dist


def unpack_sdist(sdist: Path, work: Path, limits: Limits) -> tuple[Path, Distribution]:
    """Unpack the sdist for the wheel build, refusing members that would land outside."""
    dist = _refuse_unsafe_sdist(sdist, limits)
    needed = sum(member.size for member in dist.files())  # the space unpacking needs
    target = work / "sdist"
    target.mkdir()
    try:
        with tarfile.open(sdist) as archive:
            _extract_all(archive, target)
    except (tarfile.TarError, OSError) as error:
        if faults.is_disk_full(error):
            raise faults.disk_full(f"unpacking {sdist.name} to build the wheel", target, needed) from None
        raise BuildFailed(diagnose.BACKEND_FAILED.at(
            f"the sdist {sdist.name} cannot be unpacked safely to build the wheel: {error}",
            artifact=sdist.name,
        )) from None
    entries = list(target.iterdir())
    if len(entries) != 1 or not entries[0].is_dir():
        raise BuildFailed(diagnose.BACKEND_FAILED.at(
            f"the sdist {sdist.name} does not hold exactly one top-level directory", artifact=sdist.name
        ))
    return entries[0], dist
