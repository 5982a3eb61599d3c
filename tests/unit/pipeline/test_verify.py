"""`verify` over directories made here: unchanged, changed, missing, added, disagreeing listings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploypack.core.errors import UsageError
from deploypack.pipeline.verify import verify_directory
from tests.unit.artifacts.test_artifacts import inputs_for


@pytest.fixture
def release(tmp_path: Path) -> Path:
    from deploypack.artifacts import write_artifacts

    out = tmp_path / "release"
    out.mkdir()
    inputs = inputs_for(tmp_path)
    for dist in inputs.distributions:
        (out / dist.filename).write_bytes(dist.path.read_bytes())
    write_artifacts(out, inputs, "release")
    (out / ".deploypack-files").write_text("whatever\n")
    return out


def codes(directory: Path) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.artifact) for f in verify_directory(directory, "release").findings)


def test_an_untouched_directory_verifies(release: Path) -> None:
    report = verify_directory(release, "release")
    assert report.ok and report.exit_code == 0 and report.findings == []
    assert len(report.artifacts) == 2 and report.project_name == "Demo.Pkg"


def test_changed_missing_and_added_files_are_each_reported(release: Path) -> None:
    wheel = release / "demo_pkg-1.2.0-py3-none-any.whl"
    wheel.write_bytes(wheel.read_bytes() + b"x")
    (release / "demo_pkg-1.2.0.tar.gz").unlink()
    (release / "demo_pkg-1.1.0-py3-none-any.whl").write_bytes(b"stale")
    report = verify_directory(release, "release")
    assert report.exit_code == 1
    assert codes(release) == [
        ("V001", "demo_pkg-1.2.0-py3-none-any.whl"),
        ("V002", "demo_pkg-1.2.0.tar.gz"),
        ("V003", "demo_pkg-1.1.0-py3-none-any.whl"),
    ]


def test_listings_that_disagree_are_reported(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["distributions"][0]["sha256"] = "0" * 64
    (release / "manifest.json").write_text(json.dumps(manifest))
    statement = next(release.glob("*.intoto.json"))
    data = json.loads(statement.read_text())
    data["subject"] = data["subject"][:1]
    statement.write_text(json.dumps(data))
    found = codes(release)
    assert found.count(("V004", manifest["distributions"][0]["file"])) == 1
    assert ("V004", manifest["distributions"][1]["file"]) in found  # missing from the provenance subjects


def test_a_directory_without_listings_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        verify_directory(tmp_path, "x")


def test_an_sbom_whose_file_hashes_disagree_is_reported(release: Path) -> None:
    sbom_path = next(release.glob("*.cdx.json"))
    document = json.loads(sbom_path.read_text())
    wheel = next(c for c in document["metadata"]["component"]["components"] if c["name"].endswith(".whl"))
    wheel["hashes"][0]["content"] = "1" * 64
    sbom_path.write_text(json.dumps(document))
    assert codes(release) == [("V004", wheel["name"])]


@pytest.mark.parametrize("kept", ["SHA256SUMS", "manifest.json"])
def test_either_listing_alone_is_enough(release: Path, kept: str) -> None:
    (release / ("manifest.json" if kept == "SHA256SUMS" else "SHA256SUMS")).unlink()
    assert verify_directory(release, "release").findings == []
    wheel = release / "demo_pkg-1.2.0-py3-none-any.whl"
    wheel.write_bytes(b"changed")
    assert codes(release) == [("V001", wheel.name)]
