"""The release gate's verdicts (pure), the simple-API parsers, and the index URL pip would use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from packaging.version import Version

from deploypack.core.errors import EnvironmentProblem
from deploypack.gate import index_client
from deploypack.gate import release_gate as gate
from deploypack.project.release import ReleaseInfo
from tests.conftest import clean_environ, git_init


def page(*files: tuple[str, bool], versions: tuple[str, ...] = ()) -> index_client.ProjectPage:
    return index_client.ProjectPage(
        index_url="http://index.invalid/simple/", name="demo", exists=True,
        files=tuple(index_client.IndexFile(name, index_client._version_of(name), yanked) for name, yanked in files),
        extra_versions=tuple(Version(v) for v in versions),
    )


CLEAN = gate.TreeState(is_git=True, changes=(), commit_time="1700000000")
TAGGED = ReleaseInfo(tag="v1.2.0", tag_source="git describe", commit="abc")


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


# --- the index verdicts -------------------------------------------------------------------------

def test_a_new_version_above_everything_published_passes():
    published = page(("demo-1.0.0.tar.gz", False), ("demo-1.1.0-py3-none-any.whl", False))
    assert gate.index_findings(Version("1.2.0"), published, allow_backport=False) == []


def test_a_published_version_is_taken_whatever_its_spelling():
    published = page(("demo-1.2.tar.gz", False))
    findings = gate.index_findings(Version("1.2.0"), published, allow_backport=False)
    assert codes(findings) == ["G001"]
    assert "1.2.0 is already published" in findings[0].message


def test_a_yanked_version_is_still_taken():
    published = page(("demo-1.2.0.tar.gz", True), ("demo-1.2.0-py3-none-any.whl", True))
    findings = gate.index_findings(Version("1.2.0"), published, allow_backport=False)
    assert codes(findings) == ["G001"]
    assert "yanked" in findings[0].message


def test_a_version_listed_only_in_pep700_versions_is_taken():
    assert codes(gate.index_findings(Version("3.0"), page(versions=("3.0",)), False)) == ["G001"]


def test_an_older_version_is_refused_and_the_newest_is_named():
    findings = gate.index_findings(Version("1.5.0"), page(("demo-2.0.0.tar.gz", False)), allow_backport=False)
    assert codes(findings) == ["G002"]
    assert "2.0.0" in findings[0].message


def test_backports_are_allowed_when_newest_of_their_series():
    published = page(("demo-2.0.0.tar.gz", False), ("demo-1.5.0.tar.gz", False))
    assert gate.index_findings(Version("1.5.1"), published, allow_backport=True) == []
    older_in_series = page(("demo-2.0.0.tar.gz", False), ("demo-1.5.2.tar.gz", False))
    findings = gate.index_findings(Version("1.5.1"), older_in_series, allow_backport=True)
    assert codes(findings) == ["G002"] and "1.5.2" in findings[0].message


def test_a_yanked_newer_version_does_not_block_a_fix_below_it():
    published = page(("demo-2.0.0.tar.gz", True), ("demo-1.9.0.tar.gz", False))
    assert gate.index_findings(Version("1.9.1"), published, allow_backport=False) == []


def test_a_project_the_index_does_not_know_passes():
    empty = index_client.ProjectPage(index_url="http://index.invalid/simple/", name="demo", exists=False)
    assert gate.index_findings(Version("0.1"), empty, allow_backport=False) == []


# --- tags, pre-releases ------------------------------------------------------------------------

@pytest.mark.parametrize(("tag", "patterns", "expected"), [
    ("v1.2.0", ("v{version}",), "1.2.0"),
    ("1.2", ("v{version}", "{version}"), "1.2"),
    ("release-2.0rc1-final", ("release-{version}-final",), "2.0rc1"),
    ("vnext", ("v{version}",), None),
    ("pkg/v1.0", ("v{version}",), None),
])
def test_tag_version_follows_the_patterns(tag, patterns, expected):
    found = gate.tag_version(tag, patterns)
    assert (str(found) if found else None) == (str(Version(expected)) if expected else None)


def test_a_tagged_release_passes_and_the_tag_match_is_left_to_r001():
    assert gate.release_findings(Version("1.2.0"), TAGGED, ("v{version}",)) == []
    assert gate.release_findings(Version("1.3.0"), TAGGED, ("v{version}",)) == []  # R001 says it, once


def test_untagged_final_release_is_a_warning():
    findings = gate.release_findings(Version("1.0"), ReleaseInfo(), ("v{version}",))
    assert codes(findings) == ["G004"] and findings[0].severity.value == "warning"


def test_prereleases_only_from_prerelease_tags():
    rc = ReleaseInfo(tag="v2.0.0rc1", tag_source="GITHUB_REF")
    assert gate.release_findings(Version("2.0.0rc1"), rc, ("v{version}",)) == []
    assert codes(gate.release_findings(Version("2.0.0rc1"), ReleaseInfo(), ("v{version}",))) == ["G003"]
    assert codes(gate.release_findings(Version("2.0.0.dev3"), ReleaseInfo(), ("v{version}",))) == ["G003"]
    final_tag = ReleaseInfo(tag="v2.0.0", tag_source="GITHUB_REF")
    assert codes(gate.release_findings(Version("2.0.0rc1"), final_tag, ("v{version}",))) == ["G003"]


# --- tree and SOURCE_DATE_EPOCH ----------------------------------------------------------------

def test_tree_findings():
    assert gate.tree_findings(CLEAN) == []
    assert codes(gate.tree_findings(gate.TreeState(is_git=False))) == ["G006"]
    dirty = gate.tree_findings(gate.TreeState(is_git=True, changes=tuple(f"f{i}.py" for i in range(12))))
    assert codes(dirty) == ["G005"] and "12 uncommitted" in dirty[0].message and "2 more" in dirty[0].message


def test_epoch_must_be_the_commit_time():
    assert gate.epoch_findings("1700000000", CLEAN) == []
    assert codes(gate.epoch_findings("1", CLEAN)) == ["G007"]
    assert codes(gate.epoch_findings(None, CLEAN)) == ["G007"]
    assert gate.epoch_findings(None, gate.TreeState(is_git=False)) == []  # G007 already says it


def test_evaluate_offline_warns_instead_of_asking():
    findings = gate.evaluate("1.2.0", None, TAGGED, CLEAN, "1700000000", ("v{version}",), False)
    assert codes(findings) == ["G008"]


def test_evaluate_leaves_an_invalid_version_to_the_metadata_checks():
    assert gate.evaluate("not a version", None, TAGGED, CLEAN, None, ("v{version}",), False) == []


def test_summary_and_outputs_give_the_reasons():
    result = gate.GateResult(findings=(), index_url="http://index.invalid/simple/", published=("1.0",))
    finding = gate.VERSION_TAKEN.at("demo 1.0 is already published")
    summary = gate.summarize(result, [finding], ok=False, strict=False)
    assert summary["publishable"] is False and summary["reasons"] == ["G001 demo 1.0 is already published"]
    assert gate.outputs(summary) == {"publishable": "false", "publishable-reasons": summary["reasons"][0]}
    warning = gate.INDEX_NOT_CHECKED.at("offline")
    assert gate.summarize(result, [warning], ok=True, strict=False)["reasons"] == []
    assert len(gate.summarize(result, [warning], ok=False, strict=True)["reasons"]) == 1


# --- tree_state on a real git tree --------------------------------------------------------------

def test_tree_state_sees_modified_and_untracked_files_but_not_the_outdir(tmp_path):
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / ".gitignore").write_text("*.log\n")
    git_init(project, tag="v1")
    assert gate.tree_state(project, [project / "dist"]).changes == ()
    (project / "dist").mkdir()
    (project / "dist" / "old.whl").write_text("x")
    (project / "ignored.log").write_text("x")
    assert gate.tree_state(project, [project / "dist"]).changes == ()
    (project / "pkg" / "__init__.py").write_text("changed = 1\n")
    (project / "pkg" / "new file.py").write_text("")
    state = gate.tree_state(project, [project / "dist"])
    assert state.is_git and state.changes == ("pkg/__init__.py", "pkg/new file.py")
    assert state.commit_time and state.commit_time.isdigit()


def test_tree_state_outside_git(tmp_path):
    assert gate.tree_state(tmp_path) == gate.TreeState(is_git=False)


# --- the simple API parsers ---------------------------------------------------------------------

def test_json_page_with_yanked_files_and_versions():
    body = json.dumps({
        "meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0", "1.1", "2.0"],
        "files": [
            {"filename": "demo-1.0.tar.gz", "url": "x", "hashes": {}},
            {"filename": "demo-1.1-py3-none-any.whl", "url": "x", "hashes": {}, "yanked": "broken"},
            {"filename": "demo-1.1.tar.gz", "url": "x", "hashes": {}, "yanked": True},
        ],
    }).encode()
    files, extra = index_client._parse_json(body)
    found = index_client.ProjectPage("u", "demo", True, files, extra).versions()
    assert found == {Version("1.0"): False, Version("1.1"): True, Version("2.0"): False}


def test_a_version_is_yanked_only_when_every_file_is():
    files = (index_client.IndexFile("demo-1.0.tar.gz", Version("1.0"), True),
             index_client.IndexFile("demo-1.0-py3-none-any.whl", Version("1.0"), False))
    assert index_client.ProjectPage("u", "demo", True, files).versions() == {Version("1.0"): False}


def test_html_page_pep503_with_pep592_yanked():
    html = """<!DOCTYPE html><html><body>
      <a href="../../packages/demo-1.0.tar.gz#sha256=00">demo-1.0.tar.gz</a><br>
      <a href="https://files.invalid/demo-1.1-py3-none-any.whl" data-yanked="">demo-1.1-py3-none-any.whl</a>
      <a href="/p/demo_x-0.9.zip" data-requires-python="&gt;=3.8">demo_x-0.9.zip</a>
      <a href="/p/demo-0.1-py2.7.egg">demo-0.1-py2.7.egg</a>
    </body></html>"""
    files = index_client._parse_html(html)
    assert [(f.filename, str(f.version), f.yanked) for f in files] == [
        ("demo-1.0.tar.gz", "1.0", False), ("demo-1.1-py3-none-any.whl", "1.1", True),
        ("demo_x-0.9.zip", "0.9", False), ("demo-0.1-py2.7.egg", "0.1", False),
    ]


@pytest.mark.parametrize("body", [b"<html>", b'{"info": {"version": "1.0"}, "releases": {}}', b"[]"])
def test_json_that_is_not_the_simple_api_is_refused_not_read_as_empty(body):
    with pytest.raises(ValueError):
        index_client._parse_json(body)


@pytest.mark.parametrize("page", [
    '<html><body><a href="/login">Sign in</a> <a href="/help">Help</a></body></html>',
    "plain text, no links",
])
def test_html_that_is_not_a_project_page_is_refused(page):
    with pytest.raises(ValueError):
        index_client._parse_html(page)


def test_an_empty_project_page_has_no_versions():
    assert index_client._parse_html("<!DOCTYPE html><html><body><h1>Links for demo</h1></body></html>") == ()


def test_redact_removes_credentials():
    assert index_client.redact("https://user:secret@index.invalid:8443/simple/") == "https://index.invalid:8443/simple/"
    assert index_client.redact("https://index.invalid/simple/") == "https://index.invalid/simple/"


def test_project_url_normalizes_the_name():
    assert index_client.project_url("http://i.invalid/simple", "Foo_Bar.baz") == "http://i.invalid/simple/foo-bar-baz/"


def test_unreachable_index_is_an_environment_problem(tmp_path):
    with pytest.raises(EnvironmentProblem) as raised:
        index_client.fetch_project("ftp://index.invalid/simple/", "demo")
    assert raised.value.exit_code == 4


def test_file_index(tmp_path):
    (tmp_path / "simple" / "demo").mkdir(parents=True)
    (tmp_path / "simple" / "demo" / "index.html").write_text('<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a>')
    found = index_client.fetch_project((tmp_path / "simple").as_uri() + "/", "Demo")
    assert found.exists and list(found.versions()) == [Version("1.0")]
    assert not index_client.fetch_project((tmp_path / "simple").as_uri(), "other").exists


# --- the default index: ask pip ------------------------------------------------------------------

def test_pip_index_url_environment_wins():
    environ = clean_environ(PIP_INDEX_URL="http://mirror.invalid/simple/ http://second.invalid/")
    assert index_client.default_index_url(environ) == "http://mirror.invalid/simple/"


def test_pip_configuration_file_is_asked(tmp_path):
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = http://configured.invalid/simple/\n")
    environ = {k: v for k, v in clean_environ(PIP_CONFIG_FILE=str(config)).items() if k != "PIP_INDEX_URL"}
    assert index_client.default_index_url(environ) == "http://configured.invalid/simple/"


def test_without_configuration_it_is_pips_own_default():
    from pip._internal.models.index import PyPI

    environ = {k: v for k, v in clean_environ(PIP_CONFIG_FILE=os.devnull).items() if k != "PIP_INDEX_URL"}
    assert index_client.default_index_url(environ) == PyPI.simple_url
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], env=environ, capture_output=True,
                            text=True, check=True).stdout
    assert "index-url" not in listed.replace("extra-index-url", "")


# --- back-ports on branches ---------------------------------------------------------------------

def test_backport_setting_is_a_switch_or_branch_patterns():
    from deploypack.config.options import PARSERS

    parse = PARSERS["allow-backport"]
    assert parse("true") is True and parse(False) is False
    assert parse("release/*, maint-*") == ("release/*", "maint-*")
    assert parse(["release/*"]) == ("release/*",)
    assert gate.backport_allowed(("release/*",), ["main", "release/1.4"])
    assert not gate.backport_allowed(("release/*",), ["main"])
    assert gate.backport_allowed(True, []) and not gate.backport_allowed(False, ["release/1.4"])


def test_release_branches_are_the_branches_holding_the_commit(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.txt").write_text("a")
    git_init(project)
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "branch", "-M", "main"], check=True)
    subprocess.run([*git, "checkout", "-q", "-b", "release/1.4"], check=True)
    (project / "b.txt").write_text("b")
    subprocess.run([*git, "add", "b.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "fix"], check=True)
    subprocess.run([*git, "tag", "v1.4.1"], check=True)
    subprocess.run([*git, "checkout", "-q", "--detach", "v1.4.1"], check=True)  # as a tag checkout is
    assert gate.release_branches(project, {}) == ["release/1.4"]
    assert gate.release_branches(project, {"GITHUB_REF": "refs/heads/maint"})[0] == "maint"
