"""Git refusing to read a checkout that belongs to another user ("detected dubious ownership").

Usual in containers and CI jobs where the checkout was made by another uid. Version plugins
that ask git (setuptools-scm's file finder, versioneer, pdm's and poetry's scm versions,
meson's dist) then fail or fall back to a wrong version, and so do deploypack's own git
questions (the release tag, the commit time). Git prints the exception to add; that exact
command is what the user needs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_DUBIOUS = re.compile(r"detected dubious ownership in repository at '(?P<path>[^']+)'")
# Version sources that read git (config text mentioning one of these: a cheap, conservative test)
_VERSION_FROM_GIT = re.compile(
    r"setuptools[-_]scm|hatch-vcs|hatch_vcs|versioneer|setuptools-git-versioning|poetry-dynamic-versioning|"
    r"versioningit|dunamai|pbr|source\s*=\s*[\"'](?:scm|vcs)[\"']|use_scm_version|mesonpy|git describe",
    re.I,
)


def refused_checkout(text: str) -> str | None:
    """The repository path git refused, when `text` (a log, git's stderr) says it refused one."""
    match = _DUBIOUS.search(text)
    return match.group("path") if match else None


def probe(project_dir: Path) -> str | None:
    """Ask git once whether it refuses the project's checkout; the path to allow, or None."""
    try:
        result = subprocess.run(["git", "-C", str(project_dir), "rev-parse", "--git-dir"], capture_output=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode == 0:
        return None
    return refused_checkout(result.stderr.decode("utf-8", "replace"))


def reads_version_from_git(config_texts: list[str]) -> bool:
    return any(_VERSION_FROM_GIT.search(text) for text in config_texts)


def safe_directory_command(path: str) -> str:
    quoted = path if re.fullmatch(r"[\w./@:+-]+", path) else "'" + path.replace("'", "'\\''") + "'"
    return f"git config --global --add safe.directory {quoted}"
