"""Turn a failed build into one finding that says why and where to fix it.

The backend only leaves text behind (a traceback, pip's complaint), so this module reads
that text, and the project's configuration, to name the cause: the pyproject.toml line of
a syntax error, the requirement that cannot be installed, the `setup.py` line that raised,
the README that the configuration names but that does not exist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from deploypack.build import config_error, git_access, missing_input, sdist_gap, toolchain
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.core.toml import tomllib
from deploypack.project.declared_files import declared_files
from deploypack.project.sources import ProjectSources, toml_key_line, toml_table_line

PYPROJECT_SYNTAX = rule(
    "B001", "pyproject-syntax", Severity.ERROR, "pyproject.toml is not valid TOML",
    why="No build frontend or backend can read the project's configuration, so nothing can be built.",
    fix="Correct the TOML syntax at the line and column given (a missing quote, bracket or comma is usual).",
)
BUILD_SYSTEM_INVALID = rule(
    "B002", "build-system-invalid", Severity.ERROR, "the [build-system] table is invalid",
    why="PEP 518/517 frontends refuse a [build-system] table without `requires` or with wrong types.",
    fix="Give [build-system] a `requires` list of strings and a `build-backend` string.",
)
REQUIREMENT_UNAVAILABLE = rule(
    "B003", "build-requirement-unavailable", Severity.ERROR,
    "a build requirement cannot be installed",
    why="The build environment needs every requirement of [build-system] (and those the backend asks for); "
    "one that does not exist on the index, or whose version range matches nothing, stops the build.",
    fix="Correct the requirement's name or version range in [build-system] requires.",
)
BACKEND_UNAVAILABLE = rule(
    "B004", "build-backend-unavailable", Severity.ERROR, "the build backend cannot be imported",
    why="The `build-backend` named in pyproject.toml could not be imported in the build environment.",
    fix="Check the spelling of `build-backend` and that the package providing it is listed in `requires` "
    "(or that `backend-path` points at an in-tree backend).",
)
SETUP_PY_RAISED = rule(
    "B005", "setup-py-raised", Severity.ERROR, "setup.py (or other project code) raised an exception",
    why="The backend runs the project's own build code; an exception there stops the build.",
    fix="Fix the line of the project file named in the finding; the full traceback is in the build log.",
)
DECLARED_FILE_MISSING = rule(
    "B006", "declared-file-missing", Severity.ERROR, "a file named by the configuration does not exist",
    why="A README or license file named in the project's configuration is read at build time; "
    "when it is missing the build fails (or, worse, publishes without it: an in-tree backend, a readme "
    "plugin or a setup.py guarded by `os.path.exists` falls back to an empty description). It is checked "
    "before any backend runs. Example: `readme = \"README.md\"` in [project] with only README.rst in the tree.",
    fix="Create the file, or correct its name in the configuration line given.",
)
MISSING_FROM_SDIST = rule(
    "B007", "file-missing-from-sdist", Severity.ERROR,
    "the wheel cannot be built from the sdist: a file it needs is not in the sdist",
    why="Installers build from the sdist whenever no wheel fits; an sdist that lacks a file the build "
    "needs is broken for every one of those users, although building from the tree works. Found from the "
    "compiler's `fatal error: foo.h: No such file or directory` (gcc, clang, MSVC), Cython's "
    "`'foo.pxd' not found`, Python's `FileNotFoundError`, hatchling's `Forced include not found` and "
    "setuptools' `can't copy`: the finding names the file of the tree and why the sdist lacks it, at the "
    "line that decides it: the `.gitignore` line that hides it from a backend that honours git (as "
    "`git check-ignore -v` tells), the MANIFEST.in or sdist `exclude` line, or `not tracked by git` "
    "(setuptools-scm and meson-python take only tracked files).",
    fix="Include the file in the sdist: un-ignore it (`!vendor/include/*.h` in .gitignore) or `git add` it "
    "for backends that follow git, an `include`/`graft` line in MANIFEST.in for setuptools, the sdist "
    "`include` setting of other backends; or stop the build from needing it.",
)
BACKEND_FAILED = rule(
    "B008", "backend-failed", Severity.ERROR, "the build backend failed",
    why="The backend reported an error that deploypack could not attribute to a more specific cause.",
    fix="Read the tail of the build log shown with the finding (the whole log is kept beside the report).",
)
BUILD_TIMEOUT = rule(
    "B009", "build-timeout", Severity.ERROR, "the build did not finish in time",
    why="A build that hangs (waiting on input, the network, or a deadlock) would hold the CI job until it "
    "is killed, without saying why.",
    fix="Find what the build waits for in the log; raise `timeout` only if the build is legitimately slow.",
)
NOT_INSTALLED = rule(
    "B011", "build-requirement-not-installed", Severity.ERROR,
    "--no-isolation: a build requirement is not installed in the current environment",
    why="Without isolation the backend runs in the current environment, so every build requirement "
    "must already be installed there, in a matching version.",
    fix="Install the requirements named (pip install ...) or build with isolation.",
)
COMPILER_MISSING = rule(
    "B016", "wheel-needs-compiler", Severity.WARNING,
    "the wheel was not built: it compiles code, and this environment has no compiler for it",
    why="A project with C, C++, Cython or Rust extensions needs a compiler (and, for wheels others can install, "
    "one build per platform and Python version). The deploypack action's image has none, to stay small and "
    "fast: it builds and checks the sdist, the source every platform's wheel is built from.",
    fix="Build the compiled wheels with cibuildwheel (one job per platform) and check them with "
    "`deploypack check dist/*` (docs/action.md shows the workflow); on a machine with a compiler, "
    "`deploypack build` builds the wheel too.",
)
SDIST_NEEDS_COMPILER = rule(
    "B017", "sdist-needs-compiler", Severity.ERROR,
    "the sdist could not be built: the backend runs a compiler to make it, and this environment has none",
    why="Some backends configure the whole build to make an sdist (meson-python runs `meson setup`, which "
    "looks for the compilers); without one nothing can be built here, not even the source distribution.",
    fix="Build this project where a compiler is installed: the sdist with `pipx run build --sdist`, the wheels "
    "with cibuildwheel, then check them all with `deploypack check dist/*` (docs/action.md shows the workflow).",
)
NO_BUILD_CONFIG = rule(
    "B010", "no-build-configuration", Severity.ERROR, "the project has no pyproject.toml or setup.py",
    why="Without one of them no PEP 517 frontend knows how to build the project.",
    fix="Add a pyproject.toml with [build-system] and [project] tables.",
)

BACKEND_REJECTED_CONFIG = rule(
    "B012", "backend-rejected-config", Severity.ERROR, "the build backend rejected the project's configuration",
    why="The backend validates the configuration (classifiers, keys, file names, version specifiers) and "
    "stops at the first value it refuses; its traceback points inside the backend, not at what to edit.",
    fix="Correct the configuration line given (the backend's own message follows the finding). Example: "
    "hatchling refuses `\"Topic :: Nonexistent\"` in `classifiers`; use a classifier from the trove list.",
)
BUILD_TOOL_MISSING = rule(
    "B013", "build-tool-missing", Severity.ERROR, "a compiler or build tool the build runs is not installed",
    why="Building an extension runs a C/C++/Fortran compiler and often CMake, Ninja, Meson or pkg-config; "
    "on a machine without one the build stops with the tool's or the shell's complaint deep in the log.",
    fix="Install the tool named (the finding names the package per platform), or list it in [build-system] "
    "requires when it is on the package index (cmake, ninja, meson).",
)
PYTHON_HEADERS_MISSING = rule(
    "B014", "python-headers-missing", Severity.ERROR, "the interpreter's C headers (Python.h) are not installed",
    why="A C extension compiles against the headers of the Python it is built for; Linux distributions ship "
    "them apart from the interpreter (python3-dev, python3-devel), so `Python.h: No such file` stops the build.",
    fix="Install the interpreter's development package named in the finding, or build with an interpreter "
    "that includes its headers.",
)
GIT_REFUSES_CHECKOUT = rule(
    "B015", "git-refuses-checkout", Severity.ERROR, "git refuses to read the checkout (dubious ownership)",
    why="The checkout belongs to another user (usual in containers and CI jobs with a `container:`), so git "
    "refuses every command in it: the version cannot be read from git (version plugins fail or fall back to "
    "a wrong version), and neither can the file list, the release tag or the commit time.",
    fix="Run the `git config --global --add safe.directory PATH` command given, before building (the "
    "deploypack Action does this itself inside its container).",
)

_TOML_POSITION = re.compile(r"at line (\d+), column (\d+)")
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
_EXCEPTION_LINE = re.compile(
    r"^(?:[\w.]+\.)?(?P<type>\w*(?:Error|Exception|Exit|Warning)|KeyboardInterrupt)\b:?\s?(?P<text>.*)$"
)
# an exception named by its module, whatever its name: "packaging.specifiers.InvalidSpecifier: ..."
_QUALIFIED_EXCEPTION = re.compile(r"^(?:[a-z_]\w*\.)+(?P<type>[A-Z]\w*): \S")
_NO_SUCH_FILE = re.compile(
    r"No such file or directory: '([^']+)'"
    r"|[Ff]ile (?:does not exist|not found): '?([^'\s]+)'?"
    r"|does not exist: ([^\s,]+)"
)
# What a backend prints when the compiler it runs is absent: setuptools/distutils, meson, CMake
# (scikit-build-core), setuptools-rust and maturin, and a shell's "not found".
_NO_COMPILER = re.compile(
    r"error: command '(?P<a>[^']*?(?:gcc|g\+\+|cc|c\+\+|clang(?:\+\+)?))' failed: No such file or directory"
    r"|error: \[Errno 2\] No such file or directory: '(?P<h>[^']*?(?:gcc|g\+\+|cc|c\+\+|clang(?:\+\+)?))'"
    r"|unable to execute '(?P<b>[^']*?(?:gcc|g\+\+|cc|clang))': No such file or directory"
    r"|meson\.build:\d+:\d+: ERROR: Unknown compiler\(s\): \[\['(?P<c>[^']+)'"
    r"|No CMAKE_(?P<d>C|CXX)_COMPILER could be found"
    r"|Could not find compiler set in environment variable (?P<i>CC|CXX)"
    r"|error: can't find (?P<e>Rust) compiler"
    r"|linker `(?P<f>[^`]+)` not found"
    r"|(?P<g>\S*(?:gcc|g\+\+|\bcc|clang)): (?:command )?not found",
    re.M,
)
_PIP_NOT_FOUND = re.compile(
    r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) (\S+)"
)
_UV_NOT_FOUND = re.compile(r"Because (\S+?)(?:[<>=!~][^\s]*)? (?:was not found in the package registry|has no versions|"
                           r"was not found in the provided package locations)")
_UV_NO_VERSION = re.compile(r"Because there (?:is|are) no versions? of (\S+)")
# uv when the name exists but the range asks for more than the index has: "Because only x<0.2 is available"
_UV_ONLY_OLDER = re.compile(r"Because only (\S+?)(?:[<>=!~]\S*)? (?:is|are) available and you require")
_NETWORK = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|"
    r"Network is unreachable|Name or service not known|ProxyError|Connection refused|ConnectTimeout|"
    r"dns error|failed to lookup address|error sending request|Failed to fetch|Could not connect",
)


def toml_syntax_finding(sources_dir: Path) -> Finding | None:
    """A finding when pyproject.toml does not parse, with line and column."""
    path = sources_dir / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        return PYPROJECT_SYNTAX.at(f"pyproject.toml is not UTF-8 (byte {error.start})", file="pyproject.toml")
    except tomllib.TOMLDecodeError as error:
        text = str(error)
        position = _TOML_POSITION.search(text)
        line, column = (int(position.group(1)), int(position.group(2))) if position else (None, None)
        message = _TOML_POSITION.sub("", text).strip().rstrip("()").strip()
        return PYPROJECT_SYNTAX.at(f"pyproject.toml: {message}", file="pyproject.toml", line=line, column=column)
    return None


def build_system_finding(sources: ProjectSources, error: Exception) -> Finding:
    text = sources.text("pyproject.toml") or ""
    return BUILD_SYSTEM_INVALID.at(
        f"[build-system]: {error}", file="pyproject.toml", line=toml_table_line(text, "build-system")
    )


def _config_line(sources: ProjectSources, needle: str) -> tuple[str | None, int | None]:
    """The config file and line mentioning `needle` (a requirement, a file name)."""
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        text = sources.text(name)
        if not text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if needle in line:
                return name, number
    return None, None


_INDEX_IN_LOG = re.compile(r"Looking in indexes: (\S+)|Failed to fetch: `?(\S+?)`?(?:\s|$)")
_NETWORK_REASON = re.compile(r"Connection refused|Network is unreachable|Temporary failure in name resolution|"
                             r"Name or service not known|timed out|certificate verify failed|ProxyError")


def unreachable_index(log_text: str) -> tuple[str | None, str | None]:
    """The index the installer tried (credentials removed) and why it failed, from its output."""
    index = None
    for match in _INDEX_IN_LOG.finditer(log_text):
        # pip names the index; uv names the project page it fetched, whose parent is the index
        index = match.group(1).split(",")[0] if match.group(1) else match.group(2).rstrip("/").rsplit("/", 1)[0]
    if index is not None:
        index = re.sub(r"(?<=://)[^/@]*@", "", index)  # never print a token from the URL
    reasons = _NETWORK_REASON.findall(log_text)
    return index, reasons[-1] if reasons else None


def is_network_failure(log_text: str) -> bool:
    return bool(_NETWORK.search(log_text)) and not (_PIP_NOT_FOUND.search(log_text) and "404" in log_text)


_NOT_INSTALLABLE = (_PIP_NOT_FOUND, _UV_NOT_FOUND, _UV_NO_VERSION, _UV_ONLY_OLDER)


def requirement_finding(sources: ProjectSources, log_text: str, requirements: list[str]) -> Finding | None:
    """When installing build requirements failed because one does not exist or matches nothing."""
    match = next(filter(None, (pattern.search(log_text) for pattern in _NOT_INSTALLABLE)), None)
    if not match:
        return None
    spec = match.group(1)
    name = re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]
    declared = next(
        (r for r in requirements if re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() == name.lower()), spec
    )
    file, line = _config_line(sources, declared) if declared else (None, None)
    if file is None:
        file, line = _config_line(sources, name)
    return REQUIREMENT_UNAVAILABLE.at(
        f"build requirement {declared!r} cannot be installed: no version of {name!r} on the index matches",
        file=file, line=line,
        hint="Check the name and version range of this requirement (the installer's message is in the build log).",
    )


def backend_unavailable_finding(sources: ProjectSources, backend: str, detail: str) -> Finding:
    text = sources.text("pyproject.toml") or ""
    line = toml_key_line(text, "build-system", "build-backend")
    return BACKEND_UNAVAILABLE.at(
        f"build backend {backend!r} cannot be imported{': ' + detail if detail else ''}",
        file="pyproject.toml" if text else None, line=line,
    )


def declared_files_finding(sources: ProjectSources) -> Finding | None:
    """Before building: a README or license file that the configuration names but that does not exist
    (at the line naming it: deploypack/project/declared_files.py)."""
    texts = {name: text for name in ("pyproject.toml", "setup.cfg", "setup.py") if (text := sources.text(name))}
    for each in declared_files(texts):
        if not (sources.project_dir / each.name).exists():
            return DECLARED_FILE_MISSING.at(
                f"{each.config} names {each.name!r} ({each.what}), which does not exist in the project",
                file=each.config, line=each.line,
            )
    return None


def failure_findings(
    *,
    log_text: str,
    sources: ProjectSources,
    roots: dict[Path, str],
    stage: str,
    unpacked_sdist: Path | None,
) -> list[Finding]:
    """Name the causes of a backend failure from its output: one finding per cause, the likeliest first.

    `roots` maps directories the backend ran in (the project, the unpacked sdist) to "" so
    that traceback paths inside them become project-relative paths.
    """
    refused = git_access.refused_checkout(log_text)
    if refused is not None:
        return [git_refused_finding(sources, refused, build_failed=True)]
    # Only the failing step's output: a probe earlier in the log ("cmake: not found" before a
    # fallback) is not why the build stopped.
    failing_step = log_text[log_text.rfind("\n===== ") + 1:]
    compiler = missing_compiler(failing_step)
    if compiler is not None:
        return [compiler_missing_finding(sources, compiler, stage, failing_step)]
    tools = _tool_findings(sources, failing_step, roots)
    if tools:
        return tools
    if stage == "wheel" and unpacked_sdist is not None:
        gaps = _sdist_gap_findings(sources, failing_step, unpacked_sdist)
        if gaps:
            return gaps
    return [_cause_finding(log_text, sources, roots, stage, unpacked_sdist)]


def _cause_finding(log_text: str, sources: ProjectSources, roots: dict[Path, str], stage: str,
                   unpacked_sdist: Path | None) -> Finding:
    frames = _project_frames(log_text, roots)
    exception = _last_exception(log_text)
    missing = _missing_file(log_text)
    if missing and stage == "wheel" and unpacked_sdist is not None:
        relative = _relative_to_roots(missing, {unpacked_sdist: ""}, unpacked_sdist) or missing
        if (sources.project_dir / relative).exists() and not (unpacked_sdist / relative).exists():
            return _missing_from_sdist(sources, relative, f"No such file or directory: {relative!r}")
    if missing:
        relative = _relative_to_roots(missing, roots, sources.project_dir) or missing
        if not (sources.project_dir / relative).exists():
            config_file, line = _config_line(sources, Path(relative).name)
            if config_file:
                return DECLARED_FILE_MISSING.at(
                    f"the build needs {relative!r}, which does not exist (named in {config_file})",
                    file=config_file, line=line,
                )
    if frames and frames[-1][2]:  # the project's own code raised (not the backend it called)
        file, line, _ = frames[-1]
        what = exception or "an exception"
        return SETUP_PY_RAISED.at(f"{file} raised during the {stage} build: {what}", file=file, line=line)
    if exception:
        where = config_error.locate(sources, exception, _context_before(log_text, exception))
        if where is not None:
            file, line = where
            return BACKEND_REJECTED_CONFIG.at(
                f"the build backend rejected {file}{f' line {line}' if line else ''} while building the "
                f"{stage}: {exception}",
                file=file, line=line,
                hint="Correct this line so that the backend accepts it; the backend's traceback is in the build log.",
            )
    if frames:
        file, line, _ = frames[-1]
        what = exception or "an exception"
        return SETUP_PY_RAISED.at(f"{file} raised during the {stage} build: {what}", file=file, line=line)
    tail = _telling_tail(log_text)
    config = sources.find_any_file()
    return BACKEND_FAILED.at(
        f"the build backend failed while building the {stage}" + (f": {exception}" if exception else ""),
        file=config.file if config else None,
        hint="Tail of the build log:\n" + tail if tail else None,
    )


def missing_compiler(log_text: str) -> str | None:
    """The compiler a failed wheel build could not run, as the log names it; None when none is missing."""
    match = _NO_COMPILER.search(log_text)
    if match is None:
        return None
    found = next(value for value in match.groupdict().values() if value)
    names = {"C": "a C compiler", "CC": "a C compiler", "CXX": "a C++ compiler", "Rust": "the Rust compiler"}
    return names.get(found, found)


def compiler_missing_finding(sources: ProjectSources, compiler: str, stage: str, log_text: str) -> Finding:
    """At the line that asks for compiling (ext_modules, the backend), else the main configuration file;
    naming the package that provides the compiler (toolchain.py) when the log says which one."""
    place = (sources.find_key({"setup.py": ["ext_modules"], "pyproject.toml": ["build-system.build-backend"]})
             or sources.find_any_file())
    file, line = (place.file, place.line) if place else (None, None)
    tools = toolchain.missing_tools(log_text, f"{sys.version_info[0]}.{sys.version_info[1]}")
    install = f"; to build it here, install {tools[0].packages}" if tools else ""
    if stage == "sdist":
        return SDIST_NEEDS_COMPILER.at(
            f"the sdist could not be built: the backend runs {compiler} to make it, which this environment does "
            f"not have (the deploypack action's image has no compilers){install}", hint=SDIST_NEEDS_COMPILER.fix,
            file=file, line=line)
    return COMPILER_MISSING.at(
        f"the wheel was not built: the build runs {compiler}, which this environment does not have "
        f"(the deploypack action's image has no compilers); the sdist was built and checked{install}",
        hint=COMPILER_MISSING.fix, file=file, line=line)


def _context_before(log_text: str, exception: str, lines: int = 40) -> str:
    """The log lines before the exception's traceback (where validators print their details)."""
    index = log_text.rfind(exception)
    head = log_text[:index] if index >= 0 else log_text
    traceback = head.rfind("Traceback (most recent call last):")
    head = head[:traceback] if traceback >= 0 else head
    return "\n".join(head.splitlines()[-lines:])


def git_refused_finding(sources: ProjectSources, path: str, *, build_failed: bool) -> Finding:
    """B015 for a checkout git refuses; an error when the version comes from git or the build failed."""
    texts = [text for text in (sources.text(name) for name in sources.files) if text]
    from_git = git_access.reads_version_from_git(texts)
    file, line = _version_config_line(sources)
    if from_git:
        consequence = ("the version cannot be read from git (version plugins that ask git fail or fall back to "
                       "a wrong version), nor the release tag and commit time")
    else:
        consequence = "deploypack cannot read the release tag, the commit time nor the tracked files from git"
    return GIT_REFUSES_CHECKOUT.at(
        f"git refuses to read the checkout at {path}: it belongs to another user ('detected dubious "
        f"ownership'), so {consequence}" + ("; the build failed" if build_failed else ""),
        file=file, line=line,
        severity=Severity.ERROR if (from_git or build_failed) else Severity.WARNING,
        hint=f"Run `{git_access.safe_directory_command(path)}` before building (as the user who builds).",
    )


def _version_config_line(sources: ProjectSources) -> tuple[str | None, int | None]:
    """Where the version is declared (read from git, or written out), else the main config file."""
    location = sources.find_key({"pyproject.toml": ["project.dynamic", "project.version", "tool.poetry.version"],
                                 "setup.cfg": ["metadata.version"], "setup.py": ["use_scm_version", "version"]})
    if location is not None:
        return location.file, location.line
    config = sources.find_any_file()
    return (config.file, None) if config else (None, None)


def _tool_findings(sources: ProjectSources, log_text: str, roots: dict[Path, str]) -> list[Finding]:
    found = toolchain.missing_tools(log_text, f"{sys.version_info[0]}.{sys.version_info[1]}")
    if not found:
        return []
    frames = _project_frames(log_text, roots)
    findings = []
    for missing in found:
        file, line = (frames[-1][0], frames[-1][1]) if frames else _tool_line(sources, missing.command)
        if missing.tool == "Python.h":
            findings.append(PYTHON_HEADERS_MISSING.at(
                f"the C headers of Python {sys.version_info[0]}.{sys.version_info[1]} (Python.h) are not "
                f"installed, and the extension build needs them; install {missing.packages}",
                file=file, line=line, hint=f"The compiler said: {missing.evidence}",
            ))
        else:
            findings.append(BUILD_TOOL_MISSING.at(
                f"the build runs {missing.tool}, which is not installed on this machine (or not on PATH); "
                f"install {missing.packages}",
                file=file, line=line, hint=f"The build said: {missing.evidence}",
            ))
    return findings


_EXTENSION_MARKERS = ("ext_modules", "Extension(", "cythonize")


def _tool_line(sources: ProjectSources, command: str | None) -> tuple[str | None, int | None]:
    """The line that runs the tool (`["cmake", ...]` in setup.py), else the one that makes the build compile."""
    if command:
        location = sources.find_literal(command, ["setup.py", "pyproject.toml", "setup.cfg"])
        if location is not None:
            return location.file, location.line
    return _extension_config_line(sources)


def _extension_config_line(sources: ProjectSources) -> tuple[str | None, int | None]:
    """The line that makes the build compile: the extension in setup.py, the `project(` of CMake or
    Meson (whose languages decide the compilers), else the backend's line."""
    for marker in _EXTENSION_MARKERS:
        file, line = _config_line(sources, marker)
        if file:
            return file, line
    for name in ("CMakeLists.txt", "meson.build"):
        for number, text in enumerate((sources.text(name) or "").splitlines(), start=1):
            if re.match(r"\s*project\s*\(", text, re.I):
                return name, number
    file, line = _config_line(sources, "build-backend")
    if file:
        return file, line
    config = sources.find_any_file()
    return (config.file, None) if config else (None, None)


def _sdist_gap_findings(sources: ProjectSources, log_text: str, unpacked_sdist: Path) -> list[Finding]:
    """B007 for each file the wheel build missed that is in the tree but not in the sdist."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for missing in missing_input.missing_inputs(log_text):
        search = missing.kind in ("include", "cython")
        for name in _file_names(missing, _backend_path(sources)):
            for relative in sdist_gap.tree_candidates(sources.project_dir, unpacked_sdist, name, search=search):
                if relative not in seen:
                    seen.add(relative)
                    findings.append(_missing_from_sdist(sources, relative, missing.evidence))
    return findings


def _file_names(missing: missing_input.MissingInput, import_roots: list[str]) -> list[str]:
    """The files a missing thing may be: a module is imported from the project's root (setup.py's
    directory) or from an in-tree backend's `backend-path`."""
    if missing.kind != "module":
        return [missing.name]
    base = missing.name.replace(".", "/")
    return [f"{root}{base}{suffix}" for root in ["", *import_roots] for suffix in (".py", "/__init__.py")]


def _backend_path(sources: ProjectSources) -> list[str]:
    try:
        table = tomllib.loads(sources.text("pyproject.toml") or "").get("build-system", {})
    except tomllib.TOMLDecodeError:
        return []
    paths = table.get("backend-path", []) if isinstance(table, dict) else []
    return [p.strip("./").rstrip("/") + "/" for p in paths if isinstance(p, str) and p.strip("./")]


def _missing_from_sdist(sources: ProjectSources, relative: str, evidence: str) -> Finding:
    cause = sdist_gap.why_not_in_sdist(sources, relative)
    return MISSING_FROM_SDIST.at(
        f"{relative!r} exists in the project but not in the sdist ({cause.text}), and building the wheel from "
        "the sdist needs it",
        file=cause.file, line=cause.line,
        hint=f"The build said: {evidence}\n{MISSING_FROM_SDIST.fix}",
    )


def _relative_to_roots(path_text: str, roots: dict[Path, str], default_root: Path) -> str | None:
    path = Path(path_text)
    if not path.is_absolute():
        return path.as_posix()
    for root in roots:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            continue
    try:
        return path.relative_to(default_root).as_posix()
    except ValueError:
        return None


def _project_frames(log_text: str, roots: dict[Path, str]) -> list[tuple[str, int, bool]]:
    """(project-relative file, line, raised here) of the traceback frames in the project's own files;
    `raised here` when the frame is the traceback's innermost one (the project's code raised, not
    the backend it called). Frames of the interpreter (`<frozen runpy>`), of the build environment
    and of compiled modules (`Cython/Utils.py`, no such file in the project) are not the project's."""
    frames: list[tuple[str, int, bool]] = []
    resolved = [root.resolve() for root in roots]
    last_index = -1
    index = 0
    for line in log_text.splitlines():
        match = _FRAME.match(line)
        if not match:
            continue
        index += 1
        raw = Path(match.group("path"))
        if match.group("path") == "<string>" and (resolved[0] / "setup.py").is_file():
            # setuptools' legacy backend exec()s setup.py, so its frames carry no file name.
            raw = resolved[0] / "setup.py"
        for root in resolved:
            candidate = raw if raw.is_absolute() else root / raw
            try:
                relative = candidate.resolve().relative_to(root)
            except (ValueError, OSError):
                continue
            if "site-packages" not in relative.parts and not relative.parts[0].startswith("build-env") \
                    and candidate.is_file():
                frames.append((relative.as_posix(), int(match.group("line")), False))
                last_index = index
            break
    if frames and last_index == index:
        frames[-1] = (frames[-1][0], frames[-1][1], True)
    return frames


def _last_exception(log_text: str) -> str | None:
    for line in reversed(log_text.splitlines()):
        match = _EXCEPTION_LINE.match(line.strip()) or _QUALIFIED_EXCEPTION.match(line)
        if match and match.group("type") not in ("CalledProcessError",):
            return line.strip()[:500]
    return None


def _missing_file(log_text: str) -> str | None:
    for line in reversed(log_text.splitlines()):
        match = _NO_SUCH_FILE.search(line)
        if match:
            return next(group for group in match.groups() if group)
    return None


def _telling_tail(log_text: str, lines: int = 20) -> str:
    kept = [line for line in log_text.splitlines() if line.strip() and not line.startswith("=====")]
    return "\n".join(kept[-lines:])
