"""Real builds: the python-versions outputs and M026, on a pyproject backend and on setup.cfg."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploypack.read.python_versions import MAINTAINED
from tests.conftest import clean_environ, git_init, run_cli
from tests.runner_emulator import read_file_command

pytestmark = pytest.mark.integration

PY = "Programming Language :: Python :: "


def _hatchling(tree: Path) -> Path:
    text = (tree / "pyproject.toml").read_text()
    text = text.replace('requires-python = ">=3.8"', 'requires-python = ">=3.10"')
    text = text.replace('classifiers = ["Programming Language :: Python :: 3"]',
                        'classifiers = [\n    "Programming Language :: Python :: 3.10",\n'
                        '    "Programming Language :: Python :: 3.11",\n]')
    (tree / "pyproject.toml").write_text(text)
    return tree / "pyproject.toml"


def _setupcfg(tree: Path) -> Path:
    text = (tree / "setup.cfg").read_text()
    text = text.replace("python_requires = >=3.8", "python_requires = >=3.10")
    text = text.replace("    Programming Language :: Python :: 3\n",
                        "    Programming Language :: Python :: 3.10\n    Programming Language :: Python :: 3.11\n")
    (tree / "setup.cfg").write_text(text)
    return tree / "setup.cfg"


@pytest.mark.parametrize(("case", "edit"), [("hatchling", _hatchling), ("setupcfg", _setupcfg)])
def test_versions_outputs_and_the_unclassified_note(project, tmp_path: Path, case: str, edit) -> None:
    tree = project(case)
    config = edit(tree)
    git_init(tree)
    output = tmp_path / "output"
    output.touch()
    environ = clean_environ(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output),
                            GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "github",
                   "--report", str(tmp_path / "report.json")], environ)
    assert run.exit_code == 0, run.stdout[-3000:] + run.stderr[-3000:]
    outputs = read_file_command(output)
    assert json.loads(outputs["python-versions"]) == ["3.10", "3.11"]
    assert json.loads(outputs["python-matrix"]) == {"python-version": ["3.10", "3.11"]}
    report = json.loads((tmp_path / "report.json").read_text())
    [note] = [f for f in report["findings"] if f["code"] == "M026"]
    newer = ", ".join(v for v in MAINTAINED if v not in ("3.10", "3.11"))
    assert note["severity"] == "note" and "3.12" in note["message"] and f"Python {newer}," in note["message"]
    assert Path(note["file"]).name == config.name
    lines = config.read_text().splitlines()
    assert re.search(r"3\.11", lines[note["line"] - 1])  # the last X.Y classifier, where the next one goes
