"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import git_init
from tests.integration.index_servers import PypiServer, run_pypiserver
from tests.projects import pyproject


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A real pypiserver on localhost, one per test module (uploads with real twine)."""
    yield from run_pypiserver(tmp_path_factory)


@pytest.fixture
def flit_project(tmp_path: Path) -> Callable[..., Path]:
    """A real flit_core project `name` at `version`, committed and optionally tagged."""

    def make(name: str, version: str, tag: str | None = None, folder: str | None = None) -> Path:
        root = tmp_path / (folder or f"{name}-{version}")
        module = name.replace("-", "_")
        (root / module).mkdir(parents=True)
        (root / module / "__init__.py").write_text('"""A package for the release gate tests."""\n')
        (root / "README.md").write_text(f"# {name}\n\nA package for the release gate tests.\n")
        (root / ".gitignore").write_text("dist/\n")
        (root / "pyproject.toml").write_text(pyproject(
            "flit", name, version, description="A package for the release gate tests", readme="README.md",
            requires_python=">=3.9", project='classifiers = ["Programming Language :: Python :: 3"]'))
        git_init(root, tag)
        return root

    return make
