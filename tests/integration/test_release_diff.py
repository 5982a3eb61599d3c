"""The release diff against a real local index (pypiserver) holding real published releases.

The earlier releases are the wheels their projects published (downloaded once per session with
`pip download`; the tests skip when the package index cannot be reached); the release being made
is the next version, built for real by `deploypack build --gate` from the sdist its project
published, in a git checkout tagged as a release would be:

- itsdangerous 2.0.1 -> 2.1.0: 2.1.0 removed the public module `itsdangerous.jws` in a minor
  release (and dropped Python 3.6);
- click 7.1.2 -> 8.0.0: a major release that removed a private module, added a dependency,
  dropped Python 2.7 and 3.5 and the `Python :: 2` / `Python :: 3` classifiers.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SCHEMAS, Run, clean_environ, git_init, run_cli
from tests.integration.index_servers import PypiServer
from tests.integration.test_gate import published

pytestmark = pytest.mark.integration

RELEASES = {  # project -> (published earlier, built now)
    "itsdangerous": ("2.0.1", "2.1.0"),
    "click": ("7.1.2", "8.0.0"),
}


def _pip_download(destination: Path, requirement: str, kind: str) -> None:
    binary = ["--only-binary", ":all:"] if kind == "wheel" else ["--no-binary", ":all:"]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--retries", "1",
         "--timeout", "15", *binary, "-d", str(destination), requirement],
        capture_output=True, text=True, timeout=300, env=clean_environ(),
    )
    if result.returncode != 0:
        pytest.skip(f"cannot download {requirement} from the package index (offline?): {result.stderr[-300:]}")


@pytest.fixture(scope="session")
def real_releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """project -> (the wheel it published for the earlier version, the sdist of the next one)."""
    folder = tmp_path_factory.mktemp("real-releases")
    found = {}
    for project, (earlier, later) in RELEASES.items():
        _pip_download(folder, f"{project}=={earlier}", "wheel")
        _pip_download(folder, f"{project}=={later}", "sdist")
        wheel = next(folder.glob(f"{project}-{earlier}-*.whl"))
        sdist = next(folder.glob(f"{project}-{later}.tar.gz"))
        found[project] = (wheel, sdist)
    return found


def checkout(sdist: Path, tmp_path: Path, version: str) -> Path:
    """The published sdist as a release checkout: extracted, committed, tagged."""
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    root = tmp_path / sdist.name.removesuffix(".tar.gz")
    (root / ".gitignore").write_text("dist/\nbuild/\n*.egg-info/\n")
    git_init(root, f"{version}")
    return root


class Release:
    """A `deploypack build --gate` run as the Action runs it (`--format github`), and its JSON report."""

    def __init__(self, run: Run, report: Path) -> None:
        self.run = run
        self.exit_code = run.exit_code
        self.data = json.loads(report.read_text())
        jsonschema.validate(self.data, json.loads((SCHEMAS / "report.schema.json").read_text()))

    def diff_findings(self) -> dict[str, str]:
        return {f["code"]: f["severity"] for f in self.data["findings"] if f["code"].startswith("U")}


def release_build(project: Path, server: PypiServer, cache: Path, summary: Path, *extra: str) -> Release:
    report = summary.with_suffix(".json")
    environ = clean_environ(DEPLOYPACK_CACHE_DIR=str(cache), GITHUB_STEP_SUMMARY=str(summary),
                            GITHUB_OUTPUT=str(summary.with_suffix(".out")))
    summary.touch()
    summary.with_suffix(".out").touch()
    run = run_cli(["build", str(project), "--no-isolation", "--format", "github", "--report", str(report), "--gate",
                   "--index-url", server.url, *extra], environ=environ)
    return Release(run, report)


def step_summary_section(summary: Path, heading: str) -> str:
    """A section of the step summary, as text (the Markdown's entities resolved)."""
    page = html.unescape(summary.read_text())
    start = page.index(f"### {heading}")
    end = page.find("\n### ", start + 1)
    return page[start:end if end >= 0 else None]


@pytest.fixture
def published_releases(pypiserver: PypiServer, real_releases: Mapping[str, tuple[Path, Path]]) -> PypiServer:
    for wheel, _ in real_releases.values():
        if not (pypiserver.packages / wheel.name).exists():
            pypiserver.upload(wheel)
    return pypiserver


def test_a_public_module_removed_in_a_minor_release_is_an_error(published_releases, real_releases, tmp_path):
    wheel, sdist = real_releases["itsdangerous"]
    project = checkout(sdist, tmp_path, "2.1.0")
    summary = tmp_path / "summary.md"
    run = release_build(project, published_releases, tmp_path / "cache", summary)
    data = run.data
    assert run.diff_findings() == {"U001": "error", "U008": "warning"}, run.run.stdout + run.run.stderr
    assert run.exit_code == 1 and not data["ok"] and not data["gate"]["publishable"]
    removed = next(f for f in data["findings"] if f["code"] == "U001")
    assert "itsdangerous.jws" in removed["message"] and "2.0.1" in removed["message"]
    # where the version is bumped: itsdangerous reads it from `__version__` (setup.cfg `attr:`)
    assert removed["file"] == "src/itsdangerous/__init__.py"
    assert removed["artifact"] == "itsdangerous-2.1.0-py3-none-any.whl"
    version_line = (project / removed["file"]).read_text().splitlines()[removed["line"] - 1]
    assert version_line.startswith("__version__") and "2.1.0" in version_line
    assert any(reason.startswith("U001") for reason in data["gate"]["reasons"])

    changes = data["changes"]
    assert (changes["compared"], changes["since"], changes["previous_wheel"]) == (True, "2.0.1", wheel.name)
    assert changes["modules_removed"] == ["itsdangerous.jws"] and changes["major_bump"] is False
    assert changes["requires_python"] == {"before": ">=3.6", "after": ">=3.7", "dropped": ["3.6"]}
    assert changes["wheel_size"]["before"] == wheel.stat().st_size
    section = step_summary_section(summary, "Changes since 2.0.1")
    assert "- modules removed: itsdangerous.jws" in section
    assert "- Requires-Python: >=3.6 → >=3.7 (drops 3.6)" in section

    cached = tmp_path / "cache" / "releases" / "itsdangerous" / wheel.name
    assert cached.read_bytes() == wheel.read_bytes()  # verified, and the published bytes


def test_a_major_release_lists_its_changes_as_notes_and_warnings(published_releases, real_releases, tmp_path):
    _, sdist = real_releases["click"]
    project = checkout(sdist, tmp_path, "8.0.0")
    summary = tmp_path / "summary.md"
    run = release_build(project, published_releases, tmp_path / "cache", summary)
    data = run.data
    assert run.diff_findings() == {"U004": "note", "U005": "note", "U008": "warning", "U010": "note"}, run.run.stdout
    changes = data["changes"]
    assert changes["major_bump"] is True and changes["modules_removed"] == ["click._bashcomplete"]
    assert any(text.startswith("colorama") for text in changes["requirements_added"])
    dropped = changes["requires_python"]["dropped"]
    assert dropped == ["2.7", "3.5"]  # 7.1.2 already refused 3.0 to 3.4
    assert changes["python_classifiers_dropped"] == ["2", "3"]
    section = step_summary_section(summary, "Changes since 7.1.2")
    assert "modules removed: click._bashcomplete" in section and "Python classifiers dropped: 2, 3" in section


def test_the_wheel_is_taken_from_the_cache_the_second_time(published_releases, real_releases, tmp_path):
    wheel, sdist = real_releases["itsdangerous"]
    project = checkout(sdist, tmp_path, "2.1.0")
    cache = tmp_path / "cache"
    first = release_build(project, published_releases, cache, tmp_path / "s1.md", "--outdir", str(tmp_path / "o1"))
    cached = cache / "releases" / "itsdangerous" / wheel.name
    stamp = cached.stat().st_mtime_ns
    second = release_build(project, published_releases, cache, tmp_path / "s2.md", "--outdir", str(tmp_path / "o2"))
    assert first.diff_findings() == second.diff_findings() and cached.stat().st_mtime_ns == stamp


def test_selection_and_turning_it_off(published_releases, real_releases, tmp_path):
    _, sdist = real_releases["itsdangerous"]
    project = checkout(sdist, tmp_path, "2.1.0")
    selected = release_build(project, published_releases, tmp_path / "cache", tmp_path / "s.md",
                             "--select", "U008", "--outdir", str(tmp_path / "o1"))
    assert selected.diff_findings() == {"U008": "warning"} and selected.exit_code == 0
    off = release_build(project, published_releases, tmp_path / "cache", tmp_path / "s.md",
                        "--no-release-diff", "--outdir", str(tmp_path / "o2"))
    assert off.diff_findings() == {} and "changes" not in off.data and "release_diff" not in off.data["timings"]


def test_a_first_release_and_offline_say_so_in_one_note(pypiserver, flit_project, tmp_path):
    project = flit_project("diff-first", "1.0.0", tag="v1.0.0")
    summary = tmp_path / "summary.md"
    run = release_build(project, pypiserver, tmp_path / "cache", summary)
    data = run.data
    assert run.diff_findings() == {"U013": "note"} and run.exit_code == 0
    assert data["changes"]["compared"] is False and "first release of diff-first" in data["changes"]["reason"]
    assert "not compared" in step_summary_section(summary, "Changes since the last release")

    offline = release_build(project, pypiserver, tmp_path / "cache", summary, "--offline",
                            "--outdir", str(tmp_path / "o2"))
    assert offline.diff_findings() == {"U013": "note"}
    assert offline.data["changes"]["reason"].startswith("offline")


def test_no_change_between_two_builds_of_the_same_project(pypiserver, flit_project, tmp_path):
    published(pypiserver, flit_project, "diff-same", "1.0.0")
    project = flit_project("diff-same", "1.0.1", tag="v1.0.1")
    run = release_build(project, pypiserver, tmp_path / "cache", tmp_path / "summary.md")
    data = run.data
    assert run.diff_findings() == {} and data["changes"]["compared"] is True and data["changes"]["since"] == "1.0.0"
    assert "nothing removed or narrowed" in step_summary_section(tmp_path / "summary.md", "Changes since 1.0.0")
