"""A monorepo end to end: plan → one build per package (parallel processes) → merge.

examples/monorepo holds three packages built by three backends (setuptools, hatchling,
flit_core), two of them depending on the third. `plan --run --jobs 3` runs the matrix here as
processes; the same plan run job by job as a workflow would (`deploypack build <path> --outdir
<dir>/<artifact-name>`, then `deploypack merge`) must give the same release.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, SCHEMAS, clean_environ, git_init, run_subprocess
from tests.projects import pyproject

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE = REPO / "examples" / "monorepo"
EXPECTED_FILES = sorted([
    "dpdemo_cli-1.0.0-py3-none-any.whl", "dpdemo_cli-1.0.0.tar.gz",
    "dpdemo_core-1.0.0-py3-none-any.whl", "dpdemo_core-1.0.0.tar.gz",
    "dpdemo_plugins-1.0.0-py3-none-any.whl", "dpdemo_plugins-1.0.0.tar.gz",
])


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mono") / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info", "__pycache__"))
    (root / ".gitignore").write_text("dist/\nout/\n*.egg-info/\n")
    git_init(root, tag="v1.0.0")
    return root


@pytest.fixture(scope="module")
def local_run(monorepo: Path) -> subprocess.CompletedProcess[str]:
    """`deploypack plan --run --jobs 3` once for the module."""
    return subprocess.run([sys.executable, "-m", "deploypack", "plan", str(monorepo), "--run", "--jobs", "3"],
                          capture_output=True, text=True, env=clean_environ(), timeout=1800)


def dists_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".whl", ".tar.gz")))


def wheel_text(path: Path, member_suffix: str) -> str:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(member_suffix))
        return archive.read(name).decode()


def test_plan_lists_the_three_packages(monorepo):
    run = run_subprocess(["plan", str(monorepo)])
    assert run.exit_code == 0, run.stderr
    include = json.loads(run.stdout)["include"]
    assert [(e["name"], e["artifact-name"]) for e in include] == [
        ("dpdemo-cli", "dist-dpdemo-cli"), ("dpdemo-core", "dist-dpdemo-core"),
        ("dpdemo-plugins", "dist-dpdemo-plugins"),
    ]
    assert all(Path(e["path"]).is_dir() for e in include)


def test_run_builds_every_package_in_parallel_and_merges(monorepo, local_run):
    assert local_run.returncode == 0, local_run.stdout + local_run.stderr
    progress = local_run.stderr.splitlines()
    starts = [i for i, line in enumerate(progress) if ": deploypack build " in line]
    ends = [i for i, line in enumerate(progress) if ": exit " in line]
    assert len(starts) == 3 and len(ends) == 3
    assert max(starts) < min(ends), "with --jobs 3 all three builds run at once"

    merged = monorepo / "dist" / "merged"
    assert dists_in(merged) == EXPECTED_FILES
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=merged, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 6
    manifest = json.loads((merged / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads((SCHEMAS / "merged-manifest.schema.json").read_text()))
    assert [(p["name"], p["version"]) for p in manifest["packages"]] == [
        ("dpdemo-cli", "1.0.0"), ("dpdemo-core", "1.0.0"), ("dpdemo-plugins", "1.0.0"),
    ]
    assert all(p["findings"] == {"error": 0, "warning": 0, "note": 0} for p in manifest["packages"])
    verified = run_subprocess(["verify", str(merged)])  # the merged release is a verifiable release directory
    assert verified.exit_code == 0, verified.stdout + verified.stderr

    generators = {wheel_text(merged / name, ".dist-info/WHEEL").split("Generator: ")[1].split()[0]
                  for name in EXPECTED_FILES if name.endswith(".whl")}
    assert {g.split(" ")[0] for g in generators} == {"setuptools", "hatchling", "flit"}
    for dependent in ("dpdemo_cli-1.0.0-py3-none-any.whl", "dpdemo_plugins-1.0.0-py3-none-any.whl"):
        assert "Requires-Dist: dpdemo-core>=1.0" in wheel_text(merged / dependent, ".dist-info/METADATA")


def test_the_workflow_path_gives_the_same_release(monorepo, local_run, tmp_path):
    """What examples/workflows/monorepo.yml does: plan, one `deploypack build` per entry, merge."""
    assert local_run.returncode == 0
    plan = json.loads(run_subprocess(["plan", str(monorepo)]).stdout)
    artifacts = tmp_path / "artifacts"  # as actions/download-artifact lays them out
    jobs = [
        subprocess.Popen([sys.executable, "-m", "deploypack", "build", entry["path"],
                          "--outdir", str(artifacts / entry["artifact-name"])],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=clean_environ())
        for entry in plan["include"]
    ]
    for process in jobs:
        output, _ = process.communicate(timeout=1800)
        assert process.returncode == 0, output
    release = tmp_path / "release"
    run = run_subprocess(["merge", *sorted(str(p) for p in artifacts.iterdir()), "--outdir", str(release)])
    assert run.exit_code == 0, run.stdout + run.stderr
    assert dists_in(release) == EXPECTED_FILES
    # built from the same commit with SOURCE_DATE_EPOCH from it: the same wheels as the local run (a
    # setuptools sdist keeps the files' own mtimes, so sdists are compared by name only)
    local = (monorepo / "dist" / "merged" / "SHA256SUMS").read_text().splitlines()
    here = (release / "SHA256SUMS").read_text().splitlines()
    assert [line for line in here if line.endswith(".whl")] == [line for line in local if line.endswith(".whl")]
    assert [line.split()[1] for line in here] == [line.split()[1] for line in local]


def test_merging_a_package_twice_is_refused(monorepo, local_run, tmp_path):
    assert local_run.returncode == 0
    jobs = monorepo / "dist" / "jobs"
    copy = tmp_path / "dist-dpdemo-core-again"
    shutil.copytree(jobs / "dist-dpdemo-core", copy)
    run = run_subprocess(["merge", *sorted(str(p) for p in jobs.iterdir() if p.is_dir()), str(copy),
                          "--outdir", str(tmp_path / "release"), "--format", "json"])
    assert run.exit_code == 1
    duplicated = sorted(f["artifact"] for f in run.json()["findings"] if f["code"] == "J001")
    assert "dpdemo_core-1.0.0.tar.gz" in duplicated and "dpdemo_core-1.0.0-py3-none-any.whl" in duplicated
    assert not (tmp_path / "release").exists()


def test_a_failing_job_stops_before_the_merge(tmp_path):
    root = tmp_path / "repo"
    good = root / "good"
    (good / "good_pkg").mkdir(parents=True)
    (good / "good_pkg" / "__init__.py").write_text('"""Good."""\n')
    (good / "README.md").write_text("# good\n")
    (good / "pyproject.toml").write_text(pyproject(
        "flit", "good-pkg", "1.0", description="good", readme="README.md", requires_python=">=3.9",
        project='classifiers = ["Programming Language :: Python :: 3"]'))
    (root / "broken").mkdir()
    (root / "broken" / "pyproject.toml").write_text('[project\nname = "broken"\n')
    git_init(root, tag="v1.0")
    run = run_subprocess(["plan", str(root), "--run", "--jobs", "2", "--build-args=--no-isolation"])
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "a job failed (exit 2); not merged" in run.stdout
    assert not (root / "dist" / "merged").exists()
    assert "pyproject.toml" in (root / "dist" / "logs" / "dist-broken.txt").read_text()
    built = dists_in(root / "dist" / "jobs" / "dist-good-pkg")
    assert built == ["good_pkg-1.0-py3-none-any.whl", "good_pkg-1.0.tar.gz"]
    again = run_subprocess(["plan", str(root), "--run", "--jobs", "2", "--build-args=--no-isolation"])
    assert again.exit_code == 2  # the jobs directory of the earlier run is replaced, not refused


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in command:
                found.append(command)
    return found


def test_sigterm_stops_every_running_job(tmp_path):
    root = tmp_path / "repo"
    for name in ("slow-a", "slow-b"):
        package = root / name
        package.mkdir(parents=True)
        (package / "setup.py").write_text(
            "import os, pathlib, time\n"
            f"pathlib.Path({str(tmp_path)!r}, {name!r} + '.started').write_text(str(os.getpid()))\n"
            "time.sleep(300)\n"
            f"from setuptools import setup\nsetup(name={name!r}, version='1.0')\n"
        )
    git_init(root, tag="v1.0")
    runner = subprocess.Popen(
        [sys.executable, "-m", "deploypack", "plan", str(root), "--run", "--jobs", "2", "--build-args=--no-isolation"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_environ(),
    )
    try:
        deadline = time.monotonic() + 300
        while not all((tmp_path / f"{name}.started").exists() for name in ("slow-a", "slow-b")):
            assert time.monotonic() < deadline and runner.poll() is None, runner.communicate()
            time.sleep(0.2)
        assert len(_processes_mentioning(str(root))) >= 2
        started = time.monotonic()
        runner.send_signal(signal.SIGTERM)
        _out, err = runner.communicate(timeout=120)
        assert runner.returncode == 143, err
        assert time.monotonic() - started < 60
        time.sleep(1)
        assert _processes_mentioning(str(root)) == []  # no build left behind
        for name in ("slow-a", "slow-b"):  # and no backend: the processes running setup.py are gone
            backend = Path("/proc") / (tmp_path / f"{name}.started").read_text()
            assert not backend.exists() or "zombie" in (backend / "status").read_text()
    finally:
        if runner.poll() is None:
            runner.kill()
