"""What a project's build configuration says about which packages its wheel holds and which
files its sdist leaves out: setuptools (pyproject.toml, setup.cfg, the literal forms of setup.py),
hatch, flit, poetry and pdm. Read from text (the copies frozen into the sdist, else the tree's),
never by running anything; what cannot be read with certainty is marked so.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import Any

from deploypack.core.toml import tomllib


@dataclasses.dataclass
class PackagingConfig:
    """The project's own word on which directories the wheel holds.

    `roots` are the package roots ("" for the project root); `listed` are project-relative
    directories included on purpose (None: discovery); `excluded_dotted` are setuptools-style
    dotted patterns (with their `where` root) left out on purpose (the path patterns of the other
    backends are read with their lines by deploypack/project/drops.py); `certain` is False when
    part of the configuration could not be read.
    """

    backend: str = "setuptools"
    roots: list[str] = dataclasses.field(default_factory=list)
    listed: list[str] | None = None
    listed_only_top: bool = False  # hatch/poetry/pdm lists name whole trees; setuptools lists name one package
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


def clean_path(path: str) -> str:
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
        config.roots.append(clean_path(str(package_dir[""])))
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
    root = clean_path(str(package_dir.get("", "")))
    dirs = []
    for package in packages:
        name = str(package)
        mapped = package_dir.get(name)
        dirs.append(clean_path(str(mapped)) if mapped else join(root, name.replace(".", "/")))
    return dirs


def join(root: str, path: str) -> str:
    return f"{root}/{path}" if root else path


def _read_find(config: PackagingConfig, find: Mapping[str, Any]) -> None:
    where = [clean_path(w) for w in _strings(find.get("where"))]
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
    if "" in package_dir and clean_path(package_dir[""]) not in config.roots:
        config.roots.append(clean_path(package_dir[""]))
    packages = options.get("packages", "").strip()
    if packages.startswith("find"):
        find = sections.get("options.packages.find", {})
        _read_find(config, {key: cfg_list(value) for key, value in find.items()})
    elif packages:
        config.listed = (config.listed or []) + _dotted_dirs(cfg_list(packages), package_dir)
    elif "py_modules" in options and config.listed is None:
        config.listed = []


_FIND_CALL = re.compile(r"find_(?:namespace_)?packages\s*\(((?:[^()]|\([^()]*\))*)\)", re.S)  # one nesting level
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
        if where and clean_path(where.group(1)) not in config.roots:
            config.roots.append(clean_path(where.group(1)))
    listed = _PACKAGES_LIST.search(text)
    if listed:
        config.listed = (config.listed or []) + [
            join(config.roots[0] if config.roots else "", name.replace(".", "/"))
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
    if packages or only or include:
        config.listed = [clean_path(p) for p in packages + only + include]
        config.listed_only_top = True
    else:
        config.picks_by_name = True
    for package in packages:
        parent = clean_path(package).rpartition("/")[0]
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
                root = clean_path(str(entry.get("from", "")))
                config.listed.append(join(root, clean_path(entry["include"])))
                if root not in config.roots:
                    config.roots.append(root)
    else:
        config.picks_by_name = True


def _read_pdm(config: PackagingConfig, tool: Mapping[str, Any]) -> None:
    build = toml_table(tool, "pdm", "build")
    package_dir = build.get("package-dir")
    if isinstance(package_dir, str):
        config.roots.append(clean_path(package_dir))
    includes = _strings(build.get("includes"))
    if includes:
        config.listed = [clean_path(p) for p in includes]
        config.listed_only_top = True


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
