"""Package data of the source tree that the wheel left out (the check is `tree_is_in_wheel` in
deploypack/checks/layout.py, which compares the whole tree with the wheel).

A template, a schema, a `py.typed` marker under a package directory: when the backend leaves it
out, `import` works and the first call that reads it fails. The package's own modules are read
(not imported) for the places that open such a file, so the finding points at the line that will
fail, with the setting of the backend that leaves the file out or would bring it in.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.data_refs import Reference, read_references
from deploypack.project.drops import Drop, Drops
from deploypack.project.packaging_config import PackagingConfig, matches_any
from deploypack.project.sources import toml_key_line, toml_table_line

DATA_READ_MISSING = rule(
    "W103", "package-data-read-missing-from-wheel", Severity.ERROR,
    "a data file the package's code reads is not in the wheel",
    why="`import` works, and the first call that opens the file (a template, a schema, a default "
    "config) fails with FileNotFoundError on every user's machine. Typical causes: setuptools "
    "without `package-data` or `include-package-data`, a MANIFEST.in that does not include the "
    "file, a hatch/pdm/poetry include list naming only `*.py`, an exclude pattern that is too broad. "
    "Example: `pkg/mail.py:12` reads `files(__package__) / \"templates\" / \"page.html\"`, and a "
    "setuptools project without package-data leaves `pkg/templates/page.html` out.",
    fix="Include the file with the backend's setting named in the message (setuptools "
    "`[tool.setuptools.package-data] pkg = [\"templates/*.html\"]`, hatch `include`, pdm "
    "`includes`, poetry `include`), or narrow the exclude pattern that drops it (the message names "
    "its line).",
)
DATA_MISSING = rule(
    "W104", "package-data-missing-from-wheel", Severity.WARNING,
    "a non-Python file under a package directory is not in the wheel",
    why="Files inside a package directory are usually there to be shipped with it; no code was "
    "found that reads this one (it may be read through a computed name), so it is a warning. "
    "Example: `pkg/data/countries.csv` tracked by git, with a hatch `include = [\"pkg/*.py\"]`. "
    "Sources of compiled extensions, editor leftovers, tests and docs are not package data.",
    fix="Include the file in the wheel as for W103; if it is left out on purpose, exclude it "
    "explicitly in the backend's configuration, or list it in `[tool.deploypack] not-in-wheel`.",
)
PY_TYPED_MISSING = rule(
    "W105", "py-typed-missing-from-wheel", Severity.ERROR,
    "the package has a `py.typed` marker, but the wheel does not",
    why="Without the marker type checkers ignore the installed package's annotations (PEP 561): "
    "every user's type checking silently degrades to `Any`. Example: `exclude datademo/py.typed` "
    "in MANIFEST.in, or a pdm `includes = [\"pkg/*.py\"]`.",
    fix="Include `py.typed` in the wheel (setuptools `package-data = {pkg = [\"py.typed\"]}`, or "
    "the backend's include setting named in the message).",
)

# Files under a package directory that are not package data: sources of compiled extensions,
# build outputs, editor and merge leftovers (other checks report the ones that do ship).
_NOT_DATA_SUFFIXES = (
    ".py", ".pyc", ".pyo", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".pyx", ".pxd", ".pxi", ".rs", ".f",
    ".f90", ".o", ".obj", ".a", ".lib", ".so", ".pyd", ".dll", ".dylib", ".orig", ".rej", ".bak", ".swp",
    ".swo", ".tmp", "~",
)
_NOT_DATA_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "makefile", "cmakelists.txt"})
_NOT_DATA_DIRS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks",
                            "benchmark", "_build", "build", "dist", "__pycache__", "node_modules"})


def is_package_data(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1].lower()
    if any(part.startswith(".") for part in parts) or name in _NOT_DATA_NAMES or name.endswith(_NOT_DATA_SUFFIXES):
        return False
    return not any(part.lower() in _NOT_DATA_DIRS or part.endswith(".egg-info") for part in parts[:-1])


@dataclasses.dataclass(frozen=True)
class Package:
    """A package directory of the tree that the wheel ships, and where it installs."""

    directory: str
    installed: str
    top: str  # the tree directory of its top-level package


@dataclasses.dataclass
class DataScan:
    """What the data check needs from the tree-against-wheel comparison."""

    files: tuple[str, ...]
    packages: Mapping[str, Package]  # tree directory -> package
    code_dirs: Collection[str]  # every tree directory holding .py files
    installed: frozenset[str]
    in_sdist: Callable[[str], bool]
    config: PackagingConfig
    drops: Drops
    read: Callable[[str], str | None]  # a tree file's text
    accepted: Callable[[str], bool]
    wheel: str
    config_files: tuple[str, ...]  # of the tree (the sdist's setup.cfg may be setuptools' own)


def _package_of(path: str, packages: Mapping[str, Package], code_dirs: Collection[str]) -> Package | None:
    """The shipped package a file belongs to; None under a directory of code that is not shipped
    (a subpackage left out on purpose, or one W101 reports)."""
    directory = posixpath.dirname(path)
    while directory:
        if directory in packages:
            return packages[directory]
        if directory in code_dirs:
            return None
        directory = posixpath.dirname(directory)
    return None


def missing_data(scan: DataScan) -> Iterator[Finding]:
    """W103/W104/W105 for the package data files of the tree that the wheel does not hold."""
    missing: list[tuple[str, Package]] = []
    for path in scan.files:
        if not is_package_data(path):
            continue
        package = _package_of(path, scan.packages, scan.code_dirs)
        if package is None:
            continue
        installed = package.installed + path[len(package.directory):]
        if installed not in scan.installed and not scan.accepted(path):
            missing.append((path, package))
    if not missing:
        return
    references = _references(scan, {package.top for _, package in missing})
    read_by: dict[tuple[str, int, str], list[str]] = {}
    unread: dict[str, list[str]] = {}
    for path, package in missing:
        drop = scan.drops.explain(path) or gitignored(scan.config.backend, scan.read, path)
        if path.rsplit("/", 1)[-1] == "py.typed":
            yield _py_typed(scan, path, package, drop)
            continue
        reader = next(((module, ref) for module, ref in references.get(package.top, ())
                       if ref.refers_to(path, package.top)), None)
        if reader is not None:
            read_by.setdefault((reader[0], reader[1].line, posixpath.dirname(path)), []).append(path)
        elif drop is None or not drop.pattern:  # an exclude pattern leaves it out on purpose
            unread.setdefault(posixpath.dirname(path), []).append(path)
    packages = dict(missing)
    for (module, line, _), paths in read_by.items():
        drop = scan.drops.explain(paths[0]) or gitignored(scan.config.backend, scan.read, paths[0])
        yield DATA_READ_MISSING.at(
            f"{_names(paths)} {'is' if len(paths) == 1 else 'are'} not in {scan.wheel}, but {module}:{line} reads "
            f"{'it' if len(paths) == 1 else 'them'}{_because(drop)}",
            file=module, line=line, artifact=scan.wheel, hint=fix(scan, paths, packages[paths[0]], drop),
        )
    for directory, paths in unread.items():
        drop = scan.drops.explain(paths[0]) or gitignored(scan.config.backend, scan.read, paths[0])
        yield DATA_MISSING.at(
            f"{_names(paths)} under package {packages[paths[0]].installed.replace('/', '.')} "
            f"{'is' if len(paths) == 1 else 'are'} not in {scan.wheel}, and no code was found reading "
            f"{'it' if len(paths) == 1 else 'them'}{_because(drop)}",
            file=drop.file if drop else (paths[0] if len(paths) == 1 else directory),
            line=drop.line if drop else None, artifact=scan.wheel,
            hint=fix(scan, paths, packages[paths[0]], drop),
        )


def _py_typed(scan: DataScan, path: str, package: Package, drop: Drop | None) -> Finding:
    return PY_TYPED_MISSING.at(
        f"{path} marks package {package.installed.replace('/', '.')} as typed, but {scan.wheel} does not hold "
        f"it{_because(drop)}: type checkers will ignore the package's annotations",
        file=drop.file if drop else path, line=drop.line if drop else None, artifact=scan.wheel,
        hint=fix(scan, [path], package, drop),
    )


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:5])
    return shown + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def _because(drop: Drop | None) -> str:
    return f" (left out by {drop.describe()})" if drop else ""


def _references(scan: DataScan, tops: Iterable[str]) -> dict[str, list[tuple[str, Reference]]]:
    """The references of the modules of each top-level package that misses data (only those are read)."""
    found: dict[str, list[tuple[str, Reference]]] = {}
    wanted = set(tops)
    dotted = _dotted_dirs(scan.packages)
    for path in scan.files:
        if not path.endswith(".py"):
            continue
        package = _package_of(path, scan.packages, scan.code_dirs)
        if package is None or package.top not in wanted:
            continue
        text = scan.read(path)
        if text is None:
            continue
        for reference in read_references(text, path, dotted):
            found.setdefault(package.top, []).append((path, reference))
    return found


def _dotted_dirs(packages: Mapping[str, Package]) -> Callable[[str], str | None]:
    """A dotted name -> its tree directory; below a known package, a resource directory
    (`files("pkg.templates")` names `pkg/templates/` even without an `__init__.py`)."""
    known = {package.installed.replace("/", "."): directory for directory, package in packages.items()}

    def directory(name: str) -> str | None:
        head, rest = name, ""
        while head:
            if head in known:
                return known[head] + (("/" + rest.replace(".", "/")) if rest else "")
            head, _, last = head.rpartition(".")
            rest = f"{last}.{rest}" if rest else last
        return None

    return directory


def gitignored(backend: str, read: Callable[[str], str | None], path: str) -> Drop | None:
    """hatchling and poetry leave out files that .gitignore matches, even when git tracks them."""
    if backend not in ("hatchling", "poetry"):
        return None
    text = read(".gitignore")
    for number, raw in enumerate((text or "").splitlines(), start=1):
        pattern = raw.strip()
        if pattern and not pattern.startswith(("#", "!")) and matches_any(path, [pattern.strip("/")]):
            return Drop(".gitignore", ".gitignore", number, "both", pattern.strip("/"))
    return None


# --- the fix, per backend ---------------------------------------------------------------------------

def fix(scan: DataScan, paths: list[str], package: Package, drop: Drop | None) -> str:
    """The setting to change (the one that drops the file) or to add, for this project's backend."""
    path = paths[0]
    glob = _glob(paths)
    if drop is not None and drop.pattern:
        return (f"narrow or remove {drop.pattern!r} in {drop.setting} ({drop.file}:{drop.line}) so that "
                f"{path} is kept; if it must stay out of the sdist, include it in the wheel explicitly")
    if drop is not None and drop.setting == "[tool.poetry] packages":
        return (f'add {{ path = "{glob}", format = ["sdist", "wheel"] }} to [tool.poetry] include, or widen '
                f"the packages entry at {drop.file}:{drop.line} to the whole package directory")
    if drop is not None:
        return f"add {glob!r} to {drop.setting} ({drop.file}:{drop.line})"
    backend = scan.config.backend
    relative = glob[len(package.directory) + 1:] if glob.startswith(package.directory + "/") else glob
    name = package.installed.replace("/", ".")
    if backend == "setuptools":
        return _setuptools_fix(scan, name, relative, path)
    if backend == "hatchling":
        return (f"hatchling ships package files unless something leaves them out: add {glob!r} to "
                "[tool.hatch.build.targets.wheel] include / force-include, and check the sdist's include settings")
    if backend == "flit":
        return "flit ships every file of the package directory: check the patterns of [tool.flit.sdist] exclude"
    if backend == "pdm":
        return f"add {glob!r} to [tool.pdm.build] includes (and source-includes for the sdist)"
    if backend == "poetry":
        return f'add {{ path = "{glob}", format = ["sdist", "wheel"] }} to [tool.poetry] include'
    return DATA_READ_MISSING.fix


def _setuptools_fix(scan: DataScan, name: str, relative: str, path: str) -> str:
    setting = _setuptools_setting(scan, name, relative)
    if not scan.in_sdist(path):
        return (f"add {setting}, and include the file in the sdist (MANIFEST.in `include {path}` "
                "or `graft` of its directory), since the wheel is built from the sdist")
    return f"add {setting} (or set include-package-data = true)"


def _setuptools_setting(scan: DataScan, name: str, relative: str) -> str:
    """Where this project declares package data: the existing setting's line, else the file it configures with."""
    pyproject = (scan.read("pyproject.toml") or "") if "pyproject.toml" in scan.config_files else ""
    setup_cfg = (scan.read("setup.cfg") or "") if "setup.cfg" in scan.config_files else ""
    if "[tool.setuptools" in pyproject or not setup_cfg and "setup.py" not in scan.config_files:
        line = (toml_key_line(pyproject, "tool.setuptools", "package-data")
                or toml_table_line(pyproject, "tool.setuptools.package-data"))
        where = f"pyproject.toml:{line}" if line else "pyproject.toml"
        return f'{name} = ["{relative}"] to [tool.setuptools.package-data] ({where})'
    if "[options" in setup_cfg or "setup.py" not in scan.config_files:
        line = toml_table_line(setup_cfg, "options.package_data")
        return f"{name} = {relative} to [options.package_data] (setup.cfg{f':{line}' if line else ''})"
    return f'package_data={{"{name}": ["{relative}"]}} to setup() in setup.py'


def _glob(paths: list[str]) -> str:
    if len(paths) == 1:
        return paths[0]
    directory = posixpath.commonpath(paths)
    suffixes = {posixpath.splitext(path)[1] for path in paths}
    return f"{directory}/*{suffixes.pop()}" if len(suffixes) == 1 else f"{directory}/*"


def accepted_by(patterns: Iterable[str]) -> Callable[[str], bool]:
    """`[tool.deploypack] not-in-wheel`: tree paths (globs) that the wheel leaves out on purpose."""
    listed = [pattern.strip().strip("/") for pattern in patterns if pattern.strip()]
    return lambda path: bool(listed) and matches_any(path, listed)

