"""The SARIF 2.1.0 log of the findings, validated against the OASIS schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deploypack.catalogue import all_rules
from deploypack.core.findings import Finding, Severity
from deploypack.report import sarif
from deploypack.report.model import Artifact, Report
from tests.conftest import SCHEMAS, run_cli

SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def to_sarif(report, *args, **kwargs):
    return sarif.to_sarif(report, all_rules(), *args, **kwargs)


def render(report, *args, **kwargs):
    return sarif.render(report, all_rules(), *args, **kwargs)


def make_report(findings: list[Finding], error: str | None = None) -> Report:
    return Report(ok=not findings, exit_code=1 if findings else 0, project_name="demo", project_version="1.0",
                  project_path="demo", artifacts=[Artifact("dist/demo-1.0.tar.gz", "sdist", 10, "00" * 32)],
                  findings=findings, timings={}, error=error)


def validate(log: dict) -> None:
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_findings_become_valid_results_with_repository_paths(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    some_code = next(iter(all_rules()))
    findings = [
        Finding(some_code, Severity.ERROR, "broken", file="pyproject.toml", line=3, column=9, hint="fix it"),
        Finding("W999", Severity.WARNING, "unregistered code", artifact="demo.whl", member="demo/x.pyc"),
        Finding(some_code, Severity.NOTE, "no place at all"),
    ]
    log = to_sarif(make_report(findings), prefix="sub/demo", project_dir=tmp_path)
    validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(all_rules())
    first, second, third = run["results"]
    assert first["level"] == "error" and first["message"]["text"] == "broken\nfix it"
    assert rules[first["ruleIndex"]]["id"] == some_code
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "sub/demo/pyproject.toml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "startColumn": 9}
    # a finding inside an archive: placed on the build configuration, the member named logically
    assert "ruleIndex" not in second
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/demo/pyproject.toml"
    assert "region" not in second["locations"][0]["physicalLocation"]
    assert second["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "demo.whl!demo/x.pyc"
    assert third["level"] == "note"
    spaced = to_sarif(make_report([Finding("M001", Severity.NOTE, "m", file="docs/a b%#.rst")]))
    assert spaced["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "docs/a%20b%25%23.rst"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().parents[1].as_uri() + "/"


def test_every_rule_is_documented_for_code_scanning() -> None:
    log = to_sarif(make_report([]))
    validate(log)
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_a_run_that_stopped_says_so() -> None:
    log = to_sarif(make_report([], error="the build failed"))
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "the build failed"


TEXT = st.text(alphabet=st.characters(), max_size=60)  # includes lone surrogates and control characters


@settings(max_examples=80, deadline=None)
@given(message=TEXT, file=st.one_of(st.none(), TEXT.filter(bool)), member=st.one_of(st.none(), TEXT),
       line=st.one_of(st.none(), st.integers(-3, 10**6)), column=st.one_of(st.none(), st.integers(-3, 500)))
def test_any_finding_text_yields_valid_sarif(message: str, file: str | None, member: str | None,
                                             line: int | None, column: int | None) -> None:
    finding = Finding("M001", Severity.WARNING, message, file=file, line=line, column=column,
                      artifact="demo.whl" if member is not None else None, member=member)
    text = render(make_report([finding]), prefix="p")
    text.encode("utf-8")  # writable as UTF-8
    validate(json.loads(text))


@pytest.mark.integration
def test_build_writes_the_sarif_file(project, tmp_path: Path) -> None:
    tree = project("pep621-setuptools")
    target = tmp_path / "out" / "findings.sarif"
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "dist"), "--sarif", str(target)])
    assert run.exit_code in (0, 1), run.stderr
    log = json.loads(target.read_text(encoding="utf-8"))
    validate(log)
    assert len(log["runs"][0]["results"]) == len(json.loads(
        run_cli(["build", str(tree), "--outdir", str(tmp_path / "dist2"), "--format", "json"]).stdout)["findings"])
