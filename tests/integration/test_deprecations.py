"""The backend's deprecation warnings about the project's configuration become D001 findings at
the line to edit, with the backend's words and its deadline, once for the sdist and wheel builds;
deprecations that name nothing of the project stay in the build log. Real builds of mini-projects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.integration

SETUPTOOLS = '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'


def d001(make_project: Callable[..., Path], tmp_path: Path, files: dict[str, str]) -> list[dict]:
    tree = make_project({"demo.py": "X = 1\n", "README.md": "# demo\n", **files}, name="demo")
    run = run_cli(["build", str(tree), "--format", "json", "--outdir", str(tmp_path / "dist")])
    assert run.exit_code in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    return [f for f in run.json()["findings"] if f["code"] == "D001"]


def at(findings: list[dict]) -> list[tuple[str, int | None]]:
    return [(f["file"], f["line"]) for f in findings]


def test_license_table_points_at_its_line_with_the_deadline_once(make_project, tmp_path: Path) -> None:
    findings = d001(make_project, tmp_path, {"pyproject.toml": SETUPTOOLS + (
        '[project]\nname = "demo"\nversion = "1.0"\nreadme = "README.md"\n'
        'license = {text = "MIT"}\n'
    )})
    assert at(findings) == [("pyproject.toml", 8)]  # one, though the sdist and the wheel build both warn
    [finding] = findings
    assert finding["severity"] == "warning"
    assert "`project.license` as a TOML table is deprecated" in finding["message"]
    assert "2027-Feb-18" in finding["message"]
    assert "SPDX expression" in finding["hint"]


def test_license_classifiers_point_at_each_classifier(make_project, tmp_path: Path) -> None:
    findings = d001(make_project, tmp_path, {"pyproject.toml": SETUPTOOLS + (
        '[project]\nname = "demo"\nversion = "1.0"\nreadme = "README.md"\nclassifiers = [\n'
        '    "Programming Language :: Python :: 3",\n'
        '    "License :: OSI Approved :: MIT License",\n'
        '    "License :: OSI Approved :: Apache Software License",\n]\n'
    )})
    assert at(findings) == [("pyproject.toml", 10), ("pyproject.toml", 11)]
    assert all("License classifiers are deprecated" in f["message"] for f in findings)


def test_setup_cfg_dash_separated_and_uppercase_keys(make_project, tmp_path: Path) -> None:
    findings = d001(make_project, tmp_path, {
        "pyproject.toml": SETUPTOOLS,
        "setup.cfg": "[metadata]\nname = demo\nversion = 1.0\nauthor-email = a@example.invalid\n"
                     "Description = demo\n\n[options]\npy_modules = demo\n",
    })
    assert at(findings) == [("setup.cfg", 4), ("setup.cfg", 5)]
    assert "dash-separated key 'author-email'" in findings[0]["message"]
    assert "overdue" in findings[0]["message"]  # setuptools' date for it (2026-03-03) has passed
    assert "uppercase key 'Description'" in findings[1]["message"]


def test_setup_py_commands_and_keywords(make_project, tmp_path: Path) -> None:
    """`[bdist_wheel] universal` (a setup.py command's option), setup.py run as a command line tool
    (`sys.exit(0)`), and a summary setup.py gives on two lines."""
    findings = d001(make_project, tmp_path, {
        "setup.py": "import sys\nfrom setuptools import setup\n\nsetup(\n    name='demo',\n    version='1.0',\n"
                    "    description='two\\nlines',\n    py_modules=['demo'],\n)\nsys.exit(0)\n",
        "setup.cfg": "[bdist_wheel]\nuniversal = 1\n",
    })
    assert sorted(at(findings)) == [("setup.cfg", 2), ("setup.py", 7), ("setup.py", 10)]
    messages = {(f["file"], f["line"]): f["message"] for f in findings}
    assert "bdist_wheel.universal is deprecated" in messages["setup.cfg", 2]
    assert "Running `setup.py` directly as CLI tool is deprecated" in messages["setup.py", 10]


def test_poetry_dev_dependencies_table(make_project, tmp_path: Path) -> None:
    findings = d001(make_project, tmp_path, {"pyproject.toml": (
        '[build-system]\nrequires = ["poetry-core>=1.5"]\nbuild-backend = "poetry.core.masonry.api"\n'
        '[tool.poetry]\nname = "demo"\nversion = "1.0"\ndescription = "x"\nauthors = ["A <a@example.invalid>"]\n'
        'readme = "README.md"\npackages = [{include = "demo.py"}]\n\n'
        '[tool.poetry.dependencies]\npython = ">=3.8"\n\n'
        '[tool.poetry.dev-dependencies]\npytest = "*"\n'
    )})
    assert at(findings) == [("pyproject.toml", 15)]
    assert findings[0]["message"].startswith("poetry-core warns: ")
    assert "poetry.dev-dependencies" in findings[0]["message"]


def test_a_hatchling_plugin_deprecation_names_the_option(make_project, tmp_path: Path) -> None:
    """A build hook warning through hatchling's app, as hatchling and its plugins do."""
    findings = d001(make_project, tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                          '[project]\nname = "demo"\nversion = "1.0"\nreadme = "README.md"\n'
                          '[tool.hatch.build.targets.wheel]\nonly-include = ["demo.py"]\n'
                          '[tool.hatch.build.hooks.custom]\nlegacy-mode = true\n',
        "hatch_build.py": "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n\n"
                          "class CustomHook(BuildHookInterface):\n    def initialize(self, version, build_data):\n"
                          "        if self.config.get('legacy-mode'):\n"
                          "            self.app.display_warning('The `tool.hatch.build.hooks.custom.legacy-mode` "
                          "option is deprecated and will be removed in a future release.')\n",
    })
    assert at(findings) == [("pyproject.toml", 11)]
    assert findings[0]["message"].startswith("hatchling warns: The `tool.hatch.build.hooks.custom.legacy-mode`")


def test_deprecations_naming_nothing_of_the_project_stay_in_the_log(make_project, tmp_path: Path) -> None:
    """A build requirement's API deprecation (printed by a process the build starts) is noise."""
    tree = make_project({
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "demo"\nversion = "1.0"\nreadme = "README.md"\n'
                                       'license = "MIT"\n',
        "setup.py": "import subprocess, sys\nfrom setuptools import setup\n"
                    "subprocess.run([sys.executable, '-c', 'import warnings; warnings.warn("
                    "\"frobnicate() is deprecated; use frobnicate2()\", DeprecationWarning)'])\n"
                    "setup()\n",
        "demo.py": "X = 1\n", "README.md": "# demo\n",
    }, name="demo")
    report = tmp_path / "report.json"
    run = run_cli(["build", str(tree), "--format", "json", "--outdir", str(tmp_path / "dist"),
                   "--report", str(report)])
    assert run.exit_code == 0, run.stdout[-3000:]
    assert [f for f in run.json()["findings"] if f["code"] == "D001"] == []
    assert "frobnicate() is deprecated" in report.with_suffix(".log").read_text(encoding="utf-8")


def test_an_in_tree_backend_wrapping_setuptools_names_setuptools(make_project, tmp_path: Path) -> None:
    findings = d001(make_project, tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "demo_backend"\n'
                          'backend-path = ["_build"]\n',
        "_build/demo_backend.py": "from setuptools.build_meta import *  # noqa: F403\n",
        "setup.cfg": "[metadata]\nname = demo\nversion = 1.0\nclassifiers =\n"
                     "    License :: OSI Approved :: MIT License\n\n[options]\npy_modules = demo\n",
        "MANIFEST.in": "graft _build\n",
    })
    assert at(findings) == [("setup.cfg", 5)]
    assert findings[0]["message"].startswith("setuptools warns: License classifiers are deprecated")
