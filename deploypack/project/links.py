"""Symbolic links of the source tree that point outside it (`pkg/data.txt -> /etc/passwd`).

Backends treat such a link three ways: some follow it and ship the target's content as an
ordinary file (a file of the build machine ends up in the release), some keep the link in the
sdist (unbuildable anywhere else), some refuse with their own exception. The links are found
here, before the build, so that whatever the backend did the finding names the link in the tree.

"Outside" means outside the project directory and outside its git checkout: a monorepo
package linking the repository's LICENSE (`LICENSE -> ../../LICENSE`) links inside.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from deploypack.project import git

# Directories no backend packages and that hold links of their own (virtual environments link
# the interpreter): skipped whole. Hidden directories (.git, .venv, .tox) are skipped too.
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


@dataclasses.dataclass(frozen=True)
class OutsideLink:
    path: str  # project-relative, as a person finds it in the tree
    target: str  # the link's text, as `ls -l` shows it
    resolved: str  # where it leads (absolute, with the links on the way followed)


def outside_links(project_dir: Path) -> tuple[OutsideLink, ...]:
    """The links of the project tree whose target lies outside the project and its checkout."""
    root = str(project_dir.resolve())
    found: list[tuple[str, str, Path]] = []
    pending = [root]
    while pending:  # scandir's entries know whether they are links without another stat
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                resolved = os.path.realpath(entry.path)
                if not (resolved + os.sep).startswith(root + os.sep) and not _in_environment(entry.path, root):
                    found.append((os.path.relpath(entry.path, root).replace(os.sep, "/"), os.readlink(entry.path),
                                  Path(resolved)))
            elif entry.is_dir() and entry.name[0] != "." and entry.name not in _SKIPPED_DIRS:
                pending.append(entry.path)
    if not found:
        return ()
    checkout = _checkout_root(Path(root))
    return tuple(OutsideLink(path, target, str(resolved)) for path, target, resolved in sorted(found)
                 if checkout is None or not resolved.is_relative_to(checkout))


def _in_environment(path: str, root: str) -> bool:
    """Inside a virtual environment of the tree (`venv/bin/python -> /usr/bin/python3`)."""
    directory = os.path.dirname(path)
    while len(directory) > len(root):
        if os.path.exists(os.path.join(directory, "pyvenv.cfg")):
            return True
        directory = os.path.dirname(directory)
    return False


def _checkout_root(project_dir: Path) -> Path | None:
    top = git.output(project_dir, "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None
