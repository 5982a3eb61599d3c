"""Read-only questions to git about the project's checkout.

One runner for every caller: a missing git, a directory outside a repository, a failing or
hanging command all answer None, and file names that are not UTF-8 are kept (as
surrogate escapes) instead of crashing the run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def output(directory: Path, *args: str, timeout: float = 30) -> str | None:
    """`git -C directory ARGS`'s output without its final newline(s), or None."""
    try:
        result = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, timeout=timeout,
                                check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "surrogateescape").rstrip("\n")


def modified_tracked_files(directory: Path) -> tuple[str, ...] | None:
    """Tracked files under `directory` whose content differs from HEAD (project-relative), or None."""
    found = output(directory, "diff", "--name-only", "-z", "--relative", "HEAD", "--", ".")
    if found is None:
        return None
    return tuple(name for name in found.split("\0") if name)
