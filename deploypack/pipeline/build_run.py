"""One run of `deploypack build`: build, read, check, write artifacts, commit the output.

I/O happens here and in the modules it calls; the checks in between are pure. The result
is a Report for the reporters; exceptions are only for runs that cannot go on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deploypack.artifacts import inputs_for_build, write_artifacts
from deploypack.artifacts import outdir as outdir_module
from deploypack.build import reproducible
from deploypack.build.engine import Builder, BuildResult
from deploypack.build.log import BuildLog
from deploypack.checks import Check, CheckContext, apply_selection, run_checks
from deploypack.checks import links as link_checks
from deploypack.config.options import Options
from deploypack.config.runenv import RunEnvironment
from deploypack.core import faults
from deploypack.core.errors import BuildFailed, EnvironmentProblem
from deploypack.core.findings import Finding, Severity
from deploypack.gate import release_gate as gate
from deploypack.pipeline import overview as overview_module
from deploypack.pipeline import prewarm
from deploypack.project import git
from deploypack.project.links import outside_links
from deploypack.project.naming import declared_name
from deploypack.project.release import release_info
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution
from deploypack.read.collect import display_path, limits_of, read_distributions
from deploypack.report.model import Artifact, Report, verdict

if TYPE_CHECKING:
    from deploypack.gate.previous_release import DiffOutcome

Progress = Callable[[str], None]

@dataclasses.dataclass
class RunState:
    """What a run knows so far, so that even a failed run reports what it has."""

    log: BuildLog | None = None
    log_path: Path | None = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)




def git_tracked_files(project_dir: Path) -> tuple[str, ...] | None:
    output = git.output(project_dir, "ls-files", "-z", "--full-name", "--", ".")
    prefix = git.output(project_dir, "rev-parse", "--show-prefix") or ""
    if output is None:
        return None
    files = [name for name in output.split("\0") if name]
    return tuple(name.removeprefix(prefix) for name in files if name.startswith(prefix))


def _keep_log(state: RunState, options: Options, environ: Mapping[str, str]) -> str | None:
    """Put the build log where the user will find it (beside the report, else in the runner's
    temporary directory); return its path for the report."""
    if state.log is None or state.log_path is None:
        return None
    state.log.close()
    if options.report is not None:
        destination = options.report.with_suffix(".log")
    else:
        handle, name = tempfile.mkstemp(prefix="deploypack-build-", suffix=".log",
                                        dir=environ.get("RUNNER_TEMP") or None)
        os.close(handle)
        destination = Path(name)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state.log_path, destination)
    except OSError:
        # No room to keep the log (a full disk is usually why the run is failing): the
        # run's own error is what must be reported, so it is not masked by this one.
        with contextlib.suppress(OSError):
            destination.unlink()
        return None
    return display_path(destination)


def _gate(options: Options, environ: RunEnvironment, progress: Progress, state: RunState,
          project: tuple[str, str], context: CheckContext, tree: gate.TreeState, epoch: str | None,
          ) -> tuple[gate.GateResult, DiffOutcome | None]:
    """The release gate, then (unless turned off) the comparison with the last release: it reuses
    the index page the gate read, so it costs one download at most."""
    progress("release gate…" if options.offline else "release gate: asking the index…")
    started = time.monotonic()
    gate_result = gate.run_gate(options, environ, *project, context.release, tree, epoch)
    state.timings["gate"] = time.monotonic() - started
    wheel = next((d for d in context.distributions if d.kind == "wheel"), None)
    if not options.release_diff or wheel is None:
        return gate_result, None
    from deploypack.gate import previous_release  # only --gate runs pay for its imports

    progress("comparing with the last release…")
    started = time.monotonic()
    changes = previous_release.diff_release(gate_result.page, gate_result.index_url_with_credentials, wheel,
                                            context, environ, limits_of(options), options.max_dist_size)
    state.timings["release_diff"] = time.monotonic() - started
    return gate_result, changes


def _name_and_version(dists: Sequence[Distribution]) -> tuple[str | None, str | None]:
    metadata = next((d.metadata for d in dists if d.metadata is not None), None)
    return (metadata.name, metadata.version) if metadata is not None else (None, None)


def _publishes_outside_content(findings: Sequence[Finding]) -> bool:
    return any(f.code == link_checks.LINK_OUTSIDE.code and f.severity == Severity.ERROR for f in findings)


def read_built(result: BuildResult, options: Options) -> tuple[list[Distribution], list[Finding]]:
    """The built archives, read; with B016 first when the wheel was left to a machine with a compiler."""
    dists, findings = read_distributions(result.distributions, options, [result.sdist_read])
    skipped = [result.wheel_skipped] if result.wheel_skipped is not None else []
    return dists, [*skipped, *findings]


def run_build(options: Options, environ: RunEnvironment, progress: Progress,
              load_checks: Callable[[], Sequence[Check]]) -> Report:
    """`load_checks` gives the checks to run (the catalogue's, from the caller at the top)."""
    started = time.monotonic()
    outdir_module.check_writable(options.outdir, options.clean)
    # The gate's clean-tree check looks at the tree before the build writes egg-info and such.
    tree = gate.tree_state(options.project_dir, gate.ignored_paths(options, (options.report, options.sarif))) \
        if options.gate else None
    state = RunState()
    name = version = None
    links = outside_links(options.project_dir)  # before the build: some backends follow them, some refuse
    with outdir_module.staging_directory(options.outdir) as staging:
        state.log_path = staging / "deploypack-build.log"
        state.log = BuildLog(state.log_path, options.max_log_size)
        warm = prewarm.start(load_checks)  # the checks' imports, on a thread, while the backend builds
        try:
            result = Builder(options, state.log, progress, environ).build(staging)
        except BuildFailed as failure:
            state.timings["total"] = time.monotonic() - started
            finding = apply_selection(link_checks.refused_build(links, failure.finding) or list(failure.findings),
                                      options)
            log_path = _keep_log(state, options, environ)
            return Report(
                ok=False, exit_code=int(failure.exit_code),
                project_name=declared_name(ProjectSources(options.project_dir)), project_version=None,
                project_path=display_path(options.project_dir), artifacts=(), findings=finding,
                timings=state.timings, outdir=display_path(options.outdir), log_path=log_path,
                error="the build failed",
            )
        except EnvironmentProblem as problem:
            kept = _keep_log(state, options, environ)
            if kept is not None:
                problem.hint = f"{problem.hint} " if problem.hint else ""
                problem.hint += f"The build log is kept at {kept}."
            raise
        # Only a build that got through waits for the imports: an interrupted or failed run
        # must not block on them (the thread is a daemon and dies with the process).
        warm.wait()
        state.timings.update(result.timings)

        progress("checking…")
        checks_started = time.monotonic()
        dists, findings = read_built(result, options)
        context = CheckContext(
            distributions=tuple(dists), options=options, sources=ProjectSources(options.project_dir),
            release=release_info(options.project_dir, environ, options.tag_patterns),
            git_files=git_tracked_files(options.project_dir), outside_links=links,
        )
        findings = (apply_selection([*result.findings, *findings], options)
                    + apply_selection(result.deprecations, options) + run_checks(context, options, load_checks()))
        state.timings["checks"] = time.monotonic() - checks_started
        name, version = _name_and_version(dists)
        gate_result = changes = None
        if tree is not None and name and version:
            gate_result, changes = _gate(options, environ, progress, state, (name, version), context, tree,
                                         result.source_date_epoch)
            findings += apply_selection(list(gate_result.findings), options)
            findings += apply_selection(list(changes.findings if changes else ()), options)
        if options.reproducible:
            rebuild_started = time.monotonic()
            findings += apply_selection(reproducible.rebuild_and_compare(
                options, environ, {("wheel" if p.suffix == ".whl" else "sdist"): p for p in result.distributions},
                result.source_date_epoch, progress,
            ), options)
            state.timings["reproducible"] = time.monotonic() - rebuild_started
        ok, exit_code = verdict(findings, options.strict)
        if _publishes_outside_content(findings):
            state.timings["total"] = time.monotonic() - started
            return Report(
                ok=False, exit_code=1, project_name=name, project_version=version,
                project_path=display_path(options.project_dir), artifacts=(), findings=findings,
                timings=state.timings, outdir=display_path(options.outdir), log_path=_keep_log(state, options, environ),
                error=f"nothing was written to {display_path(options.outdir)}: the distributions hold a link "
                "pointing outside the project, or the content it led to",
            )

        names = [path.name for path in result.distributions]
        # Written into staging, so they reach --outdir only together with the distributions.
        try:
            written = write_artifacts(staging, inputs_for_build(
                options, result, dists, findings, context.release, environ, time.monotonic() - started,
            ), display_path(options.outdir))
        except OSError as error:
            raise faults.environment_error("writing the deployment artifacts", error) from None
        names.extend(written.files)
        artifacts = [
            Artifact(path=display_path(options.outdir / d.filename), kind=d.kind, size=d.size, sha256=d.sha256)
            for d in dists
        ]
        if options.report is None:
            state.log.close()
            if state.log.write_error is not None:
                raise faults.environment_error("writing the build log", state.log.write_error)
            names.append(state.log_path.name)
            log_path = display_path(options.outdir / state.log_path.name)
        else:
            log_path = _keep_log(state, options, environ)
        try:
            outdir_module.commit(staging, options.outdir, names, options.clean)
        except OSError as error:
            if faults.is_disk_full(error):
                needed = sum((staging / name).stat().st_size for name in names if (staging / name).is_file())
                raise faults.disk_full(f"writing the output to {options.outdir}", options.outdir, needed) from None
            raise faults.environment_error(f"writing {options.outdir}", error) from None
        state.timings["total"] = time.monotonic() - started
        overview = overview_module.overview(dists)
        return gate.attach(Report(
            ok=ok, exit_code=exit_code, project_name=name, project_version=version,
            project_path=display_path(options.project_dir), artifacts=artifacts, findings=findings,
            timings=state.timings, outdir=display_path(options.outdir), log_path=log_path,
            extra_outputs={**written.outputs, **overview_module.outputs(overview)}, overview=overview,
            changes=changes.changes if changes is not None else None,
        ), gate_result, options.strict)


__all__ = ["run_build", "read_distributions", "BuildResult"]
