#!/usr/bin/env python3
"""The GitHub Action's entrypoint: the container's only process.

The runner starts the image with the workspace mounted at /github/workspace (also the working
directory), the runner's home at /github/home, the file commands under /github/file_commands,
and each input as `INPUT_NAME`. This script makes the container behave like the runner's own
machine for a build — HOME and caches under /github/home, the workspace a git safe.directory
(the checkout belongs to another user, and setuptools-scm / hatch-vcs need git to read the
version) — then masks secret inputs and runs `deploypack build --format github`.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TextIO

from deploypack.action.inputs import from_environment
from deploypack.cli.main import main as cli_main
from deploypack.core.errors import DeploypackError
from deploypack.report import actions_core

RUNNER_WORKSPACE = "/github/workspace"
RUNNER_HOME = "/github/home"


def prepare_environment(environ: MutableMapping[str, str]) -> Path:
    """HOME and caches under the runner's home when it is mounted; returns the workspace."""
    home = Path(environ.get("DEPLOYPACK_ACTION_HOME", RUNNER_HOME))
    if home.is_dir():
        environ["HOME"] = str(home)
        cache = home / ".cache"
        environ.setdefault("XDG_CACHE_HOME", str(cache))
        environ.setdefault("PIP_CACHE_DIR", str(cache / "pip"))
        environ.setdefault("UV_CACHE_DIR", str(cache / "uv"))
    environ.setdefault("GITHUB_ACTIONS", "true")
    workspace = Path(environ.get("GITHUB_WORKSPACE") or RUNNER_WORKSPACE)
    if not workspace.is_dir():
        workspace = Path.cwd()
    environ["GITHUB_WORKSPACE"] = str(workspace)
    return workspace


def mark_safe_directory(workspace: Path, environ: Mapping[str, str]) -> None:
    """`git config --global --add safe.directory WORKSPACE`, once (the home is kept across steps)."""
    git = ["git", "config", "--global"]
    try:
        known = subprocess.run([*git, "--get-all", "safe.directory"], capture_output=True, text=True,
                               env=dict(environ), check=False, timeout=30).stdout.splitlines()
        if str(workspace) not in known:
            subprocess.run([*git, "--add", "safe.directory", str(workspace)], capture_output=True,
                           env=dict(environ), check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pass  # no git: the build can still run; a git-derived version will say what is missing


class _Recorder:
    """Passes stderr on and keeps its end, to annotate a run that stopped before its report."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tail = ""

    def write(self, text: str) -> int:
        self.tail = (self.tail + text)[-8192:]
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def _size(path: str | None) -> int:
    try:
        return os.path.getsize(path) if path else 0
    except OSError:
        return 0


def report_stop(code: int, message: str, title: str, environ: Mapping[str, str], stdout: TextIO) -> None:
    """A run that ended before deploypack's report: an error annotation, the step summary, and
    the outputs a workflow tests (`ok`, `exit-code`)."""
    stdout.write(actions_core.annotation("error", message, title=title) + "\n")
    actions_core.append_file_command("GITHUB_OUTPUT", {"ok": "false", "exit-code": str(code)}, environ)
    actions_core.append_summary(f"## deploypack: ❌ stopped (exit code {code})\n\n<pre>{html.escape(message)}</pre>\n",
                                environ)


def early_stop_message(code: int, stderr_tail: str) -> str:
    """deploypack's own error lines (usage, configuration, environment, internal error)."""
    lines = [line for line in stderr_tail.replace("\u2060", "").splitlines()
             if line.startswith(("deploypack: ", "  hint: ", "  traceback saved"))]
    return "\n".join(lines[-6:]) or f"deploypack stopped with exit code {code}; see the log"


def run(environ: MutableMapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    workspace = prepare_environment(environ)
    mark_safe_directory(workspace, environ)
    os.chdir(workspace)
    try:
        invocation = from_environment(environ)
    except DeploypackError as error:
        message = error.message + (f"\n{error.hint}" if error.hint else "")
        report_stop(int(error.exit_code), message, "deploypack: bad input", environ, stdout)
        return int(error.exit_code)
    for secret in invocation.masks:
        stdout.write(actions_core.add_mask(secret) + "\n")
    stdout.flush()
    environ.update(invocation.environment)
    outputs_before = _size(environ.get("GITHUB_OUTPUT"))
    recorder = _Recorder(stderr)
    code = cli_main(invocation.argv, environ, stdout, recorder)  # type: ignore[arg-type]
    if code != 0 and _size(environ.get("GITHUB_OUTPUT")) == outputs_before:
        report_stop(code, early_stop_message(code, recorder.tail), f"deploypack: exit code {code}", environ, stdout)
    return code


if __name__ == "__main__":
    sys.exit(run(os.environ, sys.stdout, sys.stderr))
