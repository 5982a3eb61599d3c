"""Where in the project's own files something is declared, so a finding can point there.

Metadata comes back from the build with no memory of where it was written. These helpers
find the line that declares a value in pyproject.toml, setup.cfg or setup.py, by reading
those files as text: it works the same for every backend and costs a few string scans.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

CONFIG_FILES = ("pyproject.toml", "setup.cfg", "setup.py")

_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclasses.dataclass(frozen=True)
class SourceLocation:
    file: str  # relative to the project root
    line: int  # 1-based
    column: int | None = None  # 1-based


def _normalise_table(name: str) -> str:
    return ".".join(part.strip().strip('"').strip("'") for part in name.split("."))


def toml_key_line(text: str, table: str, key: str) -> int | None:
    """The line of `key = …` inside `[table]`, or of a dotted `key` under a parent table."""
    current = ""
    key_pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_HEADER.match(line)
        if header:
            current = _normalise_table(header.group(1))
            continue
        if current == table and key_pattern.match(line):
            return number
        # `[project]` then `urls.Homepage = …`, or `[tool]` then `deploypack.x = …`
        if table.startswith(current + ".") if current else False:
            dotted = table[len(current) + 1 :] + "." + key
            if re.match(rf"^\s*{re.escape(dotted)}\s*=", line):
                return number
    return None


def toml_table_line(text: str, table: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_HEADER.match(line)
        if header and _normalise_table(header.group(1)) == table:
            return number
    return None


class ProjectSources:
    """The project's configuration files, read once, searched for declarations."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._texts: dict[str, str] = {}
        self._others: dict[str, str | None] = {}
        for name in CONFIG_FILES:
            path = project_dir / name
            if path.is_file():
                try:
                    self._texts[name] = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def text(self, name: str) -> str | None:
        """A configuration file, or another small project file read on first use (a `__version__` module)."""
        if name not in self._texts and name not in CONFIG_FILES:
            self._others.setdefault(name, _read_small_file(self.project_dir, name))
            return self._others[name]
        return self._texts.get(name)

    def find_literal(self, value: str, files: Iterable[str] = CONFIG_FILES) -> SourceLocation | None:
        """The first line declaring `value` as a quoted string (TOML, Python) or a bare cfg value."""
        if not value:
            return None
        for name in files:
            text = self.text(name)
            if text is None:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                column = _literal_column(line, value, bare=name == "setup.cfg")
                if column is not None:
                    return SourceLocation(name, number, column)
        return None

    def find_key(self, keys: dict[str, Iterable[str]]) -> SourceLocation | None:
        """The first declaration of a setting, e.g. `{"pyproject.toml": ["project.version"],
        "setup.cfg": ["metadata.version"], "setup.py": ["version"]}`."""
        for name, candidates in keys.items():
            text = self._texts.get(name)
            if text is None:
                continue
            for candidate in candidates:
                line: int | None
                if name == "setup.py":
                    line = _python_keyword_line(text, candidate)
                else:
                    table, _, key = candidate.rpartition(".")
                    line = toml_key_line(text, table, key)  # setup.cfg sections read alike
                if line:
                    return SourceLocation(name, line)
        return None

    def find_any_file(self) -> SourceLocation | None:
        """Where to point when nothing more precise exists: the main configuration file."""
        for name in CONFIG_FILES:
            if name in self._texts:
                return SourceLocation(name, 1)
        return None


_SMALL_FILE = 1024 * 1024


def _read_small_file(project_dir: Path, name: str) -> str | None:
    """A project file by relative path; None when absent, outside the project, or too big to be a config."""
    path = project_dir / name
    try:
        if not path.resolve().is_relative_to(project_dir.resolve()) or not path.is_file():
            return None
        if path.stat().st_size > _SMALL_FILE:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def _literal_column(line: str, value: str, *, bare: bool) -> int | None:
    for quote in ('"', "'"):
        index = line.find(f"{quote}{value}{quote}")
        if index >= 0:
            return index + 2
    if bare:
        stripped = line.strip()
        if stripped == value or stripped.endswith(("= " + value, "=" + value)):
            return line.find(value) + 1
    return None


def _python_keyword_line(text: str, keyword: str) -> int | None:
    pattern = re.compile(rf"\b{re.escape(keyword)}\s*=|[\"']{re.escape(keyword)}[\"']\s*:")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None
