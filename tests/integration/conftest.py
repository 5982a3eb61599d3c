"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.index_servers import PypiServer, run_pypiserver


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A real pypiserver on localhost, one per test module (uploads with real twine)."""
    yield from run_pypiserver(tmp_path_factory)
