"""`deploypack merge`: per-job outputs into one release, refusing what would publish the wrong files."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from deploypack.core.errors import UsageError
from deploypack.monorepo import merge
from tests.conftest import SCHEMAS, clean_environ, run_cli
from tests.runner_emulator import read_file_command


def sdist(directory: Path, name: str, version: str, payload: str = "") -> Path:
    """A real (minimal) sdist archive."""
    path = directory / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{payload}".encode()
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def wheel(directory: Path, name: str, version: str) -> Path:
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


def job(tmp_path: Path, folder: str, name: str, version: str, *, sums: bool = True, manifest: bool = False) -> Path:
    directory = tmp_path / folder
    directory.mkdir(parents=True)
    files = [sdist(directory, name, version), wheel(directory, name, version)]
    if sums:
        (directory / "SHA256SUMS").write_text("".join(
            f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n" for f in sorted(files)))
    if manifest:
        (directory / f"{name}-{version}.cdx.json").write_text("{}\n")
        (directory / f"{name}-{version}.intoto.json").write_text("{}\n")
        (directory / "manifest.json").write_text(json.dumps({
            "schema": "deploypack-manifest/1", "project": {"name": name.replace("_", "-"), "version": version},
            "findings": {"error": 0, "warning": 2, "note": 1, "codes": {}},
            "artifacts": ["SHA256SUMS", f"{name}-{version}.cdx.json", f"{name}-{version}.intoto.json",
                          "manifest.json", "../escape.json"],
        }))
    (directory / "deploypack-report.log").write_text("a log, not a distribution\n")
    return directory


def codes(result: merge.MergeResult) -> list[str]:
    return sorted(finding.code for finding in result.findings)


def test_merging_jobs_writes_one_checked_release(tmp_path):
    jobs = [job(tmp_path, "dist-core", "core", "1.0", manifest=True), job(tmp_path, "dist-cli", "my_cli", "2.0")]
    out = tmp_path / "release"
    result = merge.merge(jobs, out)
    assert result.ok and result.findings == ()
    assert sorted(p.name for p in out.iterdir()) == [
        ".deploypack-files", "SHA256SUMS", "SUMMARY.md", "core-1.0-py3-none-any.whl",
        "core-1.0.tar.gz", "manifest.json", "my_cli-2.0-py3-none-any.whl", "my_cli-2.0.tar.gz",
    ]
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 4
    manifest = json.loads((out / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads((SCHEMAS / "merged-manifest.schema.json").read_text()))
    assert [(p["name"], p["version"], p["findings"]) for p in manifest["packages"]] == [
        ("core", "1.0", {"error": 0, "warning": 2, "note": 1}), ("my-cli", "2.0", None),
    ]
    # a job's SBOM and provenance describe that job only: not copied, referenced by its manifest
    assert manifest["packages"][0]["manifest"]["artifacts"][1] == "core-1.0.cdx.json"
    assert manifest["artifacts"] == ["SHA256SUMS", "SUMMARY.md", "manifest.json"]
    assert "**Merged** 2 package(s), 4 distribution(s)." in (out / "SUMMARY.md").read_text()


def test_jobs_without_sha256sums_are_hashed_here(tmp_path):
    result = merge.merge([job(tmp_path, "a", "a", "1", sums=False)], tmp_path / "out")
    assert result.ok
    digest = hashlib.sha256((tmp_path / "a" / "a-1.tar.gz").read_bytes()).hexdigest()
    assert f"{digest}  a-1.tar.gz" in (tmp_path / "out" / "SHA256SUMS").read_text()


def test_duplicate_file_names_are_refused_and_nothing_is_written(tmp_path):
    first = job(tmp_path, "py311", "core", "1.0")
    second = tmp_path / "py312"
    shutil.copytree(first, second)
    result = merge.merge([first, second], tmp_path / "out")
    assert not result.ok and codes(result) == ["J001", "J001"]
    assert "with identical bytes" in result.findings[0].message
    assert not (tmp_path / "out").exists()


def test_duplicate_with_different_bytes_says_so(tmp_path):
    first = job(tmp_path, "x", "core", "1.0")
    other = tmp_path / "y"
    other.mkdir()
    sdist(other, "core", "1.0", payload="Summary: rebuilt\n")
    result = merge.merge([first, other], tmp_path / "out")
    assert codes(result) == ["J001"] and "with different bytes" in result.findings[0].message


def test_two_versions_of_one_package_are_refused(tmp_path):
    result = merge.merge([job(tmp_path, "a", "core", "1.0"), job(tmp_path, "b", "Core", "1.1")], tmp_path / "out")
    assert codes(result) == ["J002"]
    assert "core appears in 2 versions: 1.0 in" in result.findings[0].message


def test_same_version_spelled_differently_is_one_version(tmp_path):
    first = tmp_path / "one"
    first.mkdir()
    sdist(first, "pkg", "1.0")
    second = tmp_path / "two"
    second.mkdir()
    wheel(second, "pkg", "1.0.0")
    assert merge.merge([first, second], tmp_path / "out").ok


def test_checksum_mismatch_missing_and_unlisted_files(tmp_path):
    directory = job(tmp_path, "a", "core", "1.0")
    (directory / "core-1.0.tar.gz").write_bytes(b"truncated")
    result = merge.merge([directory], tmp_path / "out")
    assert codes(result) == ["J003"] and "its SHA256SUMS says" in result.findings[0].message
    (directory / "core-1.0.tar.gz").unlink()
    wheel(directory, "core", "1.0")
    sdist(directory, "extra", "3.0")
    messages = sorted(f.message for f in merge.merge([directory], tmp_path / "out").findings)
    assert any("core-1.0.tar.gz is listed in SHA256SUMS but missing" in m for m in messages)
    assert any("extra-3.0.tar.gz is not listed" in m for m in messages)


def test_an_empty_job_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = merge.merge([job(tmp_path, "a", "a", "1"), tmp_path / "empty"], tmp_path / "out")
    assert codes(result) == ["J004"]


def test_usage_errors(tmp_path):
    a = job(tmp_path, "a", "a", "1")
    with pytest.raises(UsageError):
        merge.merge([a, tmp_path / "a"], tmp_path / "out")
    with pytest.raises(UsageError):
        merge.merge([a], a)
    with pytest.raises(UsageError):
        merge.merge([tmp_path / "missing"], tmp_path / "out")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "stale-0.1.tar.gz").write_text("old")
    with pytest.raises(UsageError):
        merge.merge([a], tmp_path / "busy")  # an outdir with files deploypack did not write


def test_merge_cli_json_and_exit_codes(tmp_path):
    a, b = job(tmp_path, "a", "a", "1"), job(tmp_path, "b", "a", "2")
    run = run_cli(["merge", str(a), str(b), "--outdir", str(tmp_path / "out"), "--format", "json"])
    assert run.exit_code == 1
    data = run.json()
    assert data["ok"] is False and [f["code"] for f in data["findings"]] == ["J002"]
    good = run_cli(["merge", str(a), "--outdir", str(tmp_path / "out"), "--report", str(tmp_path / "r.json")])
    assert good.exit_code == 0 and "1 package(s), 2 distribution(s) merged" in good.stdout
    assert json.loads((tmp_path / "r.json").read_text())["manifest"]["packages"][0]["version"] == "1"


def test_merge_cli_github_outputs_and_summary(tmp_path):
    a = job(tmp_path, "a", "a", "1")
    outputs, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    outputs.write_text("")
    environ = clean_environ(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    run = run_cli(["merge", str(a), "--outdir", str(tmp_path / "release")], environ=environ)
    assert run.exit_code == 0
    values = read_file_command(outputs)
    assert values["ok"] == "true" and values["packages"] == "1"
    assert values["sha256sums"] == str(tmp_path / "release" / "SHA256SUMS")
    assert "**Merged** 1 package(s)" in summary.read_text()
    assert run.stdout.startswith("::stop-commands::")
    bad = run_cli(["merge", str(a), str(job(tmp_path, "b", "a", "2")), "--outdir", str(tmp_path / "r2")],
                  environ=environ)
    assert bad.exit_code == 1 and "::error title=J002::" in bad.stdout


def test_names_from_the_jobs_never_become_workflow_commands(tmp_path):
    a = job(tmp_path, "a", "a", "1", manifest=True)
    data = json.loads((a / "manifest.json").read_text())
    data["project"]["name"] = "::error::pwned"
    (a / "manifest.json").write_text(json.dumps(data))
    environ = clean_environ(GITHUB_ACTIONS="true")
    run = run_cli(["merge", str(a), "--outdir", str(tmp_path / "out"), "--format", "text"], environ=environ)
    assert run.exit_code == 0 and "pwned" in run.stdout
    assert not any(line.lstrip().startswith("::") for line in run.stdout.splitlines())
