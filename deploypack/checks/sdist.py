"""sdist contents: its layout, what it needs to build, the files its configuration names, and
files of the project that git tracks but the sdist left out."""

from __future__ import annotations

import bisect
import fnmatch
import os
import posixpath
from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.layout import NOT_PACKAGES, NOT_SUBPACKAGES
from deploypack.checks.wheel import listing, top_level_names
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.declared_files import DeclaredFile, declared_files
from deploypack.project.drops import read_drops

SDIST_LAYOUT = rule(
    "S001", "sdist-layout", Severity.ERROR, "the sdist is not one `{name}-{version}/` directory",
    why="The sdist format requires every member under a single top-level directory named like the "
    "file; installers and the index unpack it expecting exactly that.",
    fix="Build the sdist with the PEP 517 backend (`python -m build --sdist`); do not re-pack it by hand.",
)
BUILD_CONFIG_MISSING = rule(
    "S002", "build-config-missing", Severity.ERROR, "the sdist has neither pyproject.toml nor setup.py",
    why="Without them no installer can build a wheel from the sdist: every platform without a "
    "matching wheel fails to install.",
    fix="Include pyproject.toml (and setup.py if the project has one) in the sdist; check "
    "MANIFEST.in or the backend's sdist include/exclude settings.",
)
DECLARED_FILE_MISSING = rule(
    "S003", "declared-file-not-in-sdist", Severity.ERROR,
    "a README or license file named by the configuration is not in the sdist",
    why="Building a wheel from the sdist reads these files: the build fails for everyone installing "
    "from source, or the wheel silently ships without its license.",
    fix="Include the file in the sdist (MANIFEST.in `include`, the backend's sdist include), or "
    "correct the name in the configuration line given.",
)
TRACKED_NOT_IN_SDIST = rule(
    "S004", "tracked-file-not-in-sdist", Severity.WARNING, "files tracked by git are not in the sdist",
    why="The sdist is the source release: distributions, auditors and anyone building from source "
    "get only what it holds. A package data file or a license notice left out of it is missing "
    "there, even when the wheel built on this machine happens to be complete. (Files outside the "
    "packages, such as docs or tests, are reported as notes.)",
    fix="Include the files (MANIFEST.in `include`/`graft`, hatch `[tool.hatch.build.targets.sdist]`, "
    "flit `[tool.flit.sdist] include`), or exclude them explicitly if they are development-only.",
)

# Development-only files and directories that sdists commonly leave out (matched case-insensitively,
# against the top-level entry); hidden files and directories (`.github/`, `.gitignore`…) are always left out.
COMMONLY_OMITTED = (
    "tox.ini", "noxfile.py", "makefile", "justfile", "tasks.py", "*.lock", "pipfile", "requirements*.txt",
    "requirements", "environment.yml", "environment.yaml", "codecov.yml", "codecov.yaml", "azure-pipelines.yml",
    "appveyor.yml", "jenkinsfile", "renovate.json", "dependabot.yml", "netlify.toml", "readthedocs.yml",
    "mkdocs.yml", "dockerfile", "docker-compose.y*ml", "gruntfile.js", "package.json", "package-lock.json",
    "code_of_conduct*", "contributing*", "security*", "codeowners", "funding.yml", "citation.cff", "ruff.toml",
    "mypy.ini", "*.ipynb", "ci", "bin", "scripts", "tools", "dev", "benchmarks", "bench", "asv_bench",
    "js_tests", "node_modules", "changelog.d", "changes.d", "newsfragments", "news",
)
# Top-level files a source release must carry: licenses commonly require their notices to be
# redistributed with the source (BSD, Apache-2.0 NOTICE, copyright holders listed in AUTHORS).
IMPORTANT_FILES = ("licen[cs]e*", "copying*", "notice*", "authors*", "patents*")


def _stem(filename: str) -> str:
    for suffix in (".tar.gz", ".tgz", ".tar"):
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


@check(SDIST_LAYOUT, BUILD_CONFIG_MISSING)
def sdist_is_buildable(context: CheckContext) -> Iterator[Finding]:
    sdist = context.sdist
    if sdist is None or sdist.limit_exceeded:
        return  # not every member was read (A002 says why)
    expected = _stem(sdist.filename)
    tops = {member.name.split("/", 1)[0] for member in sdist.members}
    stray = sorted(tops - {expected})
    if stray:
        yield SDIST_LAYOUT.at(
            f"{sdist.filename}: members outside {expected}/: {listing(stray)}",
            artifact=sdist.filename, member=stray[0],
        )
    if sdist.member("pyproject.toml") is None and sdist.member("setup.py") is None:
        yield BUILD_CONFIG_MISSING.at(f"{sdist.filename} has no pyproject.toml and no setup.py at its root",
                                      artifact=sdist.filename)


# --- files the configuration names --------------------------------------------------------------

@check(DECLARED_FILE_MISSING)
def declared_files_in_sdist(context: CheckContext) -> Iterator[Finding]:
    sdist = context.sdist
    if sdist is None or sdist.limit_exceeded:
        return
    texts: dict[str, str] = {name: sdist.contents[name].decode("utf-8", "replace")
                             for name in ("pyproject.toml", "setup.cfg", "setup.py") if name in sdist.contents}
    for declared in declared_files(texts):
        path = posixpath.normpath(declared.name.strip().replace("\\", "/").removeprefix("./"))
        if sdist.member(path) is not None:
            continue
        in_tree = context.sources is not None and context.sources.text(declared.config)
        yield DECLARED_FILE_MISSING.at(
            f"{declared.config} names {declared.name!r} ({declared.what}), but {sdist.filename} does not hold it",
            file=declared.config if context.sources is not None else None,
            line=(_naming_line(context, declared) or declared.line) if in_tree else None,
            artifact=sdist.filename, member=declared.config,
        )


def _naming_line(context: CheckContext, declared: DeclaredFile) -> int | None:
    """The line of the tree's configuration file naming the file (the sdist's copy may differ)."""
    assert context.sources is not None
    texts = {name: text for name in ("pyproject.toml", "setup.cfg", "setup.py") if (text := context.sources.text(name))}
    return next((each.line for each in declared_files(texts)
                 if each.config == declared.config and each.name == declared.name), None)


# --- tracked files left out ---------------------------------------------------------------------

def _commonly_omitted(path: str) -> bool:
    parts = path.split("/")
    if any(part.startswith(".") for part in parts):
        return True
    top = parts[0].lower()
    return any(fnmatch.fnmatchcase(top, pattern) for pattern in COMMONLY_OMITTED)


def _matters(path: str, packages: set[str]) -> bool:
    """A file of an installed package, or a top-level license file: its absence is a warning."""
    parts = path.split("/")
    if len(parts) == 1:
        return any(fnmatch.fnmatchcase(parts[0].lower(), pattern) for pattern in IMPORTANT_FILES)
    if any(part.lower() in NOT_SUBPACKAGES for part in parts[:-1]):
        return False  # tests inside a package are often left out of sdists on purpose
    for index in range(min(len(parts) - 1, 3)):
        if parts[index] in packages and not any(part.lower() in NOT_PACKAGES for part in parts[:index]):
            return True
    return False


def _wheel_packages(context: CheckContext) -> set[str]:
    return {name for wheel in context.wheels for name, (_, package) in top_level_names(wheel).items() if package}


def _is_directory_of(path: str, ordered: list[str]) -> bool:
    """A git submodule (tracked as one path) whose files the sdist holds."""
    prefix = path + "/"
    index = bisect.bisect_left(ordered, prefix)
    return index < len(ordered) and ordered[index].startswith(prefix)


@check(TRACKED_NOT_IN_SDIST, needs_source=True)
def tracked_files_in_sdist(context: CheckContext) -> Iterator[Finding]:
    sdist = context.sdist
    if sdist is None or context.git_files is None or sdist.limit_exceeded:
        return
    present = {member.path for member in sdist.members}
    absent = [path for path in context.git_files if path not in present and not _commonly_omitted(path)]
    if not absent:
        return
    texts: dict[str, str] = {name: sdist.contents[name].decode("utf-8", "replace")
                             for name in ("MANIFEST.in", "pyproject.toml") if name in sdist.contents}
    drops = read_drops(texts)
    ordered = sorted(present)
    missing = [path for path in absent
               if not _is_directory_of(path, ordered) and drops.sdist_drop(path) is None]
    groups: dict[str, list[str]] = {}
    for path in missing:
        groups.setdefault(path.split("/", 1)[0], []).append(path)
    packages = _wheel_packages(context)
    for files in groups.values():
        where = files[0] if len(files) == 1 else os.path.commonpath(files)
        severity = Severity.WARNING if any(_matters(path, packages) for path in files) else Severity.NOTE
        count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
        yield TRACKED_NOT_IN_SDIST.at(
            f"{count} tracked by git {'is' if len(files) == 1 else 'are'} not in {sdist.filename}: {listing(files)}",
            file=where, artifact=sdist.filename, severity=severity,
        )
