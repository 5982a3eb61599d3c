"""The Python versions a distribution supports: the action's python-versions / python-matrix outputs."""

from __future__ import annotations

import json

import pytest

from deploypack.read import python_versions
from deploypack.read.python_versions import MAINTAINED, outputs, supported, unclassified

PY = "Programming Language :: Python :: "


@pytest.mark.parametrize(("requires", "classifiers", "expected"), [
    (">=3.10", [PY + "3", PY + "3.11", PY + "3.10", PY + "3 :: Only"], ["3.10", "3.11"]),
    (">=3.11", [PY + "3.10", PY + "3.11", PY + "3.12"], ["3.11", "3.12"]),  # 3.10: M018 says why it is left out
    (">=3.12", [PY + "3"], [v for v in MAINTAINED if v >= "3.12" and len(v) == 4]),  # no X.Y: Requires-Python
    (None, [], list(MAINTAINED)),
    (">=3.8,<3.12", [PY + "3.8", PY + "3.9"], ["3.8", "3.9"]),  # what the metadata promises, maintained or not
    ("~=3.11.0", [], ["3.11"]),
    ("not a specifier", [PY + "3.12"], ["3.12"]),  # M002 reports the specifier
])
def test_the_matrix_follows_the_classifiers_that_requires_python_admits(
        requires: str | None, classifiers: list[str], expected: list[str]) -> None:
    assert supported(requires, classifiers) == expected


def test_the_outputs_are_a_json_array_and_a_strategy_matrix() -> None:
    values = outputs(">=3.12", [PY + "3.12", PY + "3.13"])
    assert json.loads(values["python-versions"]) == ["3.12", "3.13"]
    assert json.loads(values["python-matrix"]) == {"python-version": ["3.12", "3.13"]}
    assert "\n" not in values["python-matrix"]  # one line: usable as `fromJSON(...)` as it is


def test_unclassified_lists_the_maintained_versions_a_classifier_misses() -> None:
    assert unclassified(">=3.10", [PY + f"3.{minor}" for minor in range(10, 13)]) == \
        [v for v in MAINTAINED if python_versions._pair(v) >= (3, 13)]
    assert unclassified(">=3.10", [PY + "3"]) == []  # no X.Y classifier: nothing contradicts
    assert unclassified(None, [PY + "3.12"]) == []
    assert unclassified(">=3.10", [PY + v for v in MAINTAINED]) == []
