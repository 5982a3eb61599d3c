"""`deploypack check` on distributions built elsewhere, and `deploypack verify` on what it wrote."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.validation.json import JsonStrictValidator

from deploypack.artifacts import sbom
from tests.conftest import SCHEMAS, run_cli, run_subprocess

pytestmark = pytest.mark.integration

PLATFORMS = ("manylinux_2_17_x86_64.manylinux2014_x86_64", "macosx_11_0_arm64", "win_amd64")


def retag(wheel: Path, directory: Path, tag: str) -> Path:
    """The same wheel for another platform, as cibuildwheel would produce one per platform."""
    name, version = wheel.name.split("-")[:2]
    target = directory / f"{name}-{version}-{tag}.whl"
    tags = [f"cp311-cp311-{platform}" for platform in tag.split("-")[2].split(".")]
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        records = []
        record_name = next(n for n in source.namelist() if n.endswith(".dist-info/RECORD"))
        for info in source.infolist():
            if info.filename == record_name:
                continue
            data = source.read(info)
            if info.filename.endswith(".dist-info/WHEEL"):
                lines = [line for line in data.decode().splitlines()
                         if line.strip() and not line.startswith(("Tag:", "Root-Is-Purelib:"))]
                data = ("\n".join(lines + ["Root-Is-Purelib: false"] + [f"Tag: {t}" for t in tags]) + "\n").encode()
            out.writestr(info.filename, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{info.filename},sha256={digest},{len(data)}")
        out.writestr(record_name, "\n".join([*records, f"{record_name},,"]) + "\n")
    return target


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cibuildwheel-like output directory: several platform wheels and one sdist, built for real."""
    root = tmp_path_factory.mktemp("check") / "proj"
    shutil.copytree(Path(__file__).parents[1] / "data" / "projects" / "pep621-setuptools", root)
    run = run_cli(["build", str(root), "--artifacts", "none"])
    assert run.exit_code == 0, run.stdout + run.stderr
    house = root.parent / "wheelhouse"
    house.mkdir()
    wheel = next((root / "dist").glob("*.whl"))
    for platform in PLATFORMS:
        retag(wheel, house, f"cp311-cp311-{platform}")
    shutil.copy2(next((root / "dist").glob("*.tar.gz")), house)
    return house


def test_check_reads_every_distribution_and_writes_verifiable_artifacts(wheelhouse: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    run = run_cli(["check", str(wheelhouse), "--outdir", str(release), "--format", "json"])
    report = json.loads(run.stdout)
    assert run.exit_code == 0 and not [f for f in report["findings"] if f["severity"] == "error"], run.stdout
    assert len(report["artifacts"]) == 4
    jsonschema.validate(report, json.loads((SCHEMAS / "report.schema.json").read_text()),
                        cls=jsonschema.Draft202012Validator)
    names = {p.name for p in wheelhouse.iterdir()}
    assert names <= {p.name for p in release.iterdir()}
    result = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=release, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.count(": OK") == 4, result.stdout + result.stderr
    manifest = json.loads((release / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads((SCHEMAS / "manifest.schema.json").read_text()),
                        cls=jsonschema.Draft202012Validator)
    assert manifest["build"]["command"] == "check" and manifest["build"]["backend"] is None
    tags = sorted(tag for d in manifest["distributions"] if d["tags"] for tag in d["tags"])
    assert tags == sorted(["cp311-cp311-macosx_11_0_arm64", "cp311-cp311-manylinux2014_x86_64",
                           "cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-win_amd64"])
    cdx = next(release.glob("*.cdx.json")).read_text()
    assert JsonStrictValidator(sbom.SCHEMA_VERSION).validate_str(cdx) is None
    statement = json.loads(next(release.glob("*.intoto.json")).read_text())
    assert {s["name"] for s in statement["subject"]} == names
    verified = run_subprocess(["verify", str(release)])
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_check_without_outdir_writes_nothing(wheelhouse: Path) -> None:
    before = sorted(p.name for p in wheelhouse.iterdir())
    wheel = next(wheelhouse.glob("*win_amd64.whl"))
    run = run_cli(["check", str(wheel), "--format", "json"])
    assert run.exit_code == 0, run.stdout + run.stderr
    assert [a["path"] for a in run.json()["artifacts"]] == [str(wheel)]
    assert sorted(p.name for p in wheelhouse.iterdir()) == before


def test_check_reports_an_unreadable_distribution(tmp_path: Path) -> None:
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip file")
    run = run_cli(["check", str(broken), "--format", "json"])
    assert run.exit_code == 1
    assert [(f["code"], f["artifact"]) for f in run.json()["findings"]] == [("A001", broken.name)]


def test_check_usage_errors(tmp_path: Path) -> None:
    assert run_cli(["check", str(tmp_path)]).exit_code == 3  # a directory without distributions
    assert run_cli(["check", str(tmp_path / "nope.whl")]).exit_code == 3


def test_check_into_an_outdir_with_foreign_files_is_refused(wheelhouse: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    (release / "unrelated.txt").write_text("x")
    run = run_cli(["check", str(wheelhouse), "--outdir", str(release)])
    assert run.exit_code == 3 and "unrelated.txt" in run.stderr
    assert [p.name for p in release.iterdir()] == ["unrelated.txt"]


def test_verify_lists_added_missing_and_changed_files(wheelhouse: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    assert run_cli(["check", str(wheelhouse), "--outdir", str(release)]).exit_code == 0
    sdist = next(release.glob("*.tar.gz"))
    sdist.unlink()
    wheel = next(release.glob("*win_amd64.whl"))
    wheel.write_bytes(b"changed")
    (release / "pep621_setuptools-1.0.0-py3-none-any.whl").write_bytes(b"stale")
    run = run_subprocess(["verify", str(release)])
    assert run.exit_code == 1
    as_json = run_subprocess(["verify", str(release), "--format", "json"])
    jsonschema.validate(as_json.json(), json.loads((SCHEMAS / "report.schema.json").read_text()),
                        cls=jsonschema.Draft202012Validator)
    assert sorted(f["code"] for f in as_json.json()["findings"]) == ["V001", "V002", "V003"]
    assert f"{sdist.name}: V002" in run.stdout
    assert f"{wheel.name}: V001" in run.stdout
    assert "pep621_setuptools-1.0.0-py3-none-any.whl: V003" in run.stdout
