"""Backend warnings in deploypack's process go to the build log (parent_warnings.py), and their
deprecations become D001 at the configuration line (deprecations.py): the pure parts, quickly.
The real builds are in tests/integration/test_deprecations.py and tests/hostile/test_output_channels.py."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyproject_hooks import BuildBackendWarning

from deploypack.build.deprecations import Notice, deprecation_findings, notices_from_log
from deploypack.build.log import BuildLog
from deploypack.build.parent_warnings import warnings_to_log
from deploypack.project.sources import ProjectSources

FRAMED = """{summary}
!!

        ********************************************************************************
        {details}

        {date}
        ********************************************************************************

!!"""


def framed(summary: str, details: str = "Do the other thing.", date: str = "") -> str:
    return FRAMED.format(summary=summary, details=details, date=date)


def sources(tmp_path: Path, files: dict[str, str]) -> ProjectSources:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return ProjectSources(tmp_path)


def test_warnings_in_the_block_go_to_the_log_not_to_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    log = BuildLog(tmp_path / "build.log")
    before = warnings.showwarning
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as under -W error: still only logged
        with warnings_to_log(log) as caught:
            for _ in range(2):  # both builds' copies are kept
                warnings.warn_explicit("::add-mask::x\n::error::y", BuildBackendWarning, "setup.py", 3)
    log.close()
    assert warnings.showwarning is before
    out, err = capfd.readouterr()
    assert out == err == ""
    assert [(w.message, w.category, w.lineno) for w in caught] == [("::add-mask::x\n::error::y",
                                                                     "BuildBackendWarning", 3)] * 2
    assert "::add-mask::x\n::error::y" in (tmp_path / "build.log").read_text(encoding="utf-8")


def test_a_deadline_a_toml_key_and_one_finding_for_both_builds(tmp_path: Path) -> None:
    project = sources(tmp_path, {"pyproject.toml": '[project]\nname = "x"\nlicense = {text = "MIT"}\n'})
    text = framed("`project.license` as a table is deprecated", "Use a string.",
                  "By 2031-Mar-04, you need to update your project.")
    findings = deprecation_findings([Notice(text, "/env/site-packages/b.py", 9, True)] * 2, project, "setuptools.x")
    [finding] = findings
    assert (finding.code, finding.severity.value, finding.file, finding.line) == ("D001", "warning",
                                                                                 "pyproject.toml", 3)
    assert finding.message == ("setuptools warns: `project.license` as a table is deprecated "
                               "(builds stop being supported after 2031-Mar-04)")
    assert finding.hint == "Use a string."


@pytest.mark.parametrize(("files", "text", "expected"), [
    ({"setup.cfg": "[metadata]\nname = x\nhome-page = y\n"},
     "Invalid dash-separated key 'home-page' in 'metadata' (setup.cfg), please use 'home_page'.\n"
     "It will not be supported in future versions.", ("setup.cfg", 3)),
    ({"setup.cfg": "[options]\nzip_safe = 0\n\n[sdist]\nformats = zip\n"},
     "sdist.formats is deprecated", ("setup.cfg", 5)),
    ({"pyproject.toml": "[project]\nname = 'x'\n[tool.distutils.bdist_wheel]\nuniversal = true\n"},
     "bdist_wheel.universal is deprecated", ("pyproject.toml", 4)),
    ({"setup.py": "from setuptools import setup\nsetup(\n  options={'bdist_wheel': {'universal': 1}},\n)\n"},
     "bdist_wheel.universal is deprecated", ("setup.py", 3)),
    ({"setup.py": "from setuptools import setup\nsetup(\n  name='x',\n  setup_requires=['y'],\n)\n"},
     "setuptools.installer and fetch_build_eggs are deprecated.", ("setup.py", 4)),
    ({"pyproject.toml": "[tool.poetry]\nname = 'x'\n\n[tool.poetry.dev-dependencies]\nz = '*'\n"},
     'The "poetry.dev-dependencies" section is deprecated.', ("pyproject.toml", 4)),
    ({"pyproject.toml": "[tool.setuptools]\nlicense-files = ['L']\n"},
     "'tool.setuptools.license-files' is deprecated in favor of 'project.license-files'", ("pyproject.toml", 2)),
    ({"setup.py": "import sys\nfrom setuptools import setup\nsetup()\nsys.exit(0)\n"},
     "Running `setup.py` as a tool is deprecated.\nAvoid `sys.exit(0)`.", ("setup.py", 4)),
])
def test_the_setting_named_gives_the_line(tmp_path: Path, files: dict[str, str], text: str,
                                          expected: tuple[str, int]) -> None:
    [finding] = deprecation_findings([Notice(text)], sources(tmp_path, files), "setuptools.build_meta")
    assert (finding.file, finding.line) == expected


def test_license_classifiers_each_at_its_line(tmp_path: Path) -> None:
    project = sources(tmp_path, {"setup.cfg": "[metadata]\nclassifiers =\n    License :: A\n    Topic :: B\n"
                                              "    License :: C\n"})
    text = framed("License classifiers are deprecated.", "Remove these:\n\n        License :: A\n        License :: C")
    findings = deprecation_findings([Notice(text)], project, "setuptools.build_meta")
    assert [(f.file, f.line) for f in findings] == [("setup.cfg", 3), ("setup.cfg", 5)]
    # classifiers read from another file: the line declaring them
    project = sources(tmp_path, {"setup.cfg": "[metadata]\nname = x\nclassifiers = file: classifiers.txt\n"})
    [finding] = deprecation_findings([Notice(text)], project, "setuptools.build_meta")
    assert (finding.file, finding.line) == ("setup.cfg", 3)
    project = sources(tmp_path, {"setup.cfg": "[metadata]\nclassifiers =\n    License :: A\n    Topic :: B\n"
                                              "    License :: C\n"})
    # poetry-core does not list them: every license classifier of the configuration
    findings = deprecation_findings([Notice("License classifiers are deprecated. Use [project.license].")],
                                    project, "poetry.core.masonry.api")
    assert [(f.file, f.line) for f in findings] == [("setup.cfg", 3), ("setup.cfg", 5)]


def test_warnings_naming_nothing_of_the_project_are_not_findings(tmp_path: Path) -> None:
    project = sources(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n"})
    notices = [Notice("frobnicate() is deprecated, use frobnicate2()"),
               Notice("Config value is unset, the tag may be wrong"),  # not a deprecation
               Notice(framed("pkg_resources is deprecated as an API.", date="By 2030-Nov-30, update."))]
    assert deprecation_findings(notices, project, "setuptools.build_meta") == []
    # ... unless it gives a date: then the project is told, at its configuration file
    [dated] = deprecation_findings([Notice(framed("Widgets are deprecated.", date="By 2030-Jan-01, update."))],
                                   project, "setuptools.build_meta")
    assert (dated.file, dated.line) == ("pyproject.toml", None)


def test_the_log_gives_printed_deprecations_but_not_its_own_copies(tmp_path: Path) -> None:
    log = "\n".join([
        "/env/setuptools/x.py:5: BuildBackendWarning: `project.license` as a table is deprecated",  # ours
        "!!", "   By 2031-Jan-01, update; deprecated calls", "!!",
        "/proj/helper.py:7: SetuptoolsDeprecationWarning: Invalid dash-separated key 'a-b' in 'metadata' (setup.cfg)",
        "!!", "   Usage of dash-separated 'a-b' will not be supported in future versions.", "!!",
        "[tool.poetry.name] is deprecated. Use [project.name] instead.",
        "DEPRECATION: pip's own deprecation of something",
        "copying src/pkg/deprecated_api.py -> build/lib/pkg",
        "nothing to see",
    ])
    notices = notices_from_log(log)
    assert [(n.text.splitlines()[0], n.origin, n.lineno) for n in notices] == [
        ("Invalid dash-separated key 'a-b' in 'metadata' (setup.cfg)", "/proj/helper.py", 7),
        ("[tool.poetry.name] is deprecated. Use [project.name] instead.", None, None),
    ]
    assert "will not be supported" in notices[0].text


def test_a_flood_of_printed_deprecations_is_bounded(tmp_path: Path) -> None:
    names = "".join(f"o_{n} = 1\n" for n in range(500))
    project = sources(tmp_path, {"setup.cfg": f"[metadata]\n{names}"})
    log = "".join(f"`o_{n}` is deprecated {'x' * 1000}\n" for n in range(500))
    findings = deprecation_findings(notices_from_log(log), project, "setuptools.build_meta")
    assert len(findings) == 200 and findings[0].line == 2
    assert all(len(f.message) < 400 for f in findings)


def test_the_package_that_warns_is_named_not_an_in_tree_backend_wrapping_it(tmp_path: Path) -> None:
    project = sources(tmp_path, {"pyproject.toml": '[project]\nname = "x"\nlicense = {text = "MIT"}\n'})
    text = "`project.license` as a TOML table is deprecated"
    raised = Notice(text, "/env/lib/python3.12/site-packages/setuptools/config/_apply.py", 9, True)
    printed = Notice(text, "setup.py", 3, category="SetuptoolsDeprecationWarning")
    own = Notice(text, "/project/_build/wrapper.py", 4, True)  # the in-tree backend itself
    for notice, warner in ((raised, "setuptools"), (printed, "setuptools"), (own, "wrapper")):
        [finding] = deprecation_findings([notice], project, "wrapper")
        assert finding.message.startswith(f"{warner} warns: "), finding.message
