"""What of the source tree the wheel left out, in real builds on every backend: package data the
code reads (W103, at the reading line, with the backend's fix), package data nothing reads
(W104), `py.typed` (W105), a module dropped by each exclude style (W102, at the pattern's line)
and a subpackage missing from a packages list (W101, at the list)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import commit_all, corpus_copy
from tests.integration.test_contents_defects import build

pytestmark = pytest.mark.integration

INIT = '''\
"""A package reading a template of its own."""
from importlib.resources import files

from datademo.converters import to_text


def page(name: str) -> str:
    return (files(__package__) / "templates" / "page.html").read_text().format(to_text(name))
'''
READER = ("datademo/__init__.py", 8)
TREE = {
    "README.md": "# datademo\n",
    "datademo/__init__.py": INIT,
    "datademo/converters.py": "def to_text(value: object) -> str:\n    return str(value)\n",
    "datademo/templates/page.html": "<p>{}</p>\n",
    "datademo/extra/table.csv": "a,b\n1,2\n",
    "datademo/py.typed": "",
}

PROJECT = '[project]\nname = "datademo"\nversion = "1.0"\ndescription = "d"\nrequires-python = ">=3.8"\n'
BACKENDS = {
    "setuptools": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
                  + PROJECT,
    "hatchling": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n' + PROJECT,
    "flit": '[build-system]\nrequires = ["flit_core>=3.4,<4"]\nbuild-backend = "flit_core.buildapi"\n\n' + PROJECT,
    "pdm": '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n\n' + PROJECT,
    "poetry": '[build-system]\nrequires = ["poetry-core>=1.0"]\nbuild-backend = "poetry.core.masonry.api"\n\n'
              '[tool.poetry]\nname = "datademo"\nversion = "1.0"\ndescription = "d"\n'
              'authors = ["D <d@example.invalid>"]\n'
              'dependencies.python = ">=3.8"\n',
}
# What makes each backend ship the data (setuptools needs it said; the others ship package files).
INCLUDED = {
    "setuptools": '\n[tool.setuptools.package-data]\ndatademo = ["templates/*.html", "extra/*.csv", "py.typed"]\n',
    "hatchling": "", "flit": "", "pdm": "", "poetry": "",
}
# The way a project of each backend loses its data files: nothing said (setuptools), an include
# list naming only Python files (hatch, pdm, poetry). The line is the one to name in the fix.
DATA_DROPPED = {
    "setuptools": ("", None, 'datademo = ["templates/page.html"] to [tool.setuptools.package-data]'),
    "hatchling": ('\n[tool.hatch.build.targets.wheel]\ninclude = ["datademo/*.py"]\n', 12,
                  "[tool.hatch.build.targets.wheel] include"),
    "pdm": ('\n[tool.pdm.build]\nincludes = ["datademo/*.py"]\n', 12, "[tool.pdm.build] includes"),
    "poetry": ('packages = [{ include = "datademo/*.py" }]\n', 11, "[tool.poetry] include"),
}
# A module dropped by each exclude style, and the line of the pattern.
MODULE_DROPPED: dict[str, tuple[str, dict[str, str], str, int]] = {
    "setuptools": ("", {"MANIFEST.in": "include README.md\nexclude datademo/converters.py\n"}, "MANIFEST.in", 2),
    "hatchling": ('\n[tool.hatch.build.targets.sdist]\nexclude = [\n    "datademo/converters.py",\n]\n', {},
                  "pyproject.toml", 13),
    "flit": ('\n[tool.flit.sdist]\nexclude = ["datademo/converters.py"]\n', {}, "pyproject.toml", 12),
    "pdm": ('\n[tool.pdm.build]\nexcludes = ["datademo/converters.py"]\n', {}, "pyproject.toml", 12),
    "poetry": ('exclude = ["datademo/converters.py"]\n', {}, "pyproject.toml", 11),
}


def _project(make_project: Callable[..., Path], backend: str, extra: str, name: str,
             files: dict[str, str] | None = None) -> Path:
    tree = {**TREE, "pyproject.toml": BACKENDS[backend] + extra, **(files or {})}
    return make_project(tree, name=name, git=True)


def _wheel_findings(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["code"] in ("W101", "W102", "W103", "W104", "W105")]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_package_data_shipped_is_quiet(backend: str, make_project: Callable[..., Path], tmp_path: Path) -> None:
    tree = _project(make_project, backend, INCLUDED[backend], f"{backend}-included")
    run, findings = build(tree, tmp_path / "out")
    assert _wheel_findings(findings) == [] and run.exit_code == 0, findings


@pytest.mark.parametrize("backend", sorted(DATA_DROPPED))
def test_package_data_dropped(backend: str, make_project: Callable[..., Path], tmp_path: Path) -> None:
    extra, config_line, setting = DATA_DROPPED[backend]
    # setuptools ships py.typed unasked (since 69): a MANIFEST.in exclude drops it from the sdist
    files = {"MANIFEST.in": "exclude datademo/py.typed\n"} if backend == "setuptools" else {}
    tree = _project(make_project, backend, extra, f"{backend}-dropped", files)
    run, findings = build(tree, tmp_path / "out")
    found = {f["code"]: f for f in _wheel_findings(findings)}
    assert sorted(found) == ["W103", "W104", "W105"], findings

    read = found["W103"]  # the reader's line, and the setting that brings the file in
    assert (read["file"], read["line"], read["severity"]) == (*READER, "error")
    assert "datademo/templates/page.html" in read["message"]
    assert setting in read["hint"]
    if config_line is not None:
        assert f"pyproject.toml:{config_line}" in read["hint"]

    unread = found["W104"]
    assert unread["severity"] == "warning" and "datademo/extra/table.csv" in unread["message"]
    assert (unread["file"], unread["line"]) == (
        ("pyproject.toml", config_line) if config_line else ("datademo/extra/table.csv", None))

    typed = found["W105"]
    assert typed["severity"] == "error" and "datademo/py.typed" in typed["message"]
    assert (typed["file"], typed["line"]) == (
        ("MANIFEST.in", 1) if backend == "setuptools" else ("pyproject.toml", config_line))
    assert run.exit_code == 1


def test_flit_sdist_exclude_of_data(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """flit ships every file of the package: only its sdist exclude (the wheel is built from the
    sdist) drops data, and an unread file it excludes is excluded on purpose."""
    extra = ('\n[tool.flit.sdist]\nexclude = [\n    "datademo/templates",\n    "datademo/extra",\n'
             '    "datademo/py.typed",\n]\n')
    tree = _project(make_project, "flit", extra, "flit-dropped")
    run, findings = build(tree, tmp_path / "out")
    found = {f["code"]: f for f in _wheel_findings(findings)}
    assert sorted(found) == ["W103", "W105"], findings
    assert (found["W103"]["file"], found["W103"]["line"]) == READER
    assert "'datademo/templates' in [tool.flit.sdist] exclude (pyproject.toml:13)" in found["W103"]["message"]
    assert (found["W105"]["file"], found["W105"]["line"]) == ("pyproject.toml", 15)
    assert run.exit_code == 1


@pytest.mark.parametrize("backend", sorted(MODULE_DROPPED))
def test_module_dropped_by_an_exclude(backend: str, make_project: Callable[..., Path], tmp_path: Path) -> None:
    extra, files, config, line = MODULE_DROPPED[backend]
    tree = _project(make_project, backend, INCLUDED[backend] + extra, f"{backend}-module", files)
    run, findings = build(tree, tmp_path / "out")
    (module,) = _wheel_findings(findings)
    assert (module["code"], module["file"], module["line"], module["severity"]) == ("W102", config, line, "error")
    assert "datademo.converters" in module["message"] and "datademo/converters.py" in module["message"]
    assert run.exit_code == 1


def test_subpackage_missing_from_a_setuptools_packages_list(make_project: Callable[..., Path],
                                                            tmp_path: Path) -> None:
    listed = '[tool.setuptools]\npackages = ["datademo"]\n\n[tool.setuptools.package-data]'
    extra = INCLUDED["setuptools"].replace("[tool.setuptools.package-data]", listed)
    tree = _project(make_project, "setuptools", extra, "listed",
                    {"datademo/formats/__init__.py": "", "datademo/formats/json.py": "X = 1\n"})
    run, findings = build(tree, tmp_path / "out")
    (missing,) = _wheel_findings(findings)
    assert (missing["code"], missing["file"], missing["line"], missing["severity"]) == (
        "W101", "pyproject.toml", 12, "error")
    assert "datademo.formats" in missing["message"]


def test_hatch_leaves_out_what_gitignore_matches(make_project: Callable[..., Path], tmp_path: Path) -> None:
    tree = _project(make_project, "hatchling", "", "ignored", {".gitignore": "*.pyc\n*.html\n"})
    run, findings = build(tree, tmp_path / "out")
    (read,) = _wheel_findings(findings)
    assert (read["code"], read["file"], read["line"]) == ("W103", *READER)
    assert "'*.html' in .gitignore (.gitignore:2)" in read["message"]


def test_accepted_and_wheel_excluded_files_stay_quiet(make_project: Callable[..., Path], tmp_path: Path) -> None:
    extra = ('\n[tool.hatch.build.targets.wheel]\nexclude = ["datademo/extra"]\n'
             '\n[tool.deploypack]\nnot-in-wheel = ["datademo/py.typed"]\n'
             '\n[tool.hatch.build.targets.sdist]\nexclude = ["datademo/py.typed"]\n')
    tree = _project(make_project, "hatchling", extra, "accepted")
    run, findings = build(tree, tmp_path / "out")
    assert _wheel_findings(findings) == [] and run.exit_code == 0, findings


# --- planted into the public corpus ----------------------------------------------------------------

def _insert_after(path: Path, marker: str, lines: list[str]) -> int:
    """Insert `lines` after the line holding `marker`; the 1-based number of the first one."""
    text = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(text) if marker in line) + 1
    path.write_text("".join(text[:index] + [line + "\n" for line in lines] + text[index:]))
    return index + 1


@pytest.mark.corpus
def test_planted_in_urllib3_hatch_sdist_exclude(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    """urllib3 reads its emscripten worker script with importlib.resources (fetch.py:205)."""
    tree = corpus_copy(corpus_trees, "urllib3", tmp_path)
    first = _insert_after(tree / "pyproject.toml", "[tool.hatch.build.targets.sdist]", [
        "exclude = [", '  "/src/urllib3/contrib/emscripten/emscripten_fetch_worker.js",',
        '  "/src/urllib3/fields.py",', "]"])
    commit_all(tree, "plant a defect", force=True)
    run, findings = build(tree, tmp_path / "out")
    found = {f["code"]: f for f in _wheel_findings(findings)}
    assert sorted(found) == ["W102", "W103"], findings
    read = found["W103"]
    assert (read["file"], read["line"], read["severity"]) == ("src/urllib3/contrib/emscripten/fetch.py", 205, "error")
    assert f"pyproject.toml:{first + 1}" in read["message"]
    module = found["W102"]
    assert (module["file"], module["line"], module["severity"]) == ("pyproject.toml", first + 2, "error")
    assert "urllib3.fields" in module["message"]
    assert run.exit_code == 1


@pytest.mark.corpus
def test_planted_in_packaging_flit_sdist_exclude(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "packaging", tmp_path)
    first = _insert_after(tree / "pyproject.toml", '"build/__pycache__",', [
        '  "src/packaging/_musllinux.py",', '  "src/packaging/py.typed",'])
    commit_all(tree, "plant a defect", force=True)
    run, findings = build(tree, tmp_path / "out")
    found = {f["code"]: f for f in _wheel_findings(findings)}
    assert sorted(found) == ["W102", "W105"], findings
    assert (found["W102"]["file"], found["W102"]["line"]) == ("pyproject.toml", first)
    assert "packaging._musllinux" in found["W102"]["message"]
    assert (found["W105"]["file"], found["W105"]["line"], found["W105"]["severity"]) == (
        "pyproject.toml", first + 1, "error")
    assert run.exit_code == 1


@pytest.mark.corpus
def test_planted_in_pyjwt_data_file_and_manifest_exclude(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    """pyjwt ships package data through include-package-data and MANIFEST.in, which does not
    include a new data directory: the module reading it is the place to look."""
    tree = corpus_copy(corpus_trees, "pyjwt", tmp_path)
    (tree / "jwt" / "data").mkdir()
    (tree / "jwt" / "data" / "claims.json").write_text('{"iss": "Issuer"}\n')
    utils = tree / "jwt" / "utils.py"
    lines = utils.read_text().splitlines()
    reader = len(lines) + 6  # the `with open(...)` line
    utils.write_text("\n".join([*lines, "", "", "def registered_claims() -> str:", "    import os", "",
                                "    with open(os.path.join(os.path.dirname(__file__), 'data', 'claims.json')) as f:",
                                "        return f.read()", ""]))
    manifest = tree / "MANIFEST.in"
    manifest.write_text(manifest.read_text() + "exclude jwt/help.py\n")
    excluded = len(manifest.read_text().splitlines())
    commit_all(tree, "plant a defect", force=True)
    run, findings = build(tree, tmp_path / "out")
    found = {f["code"]: f for f in _wheel_findings(findings)}
    assert sorted(found) == ["W102", "W103"], findings
    read = found["W103"]
    assert (read["file"], read["line"], read["severity"]) == ("jwt/utils.py", reader, "error")
    assert "jwt/data/claims.json" in read["message"]
    assert 'jwt = ["data/claims.json"] to [tool.setuptools.package-data] (pyproject.toml:' in read["hint"]
    module = found["W102"]
    assert (module["file"], module["line"], module["severity"]) == ("MANIFEST.in", excluded, "error")
    assert run.exit_code == 1
