"""The backend's deprecation warnings about the project's configuration, as findings.

A backend announces that it will stop accepting a configuration long before it does, in text
printed during the build that nobody reads until the release that no longer builds. Two places
hold that text: the warnings the hooks raised (re-emitted in deploypack's process by
pyproject_hooks, caught by parent_warnings.py), and the build log, where a backend that logs
(poetry-core), a plugin printing through hatchling's app, or a grandchild's warning ends up.
Each deprecation becomes one D001 at the configuration line it is about — the
`license = {…}` line, the classifier, the setup.cfg key — with the backend's words and the
deadline it gives; the same warning from the sdist and the wheel build is one finding.
Warnings the project cannot act on (an API its build requirements use) stay in the log.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence

from deploypack.build.parent_warnings import CaughtWarning
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.sources import CONFIG_FILES, ProjectSources, SourceLocation, toml_key_line, toml_table_line

BACKEND_DEPRECATION = rule(
    "D001", "backend-deprecation", Severity.WARNING,
    "the build backend warns that something the project's configuration uses is deprecated",
    why="A backend warns, build after build, before it stops accepting a configuration; the warning scrolls "
    "by in the build output until the release that no longer builds — often on a date the warning names.",
    fix="Change the configuration line the finding names as the backend's words say (the build log holds the "
    "whole warning), or `--ignore D001` until you can.",
)

_DEPRECATION = re.compile(
    r"deprecat|will (?:not|no longer) be supported|no longer be supported|will be removed|removed in a future"
    r"|will (?:break|stop working|raise an error) in (?:the|a) future",
    re.IGNORECASE,
)
# A removal date: setuptools writes 2027-Feb-18, others ISO dates.
_DEADLINE = re.compile(r"\b(\d{4}-(?:[A-Z][a-z]{2}|\d{2})-\d{1,2})\b")
# The frame setuptools draws around its warnings.
_FRAME = re.compile(r"^\s*(?:!!|\*{5,})\s*$")
_SEE = re.compile(r"^See (\S+) for details\.?$")
_MAX_NOTICES = 200
_MAX_SUMMARY = 300
# Words every _DEPRECATION match and every printed warning holds: where to look.
_KEYWORDS = ("eprecat", "upported", "emoved", "uture", "Warning: ")
# A warning as Python prints it: `path:line: Category: message`.
_PRINTED_WARNING = re.compile(r"^(?P<file>\S[^:]*):(?P<line>\d+): (?P<category>\w+): (?P<message>.*)$")
# File names in a line ("copying src/pkg/deprecation.py -> build/lib/pkg"): not what it says.
_PATHS = re.compile(r"\S*[/\\]\S*|\S+\.py\b")
# Deprecations about the build requirements' own APIs: nothing in the project's configuration to change.
_NOISE = re.compile(r"pkg_resources is deprecated as an API|pkg_resources package is slated for removal")
_CLASSIFIERS_KEY: dict[str, Iterable[str]] = {
    "pyproject.toml": ["project.classifiers"], "setup.cfg": ["metadata.classifiers"], "setup.py": ["classifiers"],
}
_CLASSIFIER = re.compile(r"^\s*(License :: .+?)\s*$", re.MULTILINE)
# Names a message quotes: `x`, 'x', "x", [x.y].
_QUOTED = re.compile(r"`([^`\s]+)`|'([^'\s]+)'|\"([^\"\s]+)\"|\[([A-Za-z][\w.\-]*)\]")
_DOTTED = re.compile(r"(?<![\w./-])([A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)+)(?![\w/-])")
_SNAKE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")
_SETUP_CFG_KEY = re.compile(r"key '(?P<key>[^']+)' in '(?P<section>[^']+)' \(setup\.cfg\)")
# Names a message uses for a setting the configuration spells otherwise.
_ALIASES = {"fetch_build_eggs": "setup_requires", "summary": "description"}
_CALL = re.compile(r"([A-Za-z_][\w.]*)\(.*\)")


@dataclasses.dataclass(frozen=True)
class Notice:
    """One warning the backend gave: its whole text, and where it said it came from."""

    text: str
    origin: str | None = None
    lineno: int | None = None
    raised_in_hook: bool = False  # re-emitted by pyproject_hooks: `<string>` is then setup.py
    category: str | None = None  # the warning's class name, when it was a Python warning


def notices_from_warnings(caught: Iterable[CaughtWarning]) -> list[Notice]:
    return [Notice(each.message, each.filename, each.lineno, raised_in_hook=True, category=each.category)
            for each in caught]


def notices_from_log(text: str) -> list[Notice]:
    """Deprecations the backend's processes printed: a Python warning (with setuptools' frame
    after it) or a line saying so. The warnings parent_warnings.py wrote there are skipped:
    they are read from the warnings themselves."""
    notices: list[Notice] = []
    consumed = 0
    # Only the lines holding a keyword are looked at (a big project's log has many thousands).
    for position in sorted(set(_positions(text, _KEYWORDS))):
        if len(notices) >= _MAX_NOTICES:
            break  # a build printing thousands: the first are the ones to act on, the log has the rest
        start = text.rfind("\n", 0, position) + 1
        if start < consumed:
            continue  # on a line read already, or inside the frame of a warning read already
        block, consumed = _block(text, start)
        printed = _PRINTED_WARNING.match(block[0])
        if printed is not None:
            if printed["category"] != "BuildBackendWarning" and _DEPRECATION.search("\n".join(block)):
                notices.append(Notice("\n".join([printed["message"], *block[1:]]), printed["file"],
                                      int(printed["line"]), category=printed["category"]))
        elif _DEPRECATION.search(_PATHS.sub("", block[0])) and not block[0].startswith("DEPRECATION:"):  # pip's
            notices.append(Notice("\n".join(block)))
    return notices


def _positions(text: str, needles: Iterable[str]) -> Iterator[int]:
    """Where any of `needles` occurs (str.find: a regex over megabytes of log is many times slower)."""
    for needle in needles:
        position = text.find(needle)
        while position >= 0:
            yield position
            position = text.find(needle, position + 1)


def _line(text: str, start: int) -> tuple[str, int]:
    """The line starting at `start`, and where the next one starts."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return text[start:end].rstrip("\r"), end + 1


def _block(text: str, start: int) -> tuple[list[str], int]:
    """The line at `start` with setuptools' `!!` frame after it, if one follows; where the next line starts."""
    first, after = _line(text, start)
    block, following = [first], after
    line, following = _line(text, after)
    if line.strip() != "!!":
        return block, after
    framed = [line]
    for _ in range(60):
        if following > len(text):
            break
        line, following = _line(text, following)
        framed.append(line)
        if line.strip() == "!!":
            return block + framed, following
    return block, after


@dataclasses.dataclass(frozen=True)
class _Parsed:
    summary: str
    details: str
    deadline: str | None
    overdue: bool
    see: str | None


def _parse(text: str) -> _Parsed:
    lines = [line.strip() for line in text.splitlines() if not _FRAME.match(line)]
    first = next((line for line in lines if line), "")
    rest = lines[lines.index(first) + 1:] if first else []
    summary = first if len(first) <= _MAX_SUMMARY else first[:_MAX_SUMMARY - 1] + "…"
    see = next((match[1] for match in map(_SEE.match, rest) if match), None)
    paragraphs, current = [], []
    for line in [*rest, ""]:
        if line and not _SEE.match(line):
            current.append(line)
        elif current and not current[-1].endswith(":"):  # a list follows its colon: one paragraph
            paragraphs.append(" ".join(current))
            current = []
    details = next((p for p in paragraphs if not p.startswith(("By ", "This deprecation is overdue"))), "")
    deadline = _DEADLINE.search(text)
    return _Parsed(summary, details, deadline[1] if deadline else None, "overdue" in text.lower(), see)


def deprecation_findings(notices: Iterable[Notice], sources: ProjectSources, backend: str) -> list[Finding]:
    """One D001 per deprecation and configuration line, in the order the backend gave them."""
    findings: dict[tuple[str | None, int | None, str], Finding] = {}
    for notice in notices:
        if not _DEPRECATION.search(notice.text) or _NOISE.search(notice.text):
            continue
        parsed = _parse(notice.text)
        if not parsed.summary:
            continue
        for file, line in _locations(notice, parsed, sources):
            key = (file, line, parsed.summary.lower())
            if key not in findings:
                findings[key] = _finding(parsed, _warner(notice, backend), file, line)
    return list(findings.values())


def _finding(parsed: _Parsed, warner: str, file: str | None, line: int | None) -> Finding:
    message = f"{warner} warns: {parsed.summary}"
    if parsed.overdue:
        message += f" (overdue{f' since {parsed.deadline}' if parsed.deadline else ''}: any release may refuse it)"
    elif parsed.deadline:
        message += f" (builds stop being supported after {parsed.deadline})"
    hint = " ".join(part for part in (
        parsed.details[:400] + ("…" if len(parsed.details) > 400 else ""),
        f"See {parsed.see}" if parsed.see else "",
    ) if part) or None
    return BACKEND_DEPRECATION.at(message, file=file, line=line, hint=hint or BACKEND_DEPRECATION.fix)


# Warning classes that name the package warning, whatever the backend module is (an in-tree backend
# such as PyYAML's wraps setuptools: "setuptools warns", not "_pyyaml_pep517 warns").
_WARNING_OWNERS = {"Setuptools": "setuptools", "Distutils": "setuptools", "Poetry": "poetry-core"}


# The package directory a warning was raised in (a build requirement's), from the file it names.
_INSTALLED = re.compile(r"[/\\](?:site|dist)-packages[/\\]([A-Za-z_]\w*)[/\\]")


def _warner(notice: Notice, backend: str) -> str:
    """Who warns: the package the warning's class or raising file belongs to, else the backend."""
    owner = next((name for prefix, name in _WARNING_OWNERS.items() if (notice.category or "").startswith(prefix)),
                 None)
    installed = _INSTALLED.search(notice.origin or "")
    if owner is None and installed is not None:
        owner = _backend_name(installed[1])
    return owner or _backend_name(backend)


def _backend_name(backend: str) -> str:
    name = backend.partition(":")[0].split(".")[0] or "the build backend"
    return {"poetry": "poetry-core", "flit_core": "flit-core", "pdm": "pdm-backend",
            "_distutils_hack": "setuptools", "pkg_resources": "setuptools"}.get(name, name)


# -- where: the configuration line the warning is about -------------------------------------------

def _locations(notice: Notice, parsed: _Parsed, sources: ProjectSources) -> list[tuple[str | None, int | None]]:
    if "license classifier" in parsed.summary.lower():
        found = _classifier_lines(sources, _CLASSIFIER.findall(notice.text)) or [
            place for place in [sources.find_key(_CLASSIFIERS_KEY)] if place is not None]
        if found:  # else (classifiers read from another file) where any deprecation without a line goes
            return [(place.file, place.line) for place in found]
    place = _named_location(notice.text, parsed.summary, sources) or _origin(notice, sources)
    if place is not None:
        return [(place.file, place.line)]
    if parsed.deadline is None and not parsed.overdue:
        return []  # nothing of the project named, no date: an API of a build requirement (the log keeps it)
    fallback = sources.find_any_file()
    return [(fallback.file if fallback else None, None)]


def _classifier_lines(sources: ProjectSources, listed: Sequence[str]) -> list[SourceLocation]:
    """The lines declaring the license classifiers the warning lists (all of them when it lists none)."""
    found = [place for place in (sources.find_literal(value) for value in listed) if place is not None]
    if found or listed:
        return found
    for name in CONFIG_FILES:
        for number, line in enumerate((sources.text(name) or "").splitlines(), start=1):
            if re.search(r"""^\s*["']?License ::|["']License ::""", line):
                found.append(SourceLocation(name, number))
    return found


def _named_location(text: str, summary: str, sources: ProjectSources) -> SourceLocation | None:
    """The first setting the warning names (its summary first) that the configuration declares."""
    cfg_key = _SETUP_CFG_KEY.search(text)
    if cfg_key is not None:
        line = toml_key_line(sources.text("setup.cfg") or "", cfg_key["section"], cfg_key["key"])
        if line:
            return SourceLocation("setup.cfg", line)
    for name in _names(summary, text):
        place = _locate_name(name, sources)
        if place is not None:
            return place
    return None


def _names(summary: str, text: str) -> Iterator[str]:
    for part in (summary, text):
        for match in _QUOTED.finditer(part):
            name = next(group for group in match.groups() if group).strip(".,:;")
            yield _ALIASES.get(name, name)
        for match in _DOTTED.finditer(part):
            yield match[1].rstrip(".")
        for match in _SNAKE.finditer(part):
            yield _ALIASES.get(match[1], match[1])


def _locate_name(name: str, sources: ProjectSources) -> SourceLocation | None:
    call = _CALL.fullmatch(name)
    if call is not None:  # a call the message quotes (`sys.exit(0)`): setup.py's line making it
        line = _line_matching(sources.text("setup.py") or "", rf"\b{re.escape(call[1])}\s*\(")
        return SourceLocation("setup.py", line) if line else None
    if name in CONFIG_FILES or "/" in name or not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
        return None
    if "." in name:
        return _locate_dotted(name, sources)
    if "_" not in name and "-" not in name and name not in _ALIASES.values():
        return None  # a plain word ("license") would match too much
    for file, pattern in (
        ("setup.cfg", rf"^\s*{re.escape(name)}\s*[=:]"),
        ("setup.py", rf"\b{re.escape(name)}\s*=|[\"']{re.escape(name)}[\"']\s*:"),
        ("pyproject.toml", rf"^\s*[\"']?{re.escape(name)}[\"']?\s*="),
    ):
        line = _line_matching(sources.text(file) or "", pattern)
        if line:
            return SourceLocation(file, line)
    return None


def _locate_dotted(name: str, sources: ProjectSources) -> SourceLocation | None:
    """`project.license`, `tool.setuptools.license-files`, `poetry.dev-dependencies` (under [tool]),
    or `bdist_wheel.universal`: a command option in [tool.distutils], setup.cfg or setup.py's options={…}."""
    pyproject = sources.text("pyproject.toml") or ""
    head, _, key = name.rpartition(".")
    tables = [head] if head.split(".")[0] in ("project", "tool", "build-system") else \
        [f"tool.{head}", f"tool.distutils.{head}"]
    for table in tables:
        line = toml_key_line(pyproject, table, key) or toml_table_line(pyproject, f"{table}.{key}")
        if line:
            return SourceLocation("pyproject.toml", line)
    if "." in head:
        return None
    line = toml_key_line(sources.text("setup.cfg") or "", head, key)
    if line:
        return SourceLocation("setup.cfg", line)
    setup_py = sources.text("setup.py") or ""
    line = _line_matching(setup_py, rf"[\"']{re.escape(key)}[\"']\s*:|\b{re.escape(key)}\s*=") \
        if head in setup_py else None
    return SourceLocation("setup.py", line) if line else None


def _line_matching(text: str, pattern: str) -> int | None:
    compiled = re.compile(pattern)
    for number, line in enumerate(text.splitlines(), start=1):
        if compiled.search(line):
            return number
    return None


def _origin(notice: Notice, sources: ProjectSources) -> SourceLocation | None:
    """Where the warning was raised, when that is the project's setup.py (setuptools' backend runs it
    as `<string>`; a warning printed by a process is left alone: `python -c` is `<string>` too)."""
    if (notice.raised_in_hook and notice.lineno and notice.origin == "<string>"
            and sources.text("setup.py") is not None):
        return SourceLocation("setup.py", notice.lineno)
    return None
