"""Real builds of the mini-projects under tests/data/projects: every backend and config style,
and one broken project per build-failure class, each asserting the code, file and line."""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SCHEMAS, run_cli

pytestmark = pytest.mark.integration

GOOD = {
    "setuppy-only": ("setuppy-only", "0.3.0"),
    "setupcfg": ("setupcfg-project", "1.2.0"),
    "pep621-setuptools": ("pep621-setuptools", "2.0.1"),
    "hatchling": ("hatch-demo", "0.1.0"),
    "flit": ("flit_demo", "0.2.0"),
    "poetry": ("poetry-demo", "0.4.0"),
    "pdm": ("pdm-demo", "0.5.0"),
    "in-tree-backend": ("in-tree-demo", "1.0.0"),
}


def report_schema() -> dict:
    return json.loads((SCHEMAS / "report.schema.json").read_text())


@pytest.mark.parametrize("case", sorted(GOOD))
def test_every_backend_builds_clean(case: str, project, tmp_path: Path) -> None:
    tree = project(case, git=True)
    outdir = tmp_path / "out"
    run = run_cli(["build", str(tree), "--outdir", str(outdir), "--format", "json"])
    report = run.json()
    jsonschema.validate(report, report_schema())
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert errors == [], run.stderr
    assert run.exit_code == 0 and report["ok"] is True
    name, version = GOOD[case]
    assert (report["project"]["name"], report["project"]["version"]) == (name, version)
    kinds = sorted(artifact["kind"] for artifact in report["artifacts"])
    assert kinds == ["sdist", "wheel"]
    for artifact in report["artifacts"]:
        path = outdir / Path(artifact["path"]).name
        assert path.is_file() and path.stat().st_size == artifact["size"]
    wheel = next(outdir.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert any(n.endswith(".dist-info/METADATA") for n in archive.namelist())
    sdist = next(outdir.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/PKG-INFO") for n in archive.getnames())
    # progress goes to stderr, the report to stdout
    assert "building sdist" in run.stderr and "building wheel from sdist" in run.stderr


BROKEN = {
    # case: (exit code, code, file, line, column, words in the message)
    "broken-toml-syntax": (2, "B001", "pyproject.toml", 7, 17, "pyproject.toml"),
    "broken-requirement": (2, "B003", "pyproject.toml", 2, None, "deploypack-test-no-such-package-3f9c2"),
    "broken-backend": (2, "B004", "pyproject.toml", 3, None, "setuptools.build_metta"),
    "broken-setup-raises": (2, "B005", "setup.py", 7, None, "IndexError"),
    "broken-missing-readme": (2, "B006", "pyproject.toml", 9, None, "README.md"),
    "broken-missing-from-sdist": (2, "B007", "version.txt", None, None, "not in the sdist"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_build_failure_names_cause_and_place(case: str, project, tmp_path: Path) -> None:
    tree = project(case, git=True)
    outdir = tmp_path / "out"
    (outdir).mkdir()
    (outdir / "earlier.txt").write_text("left from before")
    report_file = tmp_path / "report.json"
    run = run_cli(["build", str(tree), "--outdir", str(outdir), "--format", "json", "--report", str(report_file),
                   "--clean"])
    exit_code, code, file, line, column, words = BROKEN[case]
    report = run.json()
    jsonschema.validate(report, report_schema())
    assert run.exit_code == exit_code == report["exit_code"]
    assert report["ok"] is False
    (finding,) = report["findings"]
    assert (finding["code"], finding["file"], finding["line"], finding["column"]) == (code, file, line, column)
    assert words in finding["message"]
    # a failed build leaves the outdir as it was, and keeps the log beside the report
    assert sorted(p.name for p in outdir.iterdir()) == ["earlier.txt"]
    assert json.loads(report_file.read_text()) == report
    assert Path(report["log"]).is_file()


def test_text_format_is_readable_and_points_at_the_line(project, tmp_path: Path) -> None:
    tree = project("broken-setup-raises", git=True)
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out")])
    assert run.exit_code == 2
    assert "setup.py:7: B005 error: setup.py raised during the sdist build: IndexError" in run.stdout
    assert "NOT fit to publish (exit 2)" in run.stdout


def test_no_isolation_builds_in_the_current_environment(project, tmp_path: Path) -> None:
    tree = project("flit", git=True)  # flit_core is in the test extra
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--no-isolation", "--format", "json"])
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "installing build requirements" not in run.stderr


def test_no_isolation_names_the_missing_requirement(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["hatchling", "deploypack-absent-plugin-9d1"]\n'
                          'build-backend = "hatchling.build"\n[project]\nname = "x"\nversion = "1.0"\n',
    })
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--no-isolation", "--format", "json"])
    (finding,) = run.json()["findings"]
    assert run.exit_code == 2
    assert (finding["code"], finding["file"], finding["line"]) == ("B011", "pyproject.toml", 2)
    assert "deploypack-absent-plugin-9d1" in finding["message"]


def test_pip_installer_builds_too(project, tmp_path: Path) -> None:
    tree = project("flit", git=True)
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--installer", "pip", "--format", "json"])
    assert run.exit_code == 0, run.stdout + run.stderr


def test_source_date_epoch_comes_from_the_last_commit(project, tmp_path: Path) -> None:
    """Archive times are the last commit's (hatchling honours SOURCE_DATE_EPOCH, and without it
    falls back to a fixed 2020 date), and two builds of one commit are byte-identical."""
    import subprocess

    tree = project("hatchling", git=True)
    commit_time = int(subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%ct"],
                                     capture_output=True, text=True, check=True).stdout)
    first = run_cli(["build", str(tree), "--outdir", str(tmp_path / "a"), "--format", "json"]).json()
    second = run_cli(["build", str(tree), "--outdir", str(tmp_path / "b"), "--format", "json"]).json()
    with tarfile.open(next((tmp_path / "a").glob("*.tar.gz"))) as archive:
        assert {member.mtime for member in archive.getmembers()} == {commit_time}
    sha = {a["kind"]: a["sha256"] for a in first["artifacts"]}
    assert sha == {a["kind"]: a["sha256"] for a in second["artifacts"]}


@pytest.mark.parametrize(("files", "line"), [
    ({"pyproject.toml": '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'
                        '[project]\nname = "x"\nversion = "1.0"\nlicense = "MIT"\n'
                        'license-files = ["LICENSE.txt"]\n'}, 8),
    ({"pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
                        '[tool.poetry]\nname = "x"\nversion = "1.0"\ndescription = "d"\n'
                        'authors = ["a <a@example.invalid>"]\n'
                        'readme = "README.rst"\n'}, 9),
    ({"setup.cfg": "[metadata]\nname = x\nversion = 1.0\nlong_description = file: README.md, CHANGES.md\n",
      "setup.py": "from setuptools import setup\nsetup()\n", "README.md": "# x\n"}, 4),
])
def test_missing_declared_file_points_at_the_config_line(files: dict, line: int, make_project, tmp_path: Path) -> None:
    tree = make_project(files)
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "json"])
    (finding,) = run.json()["findings"]
    assert run.exit_code == 2
    assert (finding["code"], finding["line"]) == ("B006", line)
    assert finding["file"] in files


def test_a_requirement_range_above_every_release_is_b003_at_its_line(make_project, tmp_path: Path) -> None:
    # the name exists on the index; only the range matches nothing (the installer words this differently)
    pyproject = ('[build-system]\nrequires = [\n  "setuptools>=61",\n  "wheel>=9999; python_version>=\'3\'",\n]\n'
                 'build-backend = "setuptools.build_meta"\n[project]\nname = "x"\nversion = "1.0"\n')
    tree = make_project({"pyproject.toml": pyproject, "x.py": ""}, git=True)
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "json"])
    (finding,) = run.json()["findings"]
    assert run.exit_code == 2
    assert (finding["code"], finding["file"], finding["line"]) == ("B003", "pyproject.toml", 4)
    assert "'wheel'" in finding["message"]
