"""The README and licence files a project's configuration names, each with the line naming it.

Read from text, for every backend: `[project] readme / license / license-files` (hatchling, flit,
pdm, setuptools), `[tool.poetry] readme`, `[tool.flit.metadata] description-file`, the fragments
of hatch-fancy-pypi-readme, setup.cfg's `file:` directives and `license_file(s)`, and the README
or licence files setup.py opens by a literal name. The line is
the one holding the name inside the table that declares it, so a name mentioned elsewhere too
(an sdist include list, a comment) does not move the finding.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from deploypack.core.toml import tomllib
from deploypack.project.includes import literal_line
from deploypack.project.packaging_config import cfg_list, cfg_sections, toml_table


@dataclasses.dataclass(frozen=True)
class DeclaredFile:
    name: str  # as written (project-relative)
    config: str  # the configuration file naming it
    line: int | None
    what: str  # the setting, e.g. "[project] readme"


_GLOB = re.compile(r"[*?\[]")


def declared_files(texts: Mapping[str, str]) -> list[DeclaredFile]:
    """Every literal README/licence path named in pyproject.toml and setup.cfg (globs left out)."""
    found = list(_pyproject_files(texts.get("pyproject.toml") or ""))
    found += _setup_cfg_files(texts.get("setup.cfg") or "")
    found += _setup_py_files(texts.get("setup.py") or "")
    return [each for each in found if not _GLOB.search(each.name)]


def _pyproject_files(text: str) -> Iterator[DeclaredFile]:
    if not text:
        return
    try:
        data: Mapping[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = toml_table(data, "project")
    named: list[tuple[str, str, tuple[str, ...]]] = []  # (name, setting, tables it may be written in)
    readme = project.get("readme")
    for name in _names(readme.get("file") if isinstance(readme, Mapping) else readme):
        named.append((name, "[project] readme", ("project", "project.readme")))
    license_ = project.get("license")
    if isinstance(license_, Mapping):
        named += [(name, "[project] license", ("project", "project.license")) for name in _names(license_.get("file"))]
    named += [(name, "[project] license-files", ("project",)) for name in _names(project.get("license-files"))]
    poetry = toml_table(data, "tool", "poetry")
    named += [(name, "[tool.poetry] readme", ("tool.poetry",)) for name in _names(poetry.get("readme"))]
    flit = toml_table(data, "tool", "flit", "metadata")
    named += [(name, "[tool.flit.metadata] description-file", ("tool.flit.metadata",))
              for name in _names(flit.get("description-file"))]
    fancy = "tool.hatch.metadata.hooks.fancy-pypi-readme"
    for fragment in toml_table(data, *fancy.split(".")).get("fragments") or ():
        if isinstance(fragment, Mapping):
            named += [(name, f"[{fancy}] fragments", (fancy, f"{fancy}.fragments"))
                      for name in _names(fragment.get("path"))]
    for name, setting, tables in named:
        line = next((found for table in tables if (found := literal_line(text, table, name)) is not None), None)
        yield DeclaredFile(name, "pyproject.toml", line, setting)


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


# setup.py is code: only a README/licence-like literal that the same line opens or reads counts
# (`open("README.md")`, `Path(here, "README.rst").read_text()`), guarded by an `exists()` or not.
_READS = re.compile(r"\bopen\s*\(|\.read_text\s*\(|\.read\s*\(|\bread\s*\(")
_DOC_NAME = re.compile(r"""["']((?:[\w.-]+/)*(?:readme|licen[cs]e|copying|changes|changelog|history|notice|authors)"""
                       r"""(?:\.(?:md|markdown|rst|txt))?)["']""", re.IGNORECASE)


def _setup_py_files(text: str) -> list[DeclaredFile]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if _READS.search(code):
            found += [DeclaredFile(name, "setup.py", number, "setup.py reads it") for name in _DOC_NAME.findall(code)]
    return found


_CFG_KEYS = ("long_description", "description", "license_file", "license_files")


def _setup_cfg_files(text: str) -> list[DeclaredFile]:
    if not text:
        return []
    metadata = cfg_sections(text).get("metadata", {})
    found = []
    for key in _CFG_KEYS:
        value = metadata.get(key, "")
        if key.endswith("description"):
            if not value.startswith("file:"):
                continue
            value = value.removeprefix("file:")
        for name in cfg_list(value):
            found.append(DeclaredFile(name, "setup.cfg", _cfg_value_line(text, key, name), f"[metadata] {key}"))
    return found


def _cfg_value_line(text: str, key: str, name: str) -> int | None:
    """The line holding `name` in the value of `key` of [metadata] (its own line or a continuation)."""
    section = ""
    in_key = False
    key_pattern = re.compile(rf"^{re.escape(key).replace('_', '[_-]')}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            section, in_key = header.group(1).strip(), False
            continue
        if section != "metadata" or line.lstrip().startswith(("#", ";")):
            continue
        if key_pattern.match(line):
            in_key = True
        elif line[:1] not in (" ", "\t") and line.strip():
            in_key = False
        if in_key and re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w.-])", line):
            return number
    return None
