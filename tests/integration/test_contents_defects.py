"""Contents defects caught in real builds: broken mini-projects (tests/data/projects/contents-*,
or written by the test), archives post-processed after the build, and the same defects planted
into copies of the public corpus trees. Each asserts the code, the file and the line."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Run, build_findings, commit_all, corpus_copy, git_init, only, run_cli

pytestmark = pytest.mark.integration


def build(tree: Path, outdir: Path, *options: str) -> tuple[Run, list[dict]]:
    return build_findings(tree, outdir, *options, exit_codes=(0, 1))


def contents_findings(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["code"][0] in "WSC"]


# --- broken mini-projects -------------------------------------------------------------------------

def test_subpackage_without_init_is_missing_from_the_wheel(project, tmp_path: Path) -> None:
    tree = project("contents-missing-subpackage", git=True)
    run, findings = build(tree, tmp_path / "out")
    missing = only(findings, "W101")
    assert (missing["file"], missing["line"], missing["severity"]) == (
        "contents_missing_subpackage/plugins", None, "error")
    assert "contents_missing_subpackage.plugins" in missing["message"]
    assert run.exit_code == 1


def test_tests_package_installed_at_the_top_level(project, tmp_path: Path) -> None:
    tree = project("contents-foreign-toplevel", git=True)
    run, findings = build(tree, tmp_path / "out")
    foreign = only(findings, "W006")
    assert (foreign["file"], foreign["line"], foreign["severity"]) == ("tests", None, "error")
    assert sorted(f["code"] for f in contents_findings(findings) if f["severity"] != "note") == ["W006"]
    assert foreign["member"].startswith("tests/")
    assert run.exit_code == 1


def test_package_data_tracked_by_git_but_left_out_of_the_sdist(project, tmp_path: Path) -> None:
    tree = project("contents-tracked-data", git=True)
    run, findings = build(tree, tmp_path / "out")
    left_out = only(findings, "S004")
    assert (left_out["file"], left_out["line"], left_out["severity"]) == (
        "contents_tracked_data/schemas", None, "warning")
    assert "contents_tracked_data/schemas/config.json" in left_out["message"]
    assert run.exit_code == 0
    strict, _ = build(tree, tmp_path / "strict", "--strict")
    assert strict.exit_code == 1


FLIT_PROJECT = """\
[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "junk-demo"
version = "1.0.0"
description = "A flit project whose sdist sweeps up what must not ship"
readme = "README.md"
requires-python = ">=3.8"

[tool.flit.sdist]
include = ["docs/", ".env", "CHANGES.md"]

[tool.deploypack]
max-file-size = "64KB"
"""


def test_junk_secrets_links_and_huge_files_in_a_real_build(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": FLIT_PROJECT, "README.md": "# junk-demo\n", "junk_demo/__init__.py": '"""Demo."""\n',
        "docs/changes.md": "# Changes\n", ".env": "UPLOAD_TOKEN=pypi-AgEIcHlwaS5vcmc\n",
        "junk_demo/.DS_Store": "\0\0\0\1Bud1",
    })
    (tree / "junk_demo" / "data").mkdir()
    (tree / "junk_demo" / "data" / "dump.bin").write_bytes(os.urandom(100_000))
    (tree / "CHANGES.md").symlink_to("docs/changes.md")
    git_init(tree)
    run, findings = build(tree, tmp_path / "out")

    secret = only(findings, "C007")
    assert (secret["file"], secret["line"], secret["severity"]) == (".env", None, "error")
    junk = only(findings, "C006")
    assert (junk["file"], junk["severity"]) == ("junk_demo/.DS_Store", "warning")
    assert "junk_demo-1.0.0.tar.gz" in junk["message"] and "junk_demo-1.0.0-py3-none-any.whl" in junk["message"]
    huge = only(findings, "C001")
    assert huge["file"] == "junk_demo/data/dump.bin" and "64.0 KB" in huge["message"]
    link = only(findings, "C003")
    assert (link["file"], link["severity"]) == ("CHANGES.md", "warning") and "'docs/changes.md'" in link["message"]
    assert run.exit_code == 1


SETUPTOOLS_PROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "modes-demo"
version = "1.0.0"
description = "setuptools keeps the file modes of the tree in the sdist"
readme = "README.rst"

[tool.setuptools.package-data]
modes_demo = ["*.dat"]
"""


def test_setuid_and_world_writable_files_of_the_build_machine(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": SETUPTOOLS_PROJECT, "README.rst": "modes-demo\n==========\n",
        "MANIFEST.in": "include modes_demo/*.dat\ninclude release.sh\n", "modes_demo/__init__.py": '"""Demo."""\n',
        "modes_demo/table.dat": "1 2 3\n", "release.sh": "#!/bin/sh\n",
    }, git=True)
    # git keeps no such modes: they come from the build machine (a umask of 000, a stray chmod).
    (tree / "modes_demo" / "table.dat").chmod(0o666)
    (tree / "release.sh").chmod(0o4755)
    run, findings = build(tree, tmp_path / "out")
    modes = {f["file"]: f for f in findings if f["code"] == "C004"}
    assert set(modes) == {"release.sh", "modes_demo/table.dat"}
    assert modes["release.sh"]["severity"] == "error" and "setuid" in modes["release.sh"]["message"]
    assert modes["modes_demo/table.dat"]["severity"] == "warning"
    assert modes["modes_demo/table.dat"]["line"] is None
    assert run.exit_code == 1


def test_prebuilt_shared_library_in_a_pure_wheel(make_project, tmp_path: Path) -> None:
    tree = make_project({
        "pyproject.toml": SETUPTOOLS_PROJECT.replace("modes-demo", "native-demo").replace("modes_demo", "native_demo")
        .replace('["*.dat"]', '["*.so"]'),
        "README.rst": "native-demo\n===========\n", "native_demo/__init__.py": '"""Loads _native.so with ctypes."""\n',
        "native_demo/_native.so": "\x7fELF (a library built on the maintainer's machine)\n",
    }, git=True)
    run, findings = build(tree, tmp_path / "out")
    compiled = only(findings, "W008")
    assert (compiled["file"], compiled["line"], compiled["severity"]) == ("native_demo/_native.so", None, "error")
    assert "py3-none-any" in compiled["message"]
    assert run.exit_code == 1


def test_platform_tag_forced_on_pure_python(make_project, tmp_path: Path) -> None:
    setup_py = (
        "from setuptools import setup\nfrom setuptools.dist import Distribution\n\n\n"
        "class BinaryDistribution(Distribution):\n    def has_ext_modules(self):\n        return True\n\n\n"
        "setup(distclass=BinaryDistribution)\n"
    )
    tree = make_project({
        "pyproject.toml": SETUPTOOLS_PROJECT.replace("modes-demo", "tagged-demo").replace("modes_demo", "tagged_demo"),
        "setup.py": setup_py, "README.rst": "tagged-demo\n===========\n", "tagged_demo/__init__.py": '"""Pure."""\n',
    }, git=True)
    run, findings = build(tree, tmp_path / "out")
    platform = only(findings, "W009")
    # line 6 is `def has_ext_modules(self):`, what makes setuptools tag the wheel for this platform
    assert (platform["file"], platform["line"], platform["severity"]) == ("setup.py", 6, "warning")
    assert "holds no compiled file" in platform["message"]
    assert platform["artifact"].endswith(".whl") and "-none-any" not in platform["artifact"]
    assert run.exit_code == 0


# --- archives changed after the build (`deploypack check`) ----------------------------------------

def _rewrite_zip(path: Path, change: dict[str, bytes | None], add: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename in change:
                replacement = change[info.filename]
                if replacement is None:
                    continue
                data = replacement
            target.writestr(info, data)
        for name, data in add.items():
            target.writestr(name, data)


def _repack_sdist(path: Path, drop: set[str], stray: dict[str, bytes]) -> None:
    with tarfile.open(path) as source:
        members = [(info, source.extractfile(info).read() if info.isreg() else None)  # type: ignore[union-attr]
                   for info in source.getmembers()]
    with tarfile.open(path, "w:gz") as target:
        for info, data in members:
            if info.name.split("/", 1)[-1] in drop:
                continue
            target.addfile(info, io.BytesIO(data) if data is not None else None)
        for name, data in stray.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))


def test_archives_post_processed_after_the_build(project, tmp_path: Path) -> None:
    tree = project("hatchling", git=True)
    outdir = tmp_path / "out"
    run, findings = build(tree, outdir)
    assert contents_findings(findings) == [] and run.exit_code == 0
    wheel = next(outdir.glob("*.whl"))
    sdist = next(outdir.glob("*.tar.gz"))
    # A "vendoring" step that patches a module and injects a file without regenerating RECORD.
    _rewrite_zip(wheel, {"hatch_demo/__init__.py": b"patched = True\n"}, {"hatch_demo/injected.py": b"x = 1\n"})
    # A re-pack that drops the README and adds a member beside the top directory.
    _repack_sdist(sdist, {"README.md"}, {"notes.txt": b"stray\n"})

    checked = run_cli(["check", str(wheel), str(sdist), "--format", "json"])
    findings = checked.json()["findings"]
    assert only(findings, "W002")["member"] == "hatch_demo/injected.py"
    mismatch = only(findings, "W003")
    assert mismatch["member"] == "hatch_demo/__init__.py"
    assert "in RECORD" in mismatch["message"]
    assert only(findings, "S001")["member"] == "notes.txt"
    readme = only(findings, "S003")
    assert readme["member"] == "pyproject.toml" and "README.md" in readme["message"]
    assert checked.exit_code == 1


# --- defects planted into the public corpus ---------------------------------------------------------

@pytest.mark.corpus
def test_planted_subpackage_without_init_in_pyjwt(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "pyjwt", tmp_path)
    (tree / "jwt" / "contrib").mkdir()
    (tree / "jwt" / "contrib" / "algorithms.py").write_text("ALGORITHMS = {}\n")  # namespaces = false skips it
    commit_all(tree, "plant a defect", force=True)
    _, findings = build(tree, tmp_path / "out")
    missing = only(findings, "W101")
    assert (missing["file"], missing["line"], missing["severity"]) == ("jwt/contrib", None, "error")
    # find_packages() leaves it out of the sdist too; nothing else of pyjwt is flagged.
    assert only(findings, "S004")["file"] == "jwt/contrib/algorithms.py"
    assert sorted(f["code"] for f in contents_findings(findings) if f["severity"] != "note") == ["S004", "W101"]


@pytest.mark.corpus
def test_planted_junk_and_secret_in_attrs(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "attrs", tmp_path)
    (tree / "src" / "attr" / "_make.py~").write_text("# an editor backup\n")
    (tree / ".env").write_text("UPLOAD_TOKEN=pypi-AgEIcHlwaS5vcmc\n")
    commit_all(tree, "plant a defect", force=True)
    _, findings = build(tree, tmp_path / "out")
    junk = only(findings, "C006")
    assert (junk["file"], junk["line"], junk["severity"]) == ("src/attr/_make.py~", None, "warning")
    assert ".whl" in junk["message"]  # the wheel ships it too: one finding names both archives
    secret = only(findings, "C007")
    assert (secret["file"], secret["line"], secret["severity"]) == (".env", None, "error")
    assert sorted(f["code"] for f in contents_findings(findings) if f["severity"] != "note") == ["C006", "C007"]


@pytest.mark.corpus
def test_planted_tests_package_in_tqdm_wheel(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "tqdm", tmp_path)
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text()
    assert 'include = ["tqdm", "tqdm.*"]' in text
    pyproject.write_text(text.replace('include = ["tqdm", "tqdm.*"]', 'exclude = ["examples*"]'))
    commit_all(tree, "plant a defect", force=True)
    _, findings = build(tree, tmp_path / "out")
    foreign = only(findings, "W006")
    assert (foreign["file"], foreign["line"], foreign["severity"]) == ("tests", None, "error")
    assert sorted(f["code"] for f in contents_findings(findings) if f["severity"] != "note") == ["W006"]
