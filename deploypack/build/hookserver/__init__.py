"""Run backend hooks as forks of a process that has already imported the backend.

`build` runs each PEP 517 hook in a new Python process (`python _in_process.py HOOK DIR`):
four per build, each paying for an interpreter start and the backend's import (≈ 0.3 s for
setuptools here) before doing any work. A hook server is started once per build environment,
imports the backend, and forks a child per hook request: the child becomes exactly that
command — its own session, working directory, standard streams and argv, in the very
environment the server was started with (a server serves one environment only) — and
runs pyproject_hooks' own script, so each hook still runs in a fresh process with nothing
left over from another hook; only the backend's import is shared, done as it would be.

Only well-known backends whose import reads nothing from the project are preloaded; any other
backend, an in-tree backend (backend-path), a platform without fork, or a server that fails to
start or answer makes the runner start the hook the usual way.
"""

from deploypack.build.hookserver.client import HookServer, ServerDied, ServerUnavailable, preloadable

__all__ = ["HookServer", "ServerDied", "ServerUnavailable", "preloadable"]
