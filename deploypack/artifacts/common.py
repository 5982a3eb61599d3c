"""What every artifact describes: the distributions, where they came from, how they were built.

Gathered once by the pipeline (or by `deploypack check`) and passed to the writers, which
are pure functions from these values to file contents.
"""

from __future__ import annotations

import dataclasses
import platform
import re
import sys
from collections.abc import Mapping, Sequence

from packaging.utils import canonicalize_name

from deploypack import __version__
from deploypack.core.findings import Finding
from deploypack.read.archives import Distribution

# A wheel's WHEEL file names the backend that wrote it, e.g. "setuptools (80.9.0)", "hatchling 1.27.0".
_GENERATOR = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.\-]+?)[\s(]+v?(?P<version>[0-9][^\s)]*)\)?\s*$")


@dataclasses.dataclass(frozen=True)
class SourceInfo:
    commit: str | None = None
    tag: str | None = None
    dirty: bool | None = None  # None: not a git checkout (or not known: dists built elsewhere)
    source_date_epoch: str | None = None
    repository: str | None = None  # a URL without credentials, when known


@dataclasses.dataclass(frozen=True)
class BuildInfo:
    command: str  # "build" or "check"
    backend: str | None = None  # the build-backend entry point, e.g. "setuptools.build_meta"
    build_requires: tuple[str, ...] = ()
    installer: str | None = None
    isolation: bool | None = None
    started: float | None = None  # epoch seconds
    finished: float | None = None


@dataclasses.dataclass(frozen=True)
class ArtifactInputs:
    distributions: Sequence[Distribution]
    findings: Sequence[Finding]
    source: SourceInfo
    build: BuildInfo
    environ: Mapping[str, str]
    kinds: tuple[str, ...]

    @property
    def project(self) -> tuple[str, str]:
        """The project's name and version, from the first distribution with readable metadata."""
        for dist in self.distributions:
            if dist.metadata is not None and dist.metadata.name and dist.metadata.version:
                return str(dist.metadata.name), str(dist.metadata.version)
        raise ValueError("no distribution has readable metadata: cannot name the project")

    @property
    def file_stem(self) -> str:
        """`<name>-<version>` as distribution file names spell it (PEP 625 / wheel naming)."""
        name, version = self.project
        return f"{canonicalize_name(name).replace('-', '_')}-{version}"


def epoch_seconds(source_date_epoch: str | None) -> int | None:
    return int(source_date_epoch) if source_date_epoch and source_date_epoch.isdigit() else None


def wheel_generator(dist: Distribution) -> tuple[str, str | None] | None:
    """(name, version) of the backend that wrote a wheel, from its WHEEL file."""
    if dist.kind != "wheel":
        return None
    wheel_file = next(
        (path for path in dist.contents if path.count("/") == 1 and path.endswith(".dist-info/WHEEL")), None
    )
    if wheel_file is None:
        return None
    for line in dist.contents[wheel_file].decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "generator":
            match = _GENERATOR.match(value)
            return (match["name"], match["version"]) if match else (value.strip(), None)
    return None


def build_environment(inputs: ArtifactInputs) -> dict[str, object]:
    generator = next((g for g in map(wheel_generator, inputs.distributions) if g is not None), None)
    return {
        "deploypack": __version__,
        "backend": inputs.build.backend,
        "backend_generator": generator[0] if generator else None,
        "backend_version": generator[1] if generator else None,
        "build_requires": list(inputs.build.build_requires),
        "installer": inputs.build.installer,
        "isolation": inputs.build.isolation,
        "python": platform.python_version(),
        "python_implementation": sys.implementation.name,
        "platform": platform.platform(),
    }
