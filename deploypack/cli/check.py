"""`deploypack check DIST...` and `deploypack verify DIR`: distributions built elsewhere.

`check` reads wheels and sdists (files, or directories such as cibuildwheel's output), runs
every check that does not need the source tree, and reports like `build`; with --outdir it
also writes the distributions and their deployment artifacts there, staged and committed
whole. `verify` re-hashes a directory against its SHA256SUMS and manifest.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from deploypack.core.errors import EnvironmentProblem, UsageError

if TYPE_CHECKING:  # the modules below are imported by the commands: `deploypack --version` stays instant
    from deploypack.artifacts import ArtifactInputs
    from deploypack.checks import ReleaseInfo
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


def _release(environ: Mapping[str, str]) -> ReleaseInfo:
    from deploypack.checks import ReleaseInfo

    ref = environ.get("GITHUB_REF", "")
    tag = ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else None
    return ReleaseInfo(tag=tag, tag_source="GITHUB_REF" if tag else None, commit=environ.get("GITHUB_SHA") or None)


def run_check(options: Options, paths: list[Path], write_outdir: bool, environ: Mapping[str, str],
              progress: Callable[[str], None]) -> Report:
    from deploypack.artifacts import outdir as outdir_module
    from deploypack.checks import CheckContext, apply_selection, run_checks
    from deploypack.checks.readme import README_RENDER
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
        release = _release(environ)
        context = CheckContext(distributions=tuple(dists), options=options,  # type: ignore[arg-type]  # as in pipeline
                               sources=None, release=release, git_files=None, prerendered=ahead)
        findings += run_checks(context, options)
    finally:
        ahead.close()
    ok, exit_code = verdict(findings, options.strict)
    first = next((d for d in dists if d.metadata is not None), None)
    name = str(first.metadata.name) if first and first.metadata else None  # type: ignore[union-attr]
    version = str(first.metadata.version) if first and first.metadata else None  # type: ignore[union-attr]
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
    return Report(
        ok=ok, exit_code=exit_code, project_name=name, project_version=version,
        project_path=display_path(Path(os.curdir)), artifacts=artifacts, findings=findings,
        timings={"checks": time.monotonic() - started}, outdir=shown_dir, extra_outputs=outputs,
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


def _cmd_check(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.cli.main import StderrProgress, command_line_values, emit_report
    from deploypack.config import options as options_module

    paths = collect_distributions(args.distributions)
    options = options_module.resolve(Path(os.curdir), command_line_values(args), environ)
    report = run_check(options, paths, args.outdir is not None, environ, StderrProgress(stderr))
    emit_report(report, options, environ, stdout)
    return report.exit_code


def _cmd_verify(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.cli.main import command_line_values, emit_report
    from deploypack.config import options as options_module
    from deploypack.pipeline.verify import verify_directory
    from deploypack.read.collect import display_path

    options = options_module.resolve(Path(os.curdir), command_line_values(args), environ)
    report = verify_directory(args.directory, display_path(args.directory))
    emit_report(report, options, environ, stdout)
    return report.exit_code


def add_commands(commands: Any, add_report_options: Callable[[argparse.ArgumentParser], None]) -> None:
    check = commands.add_parser(
        "check", help="check distributions built elsewhere (wheels, sdists, or directories of them)",
        description="Run every check that does not need the source tree on existing distributions; "
        "with --outdir, also write them and their deployment artifacts there.",
    )
    check.add_argument("distributions", nargs="+", type=Path, metavar="DIST",
                       help="a .whl or .tar.gz, or a directory holding them (e.g. cibuildwheel's wheelhouse)")
    check.add_argument("--outdir", type=Path, metavar="DIR",
                       help="write the distributions and SHA256SUMS, manifest, SBOM, provenance there")
    check.add_argument("--artifacts", metavar="KINDS", help="sums,manifest,sbom,provenance, all or none (default all)")
    check.add_argument("--clean", action="store_true", default=None,
                       help="delete files in --outdir that deploypack did not create")
    add_report_options(check)
    check.set_defaults(handler=_cmd_check)

    verify = commands.add_parser(
        "verify", help="re-hash a directory against its SHA256SUMS and manifest.json",
        description="Report every distribution changed, missing or added since deploypack wrote the "
        "directory (exit 1 on any difference).",
    )
    verify.add_argument("directory", type=Path, metavar="DIR", help="a directory deploypack wrote (e.g. dist)")
    verify.add_argument("--format", choices=("text", "json", "github"),
                        help="output format (default: github when GITHUB_ACTIONS=true, else text)")
    verify.add_argument("--report", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    verify.set_defaults(handler=_cmd_verify)
