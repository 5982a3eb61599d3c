"""Real builds write deployment artifacts that the real tools accept."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.validation.json import JsonStrictValidator

from deploypack.artifacts import sbom
from tests.conftest import SCHEMAS, clean_environ, git_init, run_cli, run_subprocess
from tests.projects import pyproject, write_tree
from tests.runner_emulator import read_file_command

pytestmark = pytest.mark.integration

FILES = {
    "pyproject.toml": pyproject(
        "setuptools", "Artifact.Demo", "3.1.4", description="artifacts demo", readme="README.md",
        requires_python=">=3.9",
        project="""\
license = "MIT"
dependencies = [
    "packaging>=24",
    "requests[socks]>=2.31; python_version >= '3.10'",
]""",
        tool='[project.optional-dependencies]\ncli = ["rich>=13"]',
    ),
    "README.md": "# Artifact demo\n\nA project for the artifact tests.\n",
    "LICENSE": "MIT License\n\nCopyright (c) the authors\n",
    "src/artifact_demo/__init__.py": "VALUE = 1\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, str]]:
    """One real build (git tree tagged v3.1.4) in github format: outdir, JSON report, job outputs."""
    root = write_tree(tmp_path_factory.mktemp("artifacts") / "demo", FILES)
    git_init(root, "v3.1.4")
    output_file = root.parent / "github_output"
    output_file.touch()
    environ = clean_environ(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output_file),
                            GITHUB_STEP_SUMMARY=str(root.parent / "summary.md"))
    report_path = root.parent / "report.json"
    run = run_cli(["build", str(root), "--report", str(report_path)], environ)
    assert run.exit_code == 0, run.stdout + run.stderr
    return root / "dist", json.loads(report_path.read_text()), read_file_command(output_file)


def test_sha256sum_accepts_the_checksums(built: tuple[Path, dict, dict[str, str]]) -> None:
    outdir, report, _ = built
    result = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=outdir, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = sorted(line.split(":")[0] for line in result.stdout.splitlines())
    assert checked == sorted(Path(artifact["path"]).name for artifact in report["artifacts"])
    assert len(checked) == 2


def test_manifest_validates_against_its_schema(built: tuple[Path, dict, dict[str, str]]) -> None:
    outdir, report, _ = built
    manifest = json.loads((outdir / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads((SCHEMAS / "manifest.schema.json").read_text()),
                        cls=jsonschema.Draft202012Validator)
    assert manifest["project"] == {"name": "Artifact.Demo", "version": "3.1.4"}
    assert manifest["source"]["tag"] == "v3.1.4" and manifest["source"]["dirty"] is False
    assert manifest["source"]["commit"] == subprocess.run(
        ["git", "-C", str(outdir.parent), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert manifest["source"]["source_date_epoch"] > 1_600_000_000
    assert manifest["build"]["backend"] == "setuptools.build_meta"
    assert manifest["build"]["backend_generator"] == "setuptools" and manifest["build"]["backend_version"]
    by_kind = {d["kind"]: d for d in manifest["distributions"]}
    assert by_kind["wheel"]["tags"] == ["py3-none-any"] and by_kind["wheel"]["requires_python"] == ">=3.9"
    for artifact in report["artifacts"]:
        assert by_kind[artifact["kind"]]["sha256"] == artifact["sha256"]
    assert set(manifest["artifacts"]) == {
        "SHA256SUMS", "artifact_demo-3.1.4.cdx.json", "artifact_demo-3.1.4.intoto.json"}


def test_sbom_validates_with_cyclonedx(built: tuple[Path, dict, dict[str, str]]) -> None:
    outdir, report, _ = built
    text = (outdir / "artifact_demo-3.1.4.cdx.json").read_text()
    assert JsonStrictValidator(sbom.SCHEMA_VERSION).validate_str(text) is None
    document = json.loads(text)
    main = document["metadata"]["component"]
    assert main["purl"] == "pkg:pypi/artifact-demo@3.1.4"
    assert main["licenses"] == [{"expression": "MIT"}]
    assert {h["content"] for c in main["components"] for h in c["hashes"]} == {a["sha256"] for a in report["artifacts"]}
    requirements = {c["name"]: {p["name"]: p["value"] for p in c.get("properties", [])} for c in document["components"]}
    assert set(requirements) == {"packaging", "requests", "rich"}
    assert requirements["requests"]["deploypack:requirement:extras"] == "socks"
    assert requirements["requests"]["deploypack:requirement:marker"] == 'python_version >= "3.10"'
    assert requirements["rich"]["deploypack:requirement:marker"] == 'extra == "cli"'


def test_provenance_subjects_match_the_files(built: tuple[Path, dict, dict[str, str]]) -> None:
    outdir, _, _ = built
    statement = json.loads((outdir / "artifact_demo-3.1.4.intoto.json").read_text())
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    on_disk = {
        p.name: subprocess.run(["sha256sum", p.name], cwd=outdir, capture_output=True, text=True).stdout.split()[0]
        for p in outdir.iterdir() if p.name.endswith((".whl", ".tar.gz"))
    }
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == on_disk
    [source] = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert len(source["digest"]["gitCommit"]) == 40


def test_github_outputs_feed_the_attestation_action(built: tuple[Path, dict, dict[str, str]]) -> None:
    outdir, _, outputs = built
    checksums = Path(outputs["subject-checksums"])
    assert checksums.name == "SHA256SUMS" and checksums.resolve() == (outdir / "SHA256SUMS").resolve()
    paths = outputs["subjects"].splitlines()
    assert sorted(Path(p).name for p in paths) == sorted(p.name for p in outdir.iterdir()
                                                         if p.name.endswith((".whl", ".tar.gz")))
    assert all(Path(p).resolve().parent == outdir.resolve() for p in paths)
    for key in ("manifest", "sbom", "provenance"):
        assert Path(outputs[key]).resolve().is_file()


def test_verify_passes_then_reports_tampering(built: tuple[Path, dict, dict[str, str]], tmp_path: Path) -> None:
    outdir, _, _ = built
    copy = tmp_path / "dist"
    shutil.copytree(outdir, copy)
    clean = run_subprocess(["verify", str(copy)])
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    wheel = next(copy.glob("*.whl"))
    wheel.write_bytes(wheel.read_bytes()[:-10])
    tampered = run_subprocess(["verify", str(copy), "--format", "json"])
    assert tampered.exit_code == 1
    [finding] = json.loads(tampered.stdout)["findings"]
    assert (finding["code"], finding["artifact"]) == ("V001", wheel.name)


def test_artifacts_option_chooses_what_is_written(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "demo", FILES)
    run = run_cli(["build", str(root), "--artifacts", "sums,sbom"])
    assert run.exit_code == 0, run.stdout + run.stderr
    names = sorted(p.name for p in (root / "dist").iterdir())
    assert "SHA256SUMS" in names and "artifact_demo-3.1.4.cdx.json" in names
    assert "manifest.json" not in names and not any(n.endswith(".intoto.json") for n in names)
    bad = run_cli(["build", str(root), "--artifacts", "sums,signature"])
    assert bad.exit_code == 3 and "signature" in bad.stderr
