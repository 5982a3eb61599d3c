"""Deployment artifacts written beside the distributions: checksums, manifest, SBOM, provenance.

`write_artifacts` writes the selected kinds into a directory (the run's staging directory:
they reach --outdir only with the distributions, in one commit) and returns their file names
and the outputs a CI step needs to use them (e.g. for actions/attest-build-provenance).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from deploypack.artifacts import manifest, provenance, sums
from deploypack.artifacts.common import ArtifactInputs, BuildInfo, SourceInfo
from deploypack.artifacts.source import source_info
from deploypack.core.errors import EnvironmentProblem
from deploypack.core.findings import Finding
from deploypack.read.archives import Distribution

if TYPE_CHECKING:
    from deploypack.build.engine import BuildResult
    from deploypack.config.options import Options
    from deploypack.project.release import ReleaseInfo

@dataclasses.dataclass(frozen=True)
class Written:
    files: list[str]  # names inside the directory, in writing order
    outputs: dict[str, str]  # CI step outputs: name -> value


def _write(directory: Path, name: str, text: str) -> None:
    try:
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:  # a full or failing disk is the machine's problem, not a bug
        raise EnvironmentProblem(f"cannot write {name}: {error.strerror or error}") from None


def write_artifacts(directory: Path, inputs: ArtifactInputs, shown_dir: str) -> Written:
    """Write `inputs.kinds` into `directory`; `shown_dir` is how the final directory is displayed."""
    if not inputs.kinds or not any(d.metadata is not None and d.metadata.name for d in inputs.distributions):
        return Written([], {})  # nothing to describe: the findings already say why

    def shown(name: str) -> str:
        return str(PurePath(shown_dir) / name)

    files: list[str] = []
    outputs: dict[str, str] = {}  # the reporter already gives the distributions' paths (`subjects`)
    if "sums" in inputs.kinds:
        _write(directory, sums.FILENAME, sums.render((d.filename, d.sha256) for d in inputs.distributions))
        files.append(sums.FILENAME)
        outputs["subject-checksums"] = shown(sums.FILENAME)
    if "sbom" in inputs.kinds:
        from deploypack.artifacts import sbom  # cyclonedx is slow to import: only when an SBOM is written

        name = sbom.filename(inputs)
        _write(directory, name, sbom.render(inputs))
        files.append(name)
        outputs["sbom"] = shown(name)
    if "provenance" in inputs.kinds:
        name = provenance.filename(inputs)
        _write(directory, name, provenance.render(inputs))
        files.append(name)
        outputs["provenance"] = shown(name)
    if "manifest" in inputs.kinds:  # last: it lists the other artifacts
        _write(directory, manifest.FILENAME, manifest.render(inputs, files))
        files.append(manifest.FILENAME)
        outputs["manifest"] = shown(manifest.FILENAME)
    return Written(files, outputs)


def inputs_for_build(
    options: Options,
    result: BuildResult,
    distributions: Sequence[Distribution],
    findings: Sequence[Finding],
    release: ReleaseInfo,
    environ: Mapping[str, str],
    elapsed: float,
) -> ArtifactInputs:
    """What the artifacts of a `deploypack build` run describe."""
    finished = time.time()
    return ArtifactInputs(
        distributions=distributions,
        findings=findings,
        source=source_info(options.project_dir, release.commit, release.tag, result.source_date_epoch),
        build=BuildInfo(
            command="build", backend=result.backend, build_requires=result.build_requires,
            installer=result.installer, isolation=options.isolation, started=finished - elapsed, finished=finished,
        ),
        environ=environ,
        kinds=options.artifacts,
    )


__all__ = ["ArtifactInputs", "BuildInfo", "SourceInfo", "Written", "write_artifacts", "inputs_for_build"]
