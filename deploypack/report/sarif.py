"""The findings as a SARIF 2.1.0 log, for GitHub code scanning (`--sarif FILE`, input `sarif`).

Every rule of the registry is described (what, why, how to fix), so code scanning can show
the documentation beside an alert. Locations are relative to the repository root (the project
may sit in a sub-directory); a finding about archive contents, which has no source file, is
placed on the project's build configuration and names the archive member as a logical location.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from deploypack import __version__
from deploypack.core.findings import Finding
from deploypack.core.rules import Rule
from deploypack.report.github import repository_path
from deploypack.report.model import Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/deploypack/deploypack"
SOURCE_ROOT = "%SRCROOT%"
_CONFIG_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


def _text(value: str) -> str:
    """Valid UTF-8 whatever the project put in a name or message (lone surrogates become `?`)."""
    return value.encode("utf-8", "replace").decode("utf-8")


def rule_descriptor(declared: Rule) -> dict[str, Any]:
    return {
        "id": declared.code,
        "name": declared.name,
        "shortDescription": {"text": declared.summary},
        "fullDescription": {"text": declared.why},
        "help": {
            "text": f"{declared.why}\n\nHow to fix: {declared.fix}",
            "markdown": f"{declared.why}\n\n**How to fix:** {declared.fix}\n\n"
                        f"`deploypack explain {declared.code}` says more.",
        },
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/checks.md#{declared.code.lower()}",
        "defaultConfiguration": {"level": declared.severity.value},
        "properties": {"tags": ["packaging"]},
    }


def _fallback_file(project_dir: Path | None) -> str | None:
    if project_dir is None:
        return None
    return next((name for name in _CONFIG_FILES if (project_dir / name).is_file()), None)


def result(finding: Finding, rule_index: int | None, prefix: str, fallback: str | None) -> dict[str, Any]:
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "level": finding.severity.value,
        "message": {"text": _text(message) or finding.code},
    }
    if rule_index is not None:
        entry["ruleIndex"] = rule_index
    location: dict[str, Any] = {}
    file = repository_path(finding.file or fallback, prefix)
    if file:
        uri = urllib.parse.quote(_text(file), safe="/")  # a URI reference: spaces, `%`, `#` encoded
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SOURCE_ROOT}}
        if finding.file and finding.line and finding.line > 0:
            region: dict[str, Any] = {"startLine": finding.line}
            if finding.column and finding.column > 0:
                region["startColumn"] = finding.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if finding.artifact:
        name = finding.member or finding.artifact
        qualified = finding.artifact + (f"!{finding.member}" if finding.member else "")
        location["logicalLocations"] = [{"name": _text(name), "fullyQualifiedName": _text(qualified),
                                         "kind": "member" if finding.member else "module"}]
    if location:
        entry["locations"] = [location]
    return entry


def repository_root(project_dir: Path, prefix: str) -> Path:
    """The repository's root: `prefix` (the project's path inside it) climbed up from the project."""
    depth = len([part for part in PurePosixPath(prefix).parts if part not in ("", ".")])
    resolved = project_dir.resolve()
    return resolved.parents[depth - 1] if depth else resolved


def to_sarif(report: Report, rules: Mapping[str, Rule], prefix: str = "", project_dir: Path | None = None,
             ) -> dict[str, Any]:
    """The SARIF log of one run; `rules` the catalogue, `prefix` the project's path inside the repository."""
    descriptors = [rule_descriptor(declared) for declared in rules.values()]
    index = {code: position for position, code in enumerate(rules)}
    fallback = _fallback_file(project_dir)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "deploypack", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI, "rules": descriptors,
        }},
        "results": [result(f, index.get(f.code), prefix, fallback) for f in report.sorted_findings()],
        "invocations": [{
            "executionSuccessful": report.error is None,
            "exitCode": report.exit_code,
            **({"toolExecutionNotifications": [{"level": "error", "message": {"text": _text(report.error)}}]}
               if report.error else {}),
        }],
        "columnKind": "unicodeCodePoints",
    }
    if project_dir is not None:
        root = repository_root(project_dir, prefix)
        run["originalUriBaseIds"] = {SOURCE_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report, rules: Mapping[str, Rule], prefix: str = "", project_dir: Path | None = None) -> str:
    return json.dumps(to_sarif(report, rules, prefix, project_dir), indent=2, ensure_ascii=False) + "\n"

