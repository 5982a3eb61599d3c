"""Metadata checks over real (tiny) archives written to tmp_path and read back with read_distribution:
one positive and one negative case per check, with the file and line each finding points at."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from deploypack.catalogue import checks as catalogue_checks
from deploypack.checks import CheckContext, run_checks
from deploypack.config.options import Options
from deploypack.core.findings import Finding, Severity
from deploypack.project.release import ReleaseInfo
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution, read_distribution

Fields = Iterable[tuple[str, str]]


def metadata(fields: Fields = (), *, name: str = "demo", version: str = "1.0", mv: str = "2.4",
             description: str | None = "Demo\n====\n\nA demo.\n", content_type: str | None = "text/x-rst") -> str:
    lines = [f"Metadata-Version: {mv}", f"Name: {name}", f"Version: {version}", "Summary: a demo"]
    if content_type:
        lines.append(f"Description-Content-Type: {content_type}")
    lines += [f"{key}: {value}" for key, value in fields]
    return "\n".join(lines) + "\n\n" + (description or "")


def write_sdist(directory: Path, pkg_info: str, files: Mapping[str, str] = (), filename: str = "demo-1.0.tar.gz",
                *, prefix: str | None = None) -> Distribution:
    path = directory / filename
    root = prefix or filename.removesuffix(".tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for name, text in {"PKG-INFO": pkg_info, "pyproject.toml": "", **dict(files)}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return read_distribution(path)


def write_wheel(directory: Path, meta: str, files: Mapping[str, str] = (),
                filename: str = "demo-1.0-py3-none-any.whl", dist_info: str = "demo-1.0.dist-info") -> Distribution:
    path = directory / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo/__init__.py", "")
        for name, text in {f"{dist_info}/METADATA": meta, **dict(files)}.items():
            archive.writestr(name, text)
    return read_distribution(path)


def context(dists: Iterable[Distribution], project: Path | None = None, *, tag: str | None = None,
            **options: object) -> CheckContext:
    chosen = dataclasses.replace(Options(project_dir=project or Path("."), outdir=Path("dist")), **options)
    return CheckContext(distributions=tuple(dists), options=chosen,
                        sources=ProjectSources(project) if project else None,
                        release=ReleaseInfo(tag=tag, tag_source="git describe" if tag else None))


def findings(ctx: CheckContext, code: str | None = None) -> list[Finding]:
    found = run_checks(ctx, ctx.options, catalogue_checks())  # type: ignore[arg-type]
    return [f for f in found if code is None or f.code == code]


def pair(tmp_path: Path, fields: Fields = (), **kwargs: object) -> list[Distribution]:
    """An sdist and a wheel carrying the same metadata."""
    text = metadata(fields, **kwargs)  # type: ignore[arg-type]
    return [write_sdist(tmp_path, text), write_wheel(tmp_path, text)]


@pytest.fixture
def project(tmp_path: Path):
    def make(pyproject: str, **files: str) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        (root / "pyproject.toml").write_text(pyproject)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        return root

    return make


def test_a_clean_pair_has_no_metadata_findings(tmp_path: Path) -> None:
    from deploypack.read.python_versions import MAINTAINED

    # every maintained version Requires-Python admits has its classifier (else M026)
    fields = [("License-Expression", "MIT"), ("License-File", "LICENSE"),
              *[("Classifier", f"Programming Language :: Python :: {v}") for v in MAINTAINED],
              ("Requires-Python", f">={MAINTAINED[0]}"), ("Requires-Dist", 'pytest; extra == "test"'),
              ("Provides-Extra", "test"),
              ("Project-URL", "Source, https://example.org/demo")]
    text = metadata(fields)
    dists = [write_sdist(tmp_path, text, {"LICENSE": "MIT"}),
             write_wheel(tmp_path, text, {"demo-1.0.dist-info/licenses/LICENSE": "MIT"})]
    assert [f for f in findings(context(dists)) if f.code.startswith(("M", "R"))] == []


# --- Metadata-Version, name, file names ------------------------------------------------------------------


def test_unknown_metadata_version_is_m007_not_m002(tmp_path: Path, project) -> None:
    root = project('[build-system]\nrequires = ["mybackend==0.0.1"]\nbuild-backend = "mybackend"\n')
    found = findings(context(pair(tmp_path, mv="3.0"), root))
    codes = [f.code for f in found]
    assert codes.count("M007") == 2 and "M002" not in codes
    first = next(f for f in found if f.code == "M007")
    assert "'3.0'" in first.message and (first.file, first.line) == ("pyproject.toml", 2)


def test_known_metadata_versions_pass(tmp_path: Path) -> None:
    for mv in ("2.1", "2.2", "2.3", "2.4"):
        directory = tmp_path / mv
        directory.mkdir()
        assert findings(context(pair(directory, mv=mv)), "M007") == []


def test_invalid_name_points_at_the_name_line(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo_"\nversion = "1.0"\n')
    text = metadata(name="demo_")
    dists = [write_sdist(tmp_path, text, filename="demo_-1.0.tar.gz")]
    (found,) = findings(context(dists, root), "M008")
    assert (found.file, found.line, found.severity) == ("pyproject.toml", 2, Severity.ERROR)


def test_filename_disagreeing_with_metadata_is_m009(tmp_path: Path) -> None:
    text = metadata(name="demo", version="1.0")
    dists = [write_sdist(tmp_path, text, filename="other-1.0.tar.gz"),
             write_wheel(tmp_path, text, filename="demo-1.1-py3-none-any.whl")]
    found = findings(context(dists), "M009")
    assert sorted(f.artifact for f in found) == ["demo-1.1-py3-none-any.whl", "other-1.0.tar.gz"]
    assert all("demo 1.0" in f.message for f in found)


def test_non_normalised_filenames_are_m010_and_normalised_ones_pass(tmp_path: Path) -> None:
    text = metadata(name="Demo.Pkg", version="1.0")
    dists = [write_sdist(tmp_path, text, filename="Demo.Pkg-1.0.tar.gz"),
             write_wheel(tmp_path, text, filename="Demo.Pkg-1.0-py3-none-any.whl")]
    found = findings(context(dists), "M010")
    assert [f.severity for f in found] == [Severity.WARNING, Severity.WARNING]
    assert "expected demo_pkg-1.0.tar.gz" in found[0].message
    assert "expected demo_pkg-1.0-py3-none-any.whl" in found[1].message
    good = [write_sdist(tmp_path, text, filename="demo_pkg-1.0.tar.gz"),
            write_wheel(tmp_path, text, filename="demo_pkg-1.0-py3-none-any.whl")]
    assert findings(context(good), "M010") == [] and findings(context(good), "M009") == []


# --- version -----------------------------------------------------------------------------------------------


def test_invalid_version_is_m011_at_the_version_line(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\nversion = "1.0-final-x"\n')
    text = metadata(version="1.0-final-x")
    found = findings(context([write_sdist(tmp_path, text, filename="demo-1.0.tar.gz")], root))
    assert [(f.code, f.file, f.line) for f in found if f.code in ("M011", "M002")] == [("M011", "pyproject.toml", 3)]


def test_placeholder_version_is_m012(tmp_path: Path) -> None:
    found = findings(context(pair(tmp_path, version="0.0.0")), "M012")
    assert len(found) == 1 and found[0].severity == Severity.ERROR
    other = tmp_path / "real"
    other.mkdir()
    assert findings(context(pair(other, version="0.0.1")), "M012") == []


def test_local_version_is_m013(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\nversion = "1.0+g1234abc"\n')
    (found,) = findings(context(pair(tmp_path, version="1.0+g1234abc"), root), "M013")
    assert "+g1234abc" in found.message and (found.file, found.line) == ("pyproject.toml", 3)


@pytest.mark.parametrize(("tag", "releasing", "expected"), [
    ("v1.0.dev3", None, True),   # a tag on HEAD: releasing
    (None, None, False),          # a branch build: dev versions are normal
    (None, True, True),           # told it is a release
    ("v1.0.dev3", False, False),  # told it is not
])
def test_dev_version_is_m014_only_when_releasing(tmp_path: Path, tag: str | None, releasing: bool | None,
                                                 expected: bool) -> None:
    found = findings(context(pair(tmp_path, version="1.0.dev3"), tag=tag, releasing=releasing), "M014")
    assert bool(found) is expected
    if expected:
        assert found[0].severity == Severity.ERROR and "1.0.dev3" in found[0].message


# --- README --------------------------------------------------------------------------------------------------


def test_unknown_content_type_is_m015_and_not_rendered(tmp_path: Path, project) -> None:
    setup_py = 'setup(\n    long_description_content_type="text/md",\n)\n'
    root = project('[project]\nname = "demo"\n', **{"setup.py": setup_py})
    found = findings(context(pair(tmp_path, content_type="text/md", description="*bad rst"), root))
    assert [(f.code, f.file, f.line) for f in found if f.code in ("M015", "M003", "M002")] == [("M015", "setup.py", 2)]


@pytest.mark.parametrize("content_type", ["text/markdown; charset=latin-1", "text/markdown; variant=Wiki"])
def test_refused_content_type_parameters_are_m015(tmp_path: Path, content_type: str) -> None:
    assert len(findings(context(pair(tmp_path, content_type=content_type)), "M015")) == 1


README = "Demo\n====\n\nIntro line.\n\nUsage\n-----\n\nCall it.\n"
CHANGES = "Changes\n=======\n\n1.0\n---\n\n* first\n* second\nbroken unindent\n\nmore\n"


def test_rst_error_in_the_second_joined_file_points_at_that_file(tmp_path: Path, project) -> None:
    """setup.py joins README.rst and CHANGES.rst: the error line is mapped into CHANGES.rst."""
    setup_py = 'long_description=open("README.rst").read() + "\\n\\n" + open("CHANGES.rst").read()\n'
    root = project("", **{"setup.py": setup_py,
                          "README.rst": README, "CHANGES.rst": CHANGES})
    text = metadata(description=README + "\n\n" + CHANGES)
    dists = [write_sdist(tmp_path, text, {"README.rst": README, "CHANGES.rst": CHANGES}), write_wheel(tmp_path, text)]
    (found,) = findings(context(dists, root), "M003")
    assert (found.file, found.line) == ("CHANGES.rst", 9)
    assert "unindent" in found.message


def test_rst_error_in_readme_points_at_its_line(tmp_path: Path, project) -> None:
    readme = "Title\n=====\n\nPara *broken.\n"
    root = project('[project]\nreadme = "README.rst"\n', **{"README.rst": readme})
    text = metadata(description=readme)
    (found,) = findings(context([write_sdist(tmp_path, text, {"README.rst": readme})], root), "M003")
    assert (found.file, found.line) == ("README.rst", 4)


def test_markdown_readme_is_not_judged_as_rst(tmp_path: Path) -> None:
    readme = "# Demo\n\nPara *not closed and `code\n\n* a\n* b\nno blank line\n\n.. foo:: bar\n"
    found = findings(context(pair(tmp_path, description=readme, content_type="text/markdown")))
    assert [f for f in found if f.code in ("M003", "M004", "M015")] == []


def test_missing_content_type_is_m004_and_empty_description_m006(tmp_path: Path) -> None:
    markdown = "# Demo\n\nSee [the docs](https://example.org/docs) and run:\n\n```\ndemo --help\n```\n"
    assert len(findings(context(pair(tmp_path, description=markdown, content_type=None)), "M004")) == 1
    other = tmp_path / "empty"
    other.mkdir()
    assert len(findings(context(pair(other, description="")), "M006")) == 1


def test_missing_content_type_on_rst_or_plain_text_is_no_m004(tmp_path: Path) -> None:
    # the index's default (reStructuredText) is what these are written in: nothing renders wrongly
    rst = "Demo\n====\n\nA demo, see `the docs <https://example.org>`_.\n\n.. code-block:: sh\n\n    demo\n"
    plain = "Demo is a library for demos.\nIt does\nlittle.\n"
    for index, description in enumerate((rst, plain)):
        directory = tmp_path / str(index)
        directory.mkdir()
        assert findings(context(pair(directory, description=description, content_type=None)), "M004") == []


def test_missing_content_type_on_a_readme_md_is_m004_even_without_markdown_syntax(tmp_path: Path, project) -> None:
    readme = "Demo\n\nA small library.\n"
    root = project("[project]\nname = 'demo'\n", **{"setup.py": "setup(long_description=open('README.md').read())\n",
                                                      "README.md": readme})
    dists = [write_sdist(tmp_path, metadata(description=readme, content_type=None), {"README.md": readme})]
    assert len(findings(context(dists, root), "M004")) == 1


def test_missing_content_type_on_rst_that_does_not_render_is_m004(tmp_path: Path) -> None:
    broken = "Demo\n====\n\nPara *broken.\n"
    assert len(findings(context(pair(tmp_path, description=broken, content_type=None)), "M004")) == 1


# --- classifiers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "meant"), [
    ("License :: OSI Approved :: MIT license", "License :: OSI Approved :: MIT License"),
    ("Development Status :: 5 - Production/stable", "Development Status :: 5 - Production/Stable"),
    ("Programming Language :: Pyhton :: 3", "Programming Language :: Python :: 3"),
    ("Intended Audience ::  Developers", "Intended Audience :: Developers"),
    ("Environment :: Web", "Environment :: Web Environment"),
    ("License :: MIT", "License :: OSI Approved :: MIT License"),
    ("Development Status :: Beta", "Development Status :: 4 - Beta"),
])
def test_near_miss_classifier_gets_the_exact_suggestion(tmp_path: Path, project, typo: str, meant: str) -> None:
    root = project(f'[project]\nname = "demo"\nclassifiers = [\n  "Topic :: Utilities",\n  "{typo}",\n]\n')
    (found,) = findings(context(pair(tmp_path, [("Classifier", typo)]), root), "M005")
    assert f"did you mean {meant!r}" in found.message and found.hint == f"Did you mean {meant!r}?"
    assert (found.file, found.line) == ("pyproject.toml", 5)


def test_private_classifier_is_m016_not_m005(tmp_path: Path, project) -> None:
    root = project("", **{"setup.cfg": "[metadata]\nname = demo\nclassifiers =\n    Private :: Do Not Upload\n"})
    found = findings(context(pair(tmp_path, [("Classifier", "Private :: Do Not Upload")]), root))
    assert [(f.code, f.severity, f.file, f.line) for f in found if f.code in ("M005", "M016")] == [
        ("M016", Severity.ERROR, "setup.cfg", 4)]


def test_license_classifier_beside_expression_is_m017(tmp_path: Path) -> None:
    classifier = ("Classifier", "License :: OSI Approved :: MIT License")
    (found,) = findings(context(pair(tmp_path, [("License-Expression", "MIT"), classifier])), "M017")
    assert found.severity == Severity.WARNING and "MIT License" in found.message
    other = tmp_path / "legacy"
    other.mkdir()
    assert findings(context(pair(other, [("License", "MIT"), classifier])), "M017") == []


@pytest.mark.parametrize(("classifier", "requires", "flagged"), [
    ("Programming Language :: Python :: 3.7", ">=3.9", True),
    ("Programming Language :: Python :: 3.9", ">=3.9", False),
    ("Programming Language :: Python :: 3.13", ">=3.9,<3.13", True),
    ("Programming Language :: Python :: 3.8", ">=3.8.1", False),
    ("Programming Language :: Python :: 2.7", ">=3", True),
    ("Programming Language :: Python :: 2", ">=3.8", True),
    ("Programming Language :: Python :: 3", ">=3.8", False),
    ("Programming Language :: Python :: 3 :: Only", ">=3.9", False),
    ("Programming Language :: Python :: 3 :: Only", ">=2.7", True),
    ("Programming Language :: Python :: Implementation :: PyPy", ">=3.9", False),
])
def test_python_classifiers_against_requires_python(tmp_path: Path, project, classifier: str, requires: str,
                                                    flagged: bool) -> None:
    root = project(f'[project]\nrequires-python = "{requires}"\nclassifiers = [\n  "{classifier}",\n]\n')
    found = findings(context(pair(tmp_path, [("Classifier", classifier), ("Requires-Python", requires)]), root), "M018")
    assert bool(found) is flagged
    if flagged:
        assert (found[0].file, found[0].line, found[0].severity) == ("pyproject.toml", 4, Severity.WARNING)
        assert classifier in found[0].message and requires in found[0].message


# --- licence (PEP 639) ----------------------------------------------------------------------------------------


def test_invalid_license_expression_is_m019_with_a_suggestion(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\nlicense = "Apache 2.0"\n')
    found = findings(context(pair(tmp_path, [("License-Expression", "Apache 2.0")]), root))
    assert [(f.code, f.file, f.line) for f in found if f.code in ("M019", "M002")] == [("M019", "pyproject.toml", 3)]
    assert "did you mean 'Apache-2.0'" in found[[f.code for f in found].index("M019")].message
    other = tmp_path / "ok"
    other.mkdir()
    assert findings(context(pair(other, [("License-Expression", "Apache-2.0 OR MIT")])), "M019") == []


def test_license_file_missing_from_either_archive_is_m020(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\nlicense-files = ["LICENSES/*.txt"]\n')
    text = metadata([("License-Expression", "MIT"), ("License-File", "LICENSES/MIT.txt")])
    dists = [write_sdist(tmp_path, text, {"LICENSES/MIT.txt": "MIT"}),
             write_wheel(tmp_path, text, {"demo-1.0.dist-info/LICENSES/MIT.txt": "wrong place"})]
    (found,) = findings(context(dists, root), "M020")
    assert found.artifact == "demo-1.0-py3-none-any.whl"
    assert "demo-1.0.dist-info/licenses/LICENSES/MIT.txt" in found.message
    assert (found.file, found.line) == ("pyproject.toml", 3)
    in_wheel = {"demo-1.0.dist-info/licenses/LICENSES/MIT.txt": "x"}
    dists = [write_sdist(tmp_path, text), write_wheel(tmp_path, text, in_wheel)]
    assert [f.artifact for f in findings(context(dists), "M020")] == ["demo-1.0.tar.gz"]


def test_license_file_in_an_old_metadata_wheel_is_not_judged(tmp_path: Path) -> None:
    text = metadata([("License-File", "LICENSE")], mv="2.1")
    dists = [write_sdist(tmp_path, text, {"LICENSE": "x"}), write_wheel(tmp_path, text)]
    assert findings(context(dists), "M020") == []


# --- requirements, extras, URLs -------------------------------------------------------------------------------


def test_invalid_requirement_is_m021_at_its_line(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\n'
                   'dependencies = [\n  "attrs",\n  "requests >= 2 ; platform == \'x\'",\n]\n')
    fields = [("Requires-Dist", "attrs"), ("Requires-Dist", "requests>=2; platform == 'x'")]
    found = findings(context(pair(tmp_path, fields), root))
    assert [(f.code, f.file, f.line) for f in found if f.code in ("M021", "M002")] == [("M021", "pyproject.toml", 5)]


def test_extra_marker_naming_an_undeclared_extra_is_m022(tmp_path: Path) -> None:
    fields = [("Provides-Extra", "test"), ("Requires-Dist", 'pytest; extra == "tests"'),
              ("Requires-Dist", 'coverage; extra == "Test"')]
    (found,) = findings(context(pair(tmp_path, fields)), "M022")
    assert "'tests'" in found.message and found.severity == Severity.WARNING


@pytest.mark.parametrize(("entry", "problem"), [
    ("Home, notaurl", "no scheme"),
    ("Home, ftp://example.org/", "not absolute http(s)"),
    ("Home, https:///path", "no host"),
    ("A label far too long for the index to accept it, https://example.org", "longer than 32"),
])
def test_malformed_project_url_is_m023(tmp_path: Path, project, entry: str, problem: str) -> None:
    url = entry.rpartition(", ")[2]
    root = project(f'[project]\nname = "demo"\n\n[project.urls]\nHome = "{url}"\n')
    (found,) = findings(context(pair(tmp_path, [("Project-URL", entry)]), root), "M023")
    assert problem in found.message and (found.file, found.line) == ("pyproject.toml", 5)


# --- sdist vs wheel -------------------------------------------------------------------------------------------


def test_sdist_and_wheel_disagreeing_is_m024_naming_the_field_and_values(tmp_path: Path, project) -> None:
    root = project('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    sdist = write_sdist(tmp_path, metadata([("Requires-Python", ">=3.9"), ("Requires-Dist", "attrs")]))
    wheel = write_wheel(tmp_path, metadata([("Requires-Python", ">=3.10"), ("Requires-Dist", "attrs"),
                                            ("Requires-Dist", "typing-extensions")]))
    found = {f.message.split(" ")[0]: f for f in findings(context([sdist, wheel], root), "M024")}
    assert set(found) == {"Requires-Python", "Requires-Dist"}
    assert "'>=3.9'" in found["Requires-Python"].message and "'>=3.10'" in found["Requires-Python"].message
    assert (found["Requires-Python"].file, found["Requires-Python"].line) == ("pyproject.toml", 3)
    assert "only in the wheel: typing-extensions" in found["Requires-Dist"].message


def test_fields_the_sdist_marks_dynamic_may_differ(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, metadata([("Requires-Dist", "attrs"), ("Dynamic", "Requires-Dist")]))
    wheel = write_wheel(tmp_path, metadata([("Requires-Dist", "attrs>=23")]))
    assert findings(context([sdist, wheel]), "M024") == []
    # normalised spellings are the same value
    same = tmp_path / "same"
    same.mkdir()
    sdist = write_sdist(same, metadata([("Requires-Dist", "Attrs >= 23"), ("Requires-Python", ">=3.9, <4")]))
    wheel = write_wheel(same, metadata([("Requires-Dist", "Attrs>=23"), ("Requires-Python", "<4,>=3.9")]))
    assert findings(context([sdist, wheel]), "M024") == []


def test_other_invalid_fields_still_reach_m002(tmp_path: Path) -> None:
    found = findings(context(pair(tmp_path, [("Requires-Python", "3.8+")])), "M002")
    assert found and "3.8+" in found[0].message


def test_old_header_form_description_equals_the_body_form(tmp_path: Path) -> None:
    header = ("Metadata-Version: 1.2\nName: demo\nVersion: 1.0\nHome-page: UNKNOWN\n"
              "Description: Demo\n        ====\n        \n        A demo.\n\n")
    sdist = write_sdist(tmp_path, header)
    wheel = write_wheel(tmp_path, metadata(description="Demo\n====\n\nA demo.\n", mv="2.1", content_type=None)
                        .replace("Summary: a demo\n", "Home-page: UNKNOWN\n"))
    found = findings(context([sdist, wheel]))
    assert [f for f in found if f.code in ("M024", "M023")] == []


def test_requirement_and_extra_spellings_that_normalise_alike_agree(tmp_path: Path) -> None:
    """requests 2.32.3 as published: the sdist says charset_normalizer and use-chardet-on-py3, the wheel
    charset-normalizer and use_chardet_on_py3 — the same metadata."""
    sdist = write_sdist(tmp_path, metadata([("Requires-Dist", "charset_normalizer<4,>=2"),
                                            ("Provides-Extra", "use-chardet-on-py3"),
                                            ("Requires-Dist", 'chardet<6,>=3.0.2; extra == "use-chardet-on-py3"')]))
    wheel = write_wheel(tmp_path, metadata([("Requires-Dist", "charset-normalizer <4,>=2"),
                                            ("Provides-Extra", "use_chardet_on_py3"),
                                            ("Requires-Dist", "chardet <6,>=3.0.2 ; extra == 'use_chardet_on_py3'")]))
    assert findings(context([sdist, wheel]), "M024") == []
    assert findings(context([sdist, wheel]), "M022") == []


def test_field_newer_than_the_metadata_version_points_at_the_backend(tmp_path: Path, project) -> None:
    root = project('[build-system]\nrequires = ["setuptools==75.0"]\nbuild-backend = "setuptools.build_meta"\n')
    text = metadata([("License-File", "LICENSE")], mv="2.1")
    found = findings(context([write_sdist(tmp_path, text, {"LICENSE": "x"})], root), "M002")
    assert [(f.file, f.line, f.severity) for f in found] == [("pyproject.toml", 2, Severity.WARNING)]
    assert "introduced in metadata version 2.4" in found[0].message and "setuptools >= 77" in (found[0].hint or "")


def test_inline_markup_error_points_at_the_line_holding_the_start_string(tmp_path: Path) -> None:
    readme = "Title\n=====\n\nSee `the docs <https://example.org>`_ and\nthen ``unclosed literal\nin a paragraph.\n"
    text = metadata(description=readme)
    (found,) = findings(context([write_sdist(tmp_path, text, {"README.rst": readme})]), "M003")
    assert (found.file, found.line) == ("README.rst", 5)
