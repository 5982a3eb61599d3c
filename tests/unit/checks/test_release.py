"""The release check (R001/R002): the version built against the release tag, over real tiny archives,
pointing at the line that declares the version in each way projects declare it."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from deploypack.catalogue import checks as catalogue_checks
from deploypack.checks import CheckContext, run_checks
from deploypack.config.options import Options
from deploypack.core.findings import Finding, Severity
from deploypack.project.release import ReleaseInfo, tag_version
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution, read_distribution


def archives(directory: Path, version: str, files: Mapping[str, str] = ()) -> list[Distribution]:
    """An sdist (with `files`) and a wheel of project `demo` at `version`."""
    meta = f"Metadata-Version: 2.4\nName: demo\nVersion: {version}\nDescription-Content-Type: text/plain\n\nDemo.\n"
    sdist = directory / f"demo-{version}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, text in {"PKG-INFO": meta, **dict(files)}.items():
            info = tarfile.TarInfo(f"demo-{version}/{name}")
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    wheel = directory / f"demo-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"demo-{version}.dist-info/METADATA", meta)
    return [read_distribution(sdist), read_distribution(wheel)]


def project(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def release_findings(tmp_path: Path, version: str, files: Mapping[str, str], tag: str | None,
                     source: str = "GITHUB_REF", **options: object) -> list[Finding]:
    root = project(tmp_path / "project", files)
    chosen = dataclasses.replace(Options(project_dir=root, outdir=tmp_path / "dist"), **options)
    context = CheckContext(distributions=tuple(archives(tmp_path, version, files)), options=chosen,
                           sources=ProjectSources(root), release=ReleaseInfo(tag=tag, tag_source=source))
    return [f for f in run_checks(context, chosen, catalogue_checks()) if f.code.startswith("R")]


PEP621 = '[project]\nname = "demo"\nversion = "1.2.0"\n'


@pytest.mark.parametrize(("tag", "patterns", "expected"), [
    ("v1.2.0", ("v{version}", "{version}"), "1.2.0"),
    ("1.2", ("v{version}", "{version}"), "1.2.0"),        # normalised: 1.2 == 1.2.0
    ("release-1.2.0rc1", ("release-{version}",), "1.2.0rc1"),
    ("demo/v1.2.0", ("demo/v{version}",), "1.2.0"),
    ("stable", ("v{version}", "{version}"), None),
    ("v", ("v{version}",), None),
])
def test_tag_version_reads_the_patterns(tag: str, patterns: tuple[str, ...], expected: str | None) -> None:
    from packaging.version import Version

    assert tag_version(tag, patterns) == (Version(expected) if expected else None)


def test_matching_tag_has_no_finding(tmp_path: Path) -> None:
    assert release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, "v1.2") == []


def test_no_tag_no_finding(tmp_path: Path) -> None:
    assert release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, None) == []


def test_static_version_mismatch_points_at_the_version_line(tmp_path: Path) -> None:
    (found,) = release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, "v1.3.0")
    assert (found.code, found.severity, found.file, found.line) == ("R001", Severity.ERROR, "pyproject.toml", 3)
    assert "'v1.3.0'" in found.message and "1.2.0" in found.message and "GITHUB_REF" in found.message


def test_not_releasing_makes_the_mismatch_a_warning(tmp_path: Path) -> None:
    (found,) = release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, "v1.3.0", source="git describe",
                                releasing=False)
    assert found.severity == Severity.WARNING


def test_setup_cfg_attr_version_points_into_the_package(tmp_path: Path) -> None:
    files = {"setup.cfg": "[metadata]\nname = demo\nversion = attr: demo.__version__\n",
             "src/demo/__init__.py": '"""Demo."""\n\n__version__ = "1.2.0"\n'}
    (found,) = release_findings(tmp_path, "1.2.0", files, "v1.2.1")
    assert (found.file, found.line) == ("src/demo/__init__.py", 3)


def test_setuptools_dynamic_attr_with_a_version_tuple(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "demo"\ndynamic = ["version"]\n\n[tool.setuptools.dynamic]\n'
                               'version = {attr = "demo.__version__"}\n',
             "demo/__init__.py": 'VERSION = (1, 2, 0, "final")\n__version__ = ".".join(map(str, VERSION[:3]))\n'}
    (found,) = release_findings(tmp_path, "1.2.0", files, "v2.0.0")
    assert (found.file, found.line) == ("demo/__init__.py", 1)


def test_hatch_version_path_and_version_file(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "demo"\ndynamic = ["version"]\n\n[tool.hatch.version]\n'
                               'path = "src/demo/__about__.py"\n',
             "src/demo/__about__.py": "# about\n__version__ = '1.2.0'\n"}
    (found,) = release_findings(tmp_path, "1.2.0", files, "1.2.5")
    assert (found.file, found.line) == ("src/demo/__about__.py", 2)
    plain = {"setup.cfg": "[metadata]\nname = demo\nversion = file: VERSION\n", "VERSION": "1.2.0\n"}
    (found,) = release_findings(tmp_path / "plain", "1.2.0", plain, "v1.3")
    assert (found.file, found.line) == ("VERSION", 1)


@pytest.mark.parametrize(("config", "plugin", "line"), [
    ('[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n\n[project]\nname = "demo"\ndynamic = ["version"]\n\n'
     '[tool.hatch.version]\nsource = "vcs"\n', "hatch-vcs", 9),
    ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n\n[project]\nname = "demo"\n'
     'dynamic = ["version"]\n\n[tool.setuptools_scm]\n', "setuptools-scm", 8),
    ('[build-system]\nrequires = ["setuptools>=64", "setuptools_scm[toml]>=8"]\n\n[project]\nname = "demo"\n'
     'dynamic = ["version"]\n', "setuptools-scm", 2),
])
def test_git_derived_version_says_the_tree_or_tag_is_off(tmp_path: Path, config: str, plugin: str, line: int) -> None:
    (found,) = release_findings(tmp_path, "1.2.1.dev3", {"pyproject.toml": config}, "v1.2.0")
    assert (found.code, found.file, found.line) == ("R001", "pyproject.toml", line)
    assert plugin in found.message and "dirty" in found.message


def test_date_derived_version_points_at_the_setup_py_keyword(tmp_path: Path) -> None:
    # calver computes the version from the build date: built later than the tag, it names another day.
    setup = ('from setuptools import setup\n\nsetup(\n    name="demo",\n    use_calver="%Y.%m.%d.%H",\n'
             '    setup_requires=["calver"],\n)\n')
    (found,) = release_findings(tmp_path, "2026.12.7.4", {"setup.py": setup}, "v2026.9.21.13")
    assert (found.code, found.file, found.line) == ("R001", "setup.py", 5)


def test_tag_matching_no_pattern_is_r002(tmp_path: Path) -> None:
    (found,) = release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, "stable")
    assert (found.code, found.severity) == ("R002", Severity.WARNING)
    assert "v{version}" in found.message


def test_configured_tag_patterns_are_used(tmp_path: Path) -> None:
    assert release_findings(tmp_path, "1.2.0", {"pyproject.toml": PEP621}, "demo-1.2.0",
                            tag_patterns=("demo-{version}",)) == []
    (found,) = release_findings(tmp_path / "other", "1.2.0", {"pyproject.toml": PEP621}, "demo-1.2.1",
                                tag_patterns=("demo-{version}",))
    assert found.code == "R001"


def test_tag_patterns_without_the_version_field_are_a_configuration_error(tmp_path: Path) -> None:
    from deploypack.config import options
    from deploypack.core.errors import ConfigurationError

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.deploypack]\ntag-patterns = ["release"]\n')
    with pytest.raises(ConfigurationError) as raised:
        options.resolve(tmp_path, {}, {})
    assert "{version}" in str(raised.value.message) and raised.value.line == 5
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert options.resolve(tmp_path, {"tag-patterns": "r{version},v{version}"}, {}).tag_patterns == (
        "r{version}", "v{version}")


def test_release_info_prefers_the_tag_a_pattern_reads(tmp_path: Path) -> None:
    import subprocess

    from deploypack.project.release import release_info
    from tests.conftest import git_init

    (tmp_path / "file.txt").write_text("x")
    git_init(tmp_path, tag="latest")
    subprocess.run(["git", "-C", str(tmp_path), "tag", "v1.0"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "tag", "zzz"], check=True)
    assert release_info(tmp_path, {}, ("v{version}",)).tag == "v1.0"
    assert release_info(tmp_path, {"GITHUB_REF": "refs/tags/zzz"}, ("v{version}",)).tag == "zzz"
    assert release_info(tmp_path, {"GITHUB_REF": "refs/heads/main"}, ("v{version}",)).tag_source == "git describe"


def test_a_same_looking_literal_elsewhere_is_not_taken_for_the_version(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "demo"\ndynamic = ["version"]\n\n[tool.pytest.ini_options]\n'
                               'minversion = "2.0"\n\n[tool.setuptools.dynamic]\n'
                               'version = {attr = "demo.__version__"}\n',
             "demo/__init__.py": 'def old():\n    warn("gone in", "2.0")\n\n\n__version__ = "2.0"\n'}
    (found,) = release_findings(tmp_path, "2.0", files, "v2.1")
    assert (found.file, found.line) == ("demo/__init__.py", 5)
