"""The run's environment: read once, at the edge (cli/, action/), frozen below it.

Everything under the edge that needs a variable (the GitHub context, SOURCE_DATE_EPOCH, the
cache directory, pip's configuration) reads it from the RunEnvironment it was given, never
from `os.environ`: a run is a function of its options and this value, tests pass their own,
and what the build hooks see is computed from it in one place (build/hook_environment.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType


class RunEnvironment(Mapping[str, str]):
    """An immutable copy of the variables a run started with."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values: Mapping[str, str] = MappingProxyType(dict(values or {}))

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        # Values are left out: they hold the runner's credentials.
        return f"RunEnvironment({len(self)} variables)"

    def with_values(self, changes: Mapping[str, str]) -> RunEnvironment:
        """A copy with some variables set (e.g. the reproducibility rebuild's SOURCE_DATE_EPOCH)."""
        return RunEnvironment({**self._values, **changes})
