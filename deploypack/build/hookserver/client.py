"""The parent's side of the hook server (see the package docstring)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

_SERVER_SCRIPT = Path(__file__).with_name("server.py")
_ENDED = object()
_IN_PROCESS_SCRIPT = "_in_process.py"  # pyproject_hooks' hook script
# Backends whose import only defines code (no reading of the working directory or the
# project): importing them ahead of the hook changes nothing but when the import happens.
_PRELOADABLE = frozenset({
    "setuptools.build_meta", "hatchling.build", "flit_core.buildapi", "poetry.core.masonry.api",
    "pdm.backend",
})


def preloadable(cmd: Sequence[str], env: Mapping[str, str]) -> bool:
    """Whether this command is a hook call a server may run: pyproject_hooks' script, a known
    backend that is not in-tree, and a platform that can fork and pass descriptors."""
    backend = env.get("_PYPROJECT_HOOKS_BUILD_BACKEND", "").partition(":")[0]
    return (
        len(cmd) == 4 and Path(cmd[1]).name == _IN_PROCESS_SCRIPT
        and backend in _PRELOADABLE and not env.get("_PYPROJECT_HOOKS_BACKEND_PATH_JSON")
        and hasattr(os, "fork") and hasattr(socket, "send_fds")
    )


class ServerUnavailable(Exception):
    """The server could not take the request; nothing has run: start the hook the usual way."""


class ServerDied(Exception):
    """The server ended while the hook ran: the hook's outcome is unknown."""


class HookServer:
    """One server process for one interpreter and environment."""

    def __init__(self, python: str, in_process_script: str, cwd: str, env: Mapping[str, str],
                 copy_output: Callable[[IO[bytes]], threading.Thread]) -> None:
        self.python = python
        self.env = dict(env)
        self._copy_output = copy_output
        ours, theirs = socket.socketpair()
        self._channel = ours
        try:
            self.process = subprocess.Popen(
                [python, str(_SERVER_SCRIPT), in_process_script, str(theirs.fileno()),
                 self.env.get("_PYPROJECT_HOOKS_BUILD_BACKEND", "")],
                cwd=cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, pass_fds=(theirs.fileno(),), start_new_session=True,
            )
        except OSError as error:
            ours.close()
            raise ServerUnavailable(str(error)) from None
        finally:
            theirs.close()
        assert self.process.stdout is not None
        # The server's own output (the backend's import warnings) goes to the build log.
        self._server_output = copy_output(self.process.stdout)
        self._replies = self._channel.makefile("rb")
        self.child_pid: int | None = None

    def serves(self, python: str, env: Mapping[str, str]) -> bool:
        return self.process.poll() is None and python == self.python and dict(env) == self.env

    def run(self, cmd: Sequence[str], cwd: str, deadline: float) -> tuple[int | None, threading.Thread]:
        """Run one hook; (its return code, or None when the deadline passed, and the thread
        copying its output). Raises ServerUnavailable when the hook could not be started, and
        ServerDied (with the copying thread) when the server ended while the hook ran."""
        read_end, write_end = os.pipe()
        request = json.dumps({"argv": list(cmd[1:]), "cwd": cwd}).encode()
        try:
            self._channel.settimeout(max(0.1, deadline - time.monotonic()))
            socket.send_fds(self._channel, [len(request).to_bytes(8, "big")], [write_end])
            self._channel.sendall(request)
        except OSError as error:
            os.close(read_end)
            raise ServerUnavailable(str(error)) from None
        finally:
            os.close(write_end)
        copier = self._copy_output(os.fdopen(read_end, "rb"))
        started = self._reply("pid", deadline)
        if not isinstance(started, int):
            # The server ended or hung before forking: nothing of the hook ran.
            self.close()
            copier.join(timeout=5)
            raise ServerUnavailable("it did not start the hook")
        self.child_pid = started
        returncode = self._reply("returncode", deadline)
        if returncode is _ENDED:
            raise ServerDied(copier)
        return (returncode if isinstance(returncode, int) else None), copier

    def _reply(self, key: str, deadline: float) -> int | object | None:
        """The reply's value; None when the deadline passed; _ENDED when the server is gone."""
        try:
            self._channel.settimeout(max(0.1, deadline - time.monotonic()))
            line = self._replies.readline()
        except TimeoutError:
            return None
        except (OSError, ValueError):
            return _ENDED
        try:
            value = json.loads(line)[key] if line else _ENDED
        except (ValueError, KeyError, TypeError):
            return _ENDED
        return value if isinstance(value, int) else _ENDED

    def kill_child(self) -> None:
        if self.child_pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child_pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop the server (and a hook still running); safe to call more than once."""
        self.kill_child()
        with contextlib.suppress(OSError):
            self._replies.close()
            self._channel.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=10)
        self._server_output.join(timeout=5)
