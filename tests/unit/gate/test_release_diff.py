"""The release diff over real wheels written into tmp_path: what an upgrade changes for installers,
the codes and severities it is reported with, the previous release picked from an index page, and
the download into the cache, verified against the index's digest (a real `file://` index)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import jsonschema
import pytest
from packaging.version import Version

from deploypack.core.findings import Finding, Severity
from deploypack.gate import index_client, previous_release, release_diff
from deploypack.gate.wheel_facts import WheelFacts, facts_of, module_name
from deploypack.read.archives import read_distribution
from deploypack.report import github, text
from deploypack.report.model import Report, to_json
from tests.conftest import SCHEMAS
from tests.unit.checks.contents_archives import write_wheel

ENTRY_POINTS = "demo.dist-info/entry_points.txt"


def wheel(tmp_path: Path, version: str, files: Mapping[str, str], metadata: Iterable[str] = (),
          requires: Iterable[str] = (), entry_points: str | None = None) -> WheelFacts:
    folder = tmp_path / version
    folder.mkdir(exist_ok=True)
    contents = dict(files)
    if entry_points is not None:
        contents[f"demo-{version}.dist-info/entry_points.txt"] = entry_points
    path = write_wheel(folder, contents, version=version, metadata=metadata, requires=requires)
    return facts_of(read_distribution(path))


def diff(before: WheelFacts, after: WheelFacts) -> tuple[release_diff.Changes, list[Finding]]:
    changes = release_diff.compare(before, after)
    return changes, release_diff.findings(changes, after.version, after.filename)


def codes(findings: Iterable[Finding]) -> list[tuple[str, Severity]]:
    return sorted((finding.code, finding.severity) for finding in findings)


PACKAGE = {"demo/__init__.py": "", "demo/core.py": "x = 1\n"}


def test_a_module_removed_in_a_minor_release_is_an_error_naming_it(tmp_path):
    before = wheel(tmp_path, "1.2.0", {**PACKAGE, "demo/jws.py": "", "demo/_speedups.py": ""})
    after = wheel(tmp_path, "1.3.0", PACKAGE)
    changes, found = diff(before, after)
    assert changes.modules_removed == ("demo._speedups", "demo.jws")
    assert codes(found) == [("U001", Severity.ERROR), ("U004", Severity.NOTE)]
    error = next(f for f in found if f.code == "U001")
    assert "demo.jws" in error.message and "1.2.0" in error.message and "_speedups" not in error.message
    assert error.artifact == after.filename


@pytest.mark.parametrize(("before", "after", "code"), [
    ("1.9.3", "2.0.0", "U003"),  # a major bump: expected, a note
    ("0.4.2", "0.5.0", "U003"),  # under 1.0 the minor is the breaking number
    ("0.4.2", "0.4.3", "U001"),
    ("2.0.0", "2.0.1", "U001"),
    ("2.0.0", "1!1.0.0", "U003"),  # a new epoch
])
def test_whether_a_removal_is_an_error_follows_the_version(tmp_path, before, after, code):
    old = wheel(tmp_path, before, {**PACKAGE, "demo/gone.py": ""})
    new = wheel(tmp_path, after, PACKAGE)
    assert [f.code for f in diff(old, new)[1]] == [code]


def test_a_removed_package_stands_for_its_modules(tmp_path):
    before = wheel(tmp_path, "1.0", {**PACKAGE, "demo/contrib/__init__.py": "", "demo/contrib/a.py": "",
                                     "demo/contrib/deep/__init__.py": "", "helper.py": ""})
    after = wheel(tmp_path, "1.1", PACKAGE)
    assert release_diff.compare(before, after).modules_removed == ("demo.contrib", "helper")


def test_moving_a_module_into_platlib_or_a_compiled_module_is_no_removal(tmp_path):
    before = wheel(tmp_path, "1.0", {**PACKAGE, "demo/fast.py": ""})
    after = wheel(tmp_path, "1.1", {**{f"demo-1.1.data/platlib/{k}": v for k, v in PACKAGE.items()},
                                     "demo/fast.cpython-312-x86_64-linux-gnu.so": "binary"})
    assert release_diff.compare(before, after).modules_removed == ()


@pytest.mark.parametrize(("path", "name"), [
    ("demo/__init__.py", "demo"), ("demo/sub/mod.py", "demo.sub.mod"), ("single.py", "single"),
    ("demo/_c.cpython-311-darwin.so", "demo._c"), ("demo/_c.abi3.so", "demo._c"),
    ("demo/_c.cp311-win_amd64.pyd", "demo._c"),
    ("demo/__main__.py", "demo.__main__"), ("demo-1.0.data/purelib/extra.py", "extra"),
    ("demo-1.0.data/scripts/tool.py", None), ("demo-1.0.dist-info/METADATA", None), ("demo/data.json", None),
    ("demo/not-a-name/x.py", None), ("demo/py.typed", None),
])
def test_module_names_as_import_finds_them(path, name):
    assert module_name(path) == name


def test_entry_points_removed_and_kept(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, entry_points=(
        "[console_scripts]\ndemo = demo.core:main\nDemo-Old = demo.core:old\n\n[demo.plugins]\nx = demo.core:x\n"))
    after = wheel(tmp_path, "1.1", PACKAGE, entry_points="[console_scripts]\ndemo = demo.core:main\n")
    changes, found = diff(before, after)
    assert changes.entry_points_removed == ("console_scripts:Demo-Old", "demo.plugins:x")
    assert codes(found) == [("U002", Severity.ERROR)]


def test_dependencies_added_removed_and_narrowed(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, requires=[
        "requests>=2.0", "attrs", "colorama; sys_platform == 'win32'", "idna>=2,<4", "urllib3~=1.26"])
    after = wheel(tmp_path, "1.1", PACKAGE, requires=[
        "requests>=2.28", "attrs<24", "colorama; sys_platform == 'win32'", "idna>=2", "urllib3~=1.26.5",
        "rich>=13"])
    changes, found = diff(before, after)
    assert changes.requirements_added == ("rich>=13",)
    assert changes.requirements_removed == ()
    assert [item.name for item in changes.requirements_narrowed] == ["attrs", "requests", "urllib3"]
    refused = {item.name: item.refused for item in changes.requirements_narrowed}
    assert Version(refused["requests"]) < Version("2.28") and Version(refused["attrs"]) >= Version("24")
    assert codes(found) == [("U005", Severity.NOTE)] + [("U007", Severity.WARNING)] * 3


def test_a_dependency_dropped_or_moved_behind_a_marker(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, requires=["six", "typing-extensions"])
    after = wheel(tmp_path, "1.1", PACKAGE, requires=["typing-extensions; python_version < '3.11'"])
    changes, found = diff(before, after)
    assert changes.requirements_removed == ("six", "typing-extensions")
    assert changes.requirements_added == ('typing-extensions; python_version < "3.11"',)
    assert codes(found) == [("U005", Severity.NOTE), ("U006", Severity.NOTE), ("U006", Severity.NOTE)]


def test_requires_python_raised_names_the_pythons_dropped(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, metadata=["Requires-Python: >=3.8"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=["Requires-Python: >=3.10"])
    changes, found = diff(before, after)
    assert changes.pythons_dropped == ("3.8", "3.9")
    assert codes(found) == [("U008", Severity.WARNING)]
    assert "3.8, 3.9" in found[0].message


@pytest.mark.parametrize(("before", "after"), [
    (">=3.8", ">=3.7"), (">=3.8", None), (">=3.8", ">=3.8.1"), (None, ">=2.7"), (">=3.9,<4", ">=3.9"),
])
def test_requires_python_widened_or_unchanged_is_silent(tmp_path, before, after):
    old = wheel(tmp_path, "1.0", PACKAGE, metadata=[f"Requires-Python: {before}"] if before else [])
    new = wheel(tmp_path, "1.1", PACKAGE, metadata=[f"Requires-Python: {after}"] if after else [])
    assert diff(old, new)[1] == []


def test_a_first_requires_python_drops_what_was_accepted(tmp_path):
    old = wheel(tmp_path, "1.0", PACKAGE)
    new = wheel(tmp_path, "1.1", PACKAGE, metadata=["Requires-Python: >=3.9"])
    assert "2.7" in release_diff.compare(old, new).pythons_dropped


def test_extras_classifiers_and_licence(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, metadata=[
        "Provides-Extra: socks", "Provides-Extra: Fast_Path", "License-Expression: MIT",
        "Classifier: Programming Language :: Python :: 3.8", "Classifier: Programming Language :: Python :: 3.9",
        "Classifier: Programming Language :: Python :: 3"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=[
        "Provides-Extra: fast-path", "License-Expression: Apache-2.0",
        "Classifier: Programming Language :: Python :: 3.9", "Classifier: Programming Language :: Python :: 3"])
    changes, found = diff(before, after)
    assert changes.extras_removed == ("socks",)
    assert changes.classifiers_dropped == ("3.8",)
    assert changes.license == ("MIT", "Apache-2.0")
    assert codes(found) == [("U009", Severity.WARNING), ("U010", Severity.NOTE), ("U011", Severity.WARNING)]


def test_a_move_to_a_license_expression_is_a_note(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, metadata=["Classifier: License :: OSI Approved :: BSD License"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=["License-Expression: BSD-3-Clause"])
    changes, found = diff(before, after)
    assert changes.license == ("OSI Approved :: BSD License", "BSD-3-Clause")
    assert codes(found) == [("U011", Severity.NOTE)] and "same licence" in found[0].message


def test_the_same_licence_stated_in_another_field_or_case_is_no_change(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE, metadata=["License: mit"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=["License-Expression: MIT"])
    assert release_diff.compare(before, after).license is None


def test_a_wheel_that_more_than_doubles_is_reported(tmp_path):
    before = wheel(tmp_path, "1.0", PACKAGE)
    after = wheel(tmp_path, "1.1", {**PACKAGE, "demo/blob.txt": bytes(range(256)).hex() * 400})
    same = wheel(tmp_path, "1.2", {**PACKAGE, "demo/core.py": "x = 2\n"})
    assert codes(diff(before, after)[1]) == [("U012", Severity.WARNING)]
    assert diff(before, same)[1] == []
    assert diff(after, same)[1][0].code == "U012"  # shrinking by more than half too


def test_the_findings_point_at_the_lines_the_locator_names(tmp_path):
    class Lines:
        def version(self) -> Mapping[str, object]:
            return {"file": "pyproject.toml", "line": 3}

        def requirement(self, text: str) -> Mapping[str, object]:
            return {"file": "pyproject.toml", "line": 10}

        def field(self, field: str, value: str | None = None) -> Mapping[str, object]:
            return {"file": "pyproject.toml", "line": 20}

    before = wheel(tmp_path, "1.0", {**PACKAGE, "demo/old.py": ""}, requires=["rich>=10"])
    after = wheel(tmp_path, "1.1", PACKAGE, requires=["rich>=13"])
    found = release_diff.findings(release_diff.compare(before, after), "1.1", after.filename, Lines())
    assert {(f.code, f.file, f.line) for f in found} == {("U001", "pyproject.toml", 3), ("U007", "pyproject.toml", 10)}


# --- the report -------------------------------------------------------------------------------


def _report(changes: Mapping[str, object], findings: list[Finding]) -> Report:
    return Report(ok=False, exit_code=1, project_name="demo", project_version="1.1", project_path=".",
                  artifacts=[], findings=findings, timings={"total": 0.1}, changes=changes)


def test_the_report_says_what_changed_valid_against_the_schema(tmp_path):
    before = wheel(tmp_path, "1.0", {**PACKAGE, "demo/old.py": ""}, metadata=["Requires-Python: >=3.8"],
                   requires=["rich>=10"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=["Requires-Python: >=3.9"], requires=["rich>=13"])
    changes, found = diff(before, after)
    data = to_json(_report(release_diff.to_json(changes, "http://index.invalid/simple/"), found))
    jsonschema.validate(data, json.loads((SCHEMAS / "report.schema.json").read_text()))
    assert data["changes"]["since"] == "1.0" and data["changes"]["modules_removed"] == ["demo.old"]
    assert data["changes"]["requires_python"] == {"before": ">=3.8", "after": ">=3.9", "dropped": ["3.8"]}
    assert data["changes"]["requirements_narrowed"][0]["name"] == "rich"

    readable = text.render(_report(data["changes"], found))
    assert "Changes since 1.0:\n  modules removed: demo.old\n" in readable
    summary = tmp_path / "summary"
    github.emit(_report(data["changes"], found), io.StringIO(),
                {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp_path / "out")}, ".", None)
    page = summary.read_text()
    section = page[page.index("### Changes since 1.0"):page.index("### Errors")]
    assert "- modules removed: demo.old" in section and "Requires-Python: &gt;=3.8 → &gt;=3.9" in section


def test_the_summary_section_is_inert_markdown(tmp_path):
    before = wheel(tmp_path, "1.0", {**PACKAGE, "demo/_a_b.py": ""}, metadata=["Requires-Python: >=3.7,!=3.8.*"])
    after = wheel(tmp_path, "1.1", PACKAGE, metadata=["Requires-Python: >=3.9,!=3.10.*"])
    changes, found = diff(before, after)
    summary = tmp_path / "summary"
    github.emit(_report(release_diff.to_json(changes, None), found), io.StringIO(),
                {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp_path / "out")}, ".", None)
    page = summary.read_text()
    section = page[page.index("### Changes since 1.0"):page.index("### Warnings")]
    # a specifier's `*` and a private module's `_` must not turn into emphasis
    assert "*" not in section and "_" not in section
    assert "demo.&#95;a&#95;b" in section and "!=3.10.&#42;" in section


def test_not_compared_is_one_note_and_a_valid_report():
    finding = release_diff.not_compared("first release of demo on http://index.invalid/simple/")
    data = to_json(_report(release_diff.to_json(None, "http://index.invalid/simple/", finding.message), [finding]))
    jsonschema.validate(data, json.loads((SCHEMAS / "report.schema.json").read_text()))
    assert (finding.code, finding.severity) == ("U013", Severity.NOTE)
    assert "not compared" in text.render(_report(data["changes"], [finding]))


# --- which release, which wheel, and the download --------------------------------------------


def page(*files: tuple[str, bool]) -> index_client.ProjectPage:
    return index_client.ProjectPage("http://index.invalid/simple/", "demo", True, tuple(
        index_client.IndexFile(name, index_client._version_of(name), yanked) for name, yanked in files))


@pytest.mark.parametrize(("building", "expected"), [
    ("2.0.0", "1.9.0"),  # final releases compare with finals: 2.0.0rc1 and the yanked 1.9.1 aside
    ("2.0.0rc2", "2.0.0rc1"),
    ("1.9.0", "1.8.0"),  # a back-port or a rebuild: the newest below it
    ("0.1.0", None),
])
def test_the_release_compared_with(building, expected):
    listing = page(("demo-1.8.0-py3-none-any.whl", False), ("demo-1.9.0.tar.gz", False),
                   ("demo-1.9.1-py3-none-any.whl", True), ("demo-2.0.0rc1-py3-none-any.whl", False))
    found = previous_release.previous_version(listing, Version(building))
    assert found == (Version(expected) if expected else None)


def test_the_wheel_closest_to_the_one_built():
    listing = page(("demo-1.0-cp312-cp312-win_amd64.whl", False), ("demo-1.0-py3-none-any.whl", False),
                   ("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", False), ("demo-1.0.tar.gz", False))
    assert previous_release.pick_wheel(listing, Version("1.0"), "demo-1.1-cp312-cp312-manylinux_2_17_x86_64.whl") \
        .filename == "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    assert previous_release.pick_wheel(listing, Version("1.0"), "demo-1.1-cp313-cp313-macosx_11_0_arm64.whl") \
        .filename == "demo-1.0-py3-none-any.whl"
    assert previous_release.pick_wheel(page(("demo-1.0.tar.gz", False)), Version("1.0"), "x.whl") is None


def file_index(tmp_path: Path, wheel_path: Path, digest: str | None) -> index_client.ProjectPage:
    """A real `file://` simple index holding one wheel, its link carrying `digest`."""
    project = tmp_path / "simple" / "demo"
    project.mkdir(parents=True)
    (project / wheel_path.name).write_bytes(wheel_path.read_bytes())
    fragment = f"#sha256={digest}" if digest else ""
    (project / "index.html").write_text(f'<html><body><a href="{wheel_path.name}{fragment}">{wheel_path.name}</a>'
                                        "</body></html>")
    return index_client.fetch_project((tmp_path / "simple").as_uri() + "/", "demo")


def test_the_wheel_is_downloaded_once_verified_and_reused(tmp_path):
    built = write_wheel(tmp_path, {"demo/__init__.py": ""}, version="1.0")
    listing = file_index(tmp_path / "index", built, hashlib.sha256(built.read_bytes()).hexdigest())
    entry = listing.files[0]
    assert entry.url and entry.url.startswith("file://") and entry.hashes["sha256"]
    environ = {"DEPLOYPACK_CACHE_DIR": str(tmp_path / "cache")}
    cached = previous_release.cached_wheel(entry, listing.index_url, "Demo", environ, 10**6)
    assert cached == tmp_path / "cache" / "releases" / "demo" / built.name
    assert cached.read_bytes() == built.read_bytes()
    (Path(entry.url.removeprefix("file://"))).unlink()  # the index is gone: the cache answers
    assert previous_release.cached_wheel(entry, listing.index_url, "Demo", environ, 10**6) == cached


@pytest.mark.parametrize("digest", ["0" * 64, None])
def test_a_wheel_not_matching_or_without_a_digest_is_refused(tmp_path, digest):
    built = write_wheel(tmp_path, {"demo/__init__.py": ""}, version="1.0")
    listing = file_index(tmp_path / "index", built, digest)
    environ = {"DEPLOYPACK_CACHE_DIR": str(tmp_path / "cache")}
    with pytest.raises(index_client.DownloadFailed, match="digest"):
        previous_release.cached_wheel(listing.files[0], listing.index_url, "demo", environ, 10**6)
    assert not any((tmp_path / "cache").rglob("*.whl*"))


def test_a_cached_file_that_no_longer_matches_is_downloaded_again(tmp_path):
    built = write_wheel(tmp_path, {"demo/__init__.py": ""}, version="1.0")
    listing = file_index(tmp_path / "index", built, hashlib.sha256(built.read_bytes()).hexdigest())
    environ = {"DEPLOYPACK_CACHE_DIR": str(tmp_path / "cache")}
    stale = tmp_path / "cache" / "releases" / "demo" / built.name
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"tampered")
    previous_release.cached_wheel(listing.files[0], listing.index_url, "demo", environ, 10**6)
    assert stale.read_bytes() == built.read_bytes()


def test_the_index_page_gives_file_urls_and_digests():
    html = ('<a href="../../packages/demo-1.0.tar.gz#sha256=ABCD">demo-1.0.tar.gz</a>'
            '<a href="https://files.invalid/demo-1.0-py3-none-any.whl#md5=ff">demo-1.0-py3-none-any.whl</a>')
    files = index_client._parse_html(html, "http://index.invalid/simple/demo/")
    assert files[0].url == "http://index.invalid/packages/demo-1.0.tar.gz" and files[0].hashes == {"sha256": "abcd"}
    assert files[1].url == "https://files.invalid/demo-1.0-py3-none-any.whl"
    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": [
        {"filename": "demo-1.0-py3-none-any.whl", "url": "/f/demo-1.0-py3-none-any.whl", "hashes": {"sha256": "EF"}}]})
    parsed, _ = index_client._parse_json(body.encode(), "https://index.invalid/simple/demo/")
    assert parsed[0].url == "https://index.invalid/f/demo-1.0-py3-none-any.whl" and parsed[0].hashes["sha256"] == "ef"


def test_a_remote_index_cannot_point_at_local_files(tmp_path):
    local = write_wheel(tmp_path, {"demo/__init__.py": ""}, version="1.0")
    entry = index_client.IndexFile(local.name, Version("1.0"), False, local.as_uri(),
                                   {"sha256": hashlib.sha256(local.read_bytes()).hexdigest()})
    with pytest.raises(index_client.DownloadFailed, match="local file"):
        index_client.download(entry, "https://index.invalid/simple/", tmp_path / "copy.whl", 10**6)
    index = (tmp_path / "simple").as_uri() + "/"
    with pytest.raises(index_client.DownloadFailed, match="larger than 100 bytes"):
        index_client.download(entry, index, tmp_path / "copy.whl", 100)
    assert not list(tmp_path.glob("copy.whl*"))
    index_client.download(entry, index, tmp_path / "copy.whl", 10**6)
    assert (tmp_path / "copy.whl").read_bytes() == local.read_bytes()


def test_credentials_go_only_to_the_index_host():
    index = "https://user:tok@index.invalid/simple/"
    assert index_client.with_credentials("https://index.invalid/f/x.whl", index) == "https://user:tok@index.invalid/f/x.whl"
    assert index_client.with_credentials("https://files.invalid/f/x.whl", index) == "https://files.invalid/f/x.whl"
    assert index_client.with_credentials("http://index.invalid/f/x.whl", index) == "http://index.invalid/f/x.whl"


def test_every_diff_code_is_documented_and_selectable():
    from deploypack.catalogue import all_rules
    from deploypack.checks import apply_selection
    from deploypack.config.options import Options

    rules = all_rules()
    assert {rule.code for rule in release_diff.DIFF_RULES} <= set(rules)
    docs = (SCHEMAS.parents[1] / "docs" / "checks.md").read_text()
    assert all(f"### {rule.code}" in docs for rule in release_diff.DIFF_RULES)
    found = [release_diff.MODULE_REMOVED.at("m"), release_diff.WHEEL_SIZE_CHANGED.at("s")]
    options = dataclasses.replace(Options(project_dir=Path("."), outdir=Path("dist")), select=("U012",))
    assert [f.code for f in apply_selection(found, options)] == ["U012"]


def test_release_diff_is_on_by_default_and_off_from_each_layer(tmp_path):
    from deploypack.cli.common import command_line_values
    from deploypack.cli.main import build_parser
    from deploypack.config import options

    assert options.resolve(tmp_path, {}, {}).release_diff is True
    assert options.resolve(tmp_path, {}, {"DEPLOYPACK_RELEASE_DIFF": "false"}).release_diff is False
    (tmp_path / "pyproject.toml").write_text("[tool.deploypack]\nrelease-diff = false\n")
    assert options.resolve(tmp_path, {}, {}).release_diff is False
    (tmp_path / "pyproject.toml").unlink()
    args = build_parser().parse_args(["build", str(tmp_path), "--gate", "--no-release-diff"])
    assert options.resolve(tmp_path, command_line_values(args), {}).release_diff is False
    args = build_parser().parse_args(["build", str(tmp_path), "--gate"])
    assert "release-diff" not in command_line_values(args)
