"""Why a git-derived version came out dirty: tracked files that differ from the commit.

A version plugin (setuptools-scm, hatch-vcs…) appends `.devN+g<hash>.d<date>` when the tree is
dirty. The usual cause on a fresh checkout is the build itself: the plugin's generated version
file (`version_file`, `write_to`, hatch's `version-file`) is tracked by git, so writing it during
the build dirties the tree before the version is read again. Asked only once a mismatch is found.
"""

from __future__ import annotations

from typing import Any

from deploypack.core.toml import tomllib
from deploypack.project import git
from deploypack.project.sources import ProjectSources, SourceLocation

_VERSION_FILE_KEYS = (
    "tool.setuptools_scm.version_file", "tool.setuptools_scm.write_to",
    "tool.setuptools-scm.version_file", "tool.setuptools-scm.write_to",
    "tool.hatch.build.hooks.vcs.version-file", "tool.pdm.version.write_to",
)
_SHOWN = 3


def dirty_cause(sources: ProjectSources) -> tuple[str, SourceLocation | None] | None:
    """A sentence naming the tracked files that differ from HEAD, and the configuration line that
    makes the build write one of them (when it does); None when the tree is clean or git cannot say."""
    modified = git.modified_tracked_files(sources.project_dir)
    if not modified:
        return None
    for key, generated in _version_files(sources):
        if generated in modified:
            return (f"the build rewrote {generated}, the plugin's generated version file, which git tracks, so "
                    "the tree was dirty when the version was read; stop tracking it (`git rm --cached`, "
                    ".gitignore)", sources.find_key({"pyproject.toml": [key]}))
    shown = ", ".join(modified[:_SHOWN]) + (f" and {len(modified) - _SHOWN} more" if len(modified) > _SHOWN else "")
    return f"the tree was dirty: {shown} differ{'s' if len(modified) == 1 else ''} from the commit", None


def _version_files(sources: ProjectSources) -> list[tuple[str, str]]:
    """(configuration key, project-relative path) of each version file a plugin is told to write."""
    try:
        data: Any = tomllib.loads(sources.text("pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return []
    found = []
    for key in _VERSION_FILE_KEYS:
        value = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            found.append((key, value.removeprefix("./")))
    return found
