"""Real builds of broken mini-projects (and of corpus projects with planted defects): each metadata or
release defect is reported with its code, at the file and line a person edits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import clean_environ, git_init, run_cli
from tests.projects import build_system

pytestmark = pytest.mark.integration


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `needle` in `text` (the test states where the defect was planted)."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def build(tree: Path, tmp_path: Path, environ: dict[str, str] | None = None) -> dict:
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "out"), "--format", "json"], environ)
    report = run.json()
    assert report["artifacts"], run.stdout + run.stderr
    return report


def by_code(report: dict, code: str) -> list[dict]:
    return [finding for finding in report["findings"] if finding["code"] == code]


def place(finding: dict) -> tuple[str | None, int | None]:
    return finding["file"], finding["line"]


# The in-tree backend of tests/hostile/backends.py that validates nothing: it builds what real backends refuse.
NAIVE_BUILD_SYSTEM = build_system("naive_backend", requires=[], backend_path="_backend")

NAIVE_DEFECTS = NAIVE_BUILD_SYSTEM + """
[project]
name = "naive-demo"
version = "1.0.0"
description = "A project built by a backend that validates nothing"
readme = "README.md"
license = "Apache 2.0"
license-files = ["LICENSE"]
requires-python = ">=3.9"
classifiers = [
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3.8",
    "Private :: Do Not Upload",
]
dependencies = [
    'coverage; extra == "tests"',
]

[project.optional-dependencies]
test = ["pytest"]

[project.urls]
Source = "https://example.org/naive-demo"
Home = "www.example.org"

[tool.naive]
wheel-license-files = false
wheel-overrides = {Requires-Python = ">=3.11"}
"""


def test_metadata_defects_a_backend_lets_through(project, tmp_path: Path) -> None:
    tree = project("meta-naive-backend")
    (tree / "pyproject.toml").write_text(NAIVE_DEFECTS)
    git_init(tree)
    report = build(tree, tmp_path)
    assert report["exit_code"] == 1 and report["ok"] is False
    expected = {
        "M019": ("license = ", "error", "did you mean 'Apache-2.0'"),
        "M020": ("license-files = ", "error", "naive_demo-1.0.0.dist-info/licenses/LICENSE"),
        "M024": ("requires-python = ", "error", "Requires-Python differs"),
        "M016": ("Private :: Do Not Upload", "error", "Private :: Do Not Upload"),
        "M018": ("Python :: 3.8", "warning", "'>=3.9'"),
        "M022": ("coverage; extra", "warning", "'tests'"),
        "M023": ('Home = "www.example.org"', "error", "no scheme"),
    }
    for code, (needle, severity, words) in expected.items():
        (finding,) = by_code(report, code)
        assert place(finding) == ("pyproject.toml", line_of(NAIVE_DEFECTS, needle)), finding
        assert finding["severity"] == severity and words in finding["message"], finding
    (m024,) = by_code(report, "M024")
    assert "'>=3.9'" in m024["message"] and "'>=3.11'" in m024["message"]
    assert not by_code(report, "M002") and not by_code(report, "M005")


def test_unknown_metadata_version_points_at_the_backend(project, tmp_path: Path) -> None:
    tree = project("meta-naive-backend")
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.naive]\nmetadata-version = "3.0"\n')
    git_init(tree)
    report = build(tree, tmp_path)
    findings = by_code(report, "M007")
    assert len(findings) == 2 and {place(f) for f in findings} == {("pyproject.toml", 2)}
    assert "'3.0'" in findings[0]["message"]


SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "meta-setuptools"
version = "1.0.0+local.1"
readme = "README.md"
requires-python = ">=3.9"
classifiers = [
    "Development Status :: 5 - Production/stable",
    "Programming Language :: Python :: 3.7",
]

[tool.setuptools]
packages = ["meta_setuptools"]
"""
# Markdown that would be broken reStructuredText: must not be judged as rst.
MARKDOWN_README = "# meta\n\nSome *emphasis and `code\n\n* a\n* b\nno blank line\n\n.. foo:: bar\n"


def test_pyproject_project_version_classifiers_and_markdown(make_project, tmp_path: Path) -> None:
    tree = make_project({"pyproject.toml": SETUPTOOLS_PYPROJECT, "README.md": MARKDOWN_README,
                         "meta_setuptools/__init__.py": ""}, git=True)
    report = build(tree, tmp_path)
    (unknown,) = by_code(report, "M005")
    assert place(unknown) == ("pyproject.toml", line_of(SETUPTOOLS_PYPROJECT, "Production/stable"))
    assert "did you mean 'Development Status :: 5 - Production/Stable'" in unknown["message"]
    (python,) = by_code(report, "M018")
    assert place(python) == ("pyproject.toml", line_of(SETUPTOOLS_PYPROJECT, "Python :: 3.7"))
    (local,) = by_code(report, "M013")
    assert place(local) == ("pyproject.toml", line_of(SETUPTOOLS_PYPROJECT, "version = "))
    assert not by_code(report, "M003") and not by_code(report, "M004")


SETUP_PY = """\
from setuptools import setup

with open("README.rst") as readme, open("CHANGES.rst") as changes:
    long_description = readme.read() + "\\n\\n" + changes.read()

setup(
    name="meta-setuppy",
    version="0.4.0",
    long_description=long_description,
    long_description_content_type="text/x-rst",
    py_modules=["meta_setuppy"],
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Software Development :: Build Tool",
    ],
)
"""
README_RST = "meta-setuppy\n============\n\nA demo.\n"
CHANGES_RST = "Changes\n=======\n\n0.4.0\n-----\n\n* fixed things\n* and more\nbroken unindent\n"


def test_setup_py_readme_joined_from_two_files_and_classifier(make_project, tmp_path: Path) -> None:
    tree = make_project({"setup.py": SETUP_PY, "README.rst": README_RST, "CHANGES.rst": CHANGES_RST,
                         "MANIFEST.in": "include CHANGES.rst\n", "meta_setuppy.py": ""}, git=True)
    report = build(tree, tmp_path)
    (render,) = by_code(report, "M003")
    assert place(render) == ("CHANGES.rst", line_of(CHANGES_RST, "broken unindent"))
    (unknown,) = by_code(report, "M005")
    assert place(unknown) == ("setup.py", line_of(SETUP_PY, "Build Tool"))
    assert "did you mean 'Topic :: Software Development :: Build Tools'" in unknown["message"]


SETUP_CFG = """\
[metadata]
name = meta-setupcfg
version = attr: meta_setupcfg.__version__
long_description = file: README.md
long_description_content_type = text/markdown

[options]
packages = meta_setupcfg
"""


def test_dev_version_released_from_a_tag_points_at_the_dunder_version(make_project, tmp_path: Path) -> None:
    init = '"""Demo."""\n\n__version__ = "1.1.0.dev1"\n'
    tree = make_project({"setup.cfg": SETUP_CFG, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.md": "# demo\n", "meta_setupcfg/__init__.py": init}, tag="v1.0.0")
    report = build(tree, tmp_path)
    (mismatch,) = by_code(report, "R001")
    assert place(mismatch) == ("meta_setupcfg/__init__.py", 3) and mismatch["severity"] == "error"
    assert "'v1.0.0'" in mismatch["message"] and "1.1.0.dev1" in mismatch["message"]
    (dev,) = by_code(report, "M014")
    assert place(dev) == ("meta_setupcfg/__init__.py", 3)
    assert report["exit_code"] == 1


def test_matching_tag_is_clean(make_project, tmp_path: Path) -> None:
    init = '__version__ = "1.0.0"\n'
    tree = make_project({"setup.cfg": SETUP_CFG, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.md": "# demo\n", "meta_setupcfg/__init__.py": init}, tag="v1.0")
    report = build(tree, tmp_path)
    assert [f for f in report["findings"] if f["code"][0] in "MR"] == []


# --- defects planted into corpus projects ----------------------------------------------------------------


def _git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                   check=True, capture_output=True)


def _copy(corpus_trees: dict[str, Path], name: str, tmp_path: Path) -> Path:
    tree = tmp_path / name
    shutil.copytree(corpus_trees[name], tree, symlinks=True)
    return tree


def _plant(tree: Path, file: str, old: str, new: str) -> int:
    """Replace `old` by `new` in `file` (once) and return the line of the change."""
    path = tree / file
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {file}"
    path.write_text(text.replace(old, new))
    return line_of(path.read_text(), new.splitlines()[0] if new.strip() else old)


@pytest.mark.corpus
def test_corpus_setup_cfg_classifier_and_version_bump(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    """pycodestyle (setup.py + setup.cfg, version = attr:): a typo in a classifier, a version not matching the tag."""
    tree = _copy(corpus_trees, "pycodestyle", tmp_path)
    classifier_line = _plant(tree, "setup.cfg", "Programming Language :: Python :: 3 :: Only",
                             "Programming Language :: Python :: 3 :: Onyl")
    version_line = _plant(tree, "pycodestyle.py", "__version__ = '2.15.0'", "__version__ = '2.15.1'")
    _git(tree, "commit", "-q", "-a", "-m", "planted")
    report = build(tree, tmp_path, clean_environ(GITHUB_REF="refs/tags/v2.15.0"))
    (unknown,) = by_code(report, "M005")
    assert place(unknown) == ("setup.cfg", classifier_line)
    assert "did you mean 'Programming Language :: Python :: 3 :: Only'" in unknown["message"]
    (mismatch,) = by_code(report, "R001")
    assert place(mismatch) == ("pycodestyle.py", version_line) and mismatch["severity"] == "error"
    assert "GITHUB_REF" in mismatch["message"]


@pytest.mark.corpus
def test_corpus_pyproject_python_classifier(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    """pyjwt (setuptools PEP 621): a Python classifier that requires-python excludes, at its line."""
    tree = _copy(corpus_trees, "pyjwt", tmp_path)
    line = _plant(tree, "pyproject.toml", '    "Programming Language :: Python :: 3.9",\n',
                  '    "Programming Language :: Python :: 3.8",\n    "Programming Language :: Python :: 3.9",\n')
    _git(tree, "commit", "-q", "-a", "-m", "planted")
    report = build(tree, tmp_path)
    (python,) = by_code(report, "M018")
    assert place(python) == ("pyproject.toml", line) and python["severity"] == "warning"
    assert not [f for f in report["findings"] if f["severity"] == "error"]


@pytest.mark.corpus
def test_corpus_dirty_tree_with_a_git_derived_version(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    """urllib3 (hatch-vcs, no local part): an uncommitted change makes the version a .dev one, unequal to the tag."""
    tree = _copy(corpus_trees, "urllib3", tmp_path)
    (tree / "README.md").write_text((tree / "README.md").read_text() + "\nuncommitted\n")
    report = build(tree, tmp_path)
    source_line = line_of((tree / "pyproject.toml").read_text(), 'source = "vcs"')
    (mismatch,) = by_code(report, "R001")
    assert place(mismatch) == ("pyproject.toml", source_line)
    assert "hatch-vcs" in mismatch["message"] and "dirty" in mismatch["message"]
    assert "README.md differs from the commit" in mismatch["message"]  # the edit, not the rewritten _version.py
    (dev,) = by_code(report, "M014")
    assert place(dev) == ("pyproject.toml", source_line) and "hatch-vcs" in dev["message"]


SCM_VERSION_FILE = (
    '[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "scm-demo"\ndynamic = ["version"]\n\n'
    '[tool.setuptools_scm]\nversion_file = "scm_demo/_version.py"\n'
)


def test_tracked_generated_version_file_is_named_as_why_the_version_is_dirty(make_project, tmp_path: Path) -> None:
    # A checkout made from an sdist (or a repository that commits the generated file): setuptools-scm
    # rewrites the tracked version file in one build hook, then derives a dirty .dev version in the next.
    # (hatch-vcs reads the version once per build, before writing its file: it is not misled.)
    tree = make_project({"pyproject.toml": SCM_VERSION_FILE, "scm_demo/__init__.py": "",
                         "scm_demo/_version.py": "# stale, from another build\nversion = '0.0'\n"}, tag="v1.0.0")
    report = build(tree, tmp_path)
    (mismatch,) = by_code(report, "R001")
    assert place(mismatch) == ("pyproject.toml", line_of(SCM_VERSION_FILE, "version_file ="))
    assert "setuptools-scm derived" in mismatch["message"]
    assert "the build rewrote scm_demo/_version.py" in mismatch["message"] and "git tracks" in mismatch["message"]


def test_tag_patterns_and_releasing_from_the_command_line(project, tmp_path: Path) -> None:
    tree = project("meta-naive-backend")
    git_init(tree, tag="naive-demo-2.0.0")
    version_line = line_of((tree / "pyproject.toml").read_text(), 'version = "1.0.0"')
    report = build(tree, tmp_path)
    (unmatched,) = by_code(report, "R002")
    assert unmatched["severity"] == "warning" and "naive-demo-2.0.0" in unmatched["message"]
    args = ["build", str(tree), "--outdir", str(tmp_path / "again"), "--format", "json",
            "--tag-patterns", "naive-demo-{version}"]
    (mismatch,) = by_code(run_cli(args).json(), "R001")
    assert place(mismatch) == ("pyproject.toml", version_line) and mismatch["severity"] == "error"
    (mismatch,) = by_code(run_cli([*args, "--no-releasing", "--clean"]).json(), "R001")
    assert mismatch["severity"] == "warning"


NAIVE_FILES = NAIVE_BUILD_SYSTEM + """
[project]
name = "naive-demo"
version = "1.0.0"
readme = "README.md"
license = "MIT"
classifiers = [
    "Programming Language :: Python :: 3",
    "License :: OSI Approved :: MIT License",
]
dependencies = [
    "requests >= 2 ; platform == 'linux'",
]

[tool.naive]
file-name = "Naive.Demo"
wheel-overrides = {Version = "1.0.1"}
"""


def test_file_names_licence_classifier_and_requirement(project, tmp_path: Path) -> None:
    tree = project("meta-naive-backend")
    (tree / "pyproject.toml").write_text(NAIVE_FILES)
    git_init(tree)
    report = build(tree, tmp_path)
    normalised = sorted(f["artifact"] for f in by_code(report, "M010"))
    assert normalised == ["Naive.Demo-1.0.0.tar.gz"]  # the wheel's name disagrees outright: M009
    (mismatch,) = by_code(report, "M009")
    assert mismatch["artifact"] == "Naive.Demo-1.0.0-py3-none-any.whl" and "1.0.1" in mismatch["message"]
    (version,) = [f for f in by_code(report, "M024") if f["message"].startswith("Version")]
    assert "'1.0.0'" in version["message"] and "'1.0.1'" in version["message"]
    (license_classifier,) = by_code(report, "M017")
    assert place(license_classifier) == ("pyproject.toml", line_of(NAIVE_FILES, "License :: OSI"))
    (requirement,) = by_code(report, "M021")
    assert place(requirement) == ("pyproject.toml", line_of(NAIVE_FILES, "requests >= 2"))


def test_invalid_name_and_version(project, tmp_path: Path) -> None:
    tree = project("meta-naive-backend")
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text().replace('name = "naive-demo"', 'name = "naive-demo-"').replace(
        'version = "1.0.0"', 'version = "1.0-final-x"')
    pyproject.write_text(text)
    git_init(tree)
    report = build(tree, tmp_path)
    (name,) = by_code(report, "M008")
    assert place(name) == ("pyproject.toml", line_of(text, 'name = "naive-demo-"'))
    (version,) = by_code(report, "M011")
    assert place(version) == ("pyproject.toml", line_of(text, "version = "))
    assert not by_code(report, "M002")


SETUP_CFG_PLACEHOLDER = """\
[metadata]
name = meta-placeholder
version = 0.0.0
long_description = file: README.md
long_description_content_type = text/md

[options]
py_modules = meta_placeholder
"""


def test_placeholder_version_and_unknown_readme_type(make_project, tmp_path: Path) -> None:
    tree = make_project({"setup.cfg": SETUP_CFG_PLACEHOLDER, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.md": "# placeholder\n", "meta_placeholder.py": ""}, git=True)
    report = build(tree, tmp_path)
    (placeholder,) = by_code(report, "M012")
    assert place(placeholder) == ("setup.cfg", line_of(SETUP_CFG_PLACEHOLDER, "version = 0.0.0"))
    (content_type,) = by_code(report, "M015")
    assert place(content_type) == ("setup.cfg", line_of(SETUP_CFG_PLACEHOLDER, "text/md"))
    assert not by_code(report, "M003")


FLIT_README = ("flit demo\n=========\n\nA demo.\n\nUsage\n-----\n\n"
               "See `the docs <https://example.org>`_ and\n``unclosed literal.\n")


def test_pyproject_rst_readme_error_points_at_its_line(project, tmp_path: Path) -> None:
    tree = project("flit")
    (tree / "README.rst").write_text(FLIT_README)
    git_init(tree)
    report = build(tree, tmp_path)
    (render,) = by_code(report, "M003")
    assert place(render) == ("README.rst", line_of(FLIT_README, "``unclosed"))
    assert render["severity"] == "error" and report["exit_code"] == 1


SETUP_CFG_JOINED = """\
[metadata]
name = meta-joined
version = 2.0.0
long_description = file: README.rst, CHANGES.rst
long_description_content_type = text/x-rst

[options]
py_modules = meta_joined
"""
JOINED_README = "meta-joined\n===========\n\nIntro.\n\n.. unknown-directive:: here\n"


def test_setup_cfg_readme_joined_with_file_directive(make_project, tmp_path: Path) -> None:
    tree = make_project({"setup.cfg": SETUP_CFG_JOINED, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.rst": JOINED_README, "CHANGES.rst": CHANGES_RST.replace("broken unindent\n", ""),
                         "meta_joined.py": ""}, git=True)
    report = build(tree, tmp_path)
    (render,) = by_code(report, "M003")
    assert place(render) == ("README.rst", line_of(JOINED_README, "unknown-directive"))
    assert "unknown-directive" in render["message"]


OLD_SETUPTOOLS = """\
[build-system]
requires = ["setuptools==75.8.0"]
build-backend = "setuptools.build_meta"

[project]
name = "meta-old-setuptools"
version = "1.0.0"
readme = "README.md"

[tool.setuptools]
py-modules = ["meta_old_setuptools"]
"""


def test_an_old_backend_writing_license_file_is_pointed_at(make_project, tmp_path: Path) -> None:
    """setuptools < 77 writes License-File under Metadata-Version 2.2: a warning at the backend's pin."""
    tree = make_project({"pyproject.toml": OLD_SETUPTOOLS, "README.md": "# old\n", "LICENSE": "MIT License\n",
                         "meta_old_setuptools.py": ""}, git=True)
    report = build(tree, tmp_path)
    found = by_code(report, "M002")
    assert found and {place(f) for f in found} == {("pyproject.toml", 2)}
    assert all(f["severity"] == "warning" and "license-file" in f["message"] for f in found)
    assert report["exit_code"] == 0


def test_setup_cfg_rst_readme_without_content_type_is_clean_and_md_is_m004(make_project, tmp_path: Path) -> None:
    # the index renders a missing type as reStructuredText: right for README.rst, wrong for README.md
    setup_cfg = SETUP_CFG.replace("version = attr: meta_setupcfg.__version__", "version = 1.0.0").replace(
        "long_description_content_type = text/markdown\n", "")
    files = {"setup.py": "from setuptools import setup\nsetup()\n", "meta_setupcfg/__init__.py": ""}
    rst = make_project({**files, "setup.cfg": setup_cfg.replace("README.md", "README.rst"),
                        "README.rst": "Demo\n====\n\nA demo, see `docs <https://example.org>`_.\n"}, git=True)
    assert not by_code(build(rst, tmp_path / "rst"), "M004")
    md = make_project({**files, "setup.cfg": setup_cfg, "README.md": "Demo\n\nA small library.\n"}, git=True)
    (missing,) = by_code(build(md, tmp_path / "md"), "M004")
    assert place(missing) == ("setup.cfg", line_of(setup_cfg, "long_description = "))
