"""GitHub Actions: annotations on the right file and line, job outputs, a step summary.

The runner shows only ten annotations of each level per step, so the most important come
first and a notice says how many were left out; every finding is in the step summary and
the JSON report. Anything the project controls is escaped, or printed inside a
stop-commands block, so it cannot act as a workflow command.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TextIO

from deploypack import actions_core
from deploypack.findings import Finding, Severity
from deploypack.report import Report
from deploypack.reporters import text as text_reporter

ANNOTATIONS_PER_LEVEL = 10
SUMMARY_LIMIT = 1024 * 1024 - 4096  # the runner refuses a step summary above 1 MiB
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def repository_path(file: str | None, prefix: str) -> str | None:
    """A project-relative path as the repository sees it (the project may be in a sub-directory)."""
    if not file:
        return None
    return str(PurePosixPath(prefix) / file) if prefix not in ("", ".") else file


def annotations(report: Report, prefix: str) -> list[str]:
    lines = []
    for severity in Severity:
        of_level = [f for f in report.sorted_findings() if f.severity == severity]
        for finding in of_level[:ANNOTATIONS_PER_LEVEL]:
            message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
            if not finding.file and finding.artifact:
                message = f"[{finding.artifact}{'!' + finding.member if finding.member else ''}] {message}"
            lines.append(actions_core.annotation(
                _LEVEL[severity], message, title=f"{finding.code}",
                file=repository_path(finding.file, prefix), line=finding.line, col=finding.column,
            ))
        left_out = len(of_level) - ANNOTATIONS_PER_LEVEL
        if left_out > 0:
            lines.append(actions_core.annotation(
                "notice",
                f"{left_out} more {severity.value} finding{'s' if left_out > 1 else ''} not annotated "
                "(the runner shows ten per level): see the step summary or the JSON report.",
                title="deploypack",
            ))
    return lines


def outputs(report: Report) -> dict[str, str]:
    sdist = report.artifact("sdist")
    wheel = report.artifact("wheel")
    values = {
        "ok": "true" if report.ok else "false",
        "exit-code": str(report.exit_code),
        "name": report.project_name or "",
        "version": report.project_version or "",
        "sdist": sdist.path if sdist else "",
        "wheel": wheel.path if wheel else "",
        "dist-dir": report.outdir or "",
        "sha256": "\n".join(f"{a.sha256}  {a.filename}" for a in report.artifacts),
        "findings": json.dumps(report.counts(), sort_keys=True),
    }
    values.update(report.extra_outputs)
    return values


def _cell(text: str) -> str:
    """Untrusted text inside a Markdown table cell: no HTML, no table breaks, no newlines."""
    return html.escape(text_reporter.sanitise(text)).replace("|", "&#124;").replace("\n", "<br>")


def _link(finding: Finding, prefix: str, environ: Mapping[str, str]) -> str:
    place = text_reporter.location(finding)
    path = repository_path(finding.file, prefix)
    server, repository, sha = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if path and server and repository and sha:
        anchor = f"#L{finding.line}" if finding.line else ""
        return f'<a href="{html.escape(f"{server}/{repository}/blob/{sha}/{path}{anchor}", quote=True)}">{_cell(place)}</a>'
    return f"<code>{_cell(place)}</code>"


def summary(report: Report, prefix: str, environ: Mapping[str, str], log_text: str | None = None) -> str:
    name = f"{report.project_name or '?'} {report.project_version or ''}".strip()
    counts = report.counts()
    verdict = "✅ fit to publish" if report.ok else "❌ not fit to publish"
    parts = [f"## deploypack: {_cell(name)}: {verdict}\n",
             f"{counts['error']} errors · {counts['warning']} warnings · {counts['note']} notes · exit code {report.exit_code}\n"]
    if report.error:
        parts.append(f"\n> {_cell(report.error)}\n")
    if report.artifacts:
        parts.append("\n### Artifacts\n\n| file | kind | size | sha256 |\n|---|---|---:|---|\n")
        for artifact in report.artifacts:
            parts.append(f"| `{_cell(artifact.filename)}` | {artifact.kind} | {artifact.size:,} | `{artifact.sha256}` |\n")
    for severity in Severity:
        of_level = [f for f in report.sorted_findings() if f.severity == severity]
        if not of_level:
            continue
        parts.append(f"\n### {severity.value.capitalize()}s ({len(of_level)})\n\n| code | where | message |\n|---|---|---|\n")
        for finding in of_level:
            message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
            parts.append(f"| `{finding.code}` | {_link(finding, prefix, environ)} | {_cell(message)} |\n")
    page = "".join(parts)
    if log_text:
        room = SUMMARY_LIMIT - len(page.encode()) - 200
        log_tail = log_text[-max(0, room // 2):] if room > 0 else ""
        page += f"\n<details><summary>Build log</summary>\n\n<pre>{html.escape(log_tail)}</pre>\n\n</details>\n"
    if len(page.encode()) > SUMMARY_LIMIT:
        page = page.encode()[:SUMMARY_LIMIT].decode("utf-8", "ignore") + "\n\n_(summary cut at the runner's limit; the JSON report has everything)_\n"
    return page


def emit(report: Report, stream: TextIO, environ: Mapping[str, str], prefix: str, log_text: str | None) -> None:
    """Everything the github format does: annotations, the readable report, outputs, summary."""
    for line in annotations(report, prefix):
        stream.write(line + "\n")
    actions_core.write_untrusted(stream, text_reporter.render(report, colour=False))
    actions_core.append_file_command("GITHUB_OUTPUT", outputs(report), environ)
    actions_core.append_summary(summary(report, prefix, environ, log_text), environ)
