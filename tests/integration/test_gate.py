"""`deploypack build --gate` against real index servers on localhost.

A real pypiserver (started per module on a free port, packages uploaded with real twine)
serves the HTML simple API; a small static server serves PEP 691 JSON and PEP 503 HTML pages
with yanked files, which pypiserver cannot yank. Projects are built for real (flit_core, in
the test environment with --no-isolation, so the tests do not wait on build environments).
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SCHEMAS, Run, clean_environ, run_cli
from tests.integration.index_servers import PypiServer, free_port

pytestmark = pytest.mark.integration


class StaticIndex:
    """Pages keyed by path: (status, content type, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Accept)
        self.authorization: str | None = None  # when set, other requests get 401
        handler = self._handler()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                index.requests.append((self.path, self.headers.get("Accept", "")))
                status, content_type, body = index.pages.get(self.path, (404, "text/html", b"not found"))
                if index.authorization and self.headers.get("Authorization") != index.authorization:
                    status, content_type, body = 401, "text/plain", b"who are you"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def static_index() -> Iterator[StaticIndex]:
    index = StaticIndex()
    index.thread.start()
    try:
        yield index
    finally:
        index.server.shutdown()
        index.server.server_close()


def gate_build(project: Path, *extra: str, environ: Mapping[str, str] | None = None) -> Run:
    return run_cli(["build", str(project), "--no-isolation", "--format", "json", "--gate", *extra],
                   environ=environ)


def gate_codes(run: Run) -> list[str]:
    return sorted(f["code"] for f in run.json()["findings"] if f["code"].startswith("G"))


def published(server: PypiServer, flit_project: Callable[..., Path], name: str, *versions: str) -> None:
    """Build each version for real (no gate) and upload it."""
    for version in versions:
        project = flit_project(name, version, folder=f"published-{name}-{version}")
        run = run_cli(["build", str(project), "--no-isolation", "--format", "json", "--artifacts", "none"])
        assert run.exit_code == 0, run.stdout + run.stderr
        server.upload(*sorted((project / "dist").glob(f"{name.replace('-', '_')}-*")))


def assert_valid_report(run: Run) -> dict:
    schema = json.loads((SCHEMAS / "report.schema.json").read_text())
    data = run.json()
    jsonschema.validate(data, schema)
    return data


def test_new_version_passes_and_says_publishable(pypiserver, flit_project, tmp_path):
    published(pypiserver, flit_project, "gate-new", "1.0.0")
    project = flit_project("gate-new", "1.1.0", tag="v1.1.0")
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    run = gate_build(project, "--index-url", pypiserver.url, "--report", str(tmp_path / "r.json"),
                     environ=clean_environ(GITHUB_OUTPUT=str(outputs)))
    assert run.exit_code == 0, run.stdout + run.stderr
    data = assert_valid_report(run)
    assert gate_codes(run) == []
    assert data["gate"]["publishable"] is True and data["gate"]["reasons"] == []
    assert data["gate"]["published_versions"] == ["1.0.0"] and data["gate"]["index"] == pypiserver.url
    assert "gate" in data["timings"]


def test_github_outputs_carry_publishable(pypiserver, flit_project, tmp_path):
    published(pypiserver, flit_project, "gate-outputs", "1.0.0")
    project = flit_project("gate-outputs", "1.0.0", tag="v1.0.0")
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    environ = clean_environ(GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
                           GITHUB_WORKSPACE=str(project))
    run = run_cli(["build", str(project), "--no-isolation", "--format", "github", "--gate",
                   "--index-url", pypiserver.url], environ=environ)
    assert run.exit_code == 1
    written = outputs.read_text()
    assert "publishable<<" in written and "\nfalse\n" in written.split("publishable<<", 1)[1]
    reasons = written.split("publishable-reasons<<", 1)[1]
    assert "G001 gate-outputs 1.0.0 is already published" in reasons


def test_existing_version_fails(pypiserver, flit_project):
    published(pypiserver, flit_project, "gate-taken", "1.0.0", "1.1.0")
    project = flit_project("gate-taken", "1.1.0", tag="v1.1.0")
    run = gate_build(project, "--index-url", pypiserver.url)
    assert run.exit_code == 1
    data = assert_valid_report(run)
    assert gate_codes(run) == ["G001"]
    assert data["gate"]["publishable"] is False
    assert data["gate"]["reasons"] == ["G001 gate-taken 1.1.0 is already published on " + pypiserver.url]
    assert data["gate"]["published_versions"] == ["1.0.0", "1.1.0"]


def test_older_version_fails_unless_a_backport(pypiserver, flit_project):
    published(pypiserver, flit_project, "gate-older", "1.4.0", "2.0.0")
    project = flit_project("gate-older", "1.4.1", tag="v1.4.1")
    run = gate_build(project, "--index-url", pypiserver.url)
    assert run.exit_code == 1 and gate_codes(run) == ["G002"]
    assert "older than 2.0.0" in next(f["message"] for f in run.json()["findings"] if f["code"] == "G002")
    backport = gate_build(project, "--index-url", pypiserver.url, "--allow-backport")
    assert backport.exit_code == 0, backport.stdout + backport.stderr
    stale = flit_project("gate-older", "1.3.9", tag="v1.3.9")
    refused = gate_build(stale, "--index-url", pypiserver.url, "--allow-backport")
    assert refused.exit_code == 0  # 1.3 has nothing published: newest of its series
    published(pypiserver, flit_project, "gate-older", "1.3.10")
    assert gate_codes(gate_build(stale, "--index-url", pypiserver.url, "--allow-backport")) == ["G002"]


def test_first_release_of_an_unknown_name_passes(pypiserver, flit_project):
    project = flit_project("gate-never-seen", "0.1.0", tag="v0.1.0")
    run = gate_build(project, "--index-url", pypiserver.url)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json()["gate"]["published_versions"] == []


def test_default_index_is_the_one_pip_is_configured_with(pypiserver, flit_project, tmp_path):
    published(pypiserver, flit_project, "gate-pipconf", "1.0.0")
    project = flit_project("gate-pipconf", "1.0.0", tag="v1.0.0")
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nindex-url = {pypiserver.url}\n")
    environ = {k: v for k, v in clean_environ(PIP_CONFIG_FILE=str(config)).items() if k != "PIP_INDEX_URL"}
    run = gate_build(project, environ=environ)
    assert run.exit_code == 1 and gate_codes(run) == ["G001"]
    assert run.json()["gate"]["index"] == pypiserver.url


def test_index_url_from_pyproject_and_environment(pypiserver, flit_project):
    published(pypiserver, flit_project, "gate-env", "1.0.0")
    project = flit_project("gate-env", "1.0.0", tag="v1.0.0")
    run = run_cli(["build", str(project), "--no-isolation", "--format", "json"],
                  environ=clean_environ(DEPLOYPACK_GATE="true", DEPLOYPACK_INDEX_URL=pypiserver.url))
    assert run.exit_code == 1 and gate_codes(run) == ["G001"]


def test_yanked_version_on_a_json_index_is_taken(static_index, flit_project):
    static_index.pages["/simple/gate-yanked/"] = (200, "application/vnd.pypi.simple.v1+json", json.dumps({
        "meta": {"api-version": "1.1"}, "name": "gate-yanked", "versions": ["1.0.0", "1.1.0"],
        "files": [
            {"filename": "gate_yanked-1.0.0.tar.gz", "url": "../../f/a", "hashes": {}},
            {"filename": "gate_yanked-1.1.0.tar.gz", "url": "../../f/b", "hashes": {}, "yanked": "broken build"},
        ],
    }).encode())
    project = flit_project("gate-yanked", "1.1.0", tag="v1.1.0")
    run = gate_build(project, "--index-url", static_index.url)
    assert run.exit_code == 1 and gate_codes(run) == ["G001"]
    message = next(f["message"] for f in run.json()["findings"] if f["code"] == "G001")
    assert "yanked" in message
    assert run.json()["gate"]["yanked_versions"] == ["1.1.0"]
    assert static_index.requests[0][1].startswith("application/vnd.pypi.simple.v1+json")


def test_yanked_version_on_an_html_index_is_taken(static_index, flit_project):
    static_index.pages["/simple/gate-yanked-html/"] = (200, "text/html", b"""<!DOCTYPE html><html><body>
        <a href="/f/gate_yanked_html-2.0.0.tar.gz#sha256=00" data-yanked="">gate_yanked_html-2.0.0.tar.gz</a>
        </body></html>""")
    project = flit_project("gate-yanked-html", "2.0.0", tag="v2.0.0")
    run = gate_build(project, "--index-url", static_index.url)
    assert run.exit_code == 1 and gate_codes(run) == ["G001"]
    assert "yanked" in next(f["message"] for f in run.json()["findings"] if f["code"] == "G001")


def test_index_down_is_an_environment_error(flit_project, tmp_path):
    project = flit_project("gate-down", "1.0.0", tag="v1.0.0")
    port = free_port()  # nothing listens there
    run = gate_build(project, "--index-url", f"http://127.0.0.1:{port}/simple/", "--outdir", str(tmp_path / "out"))
    assert run.exit_code == 4, run.stdout + run.stderr
    assert "cannot reach the package index" in run.stderr
    assert not (tmp_path / "out").exists()  # nothing half-published


def test_index_error_status_is_an_environment_error(static_index, flit_project):
    static_index.pages["/simple/gate-broken-index/"] = (503, "text/plain", b"maintenance")
    project = flit_project("gate-broken-index", "1.0.0", tag="v1.0.0")
    run = gate_build(project, "--index-url", static_index.url)
    assert run.exit_code == 4 and "HTTP 503" in run.stderr


def test_offline_skips_the_index_with_a_warning(flit_project):
    project = flit_project("gate-offline", "1.0.0", tag="v1.0.0")
    run = gate_build(project, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert gate_codes(run) == ["G008"]
    assert run.json()["gate"]["offline"] is True
    assert gate_build(project, "--offline", "--strict").exit_code == 1


def test_tag_mismatch_and_prerelease_without_tag(pypiserver, flit_project):
    wrong_tag = flit_project("gate-tag", "1.2.0", tag="v1.1.0")
    mismatch = gate_build(wrong_tag, "--index-url", pypiserver.url)
    assert mismatch.exit_code == 1 and gate_codes(mismatch) == []  # the release check R001 says it, once
    assert [reason.split()[0] for reason in mismatch.json()["gate"]["reasons"]] == ["R001"]
    prerelease = flit_project("gate-pre", "2.0.0rc1")
    run = gate_build(prerelease, "--index-url", pypiserver.url)
    assert run.exit_code == 1 and gate_codes(run) == ["G003"]
    from_ref = gate_build(prerelease, "--index-url", pypiserver.url,
                          environ=clean_environ(GITHUB_REF="refs/tags/v2.0.0rc1"))
    assert from_ref.exit_code == 0, from_ref.stdout


def test_dirty_tree_fails_but_its_own_output_does_not(pypiserver, flit_project):
    project = flit_project("gate-dirty", "1.0.0", tag="v1.0.0")
    assert gate_build(project, "--index-url", pypiserver.url).exit_code == 0
    again = gate_build(project, "--index-url", pypiserver.url)  # dist/ from the first run is ours
    assert again.exit_code == 0, again.stdout
    (project / "gate_dirty" / "extra.py").write_text("SECRET = 1\n")
    run = gate_build(project, "--index-url", pypiserver.url)
    assert run.exit_code == 1 and gate_codes(run) == ["G005"]
    assert "gate_dirty/extra.py" in next(f["message"] for f in run.json()["findings"] if f["code"] == "G005")


def test_source_date_epoch_must_come_from_the_commit(pypiserver, flit_project):
    project = flit_project("gate-epoch", "1.0.0", tag="v1.0.0")
    run = gate_build(project, "--index-url", pypiserver.url, environ=clean_environ(SOURCE_DATE_EPOCH="315532800"))
    assert gate_codes(run) == ["G007"]
    assert run.exit_code == 0  # a warning
    assert gate_build(project, "--index-url", pypiserver.url, "--strict",
                      environ=clean_environ(SOURCE_DATE_EPOCH="315532800")).exit_code == 1


def test_credentials_in_the_index_url_are_used_and_never_shown(static_index, flit_project):
    static_index.authorization = "Basic " + base64.b64encode(b"deploy:s3cr3t").decode()
    static_index.pages["/simple/gate-auth/"] = (200, "text/html", b'<a href="/f/gate_auth-1.0.0.tar.gz">x</a>')
    project = flit_project("gate-auth", "1.0.0", tag="v1.0.0")
    with_credentials = static_index.url.replace("http://", "http://deploy:s3cr3t@")
    run = gate_build(project, "--index-url", with_credentials)
    assert run.exit_code == 1 and gate_codes(run) == ["G001"]
    assert "s3cr3t" not in run.stdout + run.stderr
    assert run.json()["gate"]["index"] == static_index.url
    wrong = gate_build(project, "--index-url", static_index.url.replace("http://", "http://deploy:wrong@"))
    assert wrong.exit_code == 4 and "HTTP 401" in wrong.stderr and "wrong" not in wrong.stderr


def test_backports_allowed_on_matching_branches_only(pypiserver, flit_project):
    published(pypiserver, flit_project, "gate-branch", "1.4.0", "2.0.0")
    project = flit_project("gate-branch", "1.4.1", tag="v1.4.1")
    git = ["git", "-C", str(project)]
    subprocess.run([*git, "branch", "-M", "main"], check=True)
    environ = clean_environ(DEPLOYPACK_ALLOW_BACKPORT="release/*")
    on_main = gate_build(project, "--index-url", pypiserver.url, environ=environ)
    assert on_main.exit_code == 1 and gate_codes(on_main) == ["G002"]
    subprocess.run([*git, "branch", "release/1.4"], check=True)
    subprocess.run([*git, "checkout", "-q", "--detach", "v1.4.1"], check=True)  # a tag checkout, as in CI
    on_release = gate_build(project, "--index-url", pypiserver.url, environ=environ)
    assert on_release.exit_code == 0, on_release.stdout


def test_a_landing_page_answering_every_url_is_not_a_pass(static_index, flit_project):
    static_index.pages["/simple/gate-landing/"] = (
        200, "text/html", b'<html><body><a href="/login">Sign in</a></body></html>')
    project = flit_project("gate-landing", "1.0.0", tag="v1.0.0")
    run = gate_build(project, "--index-url", static_index.url)
    assert run.exit_code == 4 and "is not a simple-API page" in run.stderr
