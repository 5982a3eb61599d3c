"""Artifact writers over real (small) archives: checksums, manifest, SBOM, provenance."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from deploypack.artifacts import (
    ArtifactInputs,
    BuildInfo,
    SourceInfo,
    manifest,
    provenance,
    sbom,
    sums,
    write_artifacts,
)
from deploypack.core.findings import Finding, Severity
from deploypack.read.archives import read_distribution
from tests.conftest import SCHEMAS

METADATA = """\
Metadata-Version: 2.4
Name: Demo.Pkg
Version: 1.2.0
Summary: a demo
License-Expression: MIT OR Apache-2.0
Requires-Python: >=3.9
Requires-Dist: requests[socks,security]>=2.31
Requires-Dist: tomli>=1; python_version < "3.11"
Requires-Dist: rich; extra == "cli"
Provides-Extra: cli
"""


def make_wheel(directory: Path, metadata: str = METADATA, tag: str = "py3-none-any") -> Path:
    path = directory / f"demo_pkg-1.2.0-{tag}.whl"
    files = {
        "demo_pkg/__init__.py": b"X = 1\n",
        "demo_pkg-1.2.0.dist-info/METADATA": metadata.encode(),
        "demo_pkg-1.2.0.dist-info/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: hatchling 1.27.0\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("demo_pkg-1.2.0.dist-info/RECORD", "")
    return path


def make_sdist(directory: Path, metadata: str = METADATA) -> Path:
    path = directory / "demo_pkg-1.2.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {"PKG-INFO": metadata.encode(), "demo_pkg/__init__.py": b"X = 1\n"}.items():
            info = tarfile.TarInfo(f"demo_pkg-1.2.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def inputs_for(tmp_path: Path, kinds: tuple[str, ...] = ("sums", "manifest", "sbom", "provenance"),
               environ: dict[str, str] | None = None) -> ArtifactInputs:
    dists = [read_distribution(make_sdist(tmp_path)), read_distribution(make_wheel(tmp_path))]
    return ArtifactInputs(
        distributions=dists,
        findings=[Finding("M005", Severity.WARNING, "x"), Finding("M005", Severity.WARNING, "y")],
        source=SourceInfo(commit="a" * 40, tag="v1.2.0", dirty=False, source_date_epoch="1700000000",
                          repository="https://user:secret@example.invalid/o/r.git"),
        build=BuildInfo(command="build", backend="hatchling.build", build_requires=("hatchling",),
                        installer="uv", isolation=True, started=1700000100.0, finished=1700000200.0),
        environ=environ or {},
        kinds=kinds,
    )


def test_sums_render_is_sha256sum_format_and_round_trips(tmp_path: Path) -> None:
    entries = [("b.whl", "F" * 64), ("a.tar.gz", "0" * 64)]
    text = sums.render(entries)
    assert text == f"{'0' * 64}  a.tar.gz\n{'f' * 64}  b.whl\n"
    assert sums.parse(text) == {"a.tar.gz": "0" * 64, "b.whl": "f" * 64}
    assert sums.parse(f"{'1' * 64} *c.whl\n") == {"c.whl": "1" * 64}  # binary-mode marker
    with pytest.raises(sums.MalformedSums):
        sums.parse("not a checksum line\n")
    with pytest.raises(ValueError):
        sums.render([("a\nb.whl", "0" * 64)])


def test_written_checksums_pass_sha256sum_check(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    inputs = inputs_for(tmp_path)
    written = write_artifacts(out, inputs, "dist")
    for dist in inputs.distributions:
        (out / dist.filename).write_bytes(dist.path.read_bytes())
    assert written.files[0] == "SHA256SUMS" and written.files[-1] == "manifest.json"
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == 2
    assert written.outputs == {
        "subject-checksums": "dist/SHA256SUMS", "sbom": "dist/demo_pkg-1.2.0.cdx.json",
        "provenance": "dist/demo_pkg-1.2.0.intoto.json", "manifest": "dist/manifest.json",
    }


def test_manifest_validates_and_describes_each_distribution(tmp_path: Path) -> None:
    data = manifest.build(inputs_for(tmp_path), ["SHA256SUMS"])
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    wheel = next(d for d in data["distributions"] if d["kind"] == "wheel")
    sdist = next(d for d in data["distributions"] if d["kind"] == "sdist")
    assert wheel["tags"] == ["py3-none-any"] and sdist["tags"] is None
    assert wheel["requires_python"] == ">=3.9" and wheel["members"] == 4 and sdist["members"] == 2
    assert wheel["sha256"] == hashlib.sha256((tmp_path / wheel["file"]).read_bytes()).hexdigest()
    assert data["source"] == {"commit": "a" * 40, "tag": "v1.2.0", "dirty": False, "source_date_epoch": 1700000000}
    assert data["build"]["backend"] == "hatchling.build"
    assert (data["build"]["backend_generator"], data["build"]["backend_version"]) == ("hatchling", "1.27.0")
    assert data["findings"] == {"error": 0, "warning": 2, "note": 0, "codes": {"M005": 2}}


def test_manifest_schema_rejects_a_wrong_document(tmp_path: Path) -> None:
    data = manifest.build(inputs_for(tmp_path), [])
    data["distributions"][0]["sha256"] = "not-a-digest"
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_sbom_validates_with_cyclonedx_and_describes_package_and_requirements(tmp_path: Path) -> None:
    inputs = inputs_for(tmp_path)
    text = sbom.render(inputs)
    assert max(SchemaVersion, key=lambda v: v.value) == sbom.SCHEMA_VERSION
    errors = JsonStrictValidator(sbom.SCHEMA_VERSION).validate_str(text)
    assert errors is None, errors
    document = json.loads(text)
    assert document["specVersion"] == sbom.SCHEMA_VERSION.to_version()
    main = document["metadata"]["component"]
    assert main["purl"] == "pkg:pypi/demo-pkg@1.2.0"
    assert main["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    sdist = next(d for d in inputs.distributions if d.kind == "sdist")
    assert main["hashes"] == [{"alg": "SHA-256", "content": sdist.sha256}]
    assert {c["name"] for c in main["components"]} == {d.filename for d in inputs.distributions}
    requirements = {c["name"]: {p["name"]: p["value"] for p in c["properties"]} | {"scope": c["scope"]}
                    for c in document["components"]}
    assert requirements["requests"]["deploypack:requirement:extras"] == "security,socks"
    assert requirements["tomli"]["deploypack:requirement:marker"] == 'python_version < "3.11"'
    assert requirements["rich"]["scope"] == "optional" and requirements["requests"]["scope"] == "required"
    depends = next(d for d in document["dependencies"] if d["ref"] == main["bom-ref"])
    assert len(depends["dependsOn"]) == 3
    assert document["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")  # SOURCE_DATE_EPOCH
    assert sbom.render(inputs) == text  # serial number and time derive from the inputs


@pytest.mark.parametrize(("license_lines", "expected"), [
    ("License: MIT\n", [{"license": {"id": "MIT"}}]),
    ("Classifier: License :: OSI Approved :: BSD License\n", [{"license": {"name": "BSD License"}}]),
])
def test_sbom_license_falls_back_to_license_field_and_classifiers(
    tmp_path: Path, license_lines: str, expected: list
) -> None:
    metadata = "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.2.0\n" + license_lines
    dist = read_distribution(make_wheel(tmp_path, metadata))
    inputs = ArtifactInputs([dist], [], SourceInfo(), BuildInfo(command="check"), {}, ("sbom",))
    text = sbom.render(inputs)
    assert JsonStrictValidator(sbom.SCHEMA_VERSION).validate_str(text) is None
    assert json.loads(text)["metadata"]["component"]["licenses"] == expected


def test_provenance_is_an_in_toto_statement_whose_subjects_are_the_files(tmp_path: Path) -> None:
    inputs = inputs_for(tmp_path)
    statement = provenance.build(inputs)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert subjects == {d.filename: hashlib.sha256(d.path.read_bytes()).hexdigest() for d in inputs.distributions}
    definition = statement["predicate"]["buildDefinition"]
    assert definition["resolvedDependencies"] == [
        {"digest": {"gitCommit": "a" * 40}, "uri": "git+https://example.invalid/o/r.git@refs/tags/v1.2.0"}
    ]
    assert "secret" not in json.dumps(statement)
    run = statement["predicate"]["runDetails"]
    assert run["builder"]["id"] == provenance.LOCAL_BUILDER_ID
    assert run["metadata"] == {"startedOn": "2023-11-14T22:15:00Z", "finishedOn": "2023-11-14T22:16:40Z"}


def test_provenance_names_the_github_workflow_as_builder(tmp_path: Path) -> None:
    environ = {
        "GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
        "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/release.yml@refs/tags/v1.2.0", "GITHUB_REF": "refs/tags/v1.2.0",
        "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "2",
    }
    statement = provenance.build(inputs_for(tmp_path, environ=environ))
    run = statement["predicate"]["runDetails"]
    assert run["builder"]["id"] == "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.0"
    assert run["metadata"]["invocationId"] == "https://github.com/o/r/actions/runs/42/attempts/2"
    dependency = statement["predicate"]["buildDefinition"]["resolvedDependencies"][0]
    assert dependency["uri"] == "git+https://github.com/o/r@refs/tags/v1.2.0"


def test_artifact_selection_writes_only_what_was_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    written = write_artifacts(out, inputs_for(tmp_path, kinds=("sbom",)), "dist")
    assert written.files == ["demo_pkg-1.2.0.cdx.json"]
    assert sorted(p.name for p in out.iterdir()) == ["demo_pkg-1.2.0.cdx.json"]
    assert "subject-checksums" not in written.outputs
    assert write_artifacts(out, inputs_for(tmp_path, kinds=()), "dist").files == []


def test_a_disk_error_while_writing_is_an_environment_problem(tmp_path: Path) -> None:
    from deploypack.core.errors import EnvironmentProblem

    inputs = inputs_for(tmp_path)
    with pytest.raises(EnvironmentProblem) as raised:
        write_artifacts(tmp_path / "does-not-exist", inputs, "dist")
    assert raised.value.exit_code == 4 and "SHA256SUMS" in raised.value.message


@pytest.mark.parametrize(("layer", "expected"), [
    ({"DEPLOYPACK_ARTIFACTS": "sums,manifest"}, ("sums", "manifest")),
    ({"DEPLOYPACK_ARTIFACTS": "none"}, ()),
    ({"DEPLOYPACK_ARTIFACTS": "all"}, ("sums", "manifest", "sbom", "provenance")),
    ({}, ("sums", "manifest", "sbom", "provenance")),
])
def test_the_artifact_kinds_come_from_the_option_cascade(tmp_path: Path, layer: dict, expected: tuple) -> None:
    from deploypack.config.options import resolve

    (tmp_path / "pyproject.toml").write_text('[tool.deploypack]\nreproducible = true\n')
    options = resolve(tmp_path, {}, layer)
    assert options.artifacts == expected and options.reproducible is True
    assert resolve(tmp_path, {"artifacts": "sbom"}, layer).artifacts == ("sbom",)  # the command line wins
