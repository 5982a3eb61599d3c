"""Builders for the small projects the tests build: a `pyproject.toml` per backend, so that a test
states only what its project has of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

# backend -> (its build requirement, its build-backend object)
BACKENDS: dict[str, tuple[str, str]] = {
    "setuptools": ("setuptools>=77", "setuptools.build_meta"),
    "hatchling": ("hatchling", "hatchling.build"),
    "flit": ("flit_core>=3.9,<4", "flit_core.buildapi"),
    "pdm": ("pdm-backend", "pdm.backend"),
    "poetry": ("poetry-core>=1.9", "poetry.core.masonry.api"),
}


def build_system(backend: str, *, requires: Sequence[str] | None = None, backend_path: str | None = None) -> str:
    """The `[build-system]` table: a known backend by its short name, or an in-tree backend (a
    module name, with `backend_path` the directory holding it)."""
    known = BACKENDS.get(backend)
    needs = list(requires) if requires is not None else [known[0]] if known else []
    lines = [
        "[build-system]",
        "requires = [" + ", ".join(f'"{requirement}"' for requirement in needs) + "]",
        f'build-backend = "{known[1] if known else backend}"',
    ]
    if backend_path is not None:
        lines.append(f'backend-path = ["{backend_path}"]')
    return "\n".join(lines) + "\n"


def pyproject(
    backend: str,
    name: str,
    version: str = "1.0.0",
    *,
    description: str | None = None,
    readme: str | None = None,
    requires_python: str | None = None,
    project: str = "",
    tool: str = "",
    requires: Sequence[str] | None = None,
    backend_path: str | None = None,
) -> str:
    """A whole PEP 621 `pyproject.toml`: `project` holds more `[project]` lines, `tool` more tables."""
    fields = [f'name = "{name}"', f'version = "{version}"']
    fields += [f'{key} = "{value}"' for key, value in
               (("description", description), ("readme", readme), ("requires-python", requires_python)) if value]
    text = build_system(backend, requires=requires, backend_path=backend_path)
    text += "\n[project]\n" + "\n".join(fields) + "\n"
    if project:
        text += project.rstrip("\n") + "\n"
    if tool:
        text += "\n" + tool.rstrip("\n") + "\n"
    return text


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write a project from a {relative path: text} mapping; return its root."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
