"""Which line of the build configuration leaves a file of the source tree out of the wheel.

The wheel is built from the sdist, so a pattern that leaves a file out of the sdist (MANIFEST.in,
hatch's sdist target, flit's `[tool.flit.sdist]`) leaves it out of the wheel too, and so do the
settings that apply to both (pdm `excludes`, poetry `exclude`, hatch's `[tool.hatch.build]`).
Patterns aimed at the wheel alone (hatch's wheel target `exclude`) say the file is left out on
purpose. An include list (`only-include`, `include`, pdm `includes`, poetry `packages`) drops
what it does not cover. Read from text, with the line of each pattern, never by running anything.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from deploypack.core.toml import tomllib
from deploypack.project.packaging_config import clean_path, join, matches_any, toml_table
from deploypack.project.sources import toml_key_line, toml_table_line

Target = Literal["sdist", "both", "wheel"]


@dataclasses.dataclass(frozen=True)
class Drop:
    """One setting that can leave tree paths out: an exclude pattern, or an include list (`keeps`)."""

    setting: str  # as a person reads it: `MANIFEST.in prune`, `[tool.pdm.build] excludes`
    file: str
    line: int | None
    target: Target
    pattern: str = ""  # the exclude pattern (project-relative), or "" for an include list
    keeps: tuple[str, ...] = ()  # an include list: the paths and globs it keeps

    @property
    def deliberate(self) -> bool:
        """An exclude aimed at the wheel alone: the project says it leaves the file out on purpose."""
        return self.target == "wheel" and bool(self.pattern)

    def drops(self, path: str) -> bool:
        if self.pattern:
            return matches_any(path, [self.pattern])
        return not any(_covers(keep, path) for keep in self.keeps)

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f"{self.pattern!r} in {self.setting}" if self.pattern else f"{self.setting} (does not cover it)"
        return f"{what} ({where})"


def _covers(keep: str, path: str) -> bool:
    return path == keep or path.startswith(keep + "/") or matches_any(path, [keep])


@dataclasses.dataclass(frozen=True)
class Drops:
    """The settings of one project that can leave tree paths out of the wheel."""

    manifest: tuple[_ManifestLine, ...] = ()
    settings: tuple[Drop, ...] = ()

    def explain(self, path: str) -> Drop | None:
        """The setting that leaves `path` out: an sdist/both drop first, a deliberate wheel exclude last."""
        found = _manifest_drop(self.manifest, path)
        deliberate = None
        for drop in self.settings:
            if drop.drops(path):
                if not drop.deliberate:
                    return found or drop
                deliberate = deliberate or drop
        return found or deliberate

    def sdist_drop(self, path: str) -> Drop | None:
        """The setting that leaves `path` out of the sdist (include lists of both targets aside:
        the sdist adds its own files to them)."""
        found = _manifest_drop(self.manifest, path)
        if found is not None:
            return found
        return next((drop for drop in self.settings if (drop.target == "sdist" or drop.target == "both"
                                                        and drop.pattern) and drop.drops(path)), None)


# --- MANIFEST.in ---------------------------------------------------------------------------------

_EXCLUDES = ("exclude", "global-exclude", "recursive-exclude", "prune")
_INCLUDES = ("include", "global-include", "recursive-include", "graft")


@dataclasses.dataclass(frozen=True)
class _ManifestLine:
    command: str
    arguments: tuple[str, ...]
    line: int

    @property
    def excludes(self) -> bool:
        return self.command in _EXCLUDES

    def matches(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        if self.command in ("exclude", "include"):
            return any(_glob(path, pattern) for pattern in self.arguments)
        if self.command in ("global-exclude", "global-include"):
            return any(_glob(name, p) or fnmatch.fnmatchcase(path, "*/" + p) for p in self.arguments)
        directory = self.arguments[0].strip("/") if self.arguments else ""
        if not directory or not path.startswith(directory + "/") and directory not in ("*", "."):
            return False
        if self.command in ("prune", "graft"):
            return True
        rest = path if directory in ("*", ".") else path[len(directory) + 1:]
        return any(_glob(rest.rsplit("/", 1)[-1], p) or _glob(rest, p) for p in self.arguments[1:])

    def glob(self) -> str:
        if self.command == "prune":
            return self.arguments[0].rstrip("/")
        if self.command == "global-exclude":
            first = self.arguments[0]
            return first if first.startswith("*") else f"*{first}"
        if self.command == "recursive-exclude":
            return f"{self.arguments[0].rstrip('/')}/*{self.arguments[1] if len(self.arguments) > 1 else ''}"
        return self.arguments[0]

    def drop(self) -> Drop:
        return Drop(f"MANIFEST.in {self.command}", "MANIFEST.in", self.line, "sdist", self.glob())


def _glob(path: str, pattern: str) -> bool:
    """A distutils glob: `*` and `?` stay within one path component."""
    regex = re.escape(pattern.strip("/")).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return re.fullmatch(regex, path) is not None


def _manifest_lines(text: str) -> Iterator[_ManifestLine]:
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] in _EXCLUDES + _INCLUDES:
            yield _ManifestLine(words[0], tuple(words[1:]), number)


def _manifest_drop(lines: Iterable[_ManifestLine], path: str) -> Drop | None:
    """The MANIFEST.in line that has the last word on `path`, when it leaves it out (lines apply in order)."""
    last: _ManifestLine | None = None
    for line in lines:
        if line.matches(path):
            last = line
    return last.drop() if last is not None and last.excludes else None


# --- pyproject.toml --------------------------------------------------------------------------------

def item_line(text: str, table: str, key: str, item: str) -> int | None:
    """The line of `item` (a quoted string) in the value of `key` under `[table]`, else the key's line."""
    start = toml_key_line(text, table, key) or toml_table_line(text, table)
    if start is None:
        return None
    lines = text.splitlines()
    for number in range(start, min(len(lines), start + 200) + 1):
        if f'"{item}"' in lines[number - 1] or f"'{item}'" in lines[number - 1]:
            return number
        if number > start and lines[number - 1].lstrip().startswith("["):
            break
    return start


def _strings(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str) and item.strip()]


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[Drop] = []

    def excludes(self, table: Mapping[str, Any], name: str, key: str, target: Target) -> None:
        for item in _strings(table.get(key)):
            self.found.append(Drop(f"[{name}] {key}", "pyproject.toml", item_line(self.text, name, key, item),
                                   target, clean_path(item)))

    def keeps(self, name: str, key: str, items: list[str], target: Target) -> None:
        if items:
            self.found.append(Drop(f"[{name}] {key}", "pyproject.toml", toml_key_line(self.text, name, key),
                                   target, keeps=tuple(clean_path(item) for item in items)))


def _pyproject_drops(text: str) -> list[Drop]:
    try:
        tool = toml_table(tomllib.loads(text), "tool")
    except tomllib.TOMLDecodeError:
        return []
    reader = _Reader(text)
    hatch = "tool.hatch.build"
    hatch_tables: tuple[tuple[str, Target], ...] = (
        (f"{hatch}.targets.wheel", "wheel"), (f"{hatch}.targets.sdist", "sdist"), (hatch, "both"))
    for name, target in hatch_tables:
        table = toml_table(tool, *name.split(".")[1:])
        reader.excludes(table, name, "exclude", target)
        for key in ("only-include", "include"):
            reader.keeps(name, key, _strings(table.get(key)), target)
    reader.excludes(toml_table(tool, "flit", "sdist"), "tool.flit.sdist", "exclude", "sdist")
    pdm = toml_table(tool, "pdm", "build")
    reader.excludes(pdm, "tool.pdm.build", "excludes", "both")
    reader.keeps("tool.pdm.build", "includes", _strings(pdm.get("includes")), "both")
    poetry = toml_table(tool, "poetry")
    reader.excludes(poetry, "tool.poetry", "exclude", "both")
    packages = poetry.get("packages")
    if isinstance(packages, list):
        kept = [join(clean_path(str(entry.get("from", ""))), str(entry["include"])) for entry in packages
                if isinstance(entry, Mapping) and isinstance(entry.get("include"), str)]
        reader.keeps("tool.poetry", "packages", kept, "both")
    return reader.found


def read_drops(texts: Mapping[str, str]) -> Drops:
    """The drops of a project's MANIFEST.in and pyproject.toml texts."""
    manifest = tuple(_manifest_lines(texts.get("MANIFEST.in", "")))
    settings = tuple(_pyproject_drops(texts["pyproject.toml"])) if "pyproject.toml" in texts else ()
    return Drops(manifest, settings)
