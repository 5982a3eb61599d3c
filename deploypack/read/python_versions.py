"""The Python versions a distribution says it supports, for a CI test matrix.

Two places say it: `Requires-Python` and the `Programming Language :: Python :: X.Y` classifiers.
The matrix is the classifiers that Requires-Python admits (what the project announces and can
be installed on); without X.Y classifiers, the maintained CPython versions Requires-Python
admits. Where the two disagree, M018 and M025 (deploypack/checks/classifiers.py) say so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

# CPython feature versions with upstream support (python.org's release status page), the
# versions runners offer; the newest is added each October when it is released.
MAINTAINED = ("3.10", "3.11", "3.12", "3.13", "3.14")

_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (\d+)\.(\d+)$")


def classified(classifiers: Iterable[str]) -> list[tuple[int, int]]:
    """The X.Y versions of the classifiers, in version order."""
    found = {(int(m.group(1)), int(m.group(2))) for c in classifiers if (m := _CLASSIFIER.match(c.strip()))}
    return sorted(found)


def admits(requires_python: str | None, major: int, minor: int) -> bool:
    """Whether some release of major.minor satisfies Requires-Python (an invalid one admits all: M002 says why)."""
    if not requires_python:
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True
    return any(specifiers.contains(Version(f"{major}.{minor}.{micro}"), prereleases=True)
               for micro in (0, 1, 2, 5, 10, 20, 50))


def supported(requires_python: str | None, classifiers: Iterable[str]) -> list[str]:
    """The matrix: `["3.10", "3.11"]`."""
    announced = [f"{major}.{minor}" for major, minor in classified(classifiers)
                 if admits(requires_python, major, minor)]
    if announced:
        return announced
    return [version for version in MAINTAINED if admits(requires_python, *_pair(version))]


def unclassified(requires_python: str | None, classifiers: Iterable[str]) -> list[str]:
    """Maintained versions Requires-Python admits but no X.Y classifier names (with some X.Y classifier)."""
    named = classified(classifiers)
    if not named or not requires_python:
        return []
    return [version for version in MAINTAINED
            if _pair(version) not in named and admits(requires_python, *_pair(version))]


def _pair(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def outputs(requires_python: str | None, classifiers: Iterable[str]) -> dict[str, str]:
    """The action's `python-versions` (a JSON array) and `python-matrix` (a `strategy.matrix` value)."""
    return outputs_of(supported(requires_python, classifiers))


def outputs_of(versions: list[str]) -> dict[str, str]:
    return {"python-versions": json.dumps(versions), "python-matrix": json.dumps({"python-version": versions})}
