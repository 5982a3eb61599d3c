"""Release defects of issue 15, each caught on every backend in real builds: a symlink leading out of
the tree, bytecode swept into the wheel, a README or licence file named but missing, a Markdown README
declared as reStructuredText. Each test asserts the code, severity, file and line."""

from __future__ import annotations

import os
import py_compile
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run, build_findings, commit_all, corpus_copy, git_init, only
from tests.projects import BACKENDS, build_system

pytestmark = pytest.mark.integration

def pyproject(backend: str, name: str, *, readme: str = '"README.md"', extra: str = "") -> str:
    return (f'{build_system(backend)}\n[project]\nname = "{name}"\n'
            f'version = "1.0.0"\ndescription = "A project with a planted defect"\nreadme = {readme}\n'
            f'requires-python = ">=3.8"\nlicense = "MIT"\n{extra}')


def project_files(backend: str, name: str, **settings: str) -> dict[str, str]:
    package = name.replace("-", "_")
    return {"pyproject.toml": pyproject(backend, name, **settings), "README.md": f"# {name}\n\nA demo.\n",
            f"{package}/__init__.py": '"""Demo."""\n'}


def build(tree: Path, outdir: Path, *options: str) -> tuple[Run, list[dict]]:
    return build_findings(tree, outdir, *options, exit_codes=(0, 1, 2))


def errors(findings: list[dict]) -> list[str]:
    return sorted(f["code"] for f in findings if f["severity"] == "error")


# --- 1. a symlink leading out of the tree ---------------------------------------------------------

# What each backend does with `pkg/data.txt -> <outside>`: setuptools follows it and ships the target's
# content; hatchling, flit and pdm keep it in the sdist (which cannot be unpacked to build the wheel);
# poetry-core refuses it with its own exception. A relative link whose target lands inside the sdist's
# unpack directory builds with pdm (the sdist keeps the link), while flit and hatchling leave it out of
# the sdist and the wheel built from that sdist fails (B007).
LINK_BEHAVIOUR = {
    ("setuptools", "absolute"): "holds the target's content as ordinary files",
    ("setuptools", "relative"): "holds the target's content as ordinary files",
    ("hatchling", "absolute"): "the sdist keeps it as a link, which no one can unpack safely (A003",
    ("hatchling", "relative"): "the build failed on it (B007",
    ("flit", "absolute"): "the sdist keeps it as a link, which no one can unpack safely (A003",
    ("flit", "relative"): "the build failed on it (B007",
    ("pdm", "absolute"): "the sdist keeps it as a link, which no one can unpack safely (A003",
    ("pdm", "relative"): "link_pdm-1.0.0.tar.gz keeps it as a link",
    ("poetry", "absolute"): "the build failed on it (B008",
    ("poetry", "relative"): "the build failed on it (B008",
}


def _linked_project(make_project: Callable[..., Path], tmp_path: Path, backend: str, target: Callable[[Path], str],
                    ) -> Path:
    name = f"link-{backend}"
    extra = "\n[tool.setuptools.package-data]\nlink_" + backend + ' = ["*.txt"]\n' if backend == "setuptools" else ""
    tree = make_project(project_files(backend, name, extra=extra), name=name)
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("TOKEN=from-the-build-machine\n")
    os.symlink(target(secret), tree / name.replace("-", "_") / "data.txt")
    git_init(tree)
    return tree


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_symlink_out_of_the_tree_is_an_error_at_the_link(backend: str, kind: str, make_project, tmp_path: Path,
                                                        ) -> None:
    def target(secret: Path) -> str:
        return str(secret) if kind == "absolute" else os.path.relpath(secret, tmp_path / f"link-{backend}" / "x")

    tree = _linked_project(make_project, tmp_path, backend, target)
    outdir = tmp_path / "dist"
    run, findings = build(tree, outdir)
    link = only(findings, "C008")
    package = f"link_{backend}"
    assert (link["file"], link["line"], link["severity"]) == (f"{package}/data.txt", None, "error")
    assert "secret.txt" in link["message"] and LINK_BEHAVIOUR[backend, kind] in link["message"]
    assert run.exit_code != 0
    assert not outdir.exists() or not any(outdir.iterdir())  # the target's content is never published
    assert not any(f["file"] in ("<frozen runpy>", None) and f["severity"] == "error" for f in findings), findings
    assert [f["code"] for f in findings if f["file"] == link["file"]] == ["C008"]  # one finding for the link


@pytest.mark.parametrize(("backend", "severity"), [
    ("hatchling", "error"),  # follows a link to a directory: the sdist and the wheel hold the target's files
    ("setuptools", "warning"),  # leaves it out: nothing is published, but the committed link is reported
])
def test_link_to_a_directory_outside(backend: str, severity: str, make_project, tmp_path: Path) -> None:
    outside = tmp_path / "keys"
    outside.mkdir()
    (outside / "deploy.key").write_text("not for publishing\n")
    tree = make_project(project_files(backend, "dir-demo"), name="dir-demo")
    os.symlink(outside, tree / "dir_demo" / "keys")
    git_init(tree)
    outdir = tmp_path / "dist"
    run, findings = build(tree, outdir)
    link = only(findings, "C008")
    assert (link["file"], link["line"], link["severity"]) == ("dir_demo/keys", None, severity)
    assert str(outside) in link["message"]
    assert (run.exit_code == 1) == (severity == "error")
    assert any(outdir.glob("*.whl")) == (severity == "warning")


def test_link_inside_the_checkout_is_not_outside(make_project, tmp_path: Path) -> None:
    """A monorepo package linking the repository's licence links inside the checkout: no C008."""
    repo = tmp_path / "repo"
    (repo / "LICENSE").parent.mkdir()
    (repo / "LICENSE").write_text("MIT License\n")
    files = project_files("setuptools", "mono-demo")
    for relative, text in files.items():
        (repo / "packages" / "mono" / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / "packages" / "mono" / relative).write_text(text)
    os.symlink("../../LICENSE", repo / "packages" / "mono" / "LICENSE")
    git_init(repo)
    run, findings = build(repo / "packages" / "mono", tmp_path / "dist")
    assert "C008" not in [f["code"] for f in findings]
    assert run.exit_code == 0, findings


# --- 6. bytecode in the wheel ---------------------------------------------------------------------

def _with_bytecode(tree: Path, package: str) -> str:
    """Bytecode a test run left beside the sources (untracked, as in a real checkout)."""
    cached = tree / package / "__pycache__" / "core.cpython-312.pyc"
    py_compile.compile(str(tree / package / "core.py"), cfile=str(cached))
    return f"{package}/__pycache__/core.cpython-312.pyc"


@pytest.mark.parametrize(("manifest", "line"), [
    ("include README.md\ngraft byte_demo\n", 2),
    ("recursive-include byte_demo *\n", 1),
    ("global-include *.pyc\n", 1),
])
def test_bytecode_grafted_by_manifest_in_is_an_error_at_its_line(manifest: str, line: int, make_project,
                                                                   tmp_path: Path) -> None:
    files = project_files("setuptools", "byte-demo")
    files.update({"byte_demo/core.py": "VALUE = 1\n", "MANIFEST.in": manifest})
    tree = make_project(files, name="byte-demo", git=True)
    member = _with_bytecode(tree, "byte_demo")
    run, findings = build(tree, tmp_path / "dist")
    bytecode = only(findings, "W004")
    assert (bytecode["file"], bytecode["line"], bytecode["severity"]) == ("MANIFEST.in", line, "error")
    assert member in bytecode["message"]
    assert run.exit_code == 1


def test_bytecode_from_setuptools_package_data(make_project, tmp_path: Path) -> None:
    extra = '\n[tool.setuptools.package-data]\nbyte_demo = [\n    "*.json",\n    "**/*",\n]\n'
    files = project_files("setuptools", "byte-demo", extra=extra)
    files.update({"byte_demo/core.py": "VALUE = 1\n", "MANIFEST.in": "graft byte_demo\nglobal-exclude *.json\n"})
    tree = make_project(files, name="byte-demo", git=True)
    _with_bytecode(tree, "byte_demo")
    _, findings = build(tree, tmp_path / "dist")
    bytecode = only(findings, "W004")
    # the MANIFEST.in graft put it in the sdist, and that is the line to change
    assert (bytecode["file"], bytecode["line"], bytecode["severity"]) == ("MANIFEST.in", 1, "error")


def test_bytecode_from_setup_py_package_data(make_project, tmp_path: Path) -> None:
    setup_py = ('from setuptools import setup\n\nsetup(\n    name="byte-demo",\n    version="1.0.0",\n'
                '    packages=["byte_demo"],\n    package_data={\n        "byte_demo": ["*.json"],\n'
                '        "": ["**/*"],\n    },\n)\n')
    tree = make_project({"setup.py": setup_py, "README.md": "# byte-demo\n", "byte_demo/__init__.py": "",
                         "byte_demo/core.py": "VALUE = 1\n"}, name="byte-demo", git=True)
    _with_bytecode(tree, "byte_demo")
    _, findings = build(tree, tmp_path / "dist")
    bytecode = only(findings, "W004")
    assert (bytecode["file"], bytecode["line"], bytecode["severity"]) == ("setup.py", 9, "error")


def test_bytecode_force_included_by_hatch(make_project, tmp_path: Path) -> None:
    extra = ('\n[tool.hatch.build.targets.sdist.force-include]\n"byte_demo/__pycache__" = "byte_demo/__pycache__"\n'
             '\n[tool.hatch.build.targets.wheel.force-include]\n"byte_demo/__pycache__" = "byte_demo/__pycache__"\n')
    files = project_files("hatchling", "byte-demo", extra=extra)
    files["byte_demo/core.py"] = "VALUE = 1\n"
    tree = make_project(files, name="byte-demo", git=True)
    _with_bytecode(tree, "byte_demo")
    _, findings = build(tree, tmp_path / "dist")
    bytecode = only(findings, "W004")
    lines = (tree / "pyproject.toml").read_text().splitlines()
    wheel_table = lines.index("[tool.hatch.build.targets.wheel.force-include]") + 1
    assert (bytecode["file"], bytecode["line"], bytecode["severity"]) == ("pyproject.toml", wheel_table + 1, "error")


def test_bytecode_from_pdm_includes(make_project, tmp_path: Path) -> None:
    extra = '\n[tool.pdm.build]\nincludes = [\n    "byte_demo/",\n    "byte_demo/__pycache__/*.pyc",\n]\n'
    files = project_files("pdm", "byte-demo", extra=extra)
    files["byte_demo/core.py"] = "VALUE = 1\n"
    tree = make_project(files, name="byte-demo", git=True)
    _with_bytecode(tree, "byte_demo")
    run, findings = build(tree, tmp_path / "dist")
    bytecode = only(findings, "W004")
    text = (tree / "pyproject.toml").read_text().splitlines()
    assert bytecode["file"] == "pyproject.toml" and bytecode["severity"] == "error"
    assert "byte_demo" in text[bytecode["line"] - 1]
    assert run.exit_code == 1


@pytest.mark.parametrize("backend", ["hatchling", "flit", "poetry"])
def test_backends_that_do_not_ship_bytecode_by_default_stay_quiet(backend: str, make_project, tmp_path: Path) -> None:
    files = project_files(backend, "byte-demo")
    files["byte_demo/core.py"] = "VALUE = 1\n"
    tree = make_project(files, name="byte-demo", git=True)
    _with_bytecode(tree, "byte_demo")
    run, findings = build(tree, tmp_path / "dist")
    assert "W004" not in [f["code"] for f in findings]
    assert run.exit_code == 0, findings


# --- 4. a README or licence file named but missing ------------------------------------------------

# The name appears first in a comment and in an sdist include list: the finding is at the line of
# the setting that declares it, not at the first mention.
MENTIONED_FIRST = '# "NOTES.md" and "README.md" are kept in the sdist\n'


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_missing_readme_is_an_error_at_the_line_naming_it(backend: str, make_project, tmp_path: Path) -> None:
    files = project_files(backend, "gone-demo", readme='"NOTES.md"')
    files["pyproject.toml"] = MENTIONED_FIRST + files["pyproject.toml"]
    tree = make_project(files, name="gone-demo", git=True)
    outdir = tmp_path / "dist"
    run, findings = build(tree, outdir)
    missing = only(findings, "B006")
    line = (tree / "pyproject.toml").read_text().splitlines().index('readme = "NOTES.md"') + 1
    assert (missing["file"], missing["line"], missing["severity"]) == ("pyproject.toml", line, "error")
    assert "NOTES.md" in missing["message"] and run.exit_code != 0


def test_missing_licence_in_a_multiline_list_and_readme_table(make_project, tmp_path: Path) -> None:
    extra = 'license-files = [\n    "LICENSE",\n    "NOTICE",\n]\n'
    files = project_files("hatchling", "lic-demo", readme='{ file = "README.md", content-type = "text/markdown" }',
                          extra=extra)
    files["LICENSE"] = "MIT License\n"
    tree = make_project(files, name="lic-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    missing = only(findings, "B006")
    line = (tree / "pyproject.toml").read_text().splitlines().index('    "NOTICE",') + 1
    assert (missing["file"], missing["line"], missing["severity"]) == ("pyproject.toml", line, "error")


def test_missing_changelog_in_setup_cfg_file_directive(make_project, tmp_path: Path) -> None:
    setup_cfg = ("[metadata]\nname = cfg-demo\nversion = 1.0.0\ndescription = demo\n"
                 "long_description = file: README.rst,\n    CHANGES.rst\nlong_description_content_type = text/x-rst\n"
                 "\n[options]\npackages = cfg_demo\n")
    tree = make_project({"setup.cfg": setup_cfg, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.rst": "cfg-demo\n========\n", "cfg_demo/__init__.py": ""}, name="cfg-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == ("setup.cfg", 6, "error")


def test_in_tree_backend_that_would_build_without_the_readme(project, tmp_path: Path) -> None:
    tree = project("in-tree-backend")
    (tree / "README.md").unlink()
    run, findings = build(tree, tmp_path / "dist")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == ("pyproject.toml", 10, "error")
    assert run.exit_code != 0


def test_missing_readme_of_a_tool_poetry_table(make_project, tmp_path: Path) -> None:
    pyproject_toml = ('[build-system]\nrequires = ["poetry-core>=1.9"]\nbuild-backend = "poetry.core.masonry.api"\n\n'
                      '[tool.poetry]\nname = "po-demo"\nversion = "1.0.0"\ndescription = "d"\n'
                      'authors = ["A <a@example.invalid>"]\n# README.md is shown on the index\nreadme = "README.md"\n')
    tree = make_project({"pyproject.toml": pyproject_toml, "po_demo/__init__.py": ""}, name="po-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == ("pyproject.toml", 11, "error")


def test_setup_py_falling_back_to_an_empty_description(make_project, tmp_path: Path) -> None:
    """setup.py guards the read with exists(): the build would succeed with no description."""
    setup_py = ('import os\nfrom setuptools import setup\n\nlong_description = ""\n'
                'if os.path.exists("README.rst"):\n    long_description = open("README.rst").read()\n\n'
                'setup(name="quiet-demo", version="1.0.0", packages=["quiet_demo"],\n'
                '      long_description=long_description)\n')
    tree = make_project({"setup.py": setup_py, "README.md": "# quiet-demo\n", "quiet_demo/__init__.py": ""},
                        name="quiet-demo", git=True)
    run, findings = build(tree, tmp_path / "dist")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == ("setup.py", 6, "error")
    assert "README.rst" in missing["message"] and run.exit_code != 0


# --- 3. a Markdown README declared as reStructuredText --------------------------------------------

MARKDOWN = "# rst-demo\n\nInstall it:\n\n```sh\npip install rst-demo\n```\n\nSee [the docs](https://example.invalid/).\n"


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_markdown_readme_declared_rst_in_pyproject(backend: str, make_project, tmp_path: Path) -> None:
    files = project_files(backend, "rst-demo", readme='{ file = "README.md", content-type = "text/x-rst" }')
    files["README.md"] = MARKDOWN
    tree = make_project(files, name="rst-demo", git=True)
    run, findings = build(tree, tmp_path / "dist")
    mismatch = only(findings, "M025")
    line = next(number for number, text in enumerate((tree / "pyproject.toml").read_text().splitlines(), 1)
                if "text/x-rst" in text)
    assert (mismatch["file"], mismatch["line"], mismatch["severity"]) == ("pyproject.toml", line, "error")
    assert "README.md is Markdown" in mismatch["message"] and "text/markdown" in mismatch["message"]
    assert "M003" not in [f["code"] for f in findings]  # no RST error at a Markdown line
    assert run.exit_code == 1


def test_markdown_readme_declared_rst_in_setup_cfg(make_project, tmp_path: Path) -> None:
    setup_cfg = ("[metadata]\nname = cfg-demo\nversion = 1.0.0\ndescription = demo\n"
                 "long_description = file: README.md\nlong_description_content_type = text/x-rst\n"
                 "\n[options]\npackages = cfg_demo\n")
    tree = make_project({"setup.cfg": setup_cfg, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.md": MARKDOWN.replace("rst-demo", "cfg-demo"), "cfg_demo/__init__.py": ""},
                        name="cfg-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    mismatch = only(findings, "M025")
    assert (mismatch["file"], mismatch["line"], mismatch["severity"]) == ("setup.cfg", 6, "error")


def test_markdown_readme_declared_rst_in_setup_py(make_project, tmp_path: Path) -> None:
    setup_py = ('from setuptools import setup\n\nsetup(\n    name="py-demo",\n    version="1.0.0",\n'
                '    packages=["py_demo"],\n    long_description=open("README.md").read(),\n'
                '    long_description_content_type="text/x-rst",\n)\n')
    tree = make_project({"setup.py": setup_py, "README.md": MARKDOWN.replace("rst-demo", "py-demo"),
                         "MANIFEST.in": "include README.md\n", "py_demo/__init__.py": ""}, name="py-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    mismatch = only(findings, "M025")
    assert (mismatch["file"], mismatch["line"], mismatch["severity"]) == ("setup.py", 8, "error")


def test_real_rst_error_in_a_second_fragment_points_at_its_file(make_project, tmp_path: Path) -> None:
    setup_cfg = ("[metadata]\nname = cfg-demo\nversion = 1.0.0\ndescription = demo\n"
                 "long_description = file: README.rst, CHANGES.rst\nlong_description_content_type = text/x-rst\n"
                 "\n[options]\npackages = cfg_demo\n")
    changes = "Changes\n=======\n\n1.0.0\n-----\n\n* First release with ``broken literal.\n"
    tree = make_project({"setup.cfg": setup_cfg, "setup.py": "from setuptools import setup\nsetup()\n",
                         "README.rst": "cfg-demo\n========\n\nA demo.\n", "CHANGES.rst": changes,
                         "MANIFEST.in": "include CHANGES.rst\n", "cfg_demo/__init__.py": ""},
                        name="cfg-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    render = only(findings, "M003")
    assert (render["file"], render["line"], render["severity"]) == ("CHANGES.rst", 7, "error")
    assert "M025" not in [f["code"] for f in findings]


# --- the same defects planted into public projects ------------------------------------------------

def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "token.txt"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("TOKEN=from-the-build-machine\n")
    return secret


def test_planted_in_pycodestyle_setup_cfg(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "pycodestyle", tmp_path)
    setup_cfg = tree / "setup.cfg"
    original = setup_cfg.read_text()
    (tree / "README.md").write_text(MARKDOWN.replace("rst-demo", "pycodestyle"))
    setup_cfg.write_text(original.replace("file: README.rst", "file: README.md"))
    commit_all(tree, "planted")
    _, findings = build(tree, tmp_path / "dist-type")
    mismatch = only(findings, "M025")
    assert (mismatch["file"], mismatch["line"], mismatch["severity"]) == (
        "setup.cfg", _line_of(setup_cfg, "long_description_content_type"), "error")
    setup_cfg.write_text(original.replace("file: README.rst", "file: README.rst,\n    CHANGES.txt"))
    commit_all(tree, "planted")
    _, findings = build(tree, tmp_path / "dist-missing")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == ("setup.cfg", _line_of(setup_cfg, "CHANGES.txt"),
                                                                      "error")


def test_planted_in_pyjwt_link_and_bytecode(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "pyjwt", tmp_path)
    manifest = tree / "MANIFEST.in"
    manifest.write_text(manifest.read_text() + "graft jwt\n")
    os.symlink(_outside_secret(tmp_path), tree / "jwt" / "token.txt")
    commit_all(tree, "planted")
    (tree / "jwt" / "__pycache__").mkdir(exist_ok=True)
    cached = tree / "jwt" / "__pycache__" / "utils.cpython-312.pyc"
    py_compile.compile(str(tree / "jwt" / "utils.py"), cfile=str(cached))
    outdir = tmp_path / "dist"
    run, findings = build(tree, outdir)
    link = only(findings, "C008")
    assert (link["file"], link["line"], link["severity"]) == ("jwt/token.txt", None, "error")
    bytecode = only(findings, "W004")
    assert (bytecode["file"], bytecode["line"], bytecode["severity"]) == (
        "MANIFEST.in", _line_of(manifest, "graft jwt"), "error")
    assert run.exit_code == 1 and (not outdir.exists() or not any(outdir.iterdir()))


def test_planted_in_attrs_hatchling(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "attrs", tmp_path)
    pyproject_toml = tree / "pyproject.toml"
    pyproject_toml.write_text(pyproject_toml.read_text().replace('path = "CHANGELOG.md"', 'path = "CHANGES.md"'))
    commit_all(tree, "planted")
    _, findings = build(tree, tmp_path / "dist-missing")
    missing = only(findings, "B006")
    assert (missing["file"], missing["line"], missing["severity"]) == (
        "pyproject.toml", _line_of(pyproject_toml, 'path = "CHANGES.md"'), "error")
    subprocess.run(["git", "-C", str(tree), "checkout", "--quiet", "HEAD~1", "--", "pyproject.toml"], check=True)
    os.symlink(os.path.relpath(_outside_secret(tmp_path), tree / "src" / "attr"), tree / "src" / "attr" / "token.txt")
    commit_all(tree, "planted")
    outdir = tmp_path / "dist-link"
    _, findings = build(tree, outdir)
    link = only(findings, "C008")
    assert (link["file"], link["line"], link["severity"]) == ("src/attr/token.txt", None, "error")
    assert not outdir.exists() or not any(outdir.iterdir())


def test_planted_in_typer_pdm(corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    tree = corpus_copy(corpus_trees, "typer", tmp_path)
    os.symlink(_outside_secret(tmp_path), tree / "typer" / "token.txt")
    commit_all(tree, "planted")
    outdir = tmp_path / "dist"
    _, findings = build(tree, outdir)
    link = only(findings, "C008")
    assert (link["file"], link["line"], link["severity"]) == ("typer/token.txt", None, "error")
    assert not outdir.exists() or not any(outdir.iterdir())


def test_rst_error_in_a_setuptools_dynamic_readme_of_two_files(make_project, tmp_path: Path) -> None:
    pyproject_toml = ('[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
                      '[project]\nname = "dyn-demo"\nversion = "1.0.0"\ndynamic = ["readme"]\n\n'
                      '[tool.setuptools.dynamic]\nreadme = { file = ["README.rst", "CHANGES.rst"], '
                      'content-type = "text/x-rst" }\n')
    changes = "\nChanges\n=======\n\n* Fixed the `parser <https://example.invalid/>`_.\n* Broke ``this.\n"
    tree = make_project({"pyproject.toml": pyproject_toml, "README.rst": "dyn-demo\n========\n\nA demo.\n",
                         "CHANGES.rst": changes, "MANIFEST.in": "include CHANGES.rst\n", "dyn_demo/__init__.py": ""},
                        name="dyn-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    render = only(findings, "M003")
    assert (render["file"], render["line"], render["severity"]) == ("CHANGES.rst", 6, "error")


def test_rst_error_in_a_description_built_by_code_says_it_cannot_be_traced(make_project, tmp_path: Path) -> None:
    setup_py = ('from setuptools import setup\n\nbadge = "``unclosed"\nsetup(\n    name="code-demo",\n'
                '    version="1.0.0",\n    packages=["code_demo"],\n'
                '    long_description="code-demo\\n=========\\n\\n" + badge + " literal\\n",\n'
                '    long_description_content_type="text/x-rst",\n)\n')
    tree = make_project({"setup.py": setup_py, "code_demo/__init__.py": ""}, name="code-demo", git=True)
    _, findings = build(tree, tmp_path / "dist")
    render = only(findings, "M003")
    assert render["severity"] == "error" and "could not be traced back to a project file" in render["message"]
    assert "line 4 of the description" in render["message"]
