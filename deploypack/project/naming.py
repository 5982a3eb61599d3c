"""The project's name before any metadata exists (a build that failed early): from its
configuration (pyproject.toml [project] or [tool.poetry], setup.cfg [metadata], a literal
`name=` in setup.py), else the directory's name, so a report never says `?`."""

from __future__ import annotations

import re
from pathlib import Path

from deploypack.core.toml import tomllib
from deploypack.project.sources import ProjectSources

_CFG_NAME = re.compile(r"^\[metadata\][^\[]*?^\s*name\s*=\s*(\S+)\s*$", re.M | re.S)
_SETUP_PY_NAME = re.compile(r"\bname\s*=\s*[\"']([A-Za-z0-9][A-Za-z0-9._-]*)[\"']")


def declared_name(sources: ProjectSources) -> str:
    for name in (_pyproject_name(sources), _setup_cfg_name(sources), _setup_py_name(sources)):
        if name:
            return name
    return Path(sources.project_dir).resolve().name or "?"


def _pyproject_name(sources: ProjectSources) -> str | None:
    try:
        data = tomllib.loads(sources.text("pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return None
    for table in (data.get("project"), data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict)
                  else None):
        if isinstance(table, dict) and isinstance(table.get("name"), str) and table["name"].strip():
            return str(table["name"]).strip()
    return None


def _setup_cfg_name(sources: ProjectSources) -> str | None:
    match = _CFG_NAME.search(sources.text("setup.cfg") or "")
    return match.group(1) if match else None


def _setup_py_name(sources: ProjectSources) -> str | None:
    match = _SETUP_PY_NAME.search(sources.text("setup.py") or "")
    return match.group(1) if match else None
