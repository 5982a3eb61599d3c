"""The output directory: staged, then committed whole, never left half-written.

Everything a run produces is written to a staging directory on the same file system as
`--outdir` and moved in only when the run got to the end. deploypack records the files it
wrote in `.deploypack-files`, so a later run replaces exactly those and refuses to mix its
output with files it did not create (a stale wheel of an earlier version is how the wrong
file gets published) unless `--clean` is given.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from deploypack.errors import EnvironmentProblem, UsageError

RECORD = ".deploypack-files"
STAGING_PREFIX = ".deploypack-staging-"


def previous_outputs(outdir: Path) -> set[str]:
    record = outdir / RECORD
    if not record.is_file():
        return set()
    return {line.strip() for line in record.read_text(encoding="utf-8").splitlines() if line.strip()}


def foreign_files(outdir: Path) -> list[str]:
    """Files in outdir that deploypack did not write (ignoring its own staging leftovers)."""
    if not outdir.is_dir():
        return []
    ours = previous_outputs(outdir) | {RECORD}
    return sorted(
        entry.name for entry in outdir.iterdir()
        if entry.name not in ours and not entry.name.startswith(STAGING_PREFIX)
    )


def check_writable(outdir: Path, clean: bool) -> None:
    """Before building: refuse an outdir that is not ours or cannot be written."""
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"--outdir {str(outdir)!r} exists and is not a directory")
    foreign = foreign_files(outdir)
    if foreign and not clean:
        shown = ", ".join(foreign[:10]) + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else "")
        raise UsageError(
            f"--outdir {str(outdir)!r} holds files deploypack did not create: {shown}",
            hint="Stale distributions get published by mistake: remove them, choose another --outdir, "
            "or pass --clean to delete them.",
        )
    parent = _existing_parent(outdir)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--outdir {str(outdir)!r} cannot be written ({parent} is read-only)")


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


@contextlib.contextmanager
def staging_directory(outdir: Path) -> Iterator[Path]:
    """A fresh directory beside outdir (same file system, so the final moves are renames)."""
    parent = outdir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    except OSError as error:
        raise EnvironmentProblem(f"cannot create a staging directory in {parent}: {error.strerror}") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def commit(staging: Path, outdir: Path, names: list[str], clean: bool) -> None:
    """Move `names` from staging into outdir, replacing the previous run's files.

    Each move is a rename on one file system; the record is written last, so an outdir is
    either the previous run's or this one's output.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    stale = previous_outputs(outdir) | (set(foreign_files(outdir)) if clean else set())
    for name in names:
        os.replace(staging / name, outdir / name)
    for name in stale - set(names):
        target = outdir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    record_tmp = staging / RECORD
    record_tmp.write_text("".join(f"{name}\n" for name in sorted(names)), encoding="utf-8")
    os.replace(record_tmp, outdir / RECORD)
