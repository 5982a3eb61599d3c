"""Import what the checks and artifact writers need while the backend builds.

A run spends most of its build time waiting on backend subprocesses, and the checks and
artifact writers that follow need slow-to-import libraries (docutils through readme_renderer,
cyclonedx…): on a small project their imports are a large share of the run. Importing them on
a thread during the build overlaps the two. Imports print nothing, the check modules register
in their usual order (the catalogue's loader, which the caller passes in, sorts them whichever
thread imported them), and `wait()` is called before the checks, so the output is the same either way.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable

# Imported on this thread first: what the build itself imports, so the two threads do not
# import the same modules at the same time.
BUILD_MODULES = ("build", "build.env", "pyproject_hooks", "packaging.requirements")
# What the checks and the artifact writers import after the build, slowest first.
LATER_MODULES = (
    "deploypack.artifacts.sbom",
    "readme_renderer.rst",
    "readme_renderer.markdown",
    "packaging.metadata",
    "deploypack.report.text",
    "deploypack.report.github",
)


class Prewarm:
    def __init__(self, load_checks: Callable[[], object]) -> None:
        for name in BUILD_MODULES:
            _import(name)
        self._load_checks = load_checks
        self._thread = threading.Thread(target=self._run, name="deploypack-prewarm", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(Exception):  # a failing import fails again, and is reported, where it is used
            self._load_checks()
        for name in LATER_MODULES:
            _import(name)

    def wait(self, timeout: float = 120.0) -> None:
        # Bounded: the checks import what they need themselves if the thread is still at it.
        self._thread.join(timeout)


def _import(name: str) -> None:
    with contextlib.suppress(Exception):
        importlib.import_module(name)


def start(load_checks: Callable[[], object]) -> Prewarm:
    return Prewarm(load_checks)
