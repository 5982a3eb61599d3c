"""Readable terminal output: findings grouped per artifact, one line each, then a verdict."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from deploypack.core.findings import Finding, Severity
from deploypack.report import changes as changes_text
from deploypack.report.model import Report

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"
# Report.extra_outputs keys naming the deployment files written beside the distributions.
_DEPLOYMENT_FILES = ("subject-checksums", "manifest", "sbom", "provenance")
_BOLD = "\033[1m"


def use_colour(is_tty: bool, environ: Mapping[str, str]) -> bool:
    if environ.get("NO_COLOR"):
        return False
    return bool(environ.get("FORCE_COLOR")) or (is_tty and environ.get("TERM") != "dumb")


def sanitise(text: str) -> str:
    """Project-controlled text must not drive the terminal: drop control characters but newlines."""
    return "".join(ch if ch == "\n" or ch == "\t" or (ch.isprintable()) else "?" for ch in text)


def location(finding: Finding) -> str:
    if finding.file:
        place = finding.file
        if finding.line:
            place += f":{finding.line}"
            if finding.column:
                place += f":{finding.column}"
        return place
    if finding.artifact:
        return finding.artifact + (f"!{finding.member}" if finding.member else "")
    return "(project)"


def format_finding(finding: Finding, colour: bool) -> str:
    label = finding.severity.value
    if colour:
        label = f"{_COLOURS[finding.severity]}{label}{_RESET}"
    message = sanitise(finding.message).replace("\n", "\n    ")
    text = f"{location(finding)}: {finding.code} {label}: {message}"
    if finding.hint:
        hint = sanitise(finding.hint).replace("\n", "\n      ")
        text += f"\n    = {hint}"
    return text


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: Report, colour: bool = False) -> str:
    lines: list[str] = []
    name = f"{report.project_name or '?'} {report.project_version or ''}".strip()
    for artifact in report.artifacts:
        lines.append(f"{artifact.kind:5}  {artifact.path}  ({artifact.size:,} bytes, sha256 {artifact.sha256[:16]}…)")
    written = [report.extra_outputs[key] for key in _DEPLOYMENT_FILES if report.extra_outputs.get(key)]
    if written:
        lines.append("also   " + "  ".join(sanitise(path) for path in written))
    if report.artifacts:
        lines.append("")
    findings = sorted(report.findings, key=lambda f: (f.artifact or "", f.sort_key()))
    for artifact, group in itertools.groupby(findings, key=lambda f: f.artifact):
        heading = artifact or "project"
        lines.append(f"{_BOLD}{heading}{_RESET}" if colour else heading)
        for finding in group:
            lines.append("  " + format_finding(finding, colour).replace("\n", "\n  "))
        lines.append("")
    if report.changes is not None:
        lines.append(changes_text.heading(report.changes) + ":")
        lines += [f"  {sanitise(line)}" for line in changes_text.lines(report.changes)]
        lines.append("")
    counts = report.counts()
    tally = ", ".join(plural(counts[level], level) for level in ("error", "warning", "note"))
    if report.error:
        lines.append(f"error: {sanitise(report.error)}")
    verdict = "fit to publish" if report.ok else "NOT fit to publish"
    if colour:
        verdict = f"{_COLOURS[Severity.NOTE] if report.ok else _COLOURS[Severity.ERROR]}{verdict}{_RESET}"
    lines.append(f"deploypack: {name}: {tally}: {verdict} (exit {report.exit_code})")
    if report.log_path:
        lines.append(f"build log: {report.log_path}")
    return "\n".join(lines) + "\n"
