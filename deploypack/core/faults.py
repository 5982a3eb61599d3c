"""Faults of the machine, said plainly: which path, what failed, and for a full disk how much
space is free and, when known, how much was needed.

An OSError that reaches the top of a run is the environment's fault (exit 4), not a bug:
these helpers turn one into an EnvironmentProblem whose message names the path.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from deploypack.core.errors import EnvironmentProblem

_HINTS = {
    errno.ENOSPC: "Free space on that file system, or point TMPDIR / --outdir at a larger one.",
    errno.EDQUOT: "Free space within your quota, or point TMPDIR / --outdir elsewhere.",
    errno.EROFS: "Choose a writable --outdir (and TMPDIR).",
    errno.EACCES: "Choose a directory you can write to, or fix its permissions.",
    errno.EPERM: "Choose a directory you can write to, or fix its permissions.",
}


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def free_space(path: str | Path) -> int | None:
    """Bytes free on the file system holding `path` (or its nearest existing parent)."""
    candidate = Path(path).absolute()
    while not candidate.exists() and candidate != candidate.parent:
        candidate = candidate.parent
    try:
        return shutil.disk_usage(candidate).free
    except OSError:
        return None


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def disk_full(what: str, path: str | Path | None, needed: int | None = None) -> EnvironmentProblem:
    """`what`: disk full at PATH (N free[, about M needed])."""
    where = f" at {path}" if path else ""
    details = []
    free = free_space(path) if path else None
    if free is not None:
        details.append(f"{human_size(free)} free")
    if needed is not None:
        details.append(f"about {human_size(needed)} needed")
    suffix = f" ({', '.join(details)})" if details else ""
    return EnvironmentProblem(f"{what}: disk full{where}{suffix}", hint=_HINTS[errno.ENOSPC])


def environment_error(what: str, error: OSError, needed: int | None = None,
                      path: str | Path | None = None) -> EnvironmentProblem:
    """An OSError as an environment error naming its path (`path` when the error has none)."""
    if is_disk_full(error):
        # A copy names its source first and the destination, which is what filled up, second.
        return disk_full(what, getattr(error, "filename2", None) or error.filename or path, needed)
    path = error.filename or path
    reason = error.strerror or str(error)
    where = f" {path}" if path else ""
    second = f" -> {error.filename2}" if getattr(error, "filename2", None) else ""
    return EnvironmentProblem(f"{what}:{where}{second}: {reason}", hint=_HINTS.get(error.errno or 0))
