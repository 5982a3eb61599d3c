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
    """A sentence naming the tracked files that differ from HEAD, with the configuration line that makes
    the build write the version file when that file alone differs; None when clean or git cannot say."""
    modified = git.modified_tracked_files(sources.project_dir)
    if not modified:
        return None
    generated = {path: key for key, path in _version_files(sources)}
    # The version file is rewritten by every build; other changes (a person's edits) come first as the cause.
    edited = [path for path in modified if path not in generated]
    if not edited:
        path = modified[0]
        return (f"the build rewrote {path}, the plugin's generated version file, which git tracks, so "
                "the tree was dirty when the version was read; stop tracking it (`git rm --cached`, "
                ".gitignore)", sources.find_key({"pyproject.toml": [generated[path]]}))
    shown = ", ".join(edited[:_SHOWN]) + (f" and {len(edited) - _SHOWN} more" if len(edited) > _SHOWN else "")
    return f"the tree was dirty: {shown} differ{'s' if len(edited) == 1 else ''} from the commit", None


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
