"""`deploypack check DIST...` and `deploypack verify DIR`: distributions built elsewhere.

`check` runs every check that does not need the source tree on existing wheels and sdists
(deploypack/pipeline/check_run.py); `verify` re-hashes a directory against its SHA256SUMS and
manifest.json (deploypack/pipeline/verify.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from deploypack.cli.common import StderrProgress, add_output_options, command_line_values, emit_report
from deploypack.config.runenv import RunEnvironment


def _cmd_check(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    from deploypack import catalogue
    from deploypack.config import options as options_module
    from deploypack.pipeline.check_run import collect_distributions, run_check

    paths = collect_distributions(args.distributions)
    options = options_module.resolve(Path(os.curdir), command_line_values(args), environ)
    report = run_check(options, paths, args.outdir is not None, environ, StderrProgress(stderr), catalogue.checks)
    emit_report(report, options, environ, stdout)
    return report.exit_code


def _cmd_verify(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
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
    add_output_options(verify)
    verify.set_defaults(handler=_cmd_verify)
