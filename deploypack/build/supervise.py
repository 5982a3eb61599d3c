"""Supervising the backend's processes: output captured to the build log, a deadline, and the
whole process tree killed on timeout or interruption, each hook run as a new process or as a
fork of the hook server (deploypack/build/hookserver)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO

from deploypack.build import hookserver
from deploypack.build.log import BuildLog


class HookRunner:
    """Runs backend hooks with output captured to the build log, a deadline, and the whole
    process tree killed on timeout or interruption."""

    def __init__(self, log: BuildLog, deadline: float, environment: Mapping[str, str],
                 hook_server: bool = True) -> None:
        self.log = log
        self.deadline = deadline
        # The hooks' whole environment (build/hook_environment.py), never the process's own.
        self.environment = dict(environment)
        self.timed_out = False
        # Marks every process the hooks start: a daemon that left the process group with
        # setsid() still inherits it, so it can be found and killed (see kill_marked).
        self.token = secrets.token_hex(16)
        self.use_hook_server = hook_server
        self._server: hookserver.HookServer | None = None

    def __call__(
        self, cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        env = {**self.environment, **(extra_environ or {}), _TOKEN_VARIABLE: self.token}
        if self.use_hook_server and hookserver.preloadable(cmd, env):
            returncode = self._run_on_server(cmd, cwd or os.getcwd(), env)
            if returncode is not None:
                if returncode:
                    raise subprocess.CalledProcessError(returncode, list(cmd))
                return
        process = subprocess.Popen(
            list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        assert process.stdout is not None
        copier = self.copy_output(process.stdout)
        try:
            process.wait(timeout=max(0.1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.timed_out = True
        finally:
            # Whatever the hook leaves behind (its process group, daemons that left it) dies
            # with it: a build's processes must not outlive it nor hold its output pipe open.
            _kill_tree(process)
            kill_marked(self.token, spare=self._server.process.pid if self._server is not None else None)
            self._wait_for_output(copier)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, list(cmd))

    def _run_on_server(self, cmd: Sequence[str], cwd: str, env: Mapping[str, str]) -> int | None:
        """The hook's return code, run by the hook server; None: run it the usual way."""
        server = self._server
        if server is None or not server.serves(cmd[0], env):
            self.close()
            with contextlib.suppress(hookserver.ServerUnavailable):
                self._server = hookserver.HookServer(cmd[0], cmd[1], cwd, env, self.copy_output)
            # This first hook runs the usual way while the server imports the backend beside it.
            return None
        server_died = False
        try:
            returncode, copier = server.run(cmd, cwd, self.deadline)
        except hookserver.ServerUnavailable as error:
            self.log.text(f"deploypack: the hook server stopped ({error}); hooks run as new processes again")
            self._server = None
            self.use_hook_server = False  # for the rest of this build: it would fail the same way
            return None
        except hookserver.ServerDied as died:
            # Its outcome unknown, the hook counts as failed (a hook that kills its parent...).
            (copier,) = died.args
            returncode, server_died = -signal.SIGKILL, True
            self.log.text("deploypack: the hook server ended while the hook ran; the hook is stopped and "
                          "counted as failed (DEPLOYPACK_HOOK_SERVER=false runs hooks as new processes)")
        try:
            if returncode is None:
                self.timed_out = True
                returncode = -signal.SIGKILL
        finally:
            server.kill_child()
            kill_marked(self.token, spare=server.process.pid)
            self._wait_for_output(copier)
            if self.timed_out or server_died:
                self.close()
        return returncode

    def copy_output(self, stream: IO[bytes]) -> threading.Thread:
        """A thread copying a child's output into the log, closing the stream at its end."""
        def copy() -> None:
            try:
                self.log.pump(stream)
            finally:
                stream.close()

        copier = threading.Thread(target=copy, daemon=True)
        copier.start()
        return copier

    def _wait_for_output(self, copier: threading.Thread) -> None:
        copier.join(timeout=5)
        if copier.is_alive():
            # A survivor still holds the pipe (no /proc, or it scrubbed its environment): the
            # copier is left to it (closing the stream under it would block on its lock).
            self.log.text("deploypack: a process started by the build still holds its output open; "
                          "its further output is not captured")

    def close(self) -> None:
        """Stop the hook server, if one runs (at the end of the build, whatever its outcome), and
        any hook of it an interruption left running (it has its own session, not the server's)."""
        if self._server is not None:
            self._server.close()
            self._server = None
            kill_marked(self.token)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    _kill_group(process.pid)
    with contextlib.suppress(Exception):
        process.wait(timeout=10)


_TOKEN_VARIABLE = "DEPLOYPACK_BUILD_TOKEN"


def kill_marked(token: str, spare: int | None = None) -> None:
    """Kill every process whose environment carries the build's token (Linux: /proc), but the
    hook server (`spare`), which carries it too. A double-forked daemon escapes the process
    group, but not its inherited environment; one that also rewrites its environment is
    beyond this (docs/security.md)."""
    marker = f"{_TOKEN_VARIABLE}={token}".encode() + b"\0"
    for _ in range(3):  # a daemon may fork again while being killed
        found = [pid for pid in _pids() if pid not in (os.getpid(), spare) and marker in _environment_of(pid)]
        if not found:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _pids() -> list[int]:
    try:
        return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []


def _environment_of(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            return b"\0" + handle.read()
    except OSError:
        return b""
