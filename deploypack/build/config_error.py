"""The line of the project's configuration that a backend's error message is about.

Backends reject a configuration by raising from their own code ("Unknown classifier in field
`project.classifiers`: Topic :: Nonsense", "invalid pyproject.toml config: `project.keywords`",
"Fragment file 'CHANGELOG.md' not found", "Invalid specifier: '<<4'"). Their traceback points
inside the backend, never at what to edit; the message names it: a value quoted from the
configuration, a dotted key, or a file name. This finds that line.
"""

from __future__ import annotations

import re
from pathlib import Path

from deploypack.project.sources import ProjectSources, toml_key_line, toml_table_line

# setup.py is code: what it passes to setup() is found through its traceback frames instead.
_DECLARATIVE = ("pyproject.toml", "setup.cfg")

# `project.classifiers[0]`, "project.requires-python", tool.poetry.name (TOML dotted keys)
_DOTTED_KEY = re.compile(r"[`\"']?\b((?:project|tool|build-system)(?:\.[\w-]+)+)(?:\[(\d+)\])?[`\"']?")
# validate-pyproject (setuptools) prints the value it refuses under "GIVEN VALUE:"
_GIVEN_VALUE = re.compile(r"^GIVEN VALUE:\s*\n\s+[\"']?([^\n\"']{3,})[\"']?\s*$", re.M)
_QUOTED = (re.compile(r"`([^`]+)`"), re.compile(r"'([^']+)'"), re.compile(r'"([^"]+)"'))
_PATH_LIKE = re.compile(r"^[\w.\-/]+\.[\w]+$|^[\w.\-]+/[\w.\-/]+$")
_LABELS = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b:?\s*")


# Messages that quote nothing, with the settings they are about, most specific first: (table, key or None).
_KNOWN: tuple[tuple[re.Pattern[str], tuple[tuple[str, str | None], ...]], ...] = (
    # hatchling finds no package named like the project and none is configured
    (re.compile(r"Unable to determine which files to ship inside the wheel"),
     (("tool.hatch.build.targets.wheel", "packages"), ("tool.hatch.build.targets.wheel", None),
      ("project", "name"))),
    # flit_core finds no module named like the project
    (re.compile(r"No file/folder found for module"), (("tool.flit.module", "name"), ("project", "name"))),
)


def locate(sources: ProjectSources, message: str, context: str = "") -> tuple[str, int | None] | None:
    """(file, line) the message is about; `context` holds the log lines before it (a validator's details)."""
    known = _known_setting(sources, message)
    if known is not None:
        return known
    for candidate in _project_paths(sources, message) + _values(message):
        where = _value_line(sources, candidate)
        if where is not None:
            return where
    for match in _DOTTED_KEY.finditer(message):
        where = _key_line(sources, match.group(1), match.group(2))
        if where is not None:
            return where
    given = _GIVEN_VALUE.search(context)
    for candidate in ([given.group(1)] if given else []) + _values(context):
        where = _value_line(sources, candidate)
        if where is not None:
            return where
    for match in _DOTTED_KEY.finditer(context):
        where = _key_line(sources, match.group(1), match.group(2))
        if where is not None:
            return where
    return None


def _known_setting(sources: ProjectSources, message: str) -> tuple[str, int | None] | None:
    text = sources.text("pyproject.toml") or ""
    for pattern, settings in _KNOWN:
        if not pattern.search(message):
            continue
        for table, key in settings:
            line = toml_key_line(text, table, key) if key else toml_table_line(text, table)
            if line:
                return "pyproject.toml", line
    return None


def _project_paths(sources: ProjectSources, message: str) -> list[str]:
    """Absolute paths in the message that lie in the project, made relative ("/x/proj/pkg" -> "pkg")."""
    root = sources.project_dir.resolve().as_posix().rstrip("/") + "/"
    found = []
    for token in re.findall(r"(/[^\s'\"`:,;]+)", message):
        if token.startswith(root) and len(token) > len(root):
            found.append(token[len(root):].rstrip("/."))
    return found


def _values(message: str) -> list[str]:
    """Strings quoted in the message, then what follows its last ": ", longest first."""
    body = _LABELS.sub("", message.strip())
    # each quote separately: "Fragment file 'CHANGELOG.md' not found." holds a value inside a value
    found = [match.group(1) for pattern in _QUOTED for match in pattern.finditer(body)]
    tail = body.rsplit(": ", 1)[-1].strip().strip(".").strip("'\"`")
    if ": " in body and tail:
        found.append(tail)
    unique = []
    for value in found:
        value = value.strip()
        if len(value) >= 3 and value not in unique and not _DOTTED_KEY.fullmatch(value):
            unique.append(value)
    return sorted(unique, key=len, reverse=True)


def _value_line(sources: ProjectSources, value: str) -> tuple[str, int | None] | None:
    if _PATH_LIKE.match(value) and (sources.project_dir / value).is_symlink():
        return Path(value).as_posix(), None  # the message is about a file of the tree (a link)
    for name in _DECLARATIVE:
        text = sources.text(name)
        if not text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if value in line and not line.lstrip().startswith("#"):
                return name, number
    return None


def _key_line(sources: ProjectSources, dotted: str, index: str | None = None) -> tuple[str, int | None] | None:
    text = sources.text("pyproject.toml")
    if not text:
        return None
    table, _, key = dotted.rpartition(".")
    while table:
        line = toml_key_line(text, table, key)
        if line:
            return "pyproject.toml", _element_line(text, line, int(index)) if index else line
        table, _, key = table.rpartition(".")  # `project.urls.Home` not found: try `project.urls`
    return None


def _element_line(text: str, key_line: int, index: int) -> int:
    """The line of the index-th string of the array that starts at key_line (the key's line if one line)."""
    seen = 0
    for number, line in enumerate(text.splitlines()[key_line - 1:], start=key_line):
        body = line.split("=", 1)[1] if number == key_line and "=" in line else line
        for _ in re.finditer(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", body.split("#", 1)[0]):
            if seen == index:
                return number
            seen += 1
        if "]" in body.split("#", 1)[0]:
            break
    return key_line
