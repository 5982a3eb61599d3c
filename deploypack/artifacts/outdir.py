"""The output directory: staged, then committed whole, never left half-written.

Everything a run produces is written to a private work directory and moved into `--outdir`
(through a staging directory on the same file system) only when the run got to the end. deploypack records the files it
wrote in `.deploypack-files`, so a later run replaces exactly those and refuses to mix its
output with files it did not create (a stale wheel of an earlier version is how the wrong
file gets published) unless `--clean` is given.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from deploypack.core.errors import EnvironmentProblem, UsageError

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
    a signal in the middle would leave a mix of two runs, or a stray staging directory. A mask
    alone is per thread (another thread may take the signal, and Python runs the handler in the
    main thread anyway), so the handlers are swapped for a recorder too; what it recorded is
    raised again once the real handlers are back.
    """
    held = (signal.SIGINT, signal.SIGTERM)
    pending: list[int] = []
    previous_handlers: dict[int, Any] = {}
    try:
        for number in held:
            previous_handlers[number] = signal.signal(number, lambda received, _frame: pending.append(received))
    except ValueError:  # not the main thread: handlers run in the main thread, not in this block
        pass
    try:
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        previous_mask = None
    try:
        yield
    finally:
        if previous_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)  # a held signal reaches the recorder
        for held_number, handler in previous_handlers.items():
            signal.signal(held_number, handler if handler is not None else signal.SIG_DFL)
        if pending:
            signal.raise_signal(pending[0])  # now, for the real handler


@contextlib.contextmanager
def staging_directory(outdir: Path) -> Iterator[Path]:
    """A private work directory for the run's output, outside the project tree.

    Not beside outdir: when outdir is inside the project (the default `dist/`), a directory
    beside it is inside the project too, and backends that pack every unignored file into the
    sdist (hatchling, pdm-backend) would pack the run's own work files. `commit` moves the
    files next to outdir only at the end.
    """
    del outdir  # where the work directory goes does not depend on it; commit() handles the file system
    with _fresh_directory(Path(tempfile.gettempdir()), "deploypack-work-") as work:
        yield work


@contextlib.contextmanager
def _fresh_directory(parent: Path, prefix: str) -> Iterator[Path]:
    """mkdtemp in `parent`, removed at the end whatever happens, even on a signal."""
    directory: Path | None = None
    try:
        with signals_deferred():  # a signal lands after `directory` is set, so `finally` removes it
            try:
                parent.mkdir(parents=True, exist_ok=True)
                directory = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            except OSError as error:
                raise EnvironmentProblem(
                    f"cannot create a staging directory in {parent}: {error.strerror}"
                ) from None
        yield directory
    finally:
        if directory is not None:
            with signals_deferred():
                shutil.rmtree(directory, ignore_errors=True)


def remove_abandoned_staging(parent: Path, min_age: float = 60.0) -> list[str]:
    """Staging directories left by runs that were killed outright (SIGKILL, power loss).

    Their name carries the pid of the run that made them; one is removed only when that
    process is gone and the directory is older than `min_age` seconds.
    """
    removed = []
    now = time.time()
    for entry in parent.glob(f"{STAGING_PREFIX}*-*"):
        pid_text = entry.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            old_enough = now - entry.lstat().st_mtime > min_age
        except OSError:
            continue
        if old_enough and entry.is_dir() and not entry.is_symlink():
            with signals_deferred():
                shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, but not ours to signal
    return True


def _move_or_copy(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copy2(source, target)  # another file system: copy, and the rename comes later
        _fsync(target)


def _fsync(path: Path) -> None:
    """Data on disk before the rename that publishes it: a crash then shows old or new, not empty files."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def commit(staging: Path, outdir: Path, names: list[str], clean: bool) -> None:
    """Move `names` from the work directory into outdir, replacing the previous run's files.

    The files first go to a staging directory beside outdir (same file system, so what follows
    are renames). Then the previous files are moved aside, the new ones in, the record last; if
    any step fails everything is moved back, so the outdir is either the previous run's output
    or this one's, never a mix. Signals wait until the moves are done.
    """
    for name in names:
        if (staging / name).is_file():
            _fsync(staging / name)
    # Beside the real directory (an outdir may be a symlink to another file system).
    parent = outdir.resolve().parent
    remove_abandoned_staging(parent)
    with _fresh_directory(parent, f"{STAGING_PREFIX}{os.getpid()}-") as local:
        for name in names:
            _move_or_copy(staging / name, local / name)
        record_tmp = local / RECORD
        record_tmp.write_text("".join(f"{name}\n" for name in sorted(names)), encoding="utf-8")
        _fsync(record_tmp)
        aside = local / ".previous"
        aside.mkdir()
        with signals_deferred():
            _swap_in(local, outdir, aside, names, clean)


def _swap_in(local: Path, outdir: Path, aside: Path, names: list[str], clean: bool) -> None:
    created = not outdir.exists()
    outdir.mkdir(parents=True, exist_ok=True)
    replaced = previous_outputs(outdir) | (set(foreign_files(outdir)) if clean else set()) | set(names) | {RECORD}
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in sorted(replaced):
            if os.path.lexists(outdir / name):
                os.replace(outdir / name, aside / name)
                moved_aside.append(name)
        for name in [*names, RECORD]:
            os.replace(local / name, outdir / name)
            moved_in.append(name)
        _fsync(outdir)
    except BaseException:
        _roll_back(local, outdir, aside, moved_in, moved_aside)
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
