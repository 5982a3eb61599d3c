"""Reading the built distributions for the checks: each archive once, concurrently, an
unreadable one reported as a finding. Light to import: `deploypack check` needs only this."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read.archives import CorruptArchive, Distribution, Limits, read_distribution

if TYPE_CHECKING:
    from deploypack.config.options import Options

ARCHIVE_UNREADABLE = rule(
    "A001", "archive-unreadable", Severity.ERROR, "a distribution archive cannot be read",
    why="An archive that deploypack cannot read (truncated, damaged, not the format its name says, or with "
    "encrypted members) cannot be installed either. Archives over the safety limits are A002.",
    fix="Rebuild or re-download the distribution: an interrupted upload or copy, or a broken build tool, "
    "leaves such files.",
)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Relative to the working directory when inside it: what a user would type."""
    cwd = cwd or Path.cwd()
    try:
        return os.path.relpath(path.absolute(), cwd) if path.absolute().is_relative_to(cwd) else str(path)
    except ValueError:
        return str(path)


def limits_of(options: Options) -> Limits:
    return Limits(
        max_members=options.max_members,
        max_unpacked_size=options.max_unpacked_size,
        max_compression_ratio=options.max_compression_ratio,
    )


def read_distributions(paths: list[Path], options: Options, already_read: Sequence[Distribution | None] = (),
                       ) -> tuple[list[Distribution], list[Finding]]:
    """Parse each archive (unless `already_read` holds it); an unreadable one becomes a finding, not a crash."""
    parsed: list[Distribution] = []
    findings: list[Finding] = []
    known = {dist.path: dist for dist in already_read if dist is not None}
    limits = limits_of(options)
    # One after the other: reading is mostly Python work under the GIL (the inflating already
    # runs on its own thread), and two readers on threads were measured no faster.
    for path in paths:
        if path in known:
            parsed.append(known[path])
            continue
        try:
            # A distribution whose reading stopped at a limit is reported by check A002.
            parsed.append(read_distribution(path, limits))
        except CorruptArchive as error:
            findings.append(ARCHIVE_UNREADABLE.at(error.message, artifact=path.name))
    return parsed, findings

