"""Shared by the metadata checks: core metadata parsed once per archive, and where each field is declared.

`raw_metadata` parses PKG-INFO / METADATA with `packaging.metadata.parse_email` (no validation, so a
check sees the value even when it is wrong). `locate` turns a metadata field and its value into the
line of pyproject.toml, setup.cfg or setup.py that declares it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from deploypack.checks import CheckContext
from deploypack.project.sources import SourceLocation, toml_table_line
from deploypack.read.archives import Distribution
from deploypack.read.metadata import parse_metadata

# metadata field (raw name) -> where backends read it from, per configuration file
FIELD_KEYS: dict[str, dict[str, Iterable[str]]] = {
    "metadata_version": {"pyproject.toml": ["build-system.requires"]},
    "name": {"pyproject.toml": ["project.name", "tool.poetry.name"], "setup.cfg": ["metadata.name"],
             "setup.py": ["name"]},
    "version": {"pyproject.toml": ["project.version", "tool.poetry.version"], "setup.cfg": ["metadata.version"],
                "setup.py": ["version"]},
    "summary": {"pyproject.toml": ["project.description", "tool.poetry.description"],
                "setup.cfg": ["metadata.description"], "setup.py": ["description"]},
    "requires_python": {"pyproject.toml": ["project.requires-python"], "setup.cfg": ["options.python_requires"],
                        "setup.py": ["python_requires"]},
    "requires_dist": {"pyproject.toml": ["project.dependencies", "tool.poetry.dependencies"],
                      "setup.cfg": ["options.install_requires"], "setup.py": ["install_requires"]},
    "provides_extra": {"pyproject.toml": ["project.optional-dependencies", "tool.poetry.extras"],
                       "setup.cfg": ["options.extras_require"], "setup.py": ["extras_require"]},
    "classifiers": {"pyproject.toml": ["project.classifiers", "tool.poetry.classifiers"],
                    "setup.cfg": ["metadata.classifiers"], "setup.py": ["classifiers"]},
    "license_expression": {"pyproject.toml": ["project.license", "tool.poetry.license"],
                           "setup.cfg": ["metadata.license_expression", "metadata.license"],
                           "setup.py": ["license_expression", "license"]},
    "license": {"pyproject.toml": ["project.license", "tool.poetry.license"], "setup.cfg": ["metadata.license"],
                "setup.py": ["license"]},
    "license_files": {"pyproject.toml": ["project.license-files", "tool.hatch.build.targets.wheel.license-files"],
                      "setup.cfg": ["metadata.license_files", "metadata.license_file"],
                      "setup.py": ["license_files"]},
    "project_urls": {"pyproject.toml": ["project.urls", "tool.poetry.urls"], "setup.cfg": ["metadata.project_urls"],
                     "setup.py": ["project_urls"]},
    "home_page": {"pyproject.toml": ["project.urls"], "setup.cfg": ["metadata.url", "metadata.home_page"],
                  "setup.py": ["url"]},
    "description_content_type": {"pyproject.toml": ["project.readme", "tool.poetry.readme"],
                                 "setup.cfg": ["metadata.long_description_content_type"],
                                 "setup.py": ["long_description_content_type"]},
    "description": {"pyproject.toml": ["project.readme", "tool.poetry.readme"],
                    "setup.cfg": ["metadata.long_description"], "setup.py": ["long_description"]},
    "keywords": {"pyproject.toml": ["project.keywords"], "setup.cfg": ["metadata.keywords"], "setup.py": ["keywords"]},
}

# email header names (as packaging's InvalidMetadata.field gives them) -> raw field names
EMAIL_TO_RAW = {
    "classifier": "classifiers",
    "license-file": "license_files",
    "project-url": "project_urls",
    "platform": "platforms",
    "supported-platform": "supported_platforms",
}


def raw_field_name(email_name: str) -> str:
    lowered = email_name.lower()
    return EMAIL_TO_RAW.get(lowered, lowered.replace("-", "_"))


def raw_metadata(dist: Distribution) -> dict[str, Any]:
    """The archive's core metadata as packaging's RawMetadata (unvalidated); empty when absent."""
    if dist.metadata_bytes is None:
        return {}
    return parse_metadata(dist.metadata_bytes)[0]


def metadata_version(dist: Distribution) -> tuple[int, ...] | None:
    value = raw_metadata(dist).get("metadata_version")
    try:
        return tuple(int(part) for part in str(value).split("."))
    except ValueError:
        return None


def dynamic_fields(dist: Distribution) -> frozenset[str]:
    """Fields the sdist marks Dynamic (PEP 643), as raw names: the wheel may legitimately change them."""
    return frozenset(raw_field_name(name) for name in raw_metadata(dist).get("dynamic", ()))


def metadata_dists(context: CheckContext) -> Iterator[Distribution]:
    return (dist for dist in context.distributions if dist.metadata_bytes is not None)


def locate(context: CheckContext, value: str | None = None, field: str | None = None) -> SourceLocation | None:
    """The line declaring `value` (as a literal) or else the setting that declares `field`."""
    sources = context.sources
    if sources is None:
        return None
    if value:
        found = sources.find_literal(value)
        if found:
            return found
    keys = FIELD_KEYS.get(field or "")
    if not keys:
        return None
    found = sources.find_key(keys)
    if found:
        return found
    for name, candidates in keys.items():  # `[project.urls]`, `[options.extras_require]`: a table, not a key
        text = sources.text(name)
        if text is None or name == "setup.py":
            continue
        for candidate in candidates:
            line = toml_table_line(text, candidate)
            if line:
                return SourceLocation(name, line)
    return None


def at(location: SourceLocation | None) -> dict[str, Any]:
    """Keyword arguments for `Rule.at` placing a finding at `location` (nothing when unknown)."""
    if location is None:
        return {}
    return {"file": location.file, "line": location.line, "column": location.column}


def where(context: CheckContext, value: str | None = None, field: str | None = None,
          dist: Distribution | None = None) -> dict[str, Any]:
    """`at(locate(...))`, naming the artifact and its metadata file when no source line exists."""
    place = at(locate(context, value, field))
    if dist is not None:
        place["artifact"] = dist.filename
        if "file" not in place:
            place["member"] = dist.metadata_path
    return place
