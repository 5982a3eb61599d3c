"""The source tree against the wheel: a package, a module or a data file of the project that
the wheel left out.

A subpackage without `__init__.py` skipped by `find_packages()`, a second top-level package
that the backend never picked up, a module or a template dropped by an exclude pattern: the
wheel builds, installs, and fails at the first import or the first read. The tree is what git
tracks (else what the sdist holds); the wheel is what it installs into site-packages. Each
finding names the configuration line that leaves the file out (deploypack/project/drops.py)
when there is one. What the configuration excludes from the wheel on purpose, development
directories and `[tool.deploypack] not-in-wheel` are left alone; when the configuration cannot
be read with certainty the finding is a warning, not an error.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import keyword
from collections.abc import Callable, Iterable, Iterator, Mapping

from deploypack.checks import CheckContext, check
from deploypack.checks.package_data import (
    DATA_MISSING,
    DATA_READ_MISSING,
    PY_TYPED_MISSING,
    DataScan,
    Package,
    accepted_by,
    gitignored,
    missing_data,
)
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.drops import Drop, Drops, read_drops
from deploypack.project.packaging_config import PackagingConfig, clean_path, join, read_packaging_config
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution

PACKAGE_MISSING = rule(
    "W101", "package-missing-from-wheel", Severity.ERROR,
    "a package of the source tree is not in the wheel",
    why="The wheel installs without it, and the first `import` of that package (or of a module "
    "that imports it) fails on every user's machine. Typical causes: a subpackage without "
    "`__init__.py` that `find_packages()` skips, a `packages = [...]` list that forgot one, a "
    "backend that only picked the package named like the project.",
    fix="Add `__init__.py` to the directory, or list the package in the backend's configuration "
    "(setuptools `packages`/`packages.find`, hatch `packages`, poetry `packages`, pdm `includes`), "
    "or remove the exclude pattern named in the message. If it is left out on purpose, exclude it "
    "from the wheel in that configuration (or list it in `[tool.deploypack] not-in-wheel`).",
)
MODULE_MISSING = rule(
    "W102", "module-missing-from-wheel", Severity.ERROR,
    "a module of a package the wheel ships is not in the wheel",
    why="The package installs without the module: `import pkg.module` (or a module importing it) "
    "fails on every user's machine. Typical causes: an exclude pattern in MANIFEST.in or in the "
    "backend's sdist settings (the wheel is built from the sdist), a pdm `excludes` or poetry "
    "`exclude` pattern broader than meant, a hatch/pdm include list that does not cover it. "
    "Example: `exclude pkg/converters.py` in MANIFEST.in: the finding is at that MANIFEST.in line. "
    "Modules named like tests (`conftest.py`, `test_*.py`) are left alone.",
    fix="Remove or narrow the exclude pattern (or extend the include list) named in the message. "
    "If the module is left out on purpose, exclude it from the wheel explicitly (hatch "
    "`[tool.hatch.build.targets.wheel] exclude`) or list it in `[tool.deploypack] not-in-wheel`.",
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


def _tree_drops(context: CheckContext, texts: Mapping[str, str], backend: str) -> Drops:
    """The settings that leave files out, with the lines of the tree's files (what a person edits).
    MANIFEST.in is setuptools' own: other backends ignore a leftover one."""
    own: dict[str, str] = {}
    names = ("MANIFEST.in", "pyproject.toml") if backend == "setuptools" else ("pyproject.toml",)
    for name in names:
        text = context.sources.text(name) if context.sources is not None else None
        if text is None and name in texts:
            text = texts[name]
        if text is not None:
            own[name] = text
    return read_drops(own)


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


def _excluded(directory: str, root: str, config: PackagingConfig) -> bool:
    """Whether setuptools' package discovery or flit's one module leaves this directory out on purpose."""
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


@dataclasses.dataclass
class _Wheel:
    """What the wheels install, read once for every comparison."""

    name: str
    files: frozenset[str]
    dirs: frozenset[str]
    modules_by_dir_name: dict[str, list[set[str]]]  # last path component -> .py names in such dirs

    @classmethod
    def read(cls, wheels: Iterable[Distribution]) -> _Wheel:
        files: set[str] = set()
        dirs: set[str] = set()
        by_name: dict[str, list[set[str]]] = {}
        name = ""
        for wheel in wheels:
            name = name or wheel.filename
            installed = install_paths(wheel)
            files.update(installed)
            for path in installed:
                parts = path.split("/")
                for depth in range(1, len(parts)):
                    dirs.add("/".join(parts[:depth]))
            for directory, names in _python_dirs(installed).items():
                by_name.setdefault(directory.rsplit("/", 1)[-1], []).append(names)
        return cls(name, frozenset(files), frozenset(dirs), by_name)


@dataclasses.dataclass
class _Tree:
    """The tree, its configuration and the wheel, for the three comparisons."""

    context: CheckContext
    files: tuple[str, ...]
    dirs: dict[str, set[str]]
    config: PackagingConfig
    texts: dict[str, str]
    drops: Drops
    wheel: _Wheel
    accepted: Callable[[str], bool]

    def explain(self, path: str) -> Drop | None:
        return self.drops.explain(path) or gitignored(self.config.backend, self._read, path)

    def _read(self, path: str) -> str | None:
        return self.context.sources.text(path) if self.context.sources is not None else None


@check(PACKAGE_MISSING, MODULE_MISSING, DATA_READ_MISSING, DATA_MISSING, PY_TYPED_MISSING, needs_source=True)
def tree_is_in_wheel(context: CheckContext) -> Iterator[Finding]:
    wheels = context.wheels
    if not wheels or any(wheel.limit_exceeded for wheel in wheels):
        return
    files = tree_files(context)
    dirs = _python_dirs(files)
    if not dirs:
        return
    texts = _config_texts(context)
    config = read_packaging_config(texts)
    tree = _Tree(context, files, dirs, config, texts, _tree_drops(context, texts, config.backend), _Wheel.read(wheels),
                 _accepted(context))
    roots, flat = _roots(context, config, dirs)
    candidates = list(_candidates(dirs, roots, flat))
    yield from _missing_packages(tree, candidates)
    shipped = [candidate for candidate in candidates if candidate.installed in tree.wheel.dirs]
    yield from _missing_modules(tree, shipped)
    yield from missing_data(_data_scan(tree, shipped))


def _accepted(context: CheckContext) -> Callable[[str], bool]:
    """Left out on purpose (`not-in-wheel`), or a link leading out of the project: C008 reports that
    one, whatever the wheel holds of it."""
    by_setting = accepted_by(context.options.not_in_wheel)
    links = [link.path for link in context.outside_links]
    return lambda path: by_setting(path) or any(path == link or path.startswith(link + "/") for link in links)


def _missing_packages(tree: _Tree, candidates: Iterable[_Candidate]) -> Iterator[Finding]:
    reported: list[str] = []
    for candidate in candidates:
        if candidate.installed in tree.wheel.dirs:
            continue
        modules = tree.dirs[candidate.directory]
        if _shipped_elsewhere(candidate, modules, tree.wheel.modules_by_dir_name):
            continue
        if any(candidate.installed.startswith(done + "/") for done in reported):
            continue
        if _excluded(candidate.directory, candidate.root, tree.config) or tree.accepted(candidate.directory):
            continue
        drop = tree.explain(f"{candidate.directory}/{min(modules)}")
        if drop is not None and (drop.deliberate or candidate.top and not drop.pattern):
            continue  # an include list names the top-level packages shipped: the others stay out on purpose
        finding = _package_finding(tree, candidate, drop)
        if finding is not None:
            reported.append(candidate.installed)
            yield finding


def _package_finding(tree: _Tree, candidate: _Candidate, drop: Drop | None) -> Finding | None:
    count = len(tree.dirs[candidate.directory])
    what = "package" if candidate.top else "subpackage"
    message = (f"{what} {candidate.installed.replace('/', '.')} ({candidate.directory}/, {count} .py "
               f"file{'s' if count != 1 else ''}) is not in {tree.wheel.name}")
    if drop is not None:
        return PACKAGE_MISSING.at(f"{message}: left out by {drop.describe()}", file=drop.file, line=drop.line,
                                  artifact=tree.wheel.name, hint=_drop_hint(drop, candidate.directory))
    listing = _unlisted(tree, candidate)
    if listing is not None:
        return PACKAGE_MISSING.at(f"{message}: the packages list at {listing[0]}:{listing[1]} does not name it",
                                  file=listing[0], line=listing[1], artifact=tree.wheel.name,
                                  hint=f"add {candidate.installed.replace('/', '.')!r} to that list")
    severity = _severity(candidate, tree.config)
    if severity is None:
        return None
    return PACKAGE_MISSING.at(message, file=candidate.directory, artifact=tree.wheel.name, severity=severity,
                              hint=_hint(candidate, tree.config))


def _unlisted(tree: _Tree, candidate: _Candidate) -> tuple[str, int] | None:
    """setuptools' explicit `packages` list that leaves this package out: (file, line)."""
    config = tree.config
    if config.backend != "setuptools" or not config.listed or config.listed_only_top:
        return None  # (an empty list: `py_modules` alone, no packages meant)
    if _listed(candidate.directory, config) or not config.certain:
        return None
    sources = tree.context.sources
    found = sources.find_key({"pyproject.toml": ["tool.setuptools.packages"], "setup.cfg": ["options.packages"],
                              "setup.py": ["packages"]}) if sources is not None else None
    return (found.file, found.line) if found is not None else None


def _drop_hint(drop: Drop, path: str) -> str:
    if drop.pattern:
        return (f"remove or narrow {drop.pattern!r} in {drop.setting} ({drop.file}:{drop.line}) so that it no "
                f"longer matches {path}; to leave it out of the wheel on purpose, exclude it from the wheel "
                "explicitly or list it in [tool.deploypack] not-in-wheel")
    return f"add {path} to {drop.setting} ({drop.file}:{drop.line})"


# Modules of a package that are development-only by name (left out of wheels on purpose).
_DEV_MODULES = ("conftest.py", "test_*.py", "*_test.py", "tests.py", "setup.py", "noxfile.py")


def _missing_modules(tree: _Tree, shipped: Iterable[_Candidate]) -> Iterator[Finding]:
    for candidate in shipped:
        for name in sorted(tree.dirs[candidate.directory]):
            if f"{candidate.installed}/{name}" in tree.wheel.files:
                continue
            path = f"{candidate.directory}/{name}"
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in _DEV_MODULES) or tree.accepted(path):
                continue
            drop = tree.explain(path)
            if drop is not None and drop.deliberate:
                continue
            module = f"{candidate.installed}/{name.removesuffix('.py')}".replace("/", ".")
            message = f"module {module} ({path}) is not in {tree.wheel.name}"
            if drop is not None:
                yield MODULE_MISSING.at(f"{message}: left out by {drop.describe()}", file=drop.file, line=drop.line,
                                        artifact=tree.wheel.name, hint=_drop_hint(drop, path))
            else:
                yield MODULE_MISSING.at(message, file=path, artifact=tree.wheel.name,
                                        severity=Severity.ERROR if tree.config.certain else Severity.WARNING)


def _data_scan(tree: _Tree, shipped: Iterable[_Candidate]) -> DataScan:
    packages: dict[str, Package] = {}
    for candidate in shipped:
        top = join(candidate.root, candidate.installed.split("/", 1)[0])
        packages[candidate.directory] = Package(candidate.directory, candidate.installed, top)
    sdist = tree.context.sdist
    sources: ProjectSources | None = tree.context.sources
    return DataScan(
        files=tree.files, packages=packages, code_dirs=tree.dirs.keys(), installed=tree.wheel.files,
        in_sdist=lambda path: sdist is None or sdist.member(path) is not None,
        config=tree.config, drops=tree.drops,
        read=sources.text if sources is not None else (lambda path: None),
        accepted=tree.accepted, wheel=tree.wheel.name,
        config_files=sources.files if sources is not None else tuple(tree.texts),
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
