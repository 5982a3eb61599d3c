"""The source-side helpers of issue 15: which config line includes a file, which line names a README or
licence file, which links of a tree lead out of it."""

from __future__ import annotations

import os
from pathlib import Path

from deploypack.checks.readme import markdown_evidence
from deploypack.project.declared_files import declared_files
from deploypack.project.includes import including_line
from deploypack.project.links import outside_links

PYC = ["pkg/__pycache__/core.cpython-312.pyc"]


def test_manifest_in_last_inclusion_wins() -> None:
    manifest = "include README.md\ngraft pkg\nrecursive-include pkg *.pyc\nglobal-exclude *.so\n"
    assert including_line({"MANIFEST.in": manifest}, PYC) == ("MANIFEST.in", 3, "recursive-include pkg *.pyc")
    assert including_line({"MANIFEST.in": "include README.md\n"}, PYC) is None


def test_include_patterns_of_each_backend() -> None:
    hatch = '[tool.hatch.build.targets.wheel]\nartifacts = [\n  "*.so",\n  "pkg/__pycache__/*",\n]\n'
    assert including_line({"pyproject.toml": hatch}, PYC) == ("pyproject.toml", 4, '"pkg/__pycache__/*",')
    poetry = '[tool.poetry]\ninclude = [{ path = "pkg/__pycache__", format = "wheel" }]\n'
    assert including_line({"pyproject.toml": poetry}, PYC)[:2] == ("pyproject.toml", 2)
    force = '[tool.hatch.build.targets.wheel.force-include]\n"pkg/__pycache__" = "pkg/__pycache__"\n'
    assert including_line({"pyproject.toml": force}, PYC)[:2] == ("pyproject.toml", 2)
    cfg = "[options.package_data]\npkg =\n    *.json\n    __pycache__/*\n"
    assert including_line({"setup.cfg": cfg}, PYC)[:2] == ("setup.cfg", 4)
    assert including_line({"pyproject.toml": '[tool.pdm.build]\nincludes = ["other/"]\n'}, PYC) is None


def test_declared_file_lines_ignore_earlier_mentions() -> None:
    pyproject = ('# "README.md" is shown on the index\n[tool.hatch.build.targets.sdist]\ninclude = ["README.md"]\n\n'
                 '[project]\nname = "x"\nreadme = "README.md"\nlicense = { file = "COPYING" }\n')
    found = {(d.name, d.line) for d in declared_files({"pyproject.toml": pyproject})}
    assert found == {("README.md", 7), ("COPYING", 8)}


def test_declared_files_of_setup_cfg_continuations_and_setup_py_reads() -> None:
    cfg = "[metadata]\nname = x\nlong_description = file: README.rst,\n    CHANGES.rst\nlicense_files =\n    LICENSE\n"
    assert [(d.name, d.line) for d in declared_files({"setup.cfg": cfg})] == [
        ("README.rst", 3), ("CHANGES.rst", 4), ("LICENSE", 6)]
    setup_py = ('# open("README.txt")\nif exists("README.md"):\n    text = open("README.md").read()\n'
                'version = read("pkg/__init__.py")\n')
    assert [(d.name, d.line) for d in declared_files({"setup.py": setup_py})] == [("README.md", 3)]


def test_outside_links_skip_the_checkout_and_environments(tmp_path: Path) -> None:
    project = tmp_path / "repo" / "pkgs" / "demo"
    (project / "pkg").mkdir(parents=True)
    (tmp_path / "secret").write_text("x")
    (tmp_path / "repo" / "LICENSE").write_text("MIT")
    os.symlink(tmp_path / "secret", project / "pkg" / "data.txt")
    os.symlink("../../../../secret", project / "pkg" / "rel.txt")
    os.symlink("../../LICENSE", project / "LICENSE")  # outside the project: no checkout, so outside
    (project / "venv" / "bin").mkdir(parents=True)
    (project / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    os.symlink("/usr/bin/python3", project / "venv" / "bin" / "python")
    (project / ".tox").mkdir()
    os.symlink(tmp_path / "secret", project / ".tox" / "hidden")
    found = outside_links(project)
    assert [link.path for link in found] == ["LICENSE", "pkg/data.txt", "pkg/rel.txt"]
    assert found[2].target == "../../../../secret" and found[2].resolved == str((tmp_path / "secret").resolve())


def test_markdown_evidence() -> None:
    markdown = "# demo\n\n```sh\npip install demo\n```\n"
    assert markdown_evidence(markdown, "README.md")[0] == "the md extension of README.md"
    assert markdown_evidence(markdown, None) == ["Markdown syntax (`# heading` lines, ``` fences)"]
    rst = "demo\n====\n\nSee `the docs <https://example.invalid>`_ and [1](x.html).\n\n.. code-block:: sh\n"
    assert markdown_evidence(rst, "README.rst") == []
