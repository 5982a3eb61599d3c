"""The command line: `deploypack build|check|verify|explain …`.

`main(argv, environ)` takes its inputs as arguments so tests run it in-process. Imports of
the heavy modules happen inside the commands: `deploypack --version` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from deploypack import __version__
from deploypack.cli.common import StderrProgress, add_report_options, command_line_values, emit_report
from deploypack.config.runenv import RunEnvironment
from deploypack.core.errors import EXIT_CODE_HELP, DeploypackError, ExitCode, Interrupted, UsageError

EXAMPLES = """\
examples:
  deploypack build                       build and check the project in the current directory
  deploypack build path/to/project --outdir dist --report report.json
  deploypack build --format json > report.json
  deploypack build --strict --installer uv
  deploypack build --reproducible        build twice and compare the archives bit for bit
  deploypack check wheelhouse/ --outdir release   check dists built elsewhere, write artifacts
  deploypack verify dist                 re-hash dist/ against its SHA256SUMS and manifest.json
  deploypack explain M005                what a finding code means and how to fix it
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is our usage error (exit 3), not argparse's exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}", hint=f"run `{self.prog} --help` for the options")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deploypack",
        description="Build a Python project into sdist and wheel, validate them, write deployment "
        "artifacts, and gate the release with the exit code.",
        epilog=EXAMPLES + "\n" + EXIT_CODE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deploypack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    build = commands.add_parser(
        "build", help="build, check and gate a project", epilog=EXAMPLES + "\n" + EXIT_CODE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build the sdist, then the wheel from the unpacked sdist, check both, and write "
        "them with their deployment artifacts to --outdir.",
    )
    build.add_argument("project_dir", nargs="?", default=".", type=Path, metavar="PROJECT_DIR",
                       help="the project to build (default: the current directory)")
    build.add_argument("--outdir", type=Path, metavar="DIR",
                       help="where the distributions go (default: PROJECT_DIR/dist)")
    add_report_options(build)
    build.add_argument("--no-isolation", dest="isolation", action="store_false", default=None,
                       help="build in the current environment (build requirements must be installed)")
    build.add_argument("--installer", choices=("auto", "pip", "uv"),
                       help="what installs build requirements (default: uv when available, else pip)")
    build.add_argument("--clean", action="store_true", default=None,
                       help="delete files in --outdir that deploypack did not create")
    build.add_argument("--timeout", metavar="SECONDS", help="stop a build that runs longer (default 3600)")
    build.add_argument("--pass-env", metavar="NAMES",
                       help="more environment variables for the build hooks: names or globs, comma-separated "
                       "(the default set is in docs/security.md)")
    _add_gate_options(build)
    build.add_argument("--artifacts", metavar="KINDS",
                       help="deployment artifacts to write: sums,manifest,sbom,provenance, all or none (default all)")
    build.add_argument("--reproducible", action="store_true", default=None,
                       help="build a second time from a fresh copy and compare the archives (P001/P002)")
    build.add_argument("--tag-patterns", metavar="PATTERNS",
                       help="how release tags spell the version, comma-separated (default: v{version},{version})")
    build.add_argument("--releasing", action=argparse.BooleanOptionalAction, default=None,
                       help="this build is a release (default: when HEAD or GITHUB_REF is a tag): .dev versions "
                       "and a version unequal to the tag are errors")
    build.set_defaults(handler=_cmd_build)

    from deploypack.cli.check import add_commands as add_check_commands

    add_check_commands(commands, add_report_options)

    from deploypack.cli.monorepo import add_commands as add_monorepo_commands

    add_monorepo_commands(commands)

    explain = commands.add_parser("explain", help="what a finding code means and how to fix it")
    explain.add_argument("code", nargs="?", help="a code such as M005; without it, list every code")
    explain.set_defaults(handler=_cmd_explain)
    return parser


def _add_gate_options(parser: argparse.ArgumentParser) -> None:
    gate = parser.add_argument_group("release gate (docs/gate.md)")
    gate.add_argument("--gate", action="store_true", default=None,
                      help="also check the index (version free and newest), the tag and a clean tree")
    gate.add_argument("--index-url", metavar="URL",
                      help="the simple-API index the release goes to (default: the index pip is configured with)")
    gate.add_argument("--offline", action="store_true", default=None,
                      help="skip the index checks (a warning finding says so)")
    gate.add_argument("--allow-backport", action="store_true", default=None,
                      help="allow a version older than the newest published, if newest of its major.minor series")
    gate.add_argument("--no-release-diff", dest="release_diff", action="store_false", default=None,
                      help="with --gate: do not compare the wheel with the last published release's (docs/gate.md)")


def _cmd_build(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    from deploypack import catalogue
    from deploypack.config import options as options_module
    from deploypack.pipeline.build_run import run_build

    project_dir: Path = args.project_dir
    if not project_dir.exists():
        raise UsageError(f"project path {str(project_dir)!r} does not exist")
    if not project_dir.is_dir():
        raise UsageError(f"project path {str(project_dir)!r} is a file, not a project directory")
    options = options_module.resolve(project_dir, command_line_values(args), environ)
    report = run_build(options, environ, StderrProgress(stderr), catalogue.checks)
    emit_report(report, options, environ, stdout)
    return report.exit_code


def _cmd_explain(args: argparse.Namespace, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    from deploypack.catalogue import all_rules, get

    if not args.code:
        for code, declared in all_rules().items():
            stdout.write(f"{code}  {declared.severity.value:7}  {declared.name}: {declared.summary}\n")
        return 0
    found = get(args.code)
    if found is None:
        raise UsageError(f"unknown finding code {args.code!r}", hint="`deploypack explain` lists every code")
    stdout.write(found.explain())
    return 0


def _save_traceback() -> str:
    handle, name = tempfile.mkstemp(prefix="deploypack-crash-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(f"deploypack {__version__}\n{traceback.format_exc()}")
    return name


class _Terminated(BaseException):
    """SIGTERM as an exception no `except Exception` (backend wrappers in `build`) can swallow."""


def _raise_on_sigterm(signal_number: int, frame: object) -> None:
    raise _Terminated(signal_number)


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    # The edge: the process environment is read here, once, and goes down frozen.
    environ = RunEnvironment(os.environ if environ is None else environ)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if environ.get("GITHUB_ACTIONS") != "true":
        return _run(argv, environ, stdout, stderr)
    from deploypack.report.actions_core import GuardedWriter

    # Error messages, progress and warnings may quote project text: the runner must not act on it.
    stderr = GuardedWriter(stderr)  # type: ignore[assignment]  # the part of TextIO that is written to
    with _warnings_shown_on(stderr):
        return _run(argv, environ, stdout, stderr)


@contextlib.contextmanager
def _warnings_shown_on(stderr: TextIO) -> Iterator[None]:
    """Python warnings of the run on `stderr` (guarded under Actions), not on the raw sys.stderr: a
    library's warning may quote what it read from a distribution (pkginfo, a Metadata-Version). A
    build sends its own to the build log (deploypack/build/parent_warnings.py)."""
    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        stderr.write(warnings.formatwarning(message, category, filename, lineno, line=""))

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _run(argv: Sequence[str] | None, environ: RunEnvironment, stdout: TextIO, stderr: TextIO) -> int:
    previous: Callable[..., Any] | int | None = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    except ValueError:  # not the main thread (tests running main in a thread)
        previous = None
    try:
        parser = build_parser()
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if not getattr(args, "handler", None):
            parser.print_help(stdout)
            return int(ExitCode.USAGE)
        return int(args.handler(args, environ, stdout, stderr))
    except (KeyboardInterrupt, _Terminated) as stop:
        error = Interrupted(signal.SIGTERM if isinstance(stop, _Terminated) else signal.SIGINT)
        stderr.write(f"deploypack: {error.message}\n")
        return int(error.exit_code)
    except DeploypackError as error:
        stderr.write(f"deploypack: error: {error.message}\n")
        if error.hint:
            stderr.write(f"  hint: {error.hint}\n")
        return int(error.exit_code)
    except SystemExit as exit_request:  # --help / --version
        return int(exit_request.code or 0) if isinstance(exit_request.code, int) else 0
    except OSError as error:  # the machine's fault (disk full, read-only, permissions): exit 4, with the path
        from deploypack.core.faults import environment_error

        problem = environment_error("cannot write or read a file", error)
        stderr.write(f"deploypack: error: {problem.message}\n")
        if problem.hint:
            stderr.write(f"  hint: {problem.hint}\n")
        return int(problem.exit_code)
    except Exception as error:  # noqa: BLE001 - a bug: say so, keep the traceback
        saved = _save_traceback()
        stderr.write(
            f"deploypack: internal error (this is a bug in deploypack, please report it): "
            f"{type(error).__name__}: {error}\n  traceback saved to {saved}\n"
        )
        return int(ExitCode.INTERNAL)
    finally:
        stderr.flush()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
