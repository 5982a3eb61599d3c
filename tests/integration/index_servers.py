"""Real package index servers on localhost for the tests that ask an index (the release gate,
the release diff): pypiserver, started per module on a free port, uploads through real twine."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import clean_environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the index server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class PypiServer:
    def __init__(self, url: str, packages: Path) -> None:
        self.url = url  # the simple API base
        self.packages = packages

    def upload(self, *dists: Path) -> None:
        """Real twine, real HTTP upload."""
        result = subprocess.run(
            [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
             "--repository-url", self.url.removesuffix("simple/"), "-u", "tester", "-p", "unused", *map(str, dists)],
            capture_output=True, text=True, timeout=120, env=clean_environ(),
        )
        assert result.returncode == 0, result.stdout + result.stderr


def run_pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A pypiserver on a free port for as long as the generator runs (the `pypiserver` fixture)."""
    packages = tmp_path_factory.mktemp("index-packages")
    port = free_port()
    log = (packages.parent / "pypiserver.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "pypiserver", "run", "-p", str(port), "-i", "127.0.0.1", "-a", ".", "-P", ".",
         "--disable-fallback", str(packages)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        yield PypiServer(f"http://127.0.0.1:{port}/simple/", packages)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
