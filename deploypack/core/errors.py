"""Exceptions that stop a run, each carrying the exit code of its class.

Findings are not exceptions: a finding is a verdict on what was built. An exception means
deploypack cannot go on, and the class says whose problem it is.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deploypack.core.findings import Finding


class ExitCode(enum.IntEnum):
    OK = 0  # fit to publish
    FINDINGS = 1  # built, but error findings (or warnings under --strict)
    BUILD_FAILED = 2  # the project could not be built
    USAGE = 3  # usage or configuration error
    ENVIRONMENT = 4  # build environment, network or disk problem
    INTERNAL = 5  # a bug in deploypack
    INTERRUPTED = 130  # SIGINT
    TERMINATED = 143  # SIGTERM


EXIT_CODE_HELP = """\
exit codes:
  0    fit to publish
  1    built, but there are error findings (or warnings with --strict)
  2    the build failed (the report names the cause and where to fix it)
  3    usage or configuration error
  4    environment error (build environment, network for build deps, disk full)
  5    internal error (a bug in deploypack; the traceback file is named)
  130  interrupted (SIGINT); 143 terminated (SIGTERM): output directory left as it was
"""


class DeploypackError(Exception):
    """Base of every error that ends a run with a documented exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DeploypackError):
    """A bad flag, path, input or configuration value."""

    exit_code = ExitCode.USAGE


class ConfigurationError(UsageError):
    """A bad `[tool.deploypack]` table or project configuration, with its place."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}", hint=hint)
        self.file = file
        self.line = line


class EnvironmentProblem(DeploypackError):
    """The machine, not the project: cannot create the build environment, no network, disk full."""

    exit_code = ExitCode.ENVIRONMENT


class BuildFailed(DeploypackError):
    """The project could not be built. Carries the findings that say why and where (one per cause)."""

    exit_code = ExitCode.BUILD_FAILED

    def __init__(self, finding: Finding, *more: Finding) -> None:
        super().__init__(finding.message, hint=finding.hint)
        self.finding = finding
        self.findings = (finding, *more)


class Interrupted(DeploypackError):
    """SIGINT or SIGTERM arrived; everything in progress was rolled back."""

    def __init__(self, signal_number: int) -> None:
        import signal

        name = signal.Signals(signal_number).name
        super().__init__(f"interrupted by {name}; the output directory was left as it was")
        self.exit_code = ExitCode.INTERRUPTED if name == "SIGINT" else ExitCode.TERMINATED
