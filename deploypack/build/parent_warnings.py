"""Python warnings shown in deploypack's own process while a build runs go to the build log.

The hooks' output is captured (supervise.py), but one channel of theirs ends in this process:
pyproject_hooks runs a hook with its warnings *recorded*, returns the UserWarnings in the hook's
result, and re-emits them here with `warnings.warn_explicit` (category BuildBackendWarning), on
the hook-server path as on the plain one. `build` warns here too (TypoWarning, quoting
pyproject.toml). Python's default handler would print that text — the backend's, a plugin's,
setup.py's own `warnings.warn` — to deploypack's stderr, live and outside any stop-commands
window, where the runner reads workflow commands. While the build runs, every warning shown in
this process is written to the build log instead, and kept (deprecations.py reads them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Iterator
from typing import TextIO

from deploypack.build.log import BuildLog


@dataclasses.dataclass(frozen=True)
class CaughtWarning:
    message: str
    category: str
    filename: str
    lineno: int


@contextlib.contextmanager
def warnings_to_log(log: BuildLog) -> Iterator[list[CaughtWarning]]:
    """Within the block, warnings are written to `log` (never to a stream) and collected."""
    from pyproject_hooks import BuildBackendWarning

    caught: list[CaughtWarning] = []

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        text = str(message)
        caught.append(CaughtWarning(text, category.__name__, filename, lineno))
        # line="": formatwarning must not read the backend's source file to quote it.
        log.text(warnings.formatwarning(text, category, filename, lineno, line=""))

    with warnings.catch_warnings():
        # Every occurrence, so that the sdist's and the wheel's are both kept, and never an
        # exception (a -W error filter would turn the backend's warning into a failed build).
        warnings.simplefilter("always", BuildBackendWarning)
        warnings.showwarning = show
        yield caught
