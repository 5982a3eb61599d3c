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
import signal
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

from deploypack.errors import EnvironmentProblem, UsageError

RECORD = ".deploypack-files"
STAGING_PREFIX = ".deploypack-staging-"


def previous_outputs(outdir: Path) -> set[str]:
    record = outdir / RECORD
    if not record.is_file():
        return set()
    return {line.strip() for line in record.read_text(encoding="utf-8").splitlines() if line.strip()}


def foreign_files(outdir: Path, adopt: Collection[str] = ()) -> list[str]:
    """Files in outdir that deploypack did not write (ignoring its own staging leftovers).

    `adopt` names files this run will write itself (`deploypack check dist/ --outdir dist`):
    they are about to be replaced, so they are not foreign.
    """
    if not outdir.is_dir():
        return []
    ours = previous_outputs(outdir) | {RECORD} | set(adopt)
    return sorted(
        entry.name for entry in outdir.iterdir()
        if entry.name not in ours and not entry.name.startswith(STAGING_PREFIX)
    )


def check_writable(outdir: Path, clean: bool, adopt: Collection[str] = ()) -> None:
    """Before building: refuse an outdir that is not ours or cannot be written."""
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"--outdir {str(outdir)!r} exists and is not a directory")
    foreign = foreign_files(outdir, adopt)
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
def signals_deferred() -> Iterator[None]:
    """SIGINT/SIGTERM held back until the block is done (delivered right after it).

    The moves of a commit and the removal of the staging directory must not be cut in half:
    a signal in the middle would leave a mix of two runs, or a stray staging directory.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def staging_directory(outdir: Path) -> Iterator[Path]:
    """A fresh directory beside outdir (same file system, so the final moves are renames)."""
    parent = outdir.absolute().parent
    staging: Path | None = None
    try:
        with signals_deferred():  # a signal lands after `staging` is set, so `finally` removes it
            try:
                parent.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
            except OSError as error:
                raise EnvironmentProblem(
                    f"cannot create a staging directory in {parent}: {error.strerror}"
                ) from None
        yield staging
    finally:
        if staging is not None:
            with signals_deferred():
                shutil.rmtree(staging, ignore_errors=True)


def _fsync(path: Path) -> None:
    """Data on disk before the rename that publishes it: a crash then shows old or new, not empty files."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def commit(staging: Path, outdir: Path, names: list[str], clean: bool) -> None:
    """Move `names` from staging into outdir, replacing the previous run's files.

    Every move is a rename on one file system. The previous files are first moved aside into
    the staging directory; if any step fails, everything is moved back, so the outdir is either
    the previous run's output or this one's, never a mix. Signals wait until the end.
    """
    for name in names:
        if (staging / name).is_file():
            _fsync(staging / name)
    created = not outdir.exists()
    outdir.mkdir(parents=True, exist_ok=True)
    record_tmp = staging / RECORD
    record_tmp.write_text("".join(f"{name}\n" for name in sorted(names)), encoding="utf-8")
    _fsync(record_tmp)
    aside = staging / ".previous"
    aside.mkdir()
    replaced = (previous_outputs(outdir) | (set(foreign_files(outdir)) if clean else set()) | set(names)) | {RECORD}
    moved_aside: list[str] = []
    moved_in: list[str] = []
    with signals_deferred():
        try:
            for name in sorted(replaced):
                if os.path.lexists(outdir / name):
                    os.replace(outdir / name, aside / name)
                    moved_aside.append(name)
            for name in [*names, RECORD]:
                os.replace(staging / name, outdir / name)
                moved_in.append(name)
            _fsync(outdir)
        except BaseException:
            _roll_back(staging, outdir, aside, moved_in, moved_aside)
            if created:
                with contextlib.suppress(OSError):
                    outdir.rmdir()
            raise


def _roll_back(staging: Path, outdir: Path, aside: Path, moved_in: list[str], moved_aside: list[str]) -> None:
    for name in reversed(moved_in):
        with contextlib.suppress(OSError):
            os.replace(outdir / name, staging / name)
    for name in reversed(moved_aside):
        with contextlib.suppress(OSError):
            os.replace(aside / name, outdir / name)
