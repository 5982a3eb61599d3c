"""`deploypack check DIST...`: distributions built elsewhere, checked as a build's are.

Reads wheels and sdists (files, or directories such as cibuildwheel's output), runs every
check that does not need the source tree, and reports like `build`; with an output directory
it also writes the distributions and their deployment artifacts there, staged and committed
whole.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deploypack.config.runenv import RunEnvironment
from deploypack.core.errors import EnvironmentProblem, UsageError
from deploypack.pipeline import overview as overview_module

if TYPE_CHECKING:  # imported when a check runs: `deploypack --version` stays instant
    from deploypack.artifacts import ArtifactInputs
    from deploypack.checks import Check
    from deploypack.config.options import Options
    from deploypack.core.findings import Finding
    from deploypack.read.ahead import CheckAhead
    from deploypack.read.archives import Distribution
    from deploypack.report.model import Report

_DIST_SUFFIXES = (".whl", ".tar.gz")


def collect_distributions(paths: Sequence[Path]) -> list[Path]:
    """The files named, and the wheels and sdists directly inside the directories named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(_DIST_SUFFIXES))
            if not inside:
                raise UsageError(f"{str(path)!r} holds no wheel (.whl) or sdist (.tar.gz)")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{str(path)!r} does not exist")
    names = [p.name for p in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"two distributions with the same file name: {', '.join(duplicates)}",
                         hint="They would overwrite each other in --outdir and in the index.")
    return found


def run_check(options: Options, paths: list[Path], write_outdir: bool, environ: RunEnvironment,
              progress: Callable[[str], None], load_checks: Callable[[], Sequence[Check]]) -> Report:
    """`load_checks` gives the checks to run (the catalogue's, from the caller at the top)."""
    from deploypack.artifacts import outdir as outdir_module
    from deploypack.checks import CheckContext, apply_selection, run_checks
    from deploypack.checks.readme import README_RENDER
    from deploypack.project.release import release_info
    from deploypack.read.ahead import CheckAhead
    from deploypack.read.collect import display_path, limits_of
    from deploypack.report.model import Artifact, Report, verdict

    started, wall_started = time.monotonic(), time.time()
    names = [path.name for path in paths]
    if write_outdir:
        outdir_module.check_writable(options.outdir, options.clean, adopt=names)
    progress(f"checking {len(paths)} distribution{'s' if len(paths) != 1 else ''}…")
    # Started before any thread exists (it forks): reads the first wheel and renders its README
    # in another process while this one reads the other archives.
    ahead = CheckAhead(paths, limits_of(options), render=options.is_selected(README_RENDER.code))
    try:
        dists, findings = _read_all(paths, options, ahead)
        findings = apply_selection(findings, options)
        release = release_info(None, environ)
        context = CheckContext(distributions=tuple(dists), options=options,
                               sources=None, release=release, git_files=None)
        ahead.share_renders()
        findings += run_checks(context, options, load_checks())
    finally:
        ahead.close()
    ok, exit_code = verdict(findings, options.strict)
    first = next((d for d in dists if d.metadata is not None), None)
    name = str(first.metadata.name) if first and first.metadata else None
    version = str(first.metadata.version) if first and first.metadata else None
    shown_dir = display_path(options.outdir) if write_outdir else None
    artifacts = [
        Artifact(path=str(Path(shown_dir) / d.filename) if shown_dir else display_path(d.path),
                 kind=d.kind, size=d.size, sha256=d.sha256)
        for d in dists
    ]
    outputs: dict[str, str] = {}
    if write_outdir:
        from deploypack.artifacts import ArtifactInputs, BuildInfo, SourceInfo

        inputs = ArtifactInputs(
            distributions=dists, findings=findings,
            source=SourceInfo(commit=release.commit, tag=release.tag,
                              source_date_epoch=environ.get("SOURCE_DATE_EPOCH") or None),
            build=BuildInfo(command="check", started=wall_started, finished=time.time()),
            environ=environ, kinds=options.artifacts,
        )
        # Only what could be read goes out: an unreadable file has an error finding, not a checksum.
        outputs = _write_outdir(options, [d.path for d in dists], inputs, shown_dir or "")
    overview = overview_module.overview(dists)
    return Report(
        ok=ok, exit_code=exit_code, project_name=name, project_version=version,
        project_path=display_path(Path(os.curdir)), artifacts=artifacts, findings=findings,
        timings={"checks": time.monotonic() - started}, outdir=shown_dir,
        extra_outputs={**outputs, **overview_module.outputs(overview)}, overview=overview,
    )


def _read_all(paths: list[Path], options: Options, ahead: CheckAhead) -> tuple[list[Distribution], list[Finding]]:
    """Every archive, in the order given: the others here first, then the wheel the child read
    (read here too if the child could not)."""
    from deploypack.read.collect import read_distributions

    here = [path for path in paths if path != ahead.wheel]
    read, findings = read_distributions(here, options)
    by_path: dict[Path, Distribution] = {dist.path: dist for dist in read}
    if ahead.wheel is not None:
        delegated = ahead.distribution()
        wheel_dists, wheel_findings = read_distributions([ahead.wheel], options,
                                                         [delegated] if delegated is not None else [])
        by_path.update((dist.path, dist) for dist in wheel_dists)
        findings += wheel_findings
    position = {path.name: index for index, path in enumerate(paths)}
    findings.sort(key=lambda finding: position.get(finding.artifact or "", len(position)))  # stable
    return [by_path[path] for path in paths if path in by_path], findings


def _write_outdir(options: Options, paths: list[Path], inputs: ArtifactInputs, shown_dir: str) -> dict[str, str]:
    """The distributions and their artifacts, together, so the directory verifies on its own."""
    from deploypack.artifacts import outdir as outdir_module
    from deploypack.artifacts import write_artifacts

    with outdir_module.staging_directory(options.outdir) as staging:
        try:
            for path in paths:
                shutil.copy2(path, staging / path.name)
            written = write_artifacts(staging, inputs, shown_dir)
            outdir_module.commit(staging, options.outdir, [p.name for p in paths] + written.files, options.clean)
        except OSError as error:
            raise EnvironmentProblem(f"cannot write {options.outdir}: {error.strerror or error}") from None
    return written.outputs
