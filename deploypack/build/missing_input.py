"""Which files a failed build says it could not find, in each tool's own wording.

A C compiler names the header as written in `#include`, Cython the `.pxd`/`.pxi` as looked up,
Python the path it opened, setuptools and hatchling the file of their configuration. Each
wording gives a name that is resolved against the project tree afterwards (missing_from_sdist).
"""

from __future__ import annotations

import dataclasses
import re

# (wording, what the named thing is). The name is the group `name`; `source` (when present)
# is the file whose build needed it.
_WORDINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    # gcc / cc: "src/x.c:2:10: fatal error: foo.h: No such file or directory"
    (re.compile(r"^(?:(?P<source>[^\s:]+):\d+:\d+: )?fatal error: (?P<name>[^\s:]+): No such file or directory"),
     "include"),
    # clang: "src/x.c:2:10: fatal error: 'foo.h' file not found"
    (re.compile(r"^(?:(?P<source>[^\s:]+):\d+:\d+: )?fatal error: '(?P<name>[^']+)' file not found"), "include"),
    # MSVC: "x.c(2): fatal error C1083: Cannot open include file: 'foo.h': No such file or directory"
    (re.compile(r"^(?:(?P<source>[^\s(]+)\(\d+\)\s*: )?fatal error C1083: Cannot open (?:include|source) file: "
                r"'(?P<name>[^']+)'"), "include"),
    # the compiler driver given a source file that is not there: "gcc: error: src/x.c: No such file or directory"
    (re.compile(r"^(?:\S*/)?(?:gcc|cc|g\+\+|c\+\+|clang|clang\+\+)(?:-[\d.]+)?: (?:fatal )?error: "
                r"(?P<name>[^\s:]+): No such file or directory"), "path"),
    # Cython: "pkg/fast.pyx:1:0: 'pkg/helpers.pxd' not found" (also for `include "x.pxi"`)
    (re.compile(r"^(?:(?P<source>[^\s:]+\.(?:pyx|pxd|pxi|py)):\d+:\d+: )?(?:.*error: )?"
                r"'(?P<name>[^']+\.(?:pxd|pxi|pyx|h))' not found"), "cython"),
    # Cython's cythonize() given a glob that matches nothing in the unpacked sdist
    (re.compile(r"'(?P<name>[^']+\.(?:pyx|py))' doesn't match any files"), "path"),
    # hatchling: "FileNotFoundError: Forced include not found: /abs/path"
    (re.compile(r"Forced include not found: (?P<name>\S+)"), "path"),
    # setuptools copying package data or scripts: "error: can't copy 'x': doesn't exist or not a regular file"
    (re.compile(r"can't copy '(?P<name>[^']+)': doesn't exist"), "path"),
    # setuptools / distutils: "error: package directory 'src/pkg' does not exist", "file x (for module y) not found"
    (re.compile(r"package directory '(?P<name>[^']+)' does not exist"), "path"),
    (re.compile(r"^(?:warning: )?file (?P<name>\S+) \(for module \S+\) not found"), "path"),
    # CMake: "Cannot find source file:\n\n    src/x.c" is joined by the caller; meson: "File x does not exist."
    (re.compile(r"Cannot find source file:\s+(?P<name>\S+)"), "path"),
    (re.compile(r"^(?:\S+:\d+:\d+: )?ERROR: File (?P<name>\S+) does not exist"), "path"),
    # a helper module setup.py or an in-tree backend imports: "ModuleNotFoundError: No module named '_build'"
    (re.compile(r"No module named '(?P<name>[\w.]+)'"), "module"),
    # Python: open() and friends
    (re.compile(r"No such file or directory: '(?P<name>[^']+)'"), "path"),
    (re.compile(r"[Ff]ile (?:does not exist|not found): '?(?P<name>[^'\s]+)'?"), "path"),
)


@dataclasses.dataclass(frozen=True)
class MissingInput:
    name: str  # as the tool wrote it: an include name, a path relative to the build's directory, or absolute
    kind: str  # "include" (looked up in include directories), "cython", "module" (a dotted name), or "path"
    source: str | None  # the file being compiled, when the tool says
    evidence: str  # the log line


def missing_inputs(log_text: str) -> list[MissingInput]:
    """Every missing file the log names, in order, each once."""
    # CMake puts the file name on a line of its own after "Cannot find source file:"
    text = re.sub(r"Cannot find source file:\s*\n\s*", "Cannot find source file: ", log_text)
    found: dict[str, MissingInput] = {}
    for line in text.splitlines():
        stripped = line.strip()
        for pattern, kind in _WORDINGS:
            match = pattern.search(stripped)
            if match:
                name = match.group("name").rstrip(".,;")
                source = match.groupdict().get("source")
                found.setdefault(name, MissingInput(name, kind, source, stripped[:300]))
                break
    return list(found.values())
