"""Nothing half-written: --outdir is as before after a signal, a failure or a refusal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import clean_environ, run_cli
from tests.projects import build_system

pytestmark = pytest.mark.integration

# The wheel build sleeps (only when asked to), so a signal can land in the middle of it.
SLEEPY = {
    "pyproject.toml": build_system("setuptools"),
    "setup.py": """\
import os
import sys
import time

from setuptools import setup

if "bdist_wheel" in sys.argv and os.environ.get("SLEEPY_MARKER"):
    with open(os.environ["SLEEPY_MARKER"], "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(120)

setup(name="sleepy", version="1.0.0", py_modules=["sleepy"], description="sleeps while building its wheel")
""",
    "sleepy.py": "VALUE = 1\n",
}


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def staging_leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.parent.iterdir() if p.name.startswith(".deploypack-staging-")]


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize(("signal_number", "exit_code", "moment"), [
    (signal.SIGTERM, 143, "inside the wheel hook"),
    (signal.SIGTERM, 143, "as soon as the wheel step starts"),
    (signal.SIGINT, 130, "inside the wheel hook"),
])
def test_a_signal_during_the_wheel_build_leaves_the_outdir_unchanged(
    make_project, tmp_path: Path, signal_number: int, exit_code: int, moment: str,
) -> None:
    root = make_project(SLEEPY, "sleepy")
    outdir = root / "dist"
    first = run_cli(["build", str(root)])  # an earlier, complete run: its files must survive
    assert first.exit_code == 0, first.stdout + first.stderr
    before = snapshot(outdir)
    assert {"SHA256SUMS", "manifest.json", ".deploypack-files"} <= set(before)

    marker = tmp_path / "marker"
    temporary = tmp_path / "tmp"  # the run's own TMPDIR, to see that its work directory goes away
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "deploypack", "build", str(root)],
        env=clean_environ(SLEEPY_MARKER=str(marker), DEPLOYPACK_PASS_ENV="SLEEPY_MARKER", TMPDIR=str(temporary)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "building wheel" in line:
            break
    else:
        pytest.fail("no 'building wheel' progress line:\n" + "".join(seen))
    if moment == "inside the wheel hook":
        wait_for(lambda: marker.is_file() and marker.read_text().strip(), 120, "the wheel hook to start")
    process.send_signal(signal_number)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == exit_code, "".join(seen) + rest
    assert "output directory was left as it was" in rest
    assert snapshot(outdir) == before
    assert staging_leftovers(outdir) == []
    assert [p.name for p in temporary.iterdir() if p.name.startswith("deploypack-")] == []
    if marker.is_file() and marker.read_text().strip():
        pid = int(marker.read_text())
        wait_for(lambda: not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid), 10, "the backend to die")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def test_a_failed_build_leaves_the_outdir_unchanged(make_project) -> None:
    root = make_project(SLEEPY, "fails")
    first = run_cli(["build", str(root)])
    assert first.exit_code == 0, first.stdout + first.stderr
    before = snapshot(root / "dist")
    (root / "setup.py").write_text("raise RuntimeError('broken on purpose')\n")
    failed = run_cli(["build", str(root)])
    assert failed.exit_code == 2
    assert snapshot(root / "dist") == before
    assert staging_leftovers(root / "dist") == []


def test_foreign_files_are_refused_by_name_and_clean_removes_them(make_project) -> None:
    root = make_project(SLEEPY, "foreign")
    outdir = root / "dist"
    outdir.mkdir()
    (outdir / "sleepy-0.9.0-py3-none-any.whl").write_bytes(b"a stale wheel")
    refused = run_cli(["build", str(root)])
    assert refused.exit_code == 3
    assert "sleepy-0.9.0-py3-none-any.whl" in refused.stderr and "--clean" in refused.stderr
    assert [p.name for p in outdir.iterdir()] == ["sleepy-0.9.0-py3-none-any.whl"]
    cleaned = run_cli(["build", str(root), "--clean"])
    assert cleaned.exit_code == 0, cleaned.stdout + cleaned.stderr
    names = sorted(p.name for p in outdir.iterdir())
    assert "sleepy-0.9.0-py3-none-any.whl" not in names and "sleepy-1.0.0-py3-none-any.whl" in names
    # the next run replaces deploypack's own files without --clean
    again = run_cli(["build", str(root)])
    assert again.exit_code == 0 and sorted(p.name for p in outdir.iterdir()) == names
    assert os.listdir(root.parent).count("foreign") == 1 and staging_leftovers(outdir) == []


def test_the_sdist_never_contains_the_runs_own_files(project) -> None:
    """hatchling packs every file git does not ignore: the run's work files must not be in the tree."""
    import tarfile

    root = project("hatchling")  # no .gitignore, outdir inside the project
    for _ in range(2):  # the second run also has the first run's dist/ in the tree
        run = run_cli(["build", str(root)])
        assert run.exit_code == 0, run.stdout + run.stderr
        with tarfile.open(next((root / "dist").glob("*.tar.gz"))) as sdist:
            assert not [name for name in sdist.getnames() if "deploypack" in name or "/dist/" in name]


@pytest.mark.slow
def test_sigterm_at_any_moment_leaves_the_previous_output_or_the_complete_new_one(project, tmp_path: Path) -> None:
    """A sweep of signal times over a whole run, commit included: never a mix, never a leftover."""
    root = project("flit")
    outdir = root / "dist"
    command = [sys.executable, "-m", "deploypack", "build", str(root), "--no-isolation"]
    started = time.monotonic()
    first = subprocess.run(command, env=clean_environ(), capture_output=True, text=True)
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stdout + first.stderr
    (outdir / "SHA256SUMS").write_text("tampered, to tell the previous output from a new one\n")
    previous = snapshot(outdir)
    outcomes = set()
    for step in range(12):
        process = subprocess.Popen(command, env=clean_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (0.1 + step * 0.14))  # from early in the build to after the end
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=120)
        # -15: the signal came while the interpreter was exiting after a complete run, when the
        # default action is back (a shell reports it as 143 too)
        assert code in (0, 143, -signal.SIGTERM), code
        assert staging_leftovers(outdir) == []
        now = snapshot(outdir)
        if now == previous:
            outcomes.add("previous")
            continue
        verified = run_cli(["verify", str(outdir)])  # a complete, consistent new output
        assert verified.exit_code == 0, (step, code, verified.stdout)
        assert set(now) == set(previous)
        outcomes.add("new")
        (outdir / "SHA256SUMS").write_text("tampered, to tell the previous output from a new one\n")
        previous = snapshot(outdir)
    assert "previous" in outcomes  # the sweep did interrupt runs
