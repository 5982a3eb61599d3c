"""--reproducible builds a second time from a fresh copy and compares archives member by member."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.projects import build_system, pyproject

pytestmark = pytest.mark.integration


def findings(run_stdout: str) -> list[dict]:
    return json.loads(run_stdout)["findings"]


@pytest.mark.corpus
@pytest.mark.slow
def test_a_pure_python_corpus_project_rebuilds_bit_for_bit(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    run = run_cli(["build", str(corpus_trees["packaging"]), "--reproducible", "--format", "json",
                   "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    notes = {f["artifact"]: f["message"] for f in report["findings"] if f["code"] == "P001"}
    assert not [f for f in report["findings"] if f["code"] in ("P002", "P003")]
    assert set(notes) == {Path(a["path"]).name for a in report["artifacts"]}
    for artifact in report["artifacts"]:
        assert artifact["sha256"] in notes[Path(artifact["path"]).name]
    assert "reproducible" in report["timings"]


PLANTED = {
    "pyproject.toml": pyproject("flit", "planted", description="a build that writes a random stamp",
                                requires_python=">=3.9"),
    # flit imports the module to read the version only if asked to; here the backend hook itself is wrapped
    "planted/__init__.py": '"""planted"""\n',
}

PLANTED_BACKEND = '''\
"""flit_core, except that building a wheel first writes a random build stamp into the package."""
import os
import pathlib

from flit_core.buildapi import *  # noqa: F401,F403
from flit_core import buildapi as _flit


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pathlib.Path("planted/_stamp.py").write_text(f"STAMP = {os.urandom(8).hex()!r}\\n")
    return _flit.build_wheel(wheel_directory, config_settings, metadata_directory)
'''


def test_planted_non_determinism_is_reported_with_the_member(make_project, tmp_path: Path) -> None:
    files = dict(PLANTED)
    files["pyproject.toml"] = files["pyproject.toml"].replace(
        'build-backend = "flit_core.buildapi"', 'build-backend = "stamp_backend"\nbackend-path = ["_backend"]')
    files["pyproject.toml"] += '\n[tool.flit.sdist]\ninclude = ["_backend/"]\n'
    files["_backend/stamp_backend.py"] = PLANTED_BACKEND
    root = make_project(files, "planted", git=True)
    run = run_cli(["build", str(root), "--reproducible", "--format", "json", "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    [different] = [f for f in report["findings"] if f["code"] == "P002"]
    assert different["severity"] == "warning"
    assert different["artifact"] == "planted-1.0.0-py3-none-any.whl"
    assert different["member"] == "planted/_stamp.py"
    assert "content: 2 members (planted/_stamp.py, planted-1.0.0.dist-info/RECORD)" in different["message"]
    [same] = [f for f in report["findings"] if f["code"] == "P001"]
    assert same["artifact"] == "planted-1.0.0.tar.gz"  # the sdist does not carry the stamp: identical


def test_a_rebuild_that_needs_untracked_files_is_reported(make_project, tmp_path: Path) -> None:
    root = make_project({
        "pyproject.toml": PLANTED["pyproject.toml"],
        "planted/__init__.py": '"""planted"""\n',
        ".gitignore": "planted/\n",  # the package itself is ignored: a fresh checkout lacks it
    }, "untracked")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "r"]):
        subprocess.run([*git, *command], check=True)
    run = run_cli(["build", str(root), "--reproducible", "--format", "json", "--outdir", str(tmp_path / "dist")])
    codes = [f["code"] for f in json.loads(run.stdout)["findings"]]
    assert "P003" in codes, run.stdout


def test_a_setup_py_writing_a_random_stamp_is_reported_in_both_archives(make_project, tmp_path: Path) -> None:
    root = make_project({
        "setup.py": """\
import os
import pathlib

from setuptools import setup

pathlib.Path("stamped/_stamp.py").write_text(f"STAMP = {os.urandom(8).hex()!r}\\n")
setup(name="stamped", version="1.0.0", packages=["stamped"], description="writes a stamp when built")
""",
        "pyproject.toml": build_system("setuptools"),
        "stamped/__init__.py": "",
        ".gitignore": "stamped/_stamp.py\n",
    }, "stamped", git=True)
    run = run_cli(["build", str(root), "--reproducible", "--format", "json", "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 0, run.stdout + run.stderr
    different = {f["artifact"]: f for f in json.loads(run.stdout)["findings"] if f["code"] == "P002"}
    assert different["stamped-1.0.0-py3-none-any.whl"]["member"] == "stamped/_stamp.py"
    assert different["stamped-1.0.0.tar.gz"]["member"] == "stamped-1.0.0/stamped/_stamp.py"
    assert "content: 1 member (stamped-1.0.0/stamped/_stamp.py)" in different["stamped-1.0.0.tar.gz"]["message"]
