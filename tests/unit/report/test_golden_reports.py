"""Golden tests: one fixed report rendered in each format, compared with the files kept in
tests/data/golden. Regenerate them after an intended change with DEPLOYPACK_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest

from deploypack.core.findings import Finding, Severity
from deploypack.report import text
from deploypack.report.model import Artifact, Report, render_json
from tests.conftest import REPO, SCHEMAS

GOLDEN = REPO / "tests" / "data" / "golden"


def sample_report() -> Report:
    return Report(
        ok=False,
        exit_code=1,
        project_name="demo",
        project_version="1.2.0",
        project_path="proj",
        artifacts=[
            Artifact("dist/demo-1.2.0.tar.gz", "sdist", 2048, "a" * 64),
            Artifact("dist/demo-1.2.0-py3-none-any.whl", "wheel", 1024, "b" * 64),
        ],
        findings=[
            Finding("M005", Severity.ERROR, "unknown classifier 'Programming Language :: Pyhton'",
                    file="pyproject.toml", line=12, column=6, artifact="demo-1.2.0.tar.gz",
                    hint="Did you mean 'Programming Language :: Python'?"),
            Finding("M004", Severity.WARNING, "Description-Content-Type is missing",
                    artifact="demo-1.2.0-py3-none-any.whl", file="README.md"),
            Finding("C001", Severity.NOTE, "a note with ::error::text and a newline\nsecond line",
                    artifact="demo-1.2.0-py3-none-any.whl", member="demo/data.bin"),
        ],
        timings={"sdist": 1.25, "wheel": 0.5, "total": 2.0},
        outdir="dist",
        log_path="dist/deploypack-build.log",
        extra_outputs={"subject-checksums": "dist/SHA256SUMS", "manifest": "dist/manifest.json"},
    )


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DEPLOYPACK_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with DEPLOYPACK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_text_golden() -> None:
    check_golden("report.txt", text.render(sample_report(), colour=False))


def test_text_colour_only_when_asked() -> None:
    plain = text.render(sample_report(), colour=False)
    coloured = text.render(sample_report(), colour=True)
    assert "\033[" not in plain and "\033[31m" in coloured


@pytest.mark.parametrize(("tty", "environ", "expected"), [
    (True, {}, True), (False, {}, False), (True, {"NO_COLOR": "1"}, False), (False, {"FORCE_COLOR": "1"}, True),
])
def test_colour_decision(tty: bool, environ: dict, expected: bool) -> None:
    assert text.use_colour(tty, environ) is expected


def test_json_golden_and_schema() -> None:
    rendered = render_json(sample_report())
    check_golden("report.json", rendered)
    jsonschema.validate(json.loads(rendered), json.loads((SCHEMAS / "report.schema.json").read_text()))


def test_json_orders_findings_by_importance() -> None:
    codes = [f["code"] for f in json.loads(render_json(sample_report()))["findings"]]
    assert codes == ["M005", "M004", "C001"]


def test_terminal_control_characters_are_neutralised() -> None:
    report = sample_report()
    hostile = Finding("C002", Severity.ERROR, "bad \x1b[2J\x1b]0;title\x07 name", file="x")
    rendered = text.render(Report(**{**report.__dict__, "findings": [hostile]}), colour=False)
    assert "\x1b" not in rendered and "\x07" not in rendered


def test_github_golden_annotations_outputs_and_summary() -> None:
    from deploypack.report import github

    report = sample_report()
    annotations, _left_out = github.annotation_lines(report, "packages/demo")
    environ = {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "org/demo", "GITHUB_SHA": "abc123"}
    outputs = github.outputs(report, report_path="report.json")
    rendered = "\n".join(annotations) + "\n--- outputs\n" + json.dumps(outputs, indent=1, sort_keys=True) + \
        "\n--- summary\n" + github.summary(report, "packages/demo", environ, log_text="line one\n::error::x\n")
    check_golden("report.github.txt", rendered)
