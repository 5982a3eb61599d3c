"""Hostile build code, run for real through `deploypack build` as a subprocess: a backend that
hangs, daemonises, floods its output, writes outside its directory, or emits an sdist with
members that would escape. Each test asserts the exit code, the message, the output directory,
and that deploypack itself wrote nothing anywhere else (TMPDIR is the test's own)."""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Run, clean_environ, run_subprocess
from tests.hostile.backends import hostile_project, is_running, tree_snapshot

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


@dataclass
class Sandbox:
    root: Path
    project: Path
    outdir: Path
    tmp: Path
    witness: Path

    def environ(self, **extra: str) -> dict[str, str]:
        # The hostile code finds its witness directory through a variable it is given on purpose.
        return clean_environ(TMPDIR=str(self.tmp), HOSTILE_WITNESS=str(self.witness),
                             DEPLOYPACK_PASS_ENV="HOSTILE_WITNESS", **extra)

    def build(self, *flags: str, **extra_env: str) -> tuple[Run, dict]:
        run = run_subprocess(["build", str(self.project), "--outdir", str(self.outdir), "--no-isolation",
                              "--format", "json", *flags], environ=self.environ(**extra_env), cwd=self.root,
                             timeout=180)
        assert run.stdout, run.stderr
        return run, json.loads(run.stdout)

    def temp_leftovers(self) -> list[str]:
        return sorted(path.name for path in self.tmp.iterdir())


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(root=tmp_path, project=tmp_path / "project", outdir=tmp_path / "out" / "dist",
                  tmp=tmp_path / "tmp", witness=tmp_path / "witness")
    box.tmp.mkdir()
    box.witness.mkdir()
    return box


def assert_failed_cleanly(box: Sandbox, report: dict, project_before: dict[str, bytes]) -> None:
    """A failed build: outdir never created, no staging left, the project untouched, and in
    TMPDIR only the build log the report names."""
    assert not box.outdir.exists()
    if box.outdir.parent.exists():
        assert list(box.outdir.parent.iterdir()) == []  # no staging directory left beside it
    assert tree_snapshot(box.project) == project_before
    log = box.root / report["log"] if report.get("log") else None  # relative to the working directory
    leftovers = box.temp_leftovers()
    assert leftovers == ([log.name] if log is not None and log.parent == box.tmp else []), leftovers
    assert sorted(p.name for p in box.root.iterdir()) == sorted(
        {"project", "tmp", "witness"} | ({"out"} if (box.root / "out").exists() else set()))


HANG = """
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    witness("grandchild.pid", child.pid)
    witness("backend.pid", os.getpid())
    print("waiting for something that never comes", flush=True)
    time.sleep(600)
"""


@pytest.mark.parametrize("where", ["in-tree-backend", "setup.py"])
def test_hanging_build_is_killed_with_its_grandchild_at_the_timeout(where: str, sandbox: Sandbox) -> None:
    if where == "setup.py":  # setuptools' legacy backend runs setup.py in the hook's process
        sandbox.project.mkdir()
        (sandbox.project / "setup.py").write_text(
            "import os, subprocess, sys, time\n"
            "WITNESS = os.environ['HOSTILE_WITNESS']\n"
            "def witness(name, text):\n    open(os.path.join(WITNESS, name), 'w').write(str(text))\n"
            + textwrap.dedent(HANG) + "from setuptools import setup\nsetup(name='hostile', version='1.0')\n"
        )
    else:
        hostile_project(sandbox.project, behaviour=HANG)
    before = tree_snapshot(sandbox.project)
    started = time.monotonic()
    run, report = sandbox.build("--timeout", "3")
    elapsed = time.monotonic() - started

    assert run.exit_code == 2, run.stderr
    [finding] = report["findings"]
    assert finding["code"] == "B009"
    assert "did not finish within 3 s" in finding["message"] and "killed" in finding["message"]
    assert elapsed < 60
    for name in ("backend.pid", "grandchild.pid"):
        pid = int((sandbox.witness / name).read_text())
        deadline = time.monotonic() + 5
        while is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not is_running(pid), f"{name} {pid} survived the timeout"
    assert_failed_cleanly(sandbox, report, before)


def test_daemonised_child_does_not_outlive_the_build_nor_hold_it(sandbox: Sandbox) -> None:
    # The classic double fork: setsid() leaves deploypack's process group, and the daemon keeps
    # the captured stdout open. The build must still finish promptly, and the daemon must die.
    hostile_project(sandbox.project, behaviour="""
        if stage == "sdist" and os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                witness("daemon.pid", os.getpid())
                print("daemon started", flush=True)
                time.sleep(600)  # silent: holds the output pipe open without ever writing
            os._exit(0)
        time.sleep(0.5)
    """)
    before = tree_snapshot(sandbox.project)
    started = time.monotonic()
    run, report = sandbox.build()
    elapsed = time.monotonic() - started

    assert run.exit_code in (0, 1), run.stderr
    assert elapsed < 60, f"the build waited {elapsed:.0f} s on the daemon's pipe"
    pid = int((sandbox.witness / "daemon.pid").read_text())
    deadline = time.monotonic() + 5
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_running(pid), "the daemonised child survived the build"
    assert {p.name for p in sandbox.outdir.iterdir()} >= {"hostile-1.0-py3-none-any.whl", "hostile-1.0.tar.gz"}
    assert "daemon started" in (sandbox.outdir / "deploypack-build.log").read_text()
    assert tree_snapshot(sandbox.project) == before
    assert sandbox.temp_leftovers() == []


def test_output_flood_is_captured_to_a_bounded_log_that_keeps_the_tail(sandbox: Sandbox) -> None:
    flood_mb = 200
    hostile_project(sandbox.project, behaviour=f"""
        if stage == "sdist":
            print("FIRST-LINE-OF-THE-BUILD", flush=True)
            line = b"x" * 1023 + b"\\n"
            block = line * 1024
            for _ in range({flood_mb}):
                sys.stdout.buffer.write(block)
            sys.stdout.flush()
            raise RuntimeError("THE-TELLING-TAIL: the real cause is here")
    """)
    before = tree_snapshot(sandbox.project)
    run, report = sandbox.build(DEPLOYPACK_MAX_LOG_SIZE="1MB")

    assert run.exit_code == 2, run.stderr
    [finding] = report["findings"]
    assert "THE-TELLING-TAIL" in finding["message"] + (finding.get("hint") or "")
    log = sandbox.root / report["log"]
    size = log.stat().st_size
    assert size <= 1024 * 1024 + 64 * 1024 + 4096, size  # the head, the kept tail, the omission line
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "FIRST-LINE-OF-THE-BUILD" in text
    assert "THE-TELLING-TAIL" in text.splitlines()[-1] or "THE-TELLING-TAIL" in text[-4096:]
    assert "bytes of output omitted" in text
    assert len(run.stdout) < 200_000 and len(run.stderr) < 200_000  # nothing streamed raw to the terminal
    assert_failed_cleanly(sandbox, report, before)


def test_backend_writing_outside_its_directory_is_not_stopped_but_deploypack_writes_only_its_outdir(
    sandbox: Sandbox,
) -> None:
    # deploypack runs the project's own build code and cannot sandbox it (docs/security.md):
    # the write outside happens. What deploypack itself writes stays in the outdir.
    hostile_project(sandbox.project, behaviour="""
        with open(os.path.join(WITNESS, f"written-by-{stage}-hook.txt"), "w") as handle:
            handle.write(os.getcwd())
    """)
    before = tree_snapshot(sandbox.project)
    run, report = sandbox.build()

    assert run.exit_code in (0, 1), run.stderr
    assert sorted(p.name for p in sandbox.witness.iterdir()) == ["written-by-sdist-hook.txt",
                                                                  "written-by-wheel-hook.txt"]
    assert tree_snapshot(sandbox.project) == before
    assert sandbox.temp_leftovers() == []
    assert sorted(p.name for p in sandbox.root.iterdir()) == ["out", "project", "tmp", "witness"]
    assert sorted(p.name for p in (sandbox.root / "out").iterdir()) == ["dist"]
    written = {p.name for p in sandbox.outdir.iterdir()}
    assert {"hostile-1.0.tar.gz", "hostile-1.0-py3-none-any.whl", ".deploypack-files"} <= written
    assert not [name for name in written if name.startswith(".deploypack-staging")]


ESCAPING_SDISTS = {
    # case: (code to add crafted members, the member the finding names, the code)
    "dotdot-member": ('''
        info = tarfile.TarInfo(f"{base}/../../escaped-by-dotdot")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    ''', "hostile-1.0/../../escaped-by-dotdot", "A003"),
    "absolute-member": ('''
        info = tarfile.TarInfo(os.path.join(WITNESS, "escaped-by-absolute-path"))
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    ''', None, "A003"),
    "symlink-then-write-through-it": ('''
        link = tarfile.TarInfo(f"{base}/etc")
        link.type, link.linkname = tarfile.SYMTYPE, WITNESS
        tar.addfile(link)
        info = tarfile.TarInfo(f"{base}/etc/escaped-through-symlink")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    ''', "hostile-1.0/etc", "A003"),
    "hardlink-to-etc-passwd": ('''
        link = tarfile.TarInfo(f"{base}/passwd")
        link.type, link.linkname = tarfile.LNKTYPE, "/etc/passwd"
        tar.addfile(link)
    ''', "hostile-1.0/passwd", "A003"),
    "device-file": ('''
        device = tarfile.TarInfo(f"{base}/null")
        device.type, device.devmajor, device.devminor = tarfile.CHRTYPE, 1, 3
        tar.addfile(device)
    ''', "hostile-1.0/null", "A004"),
}


@pytest.mark.parametrize("case", sorted(ESCAPING_SDISTS))
def test_crafted_sdist_is_never_unpacked_outside_the_staging_directory(case: str, sandbox: Sandbox) -> None:
    extra, member, code = ESCAPING_SDISTS[case]
    hostile_project(sandbox.project, sdist_extra=extra)
    before = tree_snapshot(sandbox.project)
    passwd = Path("/etc/passwd").stat()
    run, report = sandbox.build()

    assert run.exit_code == 2, run.stderr
    [finding] = report["findings"]
    assert finding["code"] == code, finding
    assert finding["artifact"] == "hostile-1.0.tar.gz"
    assert finding["member"] == (member or str(sandbox.witness / "escaped-by-absolute-path"))
    assert "building the wheel" in finding["message"] or "unpack" in finding["message"]
    assert [p.name for p in sandbox.witness.iterdir()] == []
    assert not list(sandbox.root.rglob("escaped-*"))
    assert Path("/etc/passwd").stat().st_nlink == passwd.st_nlink
    assert_failed_cleanly(sandbox, report, before)
