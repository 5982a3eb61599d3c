"""The source tree against the wheel: a package of the project that the wheel left out.

A subpackage without `__init__.py` skipped by `find_packages()`, a second top-level package
that the backend never picked up: the wheel builds, installs, and fails at the first import.
The tree is what git tracks (else what the sdist holds); the wheel is what it installs into
site-packages. Directories the configuration excludes on purpose are left alone, and when the
configuration cannot be read with certainty the finding is a warning, not an error.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import keyword
from collections.abc import Iterable, Iterator, Mapping

from deploypack.checks import CheckContext, check
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.packaging_config import PackagingConfig, clean_path, join, matches_any, read_packaging_config
from deploypack.read.archives import Distribution

PACKAGE_MISSING = rule(
    "W101", "package-missing-from-wheel", Severity.ERROR,
    "a package of the source tree is not in the wheel",
    why="The wheel installs without it, and the first `import` of that package (or of a module "
    "that imports it) fails on every user's machine. Typical causes: a subpackage without "
    "`__init__.py` that `find_packages()` skips, a `packages = [...]` list that forgot one, a "
    "backend that only picked the package named like the project.",
    fix="Add `__init__.py` to the directory, or list the package in the backend's configuration "
    "(setuptools `packages`/`packages.find`, hatch `packages`, poetry `packages`, pdm `includes`). "
    "If it is left out on purpose, exclude it in that configuration so the intent is written down.",
)

# Directory names that are not the project's importable code: at the top of a flat layout (the
# names setuptools' own flat-layout discovery leaves out, and a few more) and anywhere below.
NOT_PACKAGES = frozenset({
    "tests", "test", "testing", "unit_test", "unit_tests", "docs", "doc", "documentation", "examples",
    "example", "exercise", "exercises", "build", "dist", "benchmarks", "benchmark", "bench", "scripts",
    "tools", "util", "utils", "python", "bin", "ci", "debian", "manpages", "news", "newsfragments",
    "changelog", "requirements", "tasks", "fabfile", "site_scons", "htmlcov", "site-packages",
    "node_modules", "venv", "env", "__pycache__",
})
NOT_SUBPACKAGES = frozenset({"tests", "test", "testing", "unit_tests", "examples", "__pycache__"})
_GENERATED_SDIST_FILES = ("PKG-INFO",)


# --- where things are: the tree, the wheel's install paths, the source of a wheel member ---------

def tree_files(context: CheckContext) -> tuple[str, ...]:
    """Project-relative files of the source tree: tracked by git, else as the sdist holds them."""
    if context.git_files is not None:
        return context.git_files
    sdist = context.sdist
    if sdist is None:
        return ()
    return tuple(m.path for m in sdist.members if m.is_file and m.path and not _generated(m.path))


def _generated(path: str) -> bool:
    return path in _GENERATED_SDIST_FILES or ".egg-info/" in f"{path}/"


def data_dir(wheel: Distribution) -> str | None:
    """The wheel's `<name>-<version>.data` directory name, from its `.dist-info` directory."""
    if wheel.metadata_path is None:
        return None
    return wheel.metadata_path.split("/", 1)[0].removesuffix(".dist-info") + ".data"


def install_path(path: str, data: str | None) -> str | None:
    """Where a wheel member lands relative to site-packages, or None (metadata, scripts, data)."""
    first, _, rest = path.partition("/")
    if first.endswith(".dist-info"):
        return None
    if first == data or first.endswith(".data"):
        scheme, _, inner = rest.partition("/")
        return inner if scheme in ("purelib", "platlib") and inner else None
    return path


def install_paths(wheel: Distribution) -> list[str]:
    data = data_dir(wheel)
    found = []
    for member in wheel.members:
        if member.type == "dir":
            continue
        target = install_path(member.path, data)
        if target:
            found.append(target)
    return found


def is_importable_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


class SourceLocator:
    """Maps a path as installed from the wheel back to the tree path a person edits."""

    def __init__(self, files: Iterable[str]) -> None:
        self._files = tuple(files)
        self._set = frozenset(self._files)

    def file(self, installed: str) -> str | None:
        if installed in self._set:
            return installed
        suffix = "/" + installed
        matches = [f for f in self._files if f.endswith(suffix)]
        return min(matches, key=len) if matches else None

    def directory(self, installed: str) -> str | None:
        inner = "/" + installed + "/"
        best: str | None = None
        for name in self._files:
            if name.startswith(installed + "/"):
                return installed
            index = name.find(inner)
            if index >= 0:
                candidate = name[: index + len(inner) - 1]
                if best is None or len(candidate) < len(best):
                    best = candidate
        return best


# --- the check -----------------------------------------------------------------------------------

def _config_texts(context: CheckContext) -> dict[str, str]:
    """The configuration as the sdist froze it (what the wheel was built from), else the tree's."""
    texts: dict[str, str] = {}
    sdist = context.sdist
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        data = sdist.contents.get(name) if sdist is not None else None
        if data is not None:
            texts[name] = data.decode("utf-8", "replace")
        elif context.sources is not None and context.sources.text(name) is not None:
            texts[name] = context.sources.text(name) or ""
    return texts


def _python_dirs(files: Iterable[str]) -> dict[str, set[str]]:
    """Directory -> names of the .py files directly in it (only directories holding some)."""
    dirs: dict[str, set[str]] = {}
    for name in files:
        if name.endswith(".py"):
            parent, _, base = name.rpartition("/")
            if parent:
                dirs.setdefault(parent, set()).add(base)
    return dirs


def _roots(context: CheckContext, config: PackagingConfig, dirs: Mapping[str, set[str]]) -> tuple[list[str], bool]:
    """The package roots, and whether they are a flat layout (packages must have __init__.py)."""
    if context.options.package_roots:
        return [clean_path(root) for root in context.options.package_roots], False
    if config.roots:
        return list(dict.fromkeys(config.roots)), not any(config.roots)
    if any(d == "src" or d.startswith("src/") for d in dirs):
        return ["src"], False
    return [""], True


def _excluded(directory: str, root: str, files: set[str], config: PackagingConfig) -> bool:
    """Whether the configuration leaves this directory out on purpose."""
    paths = [directory] + [f"{directory}/{name}" for name in files]
    if any(matches_any(path, config.excluded) for path in paths):
        return True
    dotted = (directory[len(root) + 1:] if root else directory).replace("/", ".")
    if any(fnmatch.fnmatchcase(dotted, pattern) for pattern in config.excluded_dotted):
        return True
    if config.included_dotted and not any(fnmatch.fnmatchcase(dotted, p) for p in config.included_dotted):
        return True
    if config.single_module is not None:
        top = dotted.split(".", 1)[0]
        return top != config.single_module.split(".", 1)[0]  # `ns.pkg` for a namespace package
    return False


def _listed(directory: str, config: PackagingConfig) -> bool:
    assert config.listed is not None
    if config.listed_only_top:
        return any(directory == item or directory.startswith(item + "/") for item in config.listed)
    return directory in config.listed


@dataclasses.dataclass(frozen=True)
class _Candidate:
    directory: str  # project-relative
    installed: str  # where it would be in site-packages
    root: str
    top: bool


def _candidates(dirs: Mapping[str, set[str]], roots: list[str], flat: bool) -> Iterator[_Candidate]:
    for directory in sorted(dirs):
        for root in roots:
            if root and not directory.startswith(root + "/"):
                continue
            installed = directory[len(root) + 1:] if root else directory
            parts = installed.split("/")
            if parts[0].lower() in NOT_PACKAGES or any(part.lower() in NOT_SUBPACKAGES for part in parts):
                break
            if not all(is_importable_name(part) for part in parts):
                break
            if flat and "__init__.py" not in dirs.get(join(root, parts[0]), set()):
                break
            yield _Candidate(directory, installed, root, len(parts) == 1)
            break


@check(PACKAGE_MISSING, needs_source=True)
def packages_are_in_wheel(context: CheckContext) -> Iterator[Finding]:
    wheels = context.wheels
    if not wheels or any(wheel.limit_exceeded for wheel in wheels):
        return
    files = tree_files(context)
    dirs = _python_dirs(files)
    if not dirs:
        return
    config = read_packaging_config(_config_texts(context))
    roots, flat = _roots(context, config, dirs)
    installed_dirs: set[str] = set()
    modules_by_dir_name: dict[str, list[set[str]]] = {}  # last path component -> .py names in such dirs
    for wheel in wheels:
        installed = install_paths(wheel)
        for path in installed:
            parts = path.split("/")
            for depth in range(1, len(parts)):
                installed_dirs.add("/".join(parts[:depth]))
        for directory, names in _python_dirs(installed).items():
            modules_by_dir_name.setdefault(directory.rsplit("/", 1)[-1], []).append(names)
    reported: list[str] = []
    for candidate in _candidates(dirs, roots, flat):
        if candidate.installed in installed_dirs:
            continue
        if _shipped_elsewhere(candidate, dirs[candidate.directory], modules_by_dir_name):
            continue
        if any(candidate.installed.startswith(done + "/") for done in reported):
            continue
        if _excluded(candidate.directory, candidate.root, dirs[candidate.directory], config):
            continue
        severity = _severity(candidate, config)
        if severity is None:
            continue
        reported.append(candidate.installed)
        count = len(dirs[candidate.directory])
        what = "package" if candidate.top else "subpackage"
        yield PACKAGE_MISSING.at(
            f"{what} {candidate.installed.replace('/', '.')} ({candidate.directory}/, {count} .py "
            f"file{'s' if count != 1 else ''}) is not in {wheels[0].filename}",
            file=candidate.directory, artifact=wheels[0].filename, severity=severity,
            hint=_hint(candidate, config),
        )


def _shipped_elsewhere(candidate: _Candidate, modules: set[str],
                       modules_by_dir_name: Mapping[str, list[set[str]]]) -> bool:
    """The same modules under another path (a `package_dir` mapping renames the package)."""
    name = candidate.installed.rsplit("/", 1)[-1]
    return any(modules <= shipped for shipped in modules_by_dir_name.get(name, ()))


def _severity(candidate: _Candidate, config: PackagingConfig) -> Severity | None:
    if config.listed is not None and not _listed(candidate.directory, config):
        if config.listed_only_top and candidate.top:
            return None  # hatch/poetry/pdm name what they ship: other top-level trees are left out on purpose
        return Severity.WARNING
    if not config.certain or (config.picks_by_name and candidate.top):
        return Severity.WARNING
    return Severity.ERROR


def _hint(candidate: _Candidate, config: PackagingConfig) -> str:
    if config.backend == "setuptools" and not candidate.top:
        return (f"add {candidate.directory}/__init__.py (find_packages() skips directories without one), "
                "or list the package; exclude it in the configuration if it is left out on purpose")
    return PACKAGE_MISSING.fix
