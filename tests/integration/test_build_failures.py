"""Build failures name their cause, at the line a person edits: one real broken project per class.

A file the wheel build needs that the sdist lacks (B007, with the line that leaves it out), the
backend rejecting the project's configuration (B012, at the configuration line), a missing
compiler or build tool (B013), git refusing a checkout owned by another user (B015)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import clean_environ, run_cli, run_subprocess
from tests.projects import build_system

pytestmark = pytest.mark.integration

SCM_PYPROJECT = (
    '[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "cext-demo"\ndynamic = ["version"]\n\n[tool.setuptools_scm]\n'
)
C_SETUP_PY = (
    "from setuptools import Extension, setup\n\n"
    "setup(\n"
    '    ext_modules=[Extension("cext._speed", ["src/cext/_speed.c"], include_dirs=["vendor/include"])],\n'
    '    package_dir={"": "src"},\n    packages=["cext"],\n)\n'
)
C_SOURCE = (
    '#include <Python.h>\n#include "answer.h"\n'
    'static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, NULL};\n'
    "PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&m); }\n"
)


def c_extension(gitignore: str = "") -> dict[str, str]:
    return {
        "pyproject.toml": SCM_PYPROJECT, "setup.py": C_SETUP_PY, "src/cext/__init__.py": "",
        "src/cext/_speed.c": C_SOURCE, "vendor/include/answer.h": "#define ANSWER 42\n", ".gitignore": gitignore,
    }


def commit(tree: Path) -> None:
    """A git checkout of the tree as `git add .` makes it: ignored files stay out."""
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "--no-verify", "-m", "release"], check=True)
    subprocess.run([*git, "tag", "v1.0.0"], check=True)


def build(tree: Path, tmp_path: Path, path: str | None = None) -> tuple[int, dict]:
    """Built in-process; with `path`, as a process of its own whose PATH is that (build's isolated
    environment puts the process's PATH, not the hooks', after its own scripts)."""
    args = ["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "json"]
    run = run_cli(args) if path is None else run_subprocess(args, clean_environ(PATH=path))
    return run.exit_code, run.json()


def errors(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] == "error"]


# -- B007: in the tree, not in the sdist, and why ----------------------------------------------------------

def test_header_ignored_by_gitignore_points_at_the_gitignore_line(make_project, tmp_path: Path) -> None:
    tree = make_project(c_extension("# build output\nbuild/\n*.egg-info/\nvendor/\n"))
    commit(tree)
    exit_code, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert exit_code == 2
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", ".gitignore", 4)
    assert "'vendor/include/answer.h' exists in the project but not in the sdist" in finding["message"]
    assert "`vendor/`" in finding["message"]
    assert "answer.h: No such file or directory" in finding["hint"]


def test_untracked_header_says_it_is_not_tracked_by_git(make_project, tmp_path: Path) -> None:
    files = c_extension()
    header = files.pop("vendor/include/answer.h")
    tree = make_project(files)
    commit(tree)
    (tree / "vendor" / "include").mkdir(parents=True)
    (tree / "vendor" / "include" / "answer.h").write_text(header)  # made after the commit, never added
    _, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", "vendor/include/answer.h", None)
    assert "not tracked by git" in finding["message"]


def test_cython_pxd_excluded_by_manifest_points_at_the_manifest_line(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64", "cython>=3"]\n'
                          'build-backend = "setuptools.build_meta"\n\n[project]\nname = "cy-demo"\nversion = "1.0"\n',
        "setup.py": "from Cython.Build import cythonize\nfrom setuptools import setup\n\n"
                    'setup(packages=["pkg"], ext_modules=cythonize(["pkg/fast.pyx"]))\n',
        "pkg/__init__.py": "",
        "pkg/helpers.pxd": "cdef int twice(int x)\n",
        "pkg/helpers.pyx": "cdef int twice(int x):\n    return 2 * x\n",
        "pkg/fast.pyx": "from pkg.helpers cimport twice\n\ndef f(x):\n    return twice(x)\n",
        # the generated C is left out so that the sdist cythonizes, as many projects do
        "MANIFEST.in": "include pkg/*.pyx\nglobal-exclude *.c\nexclude pkg/*.pxd\n",
    })
    _, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", "MANIFEST.in", 3)
    assert "'pkg/helpers.pxd'" in finding["message"] and "exclude pkg/*.pxd" in finding["message"]
    assert "'pkg/helpers.pxd' not found" in finding["hint"]


def test_data_file_excluded_by_manifest_points_at_the_manifest_line(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "setup.py": 'from pathlib import Path\nfrom setuptools import setup\n\n'
                    'version = Path("meta/VERSION").read_text().strip()\n'
                    'setup(name="data-demo", version=version, py_modules=["data_demo"])\n',
        "data_demo.py": "",
        "meta/VERSION": "1.0\n",
        "MANIFEST.in": "graft meta\nprune meta\n",
    })
    _, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", "MANIFEST.in", 2)
    assert "'meta/VERSION'" in finding["message"]


def test_hatch_forced_include_of_an_ignored_file_points_at_the_gitignore_line(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
                          '[project]\nname = "forced"\nversion = "1.0"\n\n'
                          '[tool.hatch.build.targets.wheel.force-include]\n'
                          '"generated/schema.json" = "forced/schema.json"\n',
        "forced/__init__.py": "",
        "generated/schema.json": "{}\n",
        ".gitignore": "generated/\n",
    })
    commit(tree)
    _, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", ".gitignore", 1)
    assert "'generated/schema.json'" in finding["message"]


def test_helper_module_setup_py_imports_is_named(make_project, tmp_path: Path) -> None:
    """setup.py imports a module of the tree that setuptools does not put in the sdist (no MANIFEST.in)."""
    tree = make_project({
        "setup.py": "from setuptools import setup\n\nfrom _buildinfo import VERSION\n\n"
                    'setup(name="helper-demo", version=VERSION, py_modules=["helper_demo"])\n',
        "_buildinfo.py": 'VERSION = "1.0"\n',
        "helper_demo.py": "",
    })
    _, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B007", "_buildinfo.py", None)
    assert "there is no MANIFEST.in" in finding["message"]
    assert "No module named '_buildinfo'" in finding["hint"]


# -- B013 / B014: the machine lacks a tool -----------------------------------------------------------------

def path_with_only_git(tmp_path: Path) -> str:
    """A PATH holding git and nothing else: no compiler, no cmake."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    return str(bin_dir)


def test_no_c_compiler_names_it_and_the_package(make_project, tmp_path: Path) -> None:
    files = c_extension()
    tree = make_project(files)
    commit(tree)
    exit_code, report = build(tree, tmp_path, path_with_only_git(tmp_path))
    # The sdist is built and checked; the wheel is left to a machine with a compiler (B016, a warning:
    # `--strict` fails the run), naming the package that provides one.
    (finding,) = [f for f in report["findings"] if f["code"] == "B016"]
    assert exit_code == 0 and not errors(report) and finding["severity"] == "warning"
    assert finding["file"] == "setup.py" and "ext_modules" in (tree / "setup.py").read_text().splitlines()[
        finding["line"] - 1]
    assert "gcc" in finding["message"] and "build-essential" in finding["message"]
    assert report["project"]["name"] == "cext-demo"


def test_no_compiler_for_a_cmake_project_points_at_its_project_line(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["scikit-build-core"]\n'
                          'build-backend = "scikit_build_core.build"\n\n'
                          '[project]\nname = "skb-demo"\nversion = "1.0"\n',
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\nproject(skb_demo LANGUAGES C)\n"
                          "find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)\n"
                          "Python_add_library(_core MODULE src/core.c WITH_SOABI)\n"
                          "install(TARGETS _core DESTINATION skb_demo)\n",
        "src/core.c": C_SOURCE.replace('#include "answer.h"\n', "").replace("_speed", "_core"),
    })
    _, report = build(tree, tmp_path, path_with_only_git(tmp_path))
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B013", "CMakeLists.txt", 2)
    assert "a C compiler" in finding["message"]


def test_no_cmake_points_at_the_line_that_runs_it(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
                          '[project]\nname = "cm-demo"\nversion = "1.0"\n',
        "setup.py": "import subprocess\n\nfrom setuptools import setup\n"
                    "from setuptools.command.build_py import build_py\n"
                    "\n\nclass BuildWithCMake(build_py):\n    def run(self):\n"
                    '        subprocess.check_call(["cmake", "-S", ".", "-B", "build/native"])\n'
                    "        super().run()\n\n\n"
                    'setup(packages=["cm"], cmdclass={"build_py": BuildWithCMake})\n',
        "cm/__init__.py": "",
    })
    _, report = build(tree, tmp_path, path_with_only_git(tmp_path))
    (finding,) = errors(report)
    assert (finding["code"], finding["file"], finding["line"]) == ("B013", "setup.py", 9)
    assert "cmake" in finding["message"]


# -- B015: git refuses a checkout owned by another user ----------------------------------------------------

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="chown to another user needs root")


def chown_tree(tree: Path, uid: int = 54321) -> None:
    for top, dirs, files in os.walk(tree):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(top, name), uid, uid)
    os.chown(tree, uid, uid)


@needs_root
def test_checkout_of_another_user_says_how_to_allow_it(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n'
                          '[project]\nname = "owned"\ndynamic = ["version"]\n\n[tool.hatch.version]\nsource = "vcs"\n',
        "owned/__init__.py": "",
    })
    commit(tree)
    chown_tree(tree)
    _, report = build(tree, tmp_path)
    finding = next(f for f in report["findings"] if f["code"] == "B015")
    assert (finding["severity"], finding["file"], finding["line"]) == ("error", "pyproject.toml", 7)
    assert "version cannot be read from git" in finding["message"]
    assert f"git config --global --add safe.directory {tree}" in finding["hint"]


@needs_root
def test_build_that_asks_git_fails_and_says_why(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "setup.py": "import subprocess\nfrom setuptools import setup\n\n"
                    'version = subprocess.check_output(["git", "describe", "--tags"], text=True).strip().lstrip("v")\n'
                    'setup(name="describe-demo", version=version, py_modules=["describe_demo"])\n',
        "describe_demo.py": "",
    })
    commit(tree)
    chown_tree(tree)
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out")])
    assert run.exit_code == 2
    assert "B015 error: git refuses to read the checkout" in run.stdout
    assert f"safe.directory {tree}" in run.stdout
    assert "deploypack: describe-demo:" in run.stdout  # the name from setup.py, not `?`


# -- B012: the backend rejects the project's configuration, at the line ---------------------------------------

HATCH = build_system("hatchling") + "\n"
SETUPTOOLS = build_system("setuptools", requires=["setuptools>=64"]) + "\n"
POETRY = build_system("poetry", requires=["poetry-core"]) + "\n"
PDM = build_system("pdm") + "\n"
FLIT = build_system("flit", requires=["flit_core>=3.4"]) + "\n"
POETRY_HEAD = '[tool.poetry]\nname = "demo"\nversion = "1.0"\ndescription = "d"\nauthors = ["a <a@example.invalid>"]\n'


@pytest.mark.parametrize(("files", "file", "line", "words"), [
    pytest.param({"pyproject.toml": HATCH + '[project]\nname = "demo"\nversion = "1.0"\nclassifiers = [\n'
                  '    "Programming Language :: Python :: 3",\n'
                  '    "Topic :: Software Development :: No Such Topic",\n]\n'},
                 "pyproject.toml", 10, "Unknown classifier", id="hatchling-classifier"),
    pytest.param({"pyproject.toml": HATCH.replace('"hatchling"]', '"hatchling", "hatch-fancy-pypi-readme"]')
                  + '[project]\nname = "demo"\nversion = "1.0"\ndynamic = ["readme"]\n\n'
                  "[tool.hatch.metadata.hooks.fancy-pypi-readme]\ncontent-type = \"text/plain\"\n\n"
                  "[[tool.hatch.metadata.hooks.fancy-pypi-readme.fragments]]\ntext = \"hello\"\n",
                  },
                 "pyproject.toml", 11, "content-type", id="hatch-readme-plugin"),
    pytest.param({"pyproject.toml": SETUPTOOLS + '[project]\nname = "demo"\nversion = "1.0"\nkeywords = "a, b"\n'},
                 "pyproject.toml", 8, "project.keywords", id="setuptools-pyproject"),
    pytest.param({"pyproject.toml": SETUPTOOLS.replace('"setuptools>=64"]', '"setuptools>=64", "trove-classifiers"]')
                  + '[project]\nname = "demo"\nversion = "1.0"\nclassifiers = [\n'
                  '    "Programming Language :: Python :: 3",\n    "Topic :: Nonsense",\n]\n'},
                 "pyproject.toml", 10, "project.classifiers[1]", id="setuptools-classifier"),
    pytest.param({"pyproject.toml": SETUPTOOLS,
                  "setup.cfg": "[metadata]\nname = demo\nversion = 1.0\n\n[options]\npy_modules = demo\n"
                               "python_requires = >=3.8,<<4\n"},
                 "setup.cfg", 7, "<<4", id="setuptools-setup-cfg"),
    pytest.param({"pyproject.toml": PDM + '[project]\nname = "demo"\nversion = "1.0"\nrequires-python = ">=3.8,<<4"\n'},
                 "pyproject.toml", 8, "requires-python", id="pdm"),
    pytest.param({"pyproject.toml": POETRY + POETRY_HEAD + 'packages = [{ include = "demo_typo" }]\n'},
                 "pyproject.toml", 10, "does not contain any element", id="poetry-packages"),
    pytest.param({"pyproject.toml": POETRY + POETRY_HEAD + '\n[tool.poetry.dependencies]\npython = ">=3.8,<<4"\n'},
                 "pyproject.toml", 12, "<<4", id="poetry-constraint"),
    pytest.param({"pyproject.toml": FLIT + '[project]\nname = "demo"\nversion = "1.0"\ndescription = "d"\n'
                  'licence = "MIT"\n'},
                 "pyproject.toml", 9, "licence", id="flit-unknown-key"),
])
def test_backend_config_error_points_at_the_config_line(files: dict[str, str], file: str, line: int, words: str,
                                                        make_project, tmp_path: Path) -> None:
    tree = make_project({**files, "demo/__init__.py": "", "demo.py": ""} if "flit" not in files["pyproject.toml"]
                        else {**files, "demo/__init__.py": ""})
    exit_code, report = build(tree, tmp_path)
    (finding,) = errors(report)
    assert exit_code == 2
    assert (finding["code"], finding["file"], finding["line"]) == ("B012", file, line), finding["message"]
    assert words in finding["message"]
    assert "runpy" not in finding["message"] and "site-packages" not in (finding["file"] or "")
    assert report["project"]["name"] == "demo"  # from the configuration, the build having failed


def test_failed_build_without_a_declared_name_uses_the_directory(make_project, tmp_path: Path) -> None:
    tree = make_project({"setup.py": "raise SystemExit('no')\n"}, name="dirname-demo")
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out")])
    assert run.exit_code == 2
    assert "deploypack: dirname-demo:" in run.stdout


@needs_root
def test_checkout_of_another_user_is_a_warning_when_the_version_is_static(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": FLIT + '[project]\nname = "demo"\nversion = "1.0"\ndescription = "d"\n',
        "demo/__init__.py": "",
    })
    commit(tree)
    chown_tree(tree)
    exit_code, report = build(tree, tmp_path)
    finding = next(f for f in report["findings"] if f["code"] == "B015")
    assert exit_code == 0 and finding["severity"] == "warning"
    assert "release tag" in finding["message"] and "safe.directory" in finding["hint"]
