"""Run a monorepo plan here, the matrix's jobs as parallel processes (`deploypack plan --run`).

Each job is exactly what a matrix job runs — `deploypack build <path> --outdir
<jobs>/<artifact-name>` — as its own process, so a local run and a CI run take the same
code path. The jobs' output goes to `<logs>/<artifact-name>.txt`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from deploypack.core.errors import UsageError

JOBS_MARKER = ".deploypack-jobs"
REPORT_NAME = "deploypack-report.json"


@dataclasses.dataclass(frozen=True)
class JobResult:
    entry: Mapping[str, Any]
    exit_code: int
    seconds: float
    outdir: Path
    output: Path  # the job's stdout and stderr


def job_command(entry: Mapping[str, Any], jobs_dir: Path, build_args: Sequence[str],
                python: str | None = None) -> list[str]:
    """The matrix job's command line."""
    outdir = jobs_dir / entry["artifact-name"]
    return [python or sys.executable, "-m", "deploypack", "build", str(entry["path"]), "--outdir", str(outdir),
            "--report", str(outdir / REPORT_NAME), "--format", "text", *build_args]


def prepare_dir(jobs_dir: Path) -> None:
    """A fresh directory for the jobs: deploypack's own from an earlier run, or a new one."""
    if jobs_dir.exists():
        if not (jobs_dir / JOBS_MARKER).is_file():
            raise UsageError(f"{str(jobs_dir)!r} exists and was not made by `deploypack plan --run`",
                             hint="choose another --outdir, or remove that directory")
        shutil.rmtree(jobs_dir)
    jobs_dir.mkdir(parents=True)
    (jobs_dir / JOBS_MARKER).write_text("made by deploypack plan --run; replaced by the next run\n",
                                        encoding="utf-8")


class _Processes:
    """The live job processes, so an interruption stops every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[bytes]] = set()
        self.stopping = False

    def start(self, command: list[str], output: Path, environ: Mapping[str, str]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self.stopping:
                raise InterruptedError
            with output.open("wb") as stream:
                process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, env=dict(environ),
                                           start_new_session=True)
            self._live.add(process)
            return process

    def finished(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            for process in self._live:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)  # the build forwards it to its backend
            live = list(self._live)
        for process in live:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def run_jobs(
    entries: Sequence[Mapping[str, Any]],
    jobs_dir: Path,
    logs_dir: Path,
    jobs: int,
    build_args: Sequence[str],
    environ: Mapping[str, str],
    progress: Callable[[str], None],
) -> list[JobResult]:
    """Every entry's build, at most `jobs` at a time; results in the plan's order."""
    prepare_dir(jobs_dir)
    prepare_dir(logs_dir)
    processes = _Processes()

    def run(entry: Mapping[str, Any]) -> JobResult:
        output = logs_dir / f"{entry['artifact-name']}.txt"
        started = time.monotonic()
        progress(f"job {entry['artifact-name']}: deploypack build {entry['path']}")
        process = processes.start(job_command(entry, jobs_dir, build_args), output, environ)
        try:
            code = process.wait()
        finally:
            processes.finished(process)
        seconds = time.monotonic() - started
        progress(f"job {entry['artifact-name']}: exit {code} after {seconds:.1f}s")
        return JobResult(entry, code, seconds, jobs_dir / entry["artifact-name"], output)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="deploypack-job")
    try:
        futures = [pool.submit(run, entry) for entry in entries]
        return [future.result() for future in futures]
    except BaseException:
        processes.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
