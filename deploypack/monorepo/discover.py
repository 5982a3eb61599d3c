"""Monorepos: find every package under a root and lay them out as a GitHub Actions matrix.

`deploypack plan ROOT` prints `{"include": [{"name", "path", "artifact-name"}, …]}`; a workflow
fans out with `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}` and each job runs
`deploypack build <path> --outdir <dir>/<artifact-name>`. Artifact names are unique per
package and per matrix axis, because `actions/upload-artifact` refuses two uploads of a name.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name

from deploypack.config import options as options_module
from deploypack.core.errors import ConfigurationError, UsageError
from deploypack.core.toml import tomllib
from deploypack.project.sources import toml_key_line

# Directories that hold test fixtures, examples, vendored copies or build output, never a
# package of the repository itself.
SKIPPED_DIRS = frozenset({
    "tests", "test", "testing", "examples", "example", "docs", "doc", "vendor", "vendored", "_vendor",
    "third_party", "thirdparty", "build", "dist", "node_modules", "__pycache__", "site-packages",
})
# What upload-artifact refuses in a name, and what would need quoting in a path.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclasses.dataclass(frozen=True)
class Package:
    name: str
    path: str  # as a job passes it to `deploypack build`: ROOT joined with the package directory
    relative: str  # the directory relative to ROOT ("." for ROOT itself)


def is_package_dir(directory: Path) -> bool:
    """A setup.py, or a pyproject.toml that builds something ([build-system] or [project])."""
    if (directory / "setup.py").is_file():
        return True
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return True  # broken, but meant to build: the build reports the error with its line
    return "project" in data or "build-system" in data


def _skipped(name: str, directory: Path) -> bool:
    return (
        name.startswith(".")
        or name.lower() in SKIPPED_DIRS
        or name.endswith(".egg-info")
        or (directory / "pyvenv.cfg").is_file()  # a virtual environment
    )


def walk_packages(root: Path) -> Iterator[Path]:
    """Every package directory under root (root included), in a stable order."""
    for current, dirnames, _files in os.walk(root):
        here = Path(current)
        dirnames[:] = sorted(name for name in dirnames if not _skipped(name, here / name))
        if is_package_dir(here):
            yield here


def listed_packages(root: Path, patterns: Sequence[str], text: str) -> list[Path]:
    """`[tool.deploypack] packages = [...]`: directories or globs relative to root."""
    line = toml_key_line(text, "tool.deploypack", "packages")
    found: list[Path] = []
    for pattern in patterns:
        pure = PurePosixPath(pattern)
        if pure.is_absolute() or ".." in pure.parts:
            raise ConfigurationError(f"[tool.deploypack] packages: {pattern!r} is outside the repository root",
                                     file="pyproject.toml", line=line)
        matches = [root] if pattern in (".", "./") else sorted(path for path in root.glob(pattern) if path.is_dir())
        if not matches:
            raise ConfigurationError(f"[tool.deploypack] packages: {pattern!r} matches no directory",
                                     file="pyproject.toml", line=line)
        for match in matches:
            if not is_package_dir(match):
                raise ConfigurationError(
                    f"[tool.deploypack] packages: {match.relative_to(root).as_posix() or '.'} has no "
                    "pyproject.toml or setup.py", file="pyproject.toml", line=line,
                )
            if match not in found:
                found.append(match)
    return found


def package_name(directory: Path) -> str:
    """The distribution name as the project declares it, else the directory's name."""
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
            name = None
        if isinstance(name, str) and name.strip():
            return name.strip()
    setup_cfg = directory / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
            if parser.get("metadata", "name", fallback="").strip():
                return parser.get("metadata", "name").strip()
        except (configparser.Error, UnicodeDecodeError):
            pass
    name = _setup_py_name(directory / "setup.py")
    return name or directory.resolve().name


def _setup_py_name(setup_py: Path) -> str | None:
    """`setup(name="…")` when it is a literal; read with ast, never executed."""
    if not setup_py.is_file():
        return None
    try:
        tree = ast.parse(setup_py.read_bytes())
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "setup":
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    return keyword.value.value
    return None


def discover(root: Path) -> list[Package]:
    """The packages under root: the `packages` list of its [tool.deploypack], else every one found."""
    if not root.is_dir():
        raise UsageError(f"monorepo root {str(root)!r} is not a directory")
    table, text = options_module.read_project_table(root)
    patterns = options_module.from_pyproject(table, text).get("packages", ())
    directories = listed_packages(root, patterns, text) if patterns else list(walk_packages(root))
    packages = []
    for directory in directories:
        relative = directory.relative_to(root).as_posix() or "."
        path = os.path.normpath(os.path.join(str(root), relative)).replace(os.sep, "/")
        packages.append(Package(name=package_name(directory), path=path, relative=relative))
    return packages


def sanitize(text: str) -> str:
    """A name safe for upload-artifact and file systems: letters, digits, `.`, `_`, `-`."""
    return _UNSAFE.sub("-", text).strip("-.") or "root"


def parse_axes(raw: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`--axis python=3.11,3.12` (repeatable) -> {"python": ("3.11", "3.12")}."""
    axes: dict[str, tuple[str, ...]] = {}
    for item in raw:
        key, separator, values = item.partition("=")
        parsed = options_module.parse_list(values)
        if not separator or not key.strip() or not parsed:
            raise UsageError(f"--axis expects NAME=VALUE1,VALUE2, got {item!r}")
        if key.strip() in ("name", "path", "artifact-name") or key.strip() in axes:
            raise UsageError(f"--axis {key.strip()!r} is used twice or is a reserved matrix key")
        axes[key.strip()] = parsed
    return axes


def matrix(packages: Sequence[Package], axes: Mapping[str, Sequence[str]] | None = None,
           suffix: str = "") -> dict[str, list[dict[str, Any]]]:
    """The `include` list: one entry per package and combination of axis values."""
    axes = axes or {}
    name_counts = Counter(canonicalize_name(package.name) for package in packages)
    include = []
    for package in packages:
        base = "dist-" + sanitize(canonicalize_name(package.name))
        if name_counts[canonicalize_name(package.name)] > 1:  # two directories, one name: tell them apart
            base += "-" + sanitize(package.relative.replace("/", "-"))
        for values in itertools.product(*axes.values()):
            entry: dict[str, Any] = {"name": package.name, "path": package.path}
            entry.update(zip(axes, values, strict=True))
            parts = [base, *(sanitize(value) for value in values)] + ([sanitize(suffix)] if suffix else [])
            entry["artifact-name"] = "-".join(parts)
            include.append(entry)
    names = Counter(entry["artifact-name"] for entry in include)
    clashing = sorted(name for name, count in names.items() if count > 1)
    if clashing:
        raise UsageError(f"two matrix entries would upload the same artifact name: {', '.join(clashing)}",
                         hint="axis values that differ only in punctuation sanitize to the same name")
    return {"include": include}
