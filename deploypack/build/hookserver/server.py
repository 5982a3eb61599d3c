# The hook server, run by path with a build environment's interpreter (deploypack itself is not
# importable there, and nothing but the standard library may be imported before the backend).
#
#   python server.py IN_PROCESS_SCRIPT SOCKET_FD BACKEND
#
# The server runs with exactly the hooks' environment (the client reuses a server only for an
# identical one), so a child inherits it as is, with whatever the backend's import did to it,
# as in a hook process that imported the backend itself.
#
# Requests arrive on the socket: an 8-byte length, a JSON object {argv, cwd}, and the
# write end of the output pipe as an attached file descriptor. Replies are JSON lines:
# {"pid": N} when the child runs, then {"returncode": N} when it has exited.
import sys

# `python script.py` puts the script's directory first on sys.path; a hook process has
# pyproject_hooks' directory there, not deploypack's (whose module names would shadow others).
sys.path[0] = __import__("os").path.dirname(sys.argv[1])

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import socket  # noqa: E402
from typing import Any  # noqa: E402

_MAX_REQUEST = 16 * 1024 * 1024


def _preload() -> bool:
    """Import the backend as the hook would; False if that fails (a half-done import must not
    be inherited: the server then exits, and the hook runs, and fails, the usual way)."""
    backend = sys.argv[3] if len(sys.argv) > 3 else ""  # never an in-tree one: the client checks
    if not backend:
        return False
    try:
        importlib.import_module(backend.partition(":")[0])
    except BaseException:  # noqa: BLE001 - whatever the backend raises
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return True


def _receive(channel: socket.socket) -> tuple[dict[str, Any], int] | None:
    header, fds, _, _ = socket.recv_fds(channel, 8, 1)
    if len(header) != 8 or len(fds) != 1:
        return None
    size = int.from_bytes(header, "big")
    if size > _MAX_REQUEST:
        return None
    body = b""
    while len(body) < size:
        part = channel.recv(size - len(body))
        if not part:
            return None
        body += part
    return json.loads(body), fds[0]


def _become_the_hook(request: dict[str, Any], output_fd: int, channel: socket.socket) -> None:
    """In the child: turn into `request["argv"]` run in `request["cwd"]` (never returns normally
    to the server loop: the caller raises SystemExit, so the interpreter exits as a script would)."""
    os.setsid()
    channel.close()
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    runpy.run_path(sys.argv[0], run_name="__main__")


def main() -> None:
    channel = socket.socket(fileno=int(sys.argv[2]))
    if not _preload():
        return
    while True:
        received = _receive(channel)
        if received is None:
            return
        request, output_fd = received
        pid = os.fork()
        if pid == 0:
            _become_the_hook(request, output_fd, channel)
            raise SystemExit(0)
        os.close(output_fd)
        channel.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        channel.sendall(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode() + b"\n")


main()
