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
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import tomllib

from deploypack.checks import CheckContext, check
from deploypack.distributions import Distribution
from deploypack.findings import Finding, Severity
from deploypack.rules import rule

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


# --- what the configuration says about which packages go in the wheel ---------------------------

@dataclasses.dataclass
class PackagingConfig:
    """The project's own word on which directories the wheel holds.

    `roots` are the package roots ("" for the project root); `listed` are project-relative
    directories included on purpose (None: discovery); `excluded` are project-relative globs and
    `excluded_dotted` setuptools-style dotted patterns (with their `where` root) left out on
    purpose; `certain` is False when part of the configuration could not be read.
    """

    backend: str = "setuptools"
    roots: list[str] = dataclasses.field(default_factory=list)
    listed: list[str] | None = None
    listed_only_top: bool = False  # hatch/poetry/pdm lists name whole trees; setuptools lists name one package
    excluded: list[str] = dataclasses.field(default_factory=list)
    included_dotted: list[str] = dataclasses.field(default_factory=list)
    excluded_dotted: list[str] = dataclasses.field(default_factory=list)
    single_module: str | None = None  # flit: the one module it ships
    certain: bool = True
    picks_by_name: bool = False  # backends that, unconfigured, only take the package named like the project


def toml_table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    for key in keys:
        value = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(value, Mapping):
            return {}
        data = value
    return data


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if isinstance(item, str)]
    return []


def _clean(path: str) -> str:
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/") if path not in (".", "") else ""


def read_packaging_config(texts: Mapping[str, str]) -> PackagingConfig:
    """Read pyproject.toml / setup.cfg / setup.py texts (as found in the project or the sdist)."""
    config = PackagingConfig()
    pyproject: Mapping[str, Any] = {}
    if "pyproject.toml" in texts:
        try:
            pyproject = tomllib.loads(texts["pyproject.toml"])
        except tomllib.TOMLDecodeError:
            config.certain = False
    backend = str(toml_table(pyproject, "build-system").get("build-backend") or "setuptools.build_meta")
    tool = toml_table(pyproject, "tool")
    if backend.startswith("setuptools"):
        _read_setuptools(config, tool, texts)
    elif backend.startswith("hatchling"):
        config.backend = "hatchling"
        _read_hatch(config, tool)
    elif backend.startswith("flit"):
        config.backend = "flit"
        module = toml_table(tool, "flit", "module").get("name") or toml_table(pyproject, "project").get("name")
        config.single_module = str(module).replace("-", "_") if module else None
    elif backend.startswith("poetry"):
        config.backend = "poetry"
        _read_poetry(config, tool)
    elif backend.startswith("pdm"):
        config.backend = "pdm"
        _read_pdm(config, tool)
    else:
        config.backend = backend
        config.certain = False
    return config


def _read_setuptools(config: PackagingConfig, tool: Mapping[str, Any], texts: Mapping[str, str]) -> None:
    setuptools = toml_table(tool, "setuptools")
    packages = setuptools.get("packages")
    package_dir = toml_table(setuptools, "package-dir")
    if "" in package_dir:
        config.roots.append(_clean(str(package_dir[""])))
    if isinstance(packages, list):
        config.listed = _dotted_dirs(packages, package_dir)
    elif isinstance(packages, Mapping):
        _read_find(config, toml_table(packages, "find") or toml_table(packages, "find-namespace"))
    elif setuptools.get("py-modules") is not None:
        config.listed = []
    if "setup.cfg" in texts:
        _read_setup_cfg(config, texts["setup.cfg"])
    if "setup.py" in texts:
        _read_setup_py(config, texts["setup.py"])


def _dotted_dirs(packages: Iterable[Any], package_dir: Mapping[str, Any]) -> list[str]:
    root = _clean(str(package_dir.get("", "")))
    dirs = []
    for package in packages:
        name = str(package)
        mapped = package_dir.get(name)
        dirs.append(_clean(str(mapped)) if mapped else _join(root, name.replace(".", "/")))
    return dirs


def _join(root: str, path: str) -> str:
    return f"{root}/{path}" if root else path


def _read_find(config: PackagingConfig, find: Mapping[str, Any]) -> None:
    where = [_clean(w) for w in _strings(find.get("where"))]
    config.roots.extend(w for w in where if w not in config.roots)
    config.included_dotted.extend(_strings(find.get("include")))
    config.excluded_dotted.extend(_strings(find.get("exclude")))


_CFG_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def cfg_sections(text: str) -> dict[str, dict[str, str]]:
    """setup.cfg as {section: {key: value}}; multi-line values joined by newlines."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    key: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        header = _CFG_SECTION.match(line)
        if header:
            current = sections.setdefault(header.group(1).strip(), {})
            key = None
        elif current is not None and line[:1] in (" ", "\t") and key is not None:
            current[key] += "\n" + line.strip()
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            key = key.strip().replace("-", "_")
            current[key] = value.strip()
    return sections


def cfg_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,]", value) if part.strip()]


def _read_setup_cfg(config: PackagingConfig, text: str) -> None:
    sections = cfg_sections(text)
    options = sections.get("options", {})
    package_dir = {}
    for entry in cfg_list(options.get("package_dir", "")):
        name, _, path = entry.partition("=")
        package_dir[name.strip()] = path.strip()
    if "" in package_dir and _clean(package_dir[""]) not in config.roots:
        config.roots.append(_clean(package_dir[""]))
    packages = options.get("packages", "").strip()
    if packages.startswith("find"):
        find = sections.get("options.packages.find", {})
        _read_find(config, {key: cfg_list(value) for key, value in find.items()})
    elif packages:
        config.listed = (config.listed or []) + _dotted_dirs(cfg_list(packages), package_dir)
    elif "py_modules" in options and config.listed is None:
        config.listed = []


_FIND_CALL = re.compile(r"find_(?:namespace_)?packages\s*\(([^)]*)\)", re.S)
_PACKAGES_LIST = re.compile(r"\bpackages\s*=\s*\[([^\]]*)\]", re.S)
_PACKAGES_ANY = re.compile(r"\bpackages\s*=")
_STRING = re.compile(r"""["']([^"'\n]+)["']""")


def _read_setup_py(config: PackagingConfig, text: str) -> None:
    """setup.py is code: read the common literal forms, and say so when it is anything else."""
    for call in _FIND_CALL.finditer(text):
        arguments = call.group(1)
        exclude = re.search(r"exclude\s*=\s*[\[(]([^\])]*)[\])]", arguments)
        if exclude:
            config.excluded_dotted.extend(_STRING.findall(exclude.group(1)))
        include = re.search(r"include\s*=\s*[\[(]([^\])]*)[\])]", arguments)
        if include:
            config.included_dotted.extend(_STRING.findall(include.group(1)))
        where = (re.search(r"where\s*=\s*[\"']([^\"']+)[\"']", arguments)
                 or re.match(r"\s*[\"']([^\"']+)[\"']", arguments))
        if where and _clean(where.group(1)) not in config.roots:
            config.roots.append(_clean(where.group(1)))
    listed = _PACKAGES_LIST.search(text)
    if listed:
        config.listed = (config.listed or []) + [
            _join(config.roots[0] if config.roots else "", name.replace(".", "/"))
            for name in _STRING.findall(listed.group(1))
        ]
    elif _PACKAGES_ANY.search(text) and not _FIND_CALL.search(text):
        config.certain = False


def _hatch_wheel_setting(tool: Mapping[str, Any], key: str) -> Any:
    wheel = toml_table(tool, "hatch", "build", "targets", "wheel")
    return wheel[key] if key in wheel else toml_table(tool, "hatch", "build").get(key)


def _read_hatch(config: PackagingConfig, tool: Mapping[str, Any]) -> None:
    packages = _strings(_hatch_wheel_setting(tool, "packages"))
    only = _strings(_hatch_wheel_setting(tool, "only-include"))
    include = _strings(_hatch_wheel_setting(tool, "include"))
    config.excluded.extend(_clean(p) for p in _strings(_hatch_wheel_setting(tool, "exclude")))
    if packages or only or include:
        config.listed = [_clean(p) for p in packages + only + include]
        config.listed_only_top = True
    else:
        config.picks_by_name = True
    for package in packages:
        parent = _clean(package).rpartition("/")[0]
        if parent not in config.roots:
            config.roots.append(parent)
    sources = _hatch_wheel_setting(tool, "sources")
    if sources:
        config.certain = False


def _read_poetry(config: PackagingConfig, tool: Mapping[str, Any]) -> None:
    poetry = toml_table(tool, "poetry")
    packages = poetry.get("packages")
    if isinstance(packages, list):
        config.listed = []
        config.listed_only_top = True
        for entry in packages:
            if isinstance(entry, Mapping) and isinstance(entry.get("include"), str):
                root = _clean(str(entry.get("from", "")))
                config.listed.append(_join(root, _clean(entry["include"])))
                if root not in config.roots:
                    config.roots.append(root)
    else:
        config.picks_by_name = True
    config.excluded.extend(_clean(p) for p in _strings(poetry.get("exclude")))


def _read_pdm(config: PackagingConfig, tool: Mapping[str, Any]) -> None:
    build = toml_table(tool, "pdm", "build")
    package_dir = build.get("package-dir")
    if isinstance(package_dir, str):
        config.roots.append(_clean(package_dir))
    includes = _strings(build.get("includes"))
    if includes:
        config.listed = [_clean(p) for p in includes]
        config.listed_only_top = True
    config.excluded.extend(_clean(p) for p in _strings(build.get("excludes")))


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
        return [_clean(root) for root in context.options.package_roots], False
    if config.roots:
        return list(dict.fromkeys(config.roots)), not any(config.roots)
    if any(d == "src" or d.startswith("src/") for d in dirs):
        return ["src"], False
    return [""], True


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if not pattern:
            continue
        pattern = pattern.removeprefix("**/")
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatchcase(part, pattern) for part in path.split("/")):
            return True
    return False


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
            if flat and "__init__.py" not in dirs.get(_join(root, parts[0]), set()):
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
