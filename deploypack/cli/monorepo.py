"""The monorepo commands: `deploypack plan [ROOT]` and `deploypack merge DIR...`.

`plan` prints the GitHub Actions matrix (and writes it as the `matrix` output); with `--run`
it also runs the matrix here, `--jobs N` builds at a time, and merges the results. `merge`
combines the per-job outputs into one release directory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from deploypack.cli.common import add_output_options
from deploypack.config.options import default_format
from deploypack.config.runenv import RunEnvironment
from deploypack.core.errors import UsageError
from deploypack.report import actions_core

PLAN_EXAMPLES = """\
examples:
  deploypack plan                          the matrix of the packages under the current directory
  deploypack plan . --axis os=ubuntu-latest,macos-latest
  deploypack plan --run --jobs 4           build every package here, 4 at a time, then merge
  deploypack plan --run --build-args="--gate --strict"   (with `=`: the value starts with --)
"""
MERGE_EXAMPLES = """\
examples:
  deploypack merge artifacts/dist-* --outdir dist
  deploypack merge job1/ job2/ --format json
"""


def add_commands(commands: Any) -> None:
    plan = commands.add_parser(
        "plan", help="list a monorepo's packages as a GitHub Actions matrix (or build them all here)",
        description="Find every package under ROOT (a directory with pyproject.toml or setup.py; tests, "
        "examples, vendored and hidden trees skipped; or the `packages` list of ROOT's [tool.deploypack]) and "
        "print the matrix {\"include\": [{\"name\", \"path\", \"artifact-name\"}]}; on GitHub Actions it is "
        "also written as the `matrix` output.",
        epilog=PLAN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("root", nargs="?", default=".", type=Path, metavar="ROOT",
                      help="the repository (or sub-tree) holding the packages (default: .)")
    plan.add_argument("--axis", action="append", default=[], metavar="NAME=V1,V2",
                      help="an extra matrix axis (repeatable); artifact names get its value")
    plan.add_argument("--suffix", metavar="TEXT",
                      help="appended to every artifact name (default: $DEPLOYPACK_ARTIFACT_SUFFIX)")
    plan.add_argument("--run", action="store_true", help="run the matrix here as parallel processes, then merge")
    plan.add_argument("--jobs", "-j", type=int, metavar="N", help="builds at a time with --run (default: CPUs)")
    plan.add_argument("--outdir", type=Path, metavar="DIR",
                      help="with --run: jobs go to DIR/jobs/<artifact-name> (their output to DIR/logs), "
                      "the merge to DIR/merged (default: ROOT/dist)")
    plan.add_argument("--build-args", default="", metavar="ARGS",
                      help='extra `deploypack build` arguments for every job, e.g. --build-args="--gate --strict"')
    plan.set_defaults(handler=_cmd_plan)

    merge = commands.add_parser(
        "merge", help="combine per-job outputs into one release directory",
        description="Check every job's distributions against its SHA256SUMS, refuse a file name two jobs "
        "produced and a package in two versions, then write the distributions with one SHA256SUMS, one "
        "manifest.json and a SUMMARY.md into --outdir. Exit 1 (and nothing written) when anything is wrong.",
        epilog=MERGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("directories", nargs="+", type=Path, metavar="DIR", help="a job's output directory")
    merge.add_argument("--outdir", type=Path, default=Path("dist"), metavar="DIR",
                       help="where the merged release goes (default: dist)")
    merge.add_argument("--clean", action="store_true", help="delete files in --outdir deploypack did not create")
    add_output_options(merge, report="result")
    merge.set_defaults(handler=_cmd_merge)


def _cmd_plan(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.monorepo import discover as monorepo

    packages = monorepo.discover(args.root)
    if not packages:
        raise UsageError(f"no package under {str(args.root)!r} (no pyproject.toml or setup.py outside "
                         "tests, examples, vendored and hidden directories)",
                         hint="list them with `packages = [...]` in [tool.deploypack] of ROOT's pyproject.toml")
    suffix = args.suffix if args.suffix is not None else environ.get("DEPLOYPACK_ARTIFACT_SUFFIX", "")
    plan = monorepo.matrix(packages, monorepo.parse_axes(args.axis), suffix)
    text = json.dumps(plan, separators=(",", ":"))
    actions_core.append_file_command("GITHUB_OUTPUT", {"matrix": text, "count": str(len(plan["include"]))},
                                     environ)
    if environ.get("GITHUB_ACTIONS") == "true":  # names and paths come from the repository: never commands
        stdout = actions_core.GuardedWriter(stdout)  # type: ignore[assignment]  # the part of TextIO written to
    if not args.run:
        stdout.write(actions_core.inert_json(text) + "\n")
        stdout.flush()
        return 0
    try:
        return _run_plan(args, plan["include"], environ, stdout, stderr)
    finally:
        stdout.flush()


def _run_plan(args: argparse.Namespace, entries: list[dict[str, Any]], environ: Mapping[str, str],
              stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.cli.common import StderrProgress
    from deploypack.monorepo import merge, runner

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    outdir: Path = args.outdir or args.root / "dist"
    build_args = shlex.split(args.build_args)
    if any(arg in ("--outdir", "--report", "--format") or arg.startswith(("--outdir=", "--report=", "--format="))
           for arg in build_args):
        raise UsageError("--build-args cannot set --outdir, --report or --format: each job's are fixed")
    progress = StderrProgress(stderr)
    results = runner.run_jobs(entries, outdir / "jobs", outdir / "logs", jobs, build_args, environ, progress)
    stdout.write(f"{len(results)} job(s), {jobs} at a time:\n")
    for result in results:
        stdout.write(f"  exit {result.exit_code:<3} {result.seconds:7.1f}s  {result.entry['artifact-name']}  "
                     f"({result.entry['path']}; output: {result.output})\n")
    worst = max(result.exit_code for result in results)
    if worst != 0:
        stdout.write(f"deploypack plan --run: a job failed (exit {worst}); not merged\n")
        return worst
    outcome = merge.merge([result.outdir for result in results], outdir / "merged")
    _write_merge_text(outcome, stdout)
    return 0 if outcome.ok else 1


def _write_merge_text(outcome: Any, stdout: TextIO) -> None:
    from deploypack.report.text import format_finding

    for finding in outcome.findings:
        stdout.write(format_finding(finding, colour=False) + "\n")
    packages = outcome.manifest["packages"]
    if outcome.ok:
        stdout.write(f"deploypack merge: {len(packages)} package(s), {len(outcome.manifest['distributions'])} "
                     f"distribution(s) merged into {outcome.outdir}\n")
        for package in packages:
            files = ", ".join(dist["file"] for dist in package["distributions"])
            stdout.write(f"  {package['name']} {package['version']}: {files}\n")
    else:
        stdout.write(f"deploypack merge: {len(outcome.findings)} problem(s): NOT merged (exit 1)\n")


def merge_json(outcome: Any) -> dict[str, Any]:
    from deploypack.report.model import finding_to_json

    return {
        "ok": outcome.ok,
        "exit_code": 0 if outcome.ok else 1,
        "outdir": str(outcome.outdir) if outcome.outdir else None,
        "findings": [finding_to_json(finding) for finding in outcome.findings],
        "manifest": outcome.manifest,
    }


def _cmd_merge(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.monorepo import merge
    from deploypack.report.model import write_atomic

    outcome = merge.merge(args.directories, args.outdir, clean=args.clean)
    result = merge_json(outcome)
    if args.report is not None:
        write_atomic(args.report, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    output_format = args.format or default_format(environ)
    if output_format == "json":
        stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    elif output_format == "github":
        _emit_github(outcome, args.outdir, environ, stdout)
    else:
        guarded = actions_core.GuardedWriter(stdout) if environ.get("GITHUB_ACTIONS") == "true" else stdout
        _write_merge_text(outcome, guarded)  # type: ignore[arg-type]  # GuardedWriter: the TextIO part written to
        guarded.flush()
    return int(result["exit_code"])


def _emit_github(outcome: Any, outdir: Path, environ: Mapping[str, str], stdout: TextIO) -> None:
    from deploypack.artifacts.sums import FILENAME as SUMS
    from deploypack.monorepo.merge import MANIFEST

    for finding in outcome.findings:
        stdout.write(actions_core.annotation("error", finding.message, title=finding.code) + "\n")
    actions_core.append_summary(outcome.summary, environ)
    outputs = {"ok": "true" if outcome.ok else "false", "exit-code": "0" if outcome.ok else "1",
               "packages": str(len(outcome.manifest["packages"]))}
    if outcome.ok:
        outputs.update({"dist-dir": str(outdir), "sha256sums": str(outdir / SUMS), "manifest": str(outdir / MANIFEST)})
    actions_core.append_file_command("GITHUB_OUTPUT", outputs, environ)
    if outcome.ok:  # file names come from the jobs' artifacts: never live workflow commands
        text = io.StringIO()
        _write_merge_text(outcome, text)
        actions_core.write_untrusted(stdout, text.getvalue())
