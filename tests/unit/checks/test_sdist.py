"""sdist contents checks (S0xx) over real small archives."""

from __future__ import annotations

from pathlib import Path

from deploypack.core.findings import Severity
from tests.unit.checks.contents_archives import codes, context, findings, write_sdist, write_wheel

PYPROJECT = '[project]\nname = "demo"\nversion = "1.0"\nreadme = "README.md"\nlicense = {file = "LICENSE"}\n'


def test_a_complete_sdist_has_no_finding(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"pyproject.toml": PYPROJECT, "README.md": "# demo\n", "LICENSE": "MIT\n",
                                   "demo/__init__.py": ""})
    assert findings(context(sdist, git_files=["pyproject.toml", "README.md", "LICENSE", "demo/__init__.py"]), "S") == []


def test_members_outside_the_top_directory(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"setup.py": ""}, stray={"evil.txt": "x"})
    (finding,) = findings(context(sdist), "S001")
    assert finding.member == "evil.txt" and "demo-1.0/" in finding.message


def test_top_directory_must_match_the_file_name(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"setup.py": ""}, top="demo-0.9")
    assert codes(findings(context(sdist), "S001")) == ["S001"]


def test_no_build_configuration(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"demo/__init__.py": "", "setup.cfg": "[metadata]\nname = demo\n"})
    assert codes(findings(context(sdist), "S002")) == ["S002"]


def test_setup_py_alone_is_enough(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"setup.py": "from setuptools import setup\nsetup()\n"})
    assert findings(context(sdist), "S002") == []


def test_readme_and_license_named_in_pyproject_but_missing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT)
    sdist = write_sdist(tmp_path, {"pyproject.toml": PYPROJECT})
    found = findings(context(sdist, project_dir=project), "S003")
    assert sorted((f.file, f.line, "README.md" in f.message) for f in found) == [
        ("pyproject.toml", 4, True), ("pyproject.toml", 5, False)]


def test_files_named_in_setup_cfg(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = demo\nlong_description = file: README.rst, CHANGES.rst\nlicense_files = COPYING\n"
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.cfg").write_text(cfg)
    sdist = write_sdist(tmp_path, {"setup.cfg": cfg, "setup.py": "", "README.rst": "x\n"})
    found = findings(context(sdist, project_dir=project), "S003")
    assert sorted((f.file, f.line) for f in found) == [("setup.cfg", 3), ("setup.cfg", 4)]
    assert any("CHANGES.rst" in f.message for f in found) and any("COPYING" in f.message for f in found)


def test_license_globs_are_not_taken_for_names(tmp_path: Path) -> None:
    text = '[project]\nname = "demo"\nlicense-files = ["LICEN[CS]E*", "licenses/*"]\n'
    sdist = write_sdist(tmp_path, {"pyproject.toml": text})
    assert findings(context(sdist), "S003") == []


def _tracked(tmp_path: Path, git_files: list[str], in_sdist: dict[str, str]) -> list:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    sdist = write_sdist(tmp_path, in_sdist)
    wheel = write_wheel(tmp_path, {"demo/__init__.py": ""})
    return findings(context(sdist, wheel, project_dir=project, git_files=git_files), "S004")


def test_package_data_left_out_of_the_sdist_is_a_warning(tmp_path: Path) -> None:
    git = ["setup.py", "demo/__init__.py", "demo/data/schema.json", "demo/data/extra.json"]
    (finding,) = _tracked(tmp_path, git, {"setup.py": "", "demo/__init__.py": ""})
    assert finding.severity == Severity.WARNING
    assert finding.file == "demo/data"
    assert "2 files" in finding.message and "demo/data/schema.json" in finding.message


def test_license_left_out_is_a_warning_pointing_at_it(tmp_path: Path) -> None:
    (finding,) = _tracked(tmp_path, ["setup.py", "LICENSE"], {"setup.py": ""})
    assert (finding.file, finding.severity) == ("LICENSE", Severity.WARNING)


def test_docs_left_out_are_a_note(tmp_path: Path) -> None:
    (finding,) = _tracked(tmp_path, ["setup.py", "docs/index.rst", "docs/conf.py"], {"setup.py": ""})
    assert (finding.file, finding.severity) == ("docs", Severity.NOTE)


def test_development_files_sdists_commonly_omit_are_ignored(tmp_path: Path) -> None:
    git = ["setup.py", ".github/workflows/ci.yml", ".gitignore", ".pre-commit-config.yaml", "tox.ini",
           "noxfile.py", "uv.lock", "CONTRIBUTING.md", "requirements-dev.txt", "Makefile", "src/.keep"]
    assert _tracked(tmp_path, git, {"setup.py": ""}) == []


def test_without_git_nothing_is_compared(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"setup.py": ""})
    project = tmp_path / "project"
    project.mkdir()
    assert findings(context(sdist, project_dir=project, git_files=None), "S004") == []


def test_files_excluded_on_purpose_are_not_listed(tmp_path: Path) -> None:
    manifest = "prune docs/_build\nglobal-exclude *.pyc\nexclude demo/secret_settings.py\n"
    git = ["setup.py", "MANIFEST.in", "docs/_build/index.html", "demo/__init__.py", "demo/cache.pyc",
           "demo/secret_settings.py"]
    assert _tracked(tmp_path, git, {"setup.py": "", "MANIFEST.in": manifest, "demo/__init__.py": ""}) == []


def test_hatch_sdist_include_list_leaves_the_rest_out_on_purpose(tmp_path: Path) -> None:
    pyproject = '[tool.hatch.build.targets.sdist]\ninclude = ["/src", "/tests"]\n'
    git = ["pyproject.toml", "src/demo/__init__.py", "benchmarks/run.py", "tests/test_a.py", "src/demo/data.json"]
    (finding,) = _tracked(tmp_path, git, {"pyproject.toml": pyproject, "src/demo/__init__.py": "",
                                          "tests/test_a.py": ""})
    assert (finding.file, finding.severity) == ("src/demo/data.json", Severity.WARNING)


def test_tests_inside_the_package_left_out_are_a_note(tmp_path: Path) -> None:
    (finding,) = _tracked(tmp_path, ["setup.py", "demo/__init__.py", "demo/tests/test_x.py"],
                          {"setup.py": "", "demo/__init__.py": ""})
    assert (finding.file, finding.severity) == ("demo/tests/test_x.py", Severity.NOTE)


def test_build_configuration_reader_for_every_backend() -> None:
    from deploypack.project.drops import read_drops
    from deploypack.project.packaging_config import read_packaging_config

    setuptools = read_packaging_config({
        "pyproject.toml": "[tool.setuptools.packages.find]\nwhere = ['src']\nexclude = ['demo.tests*']\n"})
    assert setuptools.backend == "setuptools"
    assert (setuptools.roots, setuptools.excluded_dotted) == (["src"], ["demo.tests*"])
    setup_py = read_packaging_config({"setup.py": "setup(packages=find_packages('lib', exclude=('x', 'x.*')))\n"})
    assert (setup_py.roots, setup_py.excluded_dotted, setup_py.certain) == (["lib"], ["x", "x.*"], True)
    assert read_packaging_config({"setup.py": "setup(packages=PACKAGES)\n"}).certain is False
    hatch = read_packaging_config({"pyproject.toml": "[build-system]\nbuild-backend = 'hatchling.build'\n"})
    assert hatch.picks_by_name and hatch.listed is None
    broken = read_packaging_config({"pyproject.toml": "[project\n"})
    assert broken.certain is False

    drops = read_drops({
        "MANIFEST.in": "recursive-exclude docs *.tmp  # scratch\nprune .ci\n",
        "pyproject.toml": "[tool.hatch.build.targets.sdist]\nonly-include = ['/src']\nexclude = ['*.log']\n",
    })
    dropped = {path: drops.sdist_drop(path) for path in
               ("docs/a/b.tmp", ".ci/x.yml", "src/demo/run.log", "README.md", "src/demo/__init__.py")}
    assert [(d.file, d.line) if d else None for d in dropped.values()] == [
        ("MANIFEST.in", 1), ("MANIFEST.in", 2), ("pyproject.toml", 3), ("pyproject.toml", 2), None]
