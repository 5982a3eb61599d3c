"""Why a file of the project tree is not in the sdist: the line a person edits to put it there.

Asked only after a wheel build from the sdist failed for want of the file, so it may cost a
few git commands. The answer, most specific first: a configuration line that excludes the
file (MANIFEST.in, the backend's sdist `exclude`), the ignore-file line that hides it from a
backend that honours git (`git check-ignore -v`), "not tracked by git" for backends that list
the files git tracks, else what the backend puts in an sdist by default.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploypack.core.toml import tomllib
from deploypack.project.git import output as _git
from deploypack.project.sources import ProjectSources, toml_key_line, toml_table_line

# Backends whose sdist leaves out what git ignores, and those that take only what git tracks.
_HONOURS_GITIGNORE = ("hatchling", "poetry", "scikit_build_core", "mesonpy", "maturin")  # not pdm-backend
_GIT_FILE_FINDERS = ("setuptools-scm", "setuptools_scm", "setuptools-git", "setuptools_git", "setuptools-svn")
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__",
                           "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache"})
_MAX_WALK = 20_000  # files looked at when searching the tree for an include name


@dataclasses.dataclass(frozen=True)
class Cause:
    text: str  # why, in a sentence fragment: "it is ignored by .gitignore line 4 (`vendor/`)"
    file: str | None
    line: int | None


@dataclasses.dataclass(frozen=True)
class BuildSystem:
    backend: str
    requires: tuple[str, ...]
    pyproject: Mapping[str, Any]

    @property
    def kind(self) -> str:
        """setuptools, hatchling, flit, pdm, poetry, scikit_build_core, mesonpy, maturin or the module."""
        top = self.backend.split(".", 1)[0] or "setuptools"
        return {"flit_core": "flit", "poetry": "poetry"}.get(top, top)

    @property
    def lists_git_files(self) -> bool:
        names = [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in self.requires]
        return self.kind == "mesonpy" or (self.kind == "setuptools" and any(n in _GIT_FILE_FINDERS for n in names))


def build_system(sources: ProjectSources) -> BuildSystem:
    try:
        data = tomllib.loads(sources.text("pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        data = {}
    table = data.get("build-system", {}) if isinstance(data.get("build-system"), dict) else {}
    backend = table.get("build-backend") if isinstance(table.get("build-backend"), str) else ""
    requires = tuple(r for r in table.get("requires", []) if isinstance(r, str))
    return BuildSystem(backend or "setuptools.build_meta:__legacy__", requires, data)


def tree_candidates(project_dir: Path, sdist_dir: Path, name: str, *, search: bool) -> list[str]:
    """Project-relative paths of files named `name` that are in the tree but not in the sdist.

    `name` is a path relative to the build's directory, or (search=True) an include name that
    the compiler looked up in its include directories: any file whose path ends with it."""
    name = name.replace("\\", "/")  # MSVC writes include names with backslashes
    path = Path(name)
    if path.is_absolute():
        for root in (sdist_dir, project_dir):
            try:
                name = path.resolve().relative_to(root.resolve()).as_posix()
                break
            except ValueError:
                continue
        else:
            return []
    if (project_dir / name).is_file() and not (sdist_dir / name).exists():
        return [Path(name).as_posix()]
    if not search:
        return []
    found = []
    suffix = "/" + Path(name).as_posix().lstrip("./")
    for relative in _walk(project_dir):
        if ("/" + relative).endswith(suffix) and not (sdist_dir / relative).exists():
            found.append(relative)
    return found


def _walk(project_dir: Path) -> list[str]:
    files: list[str] = []
    for top, dirs, names in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
        base = Path(top).relative_to(project_dir)
        files.extend((base / n).as_posix() for n in sorted(names))
        if len(files) > _MAX_WALK:
            break
    return files


def why_not_in_sdist(sources: ProjectSources, relative: str) -> Cause:
    system = build_system(sources)
    project_dir = sources.project_dir
    excluded = _config_exclusion(sources, system, relative)
    if excluded is not None:
        return excluded
    if system.kind in _HONOURS_GITIGNORE or system.lists_git_files:
        ignored = _gitignore_line(project_dir, relative)
        if ignored is not None:
            return ignored
    if system.lists_git_files and _git(project_dir, "ls-files", "--error-unmatch", "--", relative) is None \
            and _git(project_dir, "rev-parse", "--git-dir") is not None:
        return Cause("it is not tracked by git, and the sdist takes the files git tracks (`git add` it)",
                     relative, None)
    return _default_selection(sources, system, relative)


def _config_exclusion(sources: ProjectSources, system: BuildSystem, relative: str) -> Cause | None:
    if system.kind == "setuptools":
        return _manifest_exclusion(sources, relative)
    tool = system.pyproject.get("tool", {}) if isinstance(system.pyproject.get("tool"), dict) else {}
    tables = {
        "hatchling": [("tool.hatch.build.targets.sdist", "exclude"), ("tool.hatch.build", "exclude")],
        "flit": [("tool.flit.sdist", "exclude")],
        "pdm": [("tool.pdm.build", "excludes")],
        "poetry": [("tool.poetry", "exclude")],
        "scikit_build_core": [("tool.scikit-build.sdist", "exclude")],
    }.get(system.kind, [])
    for table, key in tables:
        patterns = _lookup(tool, table.split(".")[1:] + [key])
        for pattern in patterns if isinstance(patterns, list) else []:
            if isinstance(pattern, str) and _glob_matches(pattern, relative):
                where = sources.find_literal(pattern, ["pyproject.toml"])
                return Cause(f"the pattern {pattern!r} of [{table}] {key} excludes it", "pyproject.toml",
                             where.line if where else None)
    return None


def _lookup(table: object, keys: list[str]) -> object:
    for key in keys:
        if not isinstance(table, dict):
            return None
        table = table.get(key)
    return table


def _glob_matches(pattern: str, relative: str) -> bool:
    """gitignore-like: a pattern without a slash matches a name at any depth; a directory excludes its files."""
    pattern = pattern.strip().lstrip("/") if pattern.strip().startswith("/") else pattern.strip()
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if "/" not in pattern.rstrip("/"):
        name = pattern.rstrip("/")
        return any(fnmatch.fnmatchcase(part, name) for part in parts)
    regex = re.escape(pattern.rstrip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return any(re.fullmatch(regex, prefix) for prefix in prefixes)


_MANIFEST_COMMAND = re.compile(r"^\s*(include|exclude|recursive-include|recursive-exclude|global-include|"
                               r"global-exclude|graft|prune)\s+(.+?)\s*$")


def _manifest_exclusion(sources: ProjectSources, relative: str) -> Cause | None:
    """The MANIFEST.in line that decides last that `relative` is left out, when one does."""
    text = _read(sources.project_dir / "MANIFEST.in")
    if text is None:
        return None
    verdict: tuple[bool, int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MANIFEST_COMMAND.match(line.split("#", 1)[0])
        if match and _manifest_matches(match.group(1), match.group(2).split(), relative):
            verdict = (match.group(1) in ("exclude", "recursive-exclude", "global-exclude", "prune"), number,
                       line.strip())
    if verdict is not None and verdict[0]:
        return Cause(f"MANIFEST.in line {verdict[1]} (`{verdict[2]}`) excludes it", "MANIFEST.in", verdict[1])
    return None


def _manifest_matches(command: str, words: list[str], relative: str) -> bool:
    directory, _, name = relative.rpartition("/")
    if command in ("include", "exclude"):
        return any(re.fullmatch(_manifest_glob(word), relative) for word in words)
    if command in ("global-include", "global-exclude"):
        return any(fnmatch.fnmatchcase(name, word) for word in words)
    if command in ("recursive-include", "recursive-exclude"):
        root = words[0].strip("/")
        under = directory == root or directory.startswith(root + "/") or root in ("", ".")
        return under and any(fnmatch.fnmatchcase(name, word) for word in words[1:])
    root = words[0].strip("/") if words else ""  # graft, prune
    return bool(root) and (relative.startswith(root + "/"))


def _manifest_glob(word: str) -> str:
    return re.escape(word).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")


def _gitignore_line(project_dir: Path, relative: str) -> Cause | None:
    output = _git(project_dir, "check-ignore", "-v", "--", relative)
    if not output:
        return None
    source, _, rest = output.partition(":")
    number, _, rest = rest.partition(":")
    pattern = rest.split("\t", 1)[0]
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    origin = Path(source) if Path(source).is_absolute() or top is None else Path(top) / source
    try:
        file = os.path.relpath(origin, project_dir.resolve())
    except ValueError:
        file = str(origin)
    line = int(number) if number.isdigit() else None
    return Cause(f"it is ignored by git ({file} line {line}: `{pattern}`), and the backend leaves ignored "
                 "files out of the sdist", Path(file).as_posix(), line)


def _default_selection(sources: ProjectSources, system: BuildSystem, relative: str) -> Cause:
    text = sources.text("pyproject.toml") or ""
    if system.kind == "setuptools":
        if (sources.project_dir / "MANIFEST.in").is_file():
            return Cause("no line of MANIFEST.in includes it", "MANIFEST.in", None)
        return Cause("setuptools puts in the sdist only modules, extension sources and the files MANIFEST.in "
                     "includes, and there is no MANIFEST.in", relative, None)
    if system.kind == "flit":
        line = toml_table_line(text, "tool.flit.sdist")
        return Cause("flit_core puts in the sdist only the module and the files [tool.flit.sdist] include names",
                     "pyproject.toml", line)
    if system.kind == "hatchling":
        for table in ("tool.hatch.build.targets.sdist", "tool.hatch.build"):
            line = toml_table_line(text, table)
            if line:
                return Cause(f"the file selection of [{table}] does not take it", "pyproject.toml", line)
    selection = _SELECTION.get(system.kind)
    if selection is not None:
        table, key, sentence = selection
        line = toml_key_line(text, table, key) or toml_table_line(text, table)
        return Cause(sentence, "pyproject.toml" if line else relative, line)
    return Cause(f"the {system.kind} backend does not put it in the sdist", relative, None)


# What a backend's sdist takes besides the packages, and the table that widens it.
_SELECTION = {
    "pdm": ("tool.pdm.build", "source-includes",
            "pdm-backend puts in the sdist the packages and the files [tool.pdm.build] source-includes names"),
    "poetry": ("tool.poetry", "include",
               "poetry-core puts in the sdist the packages and the files [tool.poetry] include names"),
}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
