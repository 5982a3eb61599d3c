"""What the commands share: the report options, progress on stderr, and emitting the report."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from deploypack.config.options import FORMATS


def add_output_options(parser: argparse.ArgumentParser, report: str = "report") -> None:
    """--format and --report, the same for every command (the default format: config/options.py)."""
    parser.add_argument("--format", choices=FORMATS,
                        help="output format (default: github when GITHUB_ACTIONS=true, else text)")
    parser.add_argument("--report", type=Path, metavar="FILE", help=f"also write the JSON {report} to FILE")


def add_report_options(parser: argparse.ArgumentParser) -> None:
    add_output_options(parser)
    parser.add_argument("--sarif", type=Path, metavar="FILE",
                        help="also write the findings as SARIF 2.1.0 to FILE (for GitHub code scanning)")
    parser.add_argument("--strict", action="store_true", default=None, help="warnings fail the run too")
    parser.add_argument("--select", metavar="CODES", help="only these finding codes or prefixes (comma-separated)")
    parser.add_argument("--ignore", metavar="CODES", help="skip these finding codes or prefixes (comma-separated)")
    parser.add_argument("--severity", metavar="CODE=LEVEL,…", help="override severities, e.g. M004=error")


_OPTION_FLAGS = ("outdir", "format", "report", "sarif", "strict", "isolation", "installer", "select", "ignore",
                 "severity", "clean", "timeout", "artifacts", "reproducible", "tag-patterns", "releasing",
                 "gate", "index-url", "offline", "allow-backport", "release-diff", "pass-env")


def command_line_values(args: argparse.Namespace) -> dict[str, Any]:
    # option names use `-` (as in [tool.deploypack]); argparse attributes use `_`
    values = {name: getattr(args, name.replace("-", "_"), None) for name in _OPTION_FLAGS}
    return {name: value for name, value in values.items() if value is not None}


class StderrProgress:
    """Progress lines with elapsed seconds, on stderr, so stdout stays the report."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        self.stream.write(f"[{time.monotonic() - self.started:6.1f}s] {message}\n")
        self.stream.flush()


def emit_report(report: Any, options: Any, environ: Mapping[str, str], stdout: TextIO) -> None:
    from deploypack import catalogue
    from deploypack.report import actions_core, github, sarif, text
    from deploypack.report.model import render_json

    if options.report is not None:
        _write_or_fail(options.report, render_json(report))
    prefix = repository_prefix(options.project_dir, environ)
    sarif_path = getattr(options, "sarif", None)
    if sarif_path is not None:
        _write_or_fail(sarif_path, sarif.render(report, catalogue.all_rules(), prefix, options.project_dir))
    under_actions = environ.get("GITHUB_ACTIONS") == "true"  # the runner reads stdout for commands
    if options.format == "json":
        stdout.write(actions_core.inert_json(render_json(report)) if under_actions else render_json(report))
    elif options.format == "github":
        log_text = _read_log(report.log_path)
        github.emit(report, stdout, environ, prefix, log_text,
                    report_path=str(options.report) if options.report is not None else None,
                    sarif_path=str(sarif_path) if sarif_path is not None else None)
    elif under_actions:
        actions_core.write_untrusted(stdout, text.render(report, colour=False))
    else:
        stdout.write(text.render(report, colour=text.use_colour(stdout.isatty(), environ)))


def _write_or_fail(path: Path, text: str) -> None:
    """Write a report file whole, or fail with the environment error that names it (exit 4)."""
    from deploypack.core.faults import environment_error
    from deploypack.report.model import write_atomic

    try:
        write_atomic(path, text)
    except OSError as error:
        raise environment_error("writing the report", error, path=path) from None


def _read_log(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _workspace(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()


def repository_prefix(project_dir: Path, environ: Mapping[str, str]) -> str:
    """The project's path inside the repository, so annotations land on the right file.

    git knows it, even when the repository is checked out below the workspace; without git,
    the workspace is taken as the repository's root.
    """
    from deploypack.project import git

    shown = git.output(project_dir, "rev-parse", "--show-prefix")
    if shown is not None:
        return shown.strip().rstrip("/")
    workspace = _workspace(environ)
    try:
        return project_dir.resolve().relative_to(workspace).as_posix()
    except ValueError:
        return ""
