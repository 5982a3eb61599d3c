"""Which line of the project's configuration pulls a file into the distributions.

A file nobody meant to ship (bytecode, a cache) usually arrives through a broad inclusion: a
MANIFEST.in `graft`, a `recursive-include pkg *`, a package-data `**/*`, a hatch/pdm/poetry/flit
include pattern. Given the path, this finds that line by reading the configuration as text,
so the finding points at what a person edits.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from deploypack.core.toml import tomllib
from deploypack.project.packaging_config import cfg_list, cfg_sections, matches_any, toml_table

# (table, key) of the TOML settings whose values are include patterns, per backend.
_TOML_INCLUDES = (
    ("tool.hatch.build", "include"), ("tool.hatch.build", "artifacts"), ("tool.hatch.build", "only-include"),
    ("tool.hatch.build.targets.wheel", "include"), ("tool.hatch.build.targets.wheel", "artifacts"),
    ("tool.hatch.build.targets.wheel", "only-include"), ("tool.hatch.build.targets.sdist", "include"),
    ("tool.hatch.build.targets.sdist", "artifacts"), ("tool.hatch.build.targets.sdist", "only-include"),
    ("tool.pdm.build", "includes"), ("tool.pdm.build", "source-includes"), ("tool.poetry", "include"),
    ("tool.flit.sdist", "include"),
)
_FORCE_INCLUDE = ("tool.hatch.build.targets.wheel.force-include", "tool.hatch.build.targets.sdist.force-include",
                  "tool.hatch.build.force-include")


def including_line(texts: Mapping[str, str], paths: Sequence[str]) -> tuple[str, int, str] | None:
    """(config file, line, the line's text) of the setting that includes any of `paths`
    (project-relative, or as installed), or None when no configuration line names them."""
    for found in (_manifest_lines(texts.get("MANIFEST.in", ""), paths),
                  _pyproject_lines(texts.get("pyproject.toml", ""), paths),
                  _setup_cfg_lines(texts.get("setup.cfg", ""), paths),
                  _setup_py_lines(texts.get("setup.py", ""), paths)):
        if found is not None:
            return found
    return None


def _manifest_lines(text: str, paths: Sequence[str]) -> tuple[str, int, str] | None:
    last = None  # MANIFEST.in is read in order: the last inclusion is the one that took the file
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and any(_manifest_includes(words[0], words[1:], path) for path in paths):
            last = ("MANIFEST.in", number, line.strip())
    return last


def _manifest_includes(command: str, arguments: list[str], path: str) -> bool:
    name = posixpath.basename(path)
    if command == "graft":
        return path.startswith(arguments[0].strip("/") + "/") or arguments[0] in (".", "./")
    if command == "recursive-include":
        directory = arguments[0].strip("/")
        inside = directory in (".", "") or path.startswith(directory + "/")
        return inside and any(fnmatch.fnmatchcase(name, pattern) for pattern in arguments[1:])
    if command == "include":
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in arguments)
    if command == "global-include":
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in arguments)
    return False


def _pyproject_lines(text: str, paths: Sequence[str]) -> tuple[str, int, str] | None:
    if not text:
        return None
    try:
        data: Mapping[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    candidates: list[tuple[str, str]] = []  # (table, pattern)
    for table, key in _TOML_INCLUDES:
        value = toml_table(data, *table.split(".")).get(key)
        candidates += [(table, pattern) for pattern in _patterns(value)]
    for table in _FORCE_INCLUDE:
        candidates += [(table, source) for source in toml_table(data, *table.split("."))]
    for package, patterns in toml_table(data, "tool", "setuptools", "package-data").items():
        prefix = "" if package in ("*", "") else package.replace(".", "/") + "/"
        candidates += [("tool.setuptools.package-data", pattern) for pattern in _patterns(patterns)
                       if _package_data_matches(prefix, pattern, paths)]
    for table, pattern in candidates:
        if table == "tool.setuptools.package-data" or _pattern_matches(pattern, paths):
            line = literal_line(text, table, pattern)
            if line is not None:
                return "pyproject.toml", line, text.splitlines()[line - 1].strip()
    return None


def _patterns(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, Mapping):
            item = item.get("path") or item.get("include")
        if isinstance(item, str) and item.strip():
            yield item.strip()


def _pattern_matches(pattern: str, paths: Sequence[str]) -> bool:
    cleaned = pattern.lstrip("/").removeprefix("./").rstrip("/")
    return any(matches_any(path, [cleaned]) for path in paths)


def _package_data_matches(prefix: str, pattern: str, paths: Sequence[str]) -> bool:
    """A setuptools package-data glob, relative to its package directory (`*` for any package)."""
    for path in paths:
        if prefix and f"{prefix}" not in f"/{path}" and not path.startswith(prefix):
            continue
        inside = path.split(prefix, 1)[1] if prefix else path.split("/", 1)[-1]
        if fnmatch.fnmatchcase(inside, pattern.replace("**/", "*")):
            return True
    return False


def _setup_cfg_lines(text: str, paths: Sequence[str]) -> tuple[str, int, str] | None:
    if not text:
        return None
    for package, value in cfg_sections(text).get("options.package_data", {}).items():
        prefix = "" if package in ("*", "") else package.replace(".", "/") + "/"
        for pattern in cfg_list(value):
            if _package_data_matches(prefix, pattern, paths):
                line = literal_line(text, "options.package_data", pattern, quoted=False)
                if line is not None:
                    return "setup.cfg", line, text.splitlines()[line - 1].strip()
    return None


_PACKAGE_DATA_CALL = re.compile(r"\bpackage_data\s*=\s*\{([^}]*)\}", re.S)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")


def _setup_py_lines(text: str, paths: Sequence[str]) -> tuple[str, int, str] | None:
    """setup.py's literal `package_data={"": ["*"]}` (code is not run: only the literal form is read)."""
    for call in _PACKAGE_DATA_CALL.finditer(text):
        start = text.count("\n", 0, call.start(1)) + 1
        for offset, line in enumerate(call.group(1).split("\n")):
            patterns = _QUOTED.findall(line.split(":", 1)[-1] if ":" in line else line)
            if any(_package_data_matches("", pattern, paths) for pattern in patterns):
                return "setup.py", start + offset, text.splitlines()[start + offset - 1].strip()
    return None


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def literal_line(text: str, table: str, literal: str, *, quoted: bool = True) -> int | None:
    """The line, inside `[table]` (or a dotted key below its parent table), holding `literal`."""
    current = ""
    needles = [f'"{literal}"', f"'{literal}'"] if quoted else [literal]
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = ".".join(part.strip().strip("\"'") for part in header.group(1).split("."))
            continue
        inside = current == table or (current and table.startswith(current + "."))
        if inside and not line.lstrip().startswith("#") and any(needle in line for needle in needles):
            return number
    return None
