"""The result of a run, as one value every reporter renders, and its JSON form.

The JSON form is a public, versioned schema (`deploypack/schemas/report.schema.json`,
documented in docs/report.md): fields are only ever added within a major version.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deploypack.core.findings import Finding, Severity, count_by_severity

SCHEMA = "deploypack-report/1"


@dataclasses.dataclass(frozen=True)
class Artifact:
    path: str  # as the user would type it: relative to the working directory when inside it
    kind: str  # "sdist" | "wheel"
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return Path(self.path).name


@dataclasses.dataclass(frozen=True)
class Overview:
    """What the step summary shows besides the findings: what a person would download the dists to see."""

    metadata: Sequence[tuple[str, str]]  # (field, value), in the order shown
    contents: Mapping[str, Sequence[tuple[str, int]]]  # archive file name -> (member path, size) of its files
    readme: tuple[str, str] | None  # (content type, text) of the long description
    python_versions: Sequence[str]


@dataclasses.dataclass(frozen=True)
class Report:
    ok: bool
    exit_code: int
    project_name: str | None
    project_version: str | None
    project_path: str
    artifacts: Sequence[Artifact]
    findings: Sequence[Finding]
    timings: Mapping[str, float]
    outdir: str | None = None
    log_path: str | None = None
    error: str | None = None  # why the run stopped, when it did not get to the end
    extra_outputs: Mapping[str, str] = dataclasses.field(default_factory=dict)
    gate: Mapping[str, Any] | None = None  # the release gate's verdict, when --gate ran
    changes: Mapping[str, Any] | None = None  # what changed since the last release (gate/release_diff.py)
    overview: Overview | None = None  # metadata, contents and README of the dists read

    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def artifact(self, kind: str) -> Artifact | None:
        return next((artifact for artifact in self.artifacts if artifact.kind == kind), None)


def verdict(findings: Sequence[Finding], strict: bool) -> tuple[bool, int]:
    """Fit to publish unless an error (or, with --strict, a warning) was found."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    ok = not any(finding.severity in failing for finding in findings)
    return ok, 0 if ok else 1


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "artifact": finding.artifact,
        "member": finding.member,
        "hint": finding.hint,
    }


def to_json(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "ok": report.ok,
        "exit_code": report.exit_code,
        "error": report.error,
        "project": {"name": report.project_name, "version": report.project_version, "path": report.project_path},
        "artifacts": [dataclasses.asdict(artifact) for artifact in report.artifacts],
        "findings": [finding_to_json(finding) for finding in report.sorted_findings()],
        "summary": report.counts(),
        "timings": {key: round(value, 3) for key, value in report.timings.items()},
        "log": report.log_path,
    }
    if report.gate is not None:
        data["gate"] = dict(report.gate)
    if report.changes is not None:
        data["changes"] = dict(report.changes)
    return data


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
