"""Projects with C extensions where no compiler runs (the action's image has none): the sdist is built and
checked, the wheel is left to cibuildwheel with B016; a backend that needs the compiler for the sdist too
(meson-python) stops with B017. The compiler is made absent the way it is in the image: the one the
build would run does not exist (CC names a missing file, as a slim image's `gcc` is missing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import clean_environ, git_init, run_cli
from tests.runner_emulator import read_file_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]

C_SOURCE = """#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
"""
PROJECT = """[build-system]
requires = [{requires}]
build-backend = "{backend}"

[project]
name = "speedy"
version = "1.0.0"
description = "A project with a C extension"
readme = "README.md"
license = "MIT"
requires-python = ">=3.10"
classifiers = ["Programming Language :: Python :: 3"]
"""

BACKENDS = {
    "setuptools": ('"setuptools>=64"', "setuptools.build_meta", {
        "setup.py": 'from setuptools import Extension, setup\n\nsetup(\n'
                    '    ext_modules=[Extension("speedy._speed", ["src/speedy/_speed.c"])],\n)\n',
        "pyproject.toml+": '\n[tool.setuptools.packages.find]\nwhere = ["src"]\n',
        "src/speedy/__init__.py": "", "src/speedy/_speed.c": C_SOURCE,
    }),
    "scikit-build-core": ('"scikit-build-core"', "scikit_build_core.build", {
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\nproject(speedy LANGUAGES C)\n"
                          "find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)\n"
                          "Python_add_library(_speed MODULE src/_speed.c WITH_SOABI)\n"
                          "install(TARGETS _speed DESTINATION .)\n",
        "src/_speed.c": C_SOURCE,
    }),
    "meson-python": ('"meson-python"', "mesonpy", {
        "meson.build": "project('speedy', 'c', version: '1.0.0')\npy = import('python').find_installation()\n"
                       "py.extension_module('_speed', 'src/_speed.c', install: true)\n",
        "src/_speed.c": C_SOURCE,
    }),
}


def compiled_project(root: Path, backend: str) -> Path:
    requires, build_backend, files = BACKENDS[backend]
    text = PROJECT.format(requires=requires, backend=build_backend) + files.get("pyproject.toml+", "")
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text(text)
    (root / "README.md").write_text("# speedy\n")
    for name, content in files.items():
        if name != "pyproject.toml+":
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(content)
    git_init(root)
    return root


def build_without_compiler(tree: Path, tmp_path: Path) -> tuple[int, dict, dict[str, str]]:
    output = tmp_path / "output"
    output.touch()
    environ = clean_environ(CC=str(tmp_path / "no-compiler" / "gcc"), CXX=str(tmp_path / "no-compiler" / "g++"),
                            GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output),
                            GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "github",
                   "--report", str(tmp_path / "report.json")], environ)
    return run.exit_code, json.loads((tmp_path / "report.json").read_text()), read_file_command(output)


@pytest.mark.parametrize("backend", ["setuptools", "scikit-build-core"])
def test_the_sdist_is_built_and_checked_and_the_wheel_left_to_cibuildwheel(tmp_path: Path, backend: str) -> None:
    tree = compiled_project(tmp_path / "project", backend)
    code, report, outputs = build_without_compiler(tree, tmp_path)
    assert code == 0, report["findings"]
    [skipped] = [f for f in report["findings"] if f["code"] == "B016"]
    assert skipped["severity"] == "warning" and "cibuildwheel" in skipped["hint"]
    assert "deploypack check" in skipped["hint"]
    config = "setup.py" if backend == "setuptools" else "pyproject.toml"
    assert skipped["file"] == config
    needle = "ext_modules" if backend == "setuptools" else "build-backend"
    assert needle in (tree / config).read_text().splitlines()[skipped["line"] - 1]
    assert [a["kind"] for a in report["artifacts"]] == ["sdist"]
    assert outputs["wheel"] == "" and outputs["subjects"] == outputs["sdist"] and outputs["sdist"].endswith(".tar.gz")
    assert not [f for f in report["findings"] if f["severity"] == "error"]  # the sdist's checks ran and passed
    strict = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out2"), "--format", "json", "--strict"],
                     clean_environ(CC=str(tmp_path / "no-compiler" / "gcc")))
    assert strict.exit_code == 1  # with --strict, a release without a wheel is not fit to publish


def test_a_backend_that_compiles_for_the_sdist_stops_with_b013(tmp_path: Path) -> None:
    tree = compiled_project(tmp_path / "project", "meson-python")
    code, report, outputs = build_without_compiler(tree, tmp_path)
    assert code == 2
    [finding] = report["findings"]
    assert finding["code"] == "B017" and finding["file"] == "pyproject.toml"
    assert "build-backend" in (tree / "pyproject.toml").read_text().splitlines()[finding["line"] - 1]
    assert "cibuildwheel" in finding["hint"] and outputs["ok"] == "false"
