"""What a wheel promises the people who install it, read from the archive as read/ parsed it:
the importable modules, the entry points, and the core metadata an installer acts on.

Pure: a Distribution in, a WheelFacts out; the release diff (gate/release_diff.py) compares two.
"""

from __future__ import annotations

import configparser
import dataclasses
import re
from collections.abc import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name

from deploypack.read.archives import Distribution
from deploypack.read.metadata import parse_metadata

_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\..*(?:\.so|\.pyd)$|^([A-Za-z_][A-Za-z0-9_]*)\.(?:so|pyd)$")
_PYTHON_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (\d+(?:\.\d+)?)$")
_LICENSE_CLASSIFIER = "License :: "


@dataclasses.dataclass(frozen=True)
class WheelFacts:
    filename: str
    version: str
    size: int
    modules: frozenset[str]  # dotted names: packages and modules, `__main__` included
    entry_points: frozenset[tuple[str, str]]  # (group, name), console_scripts among them
    requirements: Mapping[tuple[str, str], str]  # (normalised name, marker) -> the requirement as written
    requires_python: str | None
    extras: frozenset[str]  # normalised
    python_classifiers: frozenset[str]  # "3.9", "3"
    license: str | None  # the licence as the metadata states it (expression, short text or classifiers)
    license_is_expression: bool = False  # stated as a License-Expression (PEP 639)


def module_name(path: str) -> str | None:
    """The dotted name `import` finds a wheel member under, or None when it is not a module."""
    parts = path.split("/")
    if parts[0].endswith(".dist-info"):
        return None
    if parts[0].endswith(".data"):
        if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
            return None  # scripts, headers, data: not importable
        parts = parts[2:]
    filename = parts[-1]
    if filename.endswith(".py"):
        stem = filename[:-3]
    else:
        extension = _EXTENSION.match(filename)
        if extension is None:
            return None
        stem = extension.group(1) or extension.group(2)
    packages = parts[:-1]
    if not stem.isidentifier() or not all(part.isidentifier() for part in packages):
        return None
    if stem == "__init__":
        return ".".join(packages) or None
    return ".".join([*packages, stem])


def modules_of(paths: Iterable[str]) -> frozenset[str]:
    return frozenset(name for name in map(module_name, paths) if name)


def entry_points_of(text: str | None) -> frozenset[tuple[str, str]]:
    if not text:
        return frozenset()
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # entry point names keep their case
    try:
        parser.read_string(text)
    except configparser.Error:
        return frozenset()
    return frozenset((group, name) for group in parser.sections() for name in parser[group])


def requirements_of(lines: Iterable[str]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # M021 reports it
        key = (canonicalize_name(requirement.name), str(requirement.marker or ""))
        found[key] = str(requirement)
    return found


def _extras(values: Iterable[str]) -> frozenset[str]:
    names = set()
    for value in values:
        try:
            names.add(canonicalize_name(value, validate=True))
        except InvalidName:
            continue
    return frozenset(names)


def license_of(raw: Mapping[str, object]) -> str | None:
    """The licence label: the SPDX expression, else a one-line License field, else the licence classifiers."""
    expression = raw.get("license_expression")
    if isinstance(expression, str) and expression.strip():
        return expression.strip()
    text = raw.get("license")
    if isinstance(text, str) and text.strip() and "\n" not in text.strip() and len(text.strip()) <= 80:
        return text.strip()
    classifiers = [str(c).removeprefix(_LICENSE_CLASSIFIER) for c in _strings(raw.get("classifiers"))
                   if str(c).startswith(_LICENSE_CLASSIFIER)]
    return "; ".join(sorted(classifiers)) or None


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else []


def facts_of(dist: Distribution) -> WheelFacts:
    raw: Mapping[str, object] = parse_metadata(dist.metadata_bytes)[0] if dist.metadata_bytes else {}
    dist_info = (dist.metadata_path or "").rsplit("/", 1)[0]
    entry_points = dist.contents.get(f"{dist_info}/entry_points.txt") if dist_info else None
    classifiers = _strings(raw.get("classifiers"))
    requires_python = raw.get("requires_python")
    return WheelFacts(
        filename=dist.filename,
        version=str(raw.get("version") or ""),
        size=dist.size,
        modules=modules_of(member.path for member in dist.files()),
        entry_points=entry_points_of(entry_points.decode("utf-8", "replace") if entry_points else None),
        requirements=requirements_of(_strings(raw.get("requires_dist"))),
        requires_python=str(requires_python).strip() or None if requires_python else None,
        extras=_extras(_strings(raw.get("provides_extra"))),
        python_classifiers=frozenset(match.group(1) for match in map(_PYTHON_CLASSIFIER.match, classifiers) if match),
        license=license_of(raw),
        license_is_expression=isinstance(raw.get("license_expression"), str)
        and bool(str(raw.get("license_expression")).strip()),
    )
