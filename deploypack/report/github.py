"""GitHub Actions: annotations on the right file and line, job outputs, a step summary.

The runner shows only ten annotations of each level per step, so the most important come
first and a notice says how many were left out; every finding is in the step summary and
the JSON report. Anything the project controls is escaped, or printed inside a
stop-commands block, so it cannot act as a workflow command.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TextIO

from deploypack.core.findings import Finding, Severity
from deploypack.report import actions_core, overview_md
from deploypack.report import changes as changes_text
from deploypack.report import text as text_reporter
from deploypack.report.model import Report

ANNOTATIONS_PER_LEVEL = 10
SUMMARY_LIMIT = 1024 * 1024 - 4096  # the runner refuses a step summary above 1 MiB
LOG_RESERVE = 128 * 1024  # kept for the build log's end when the overview is long
OUTPUTS_LIMIT = 1000 * 1000 - 16 * 1024  # the runner's 1 MB for outputs, with room for the delimiters
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def repository_path(file: str | None, prefix: str) -> str | None:
    """A project-relative path as the repository sees it (the project may be in a sub-directory)."""
    if not file:
        return None
    return str(PurePosixPath(prefix) / file) if prefix not in ("", ".") else file


def annotation_lines(report: Report, prefix: str) -> tuple[list[str], dict[str, int]]:
    """The annotation commands, most important first, and how many of each level were left out.

    Notices share their budget of ten with the one notice saying what was left out.
    """
    by_level = {severity: [f for f in report.sorted_findings() if f.severity == severity] for severity in Severity}
    left_out = {s.value: max(0, len(found) - ANNOTATIONS_PER_LEVEL) for s, found in by_level.items()}
    if any(left_out.values()) and len(by_level[Severity.NOTE]) >= ANNOTATIONS_PER_LEVEL:
        left_out[Severity.NOTE.value] = len(by_level[Severity.NOTE]) - (ANNOTATIONS_PER_LEVEL - 1)
    lines = []
    for severity, found in by_level.items():
        for finding in found[: len(found) - left_out[severity.value]]:
            lines.append(_annotation(finding, prefix))
    if any(left_out.values()):
        lines.append(actions_core.annotation("notice", left_out_message(left_out), title="deploypack"))
    return lines, left_out


def left_out_message(left_out: Mapping[str, int]) -> str:
    counts = ", ".join(f"{count} {level}{'s' if count > 1 else ''}" for level, count in left_out.items() if count)
    return (f"{counts} not annotated (the runner shows ten annotations of each level per step): "
            "every finding is in the step summary and the JSON report.")


def _annotation(finding: Finding, prefix: str) -> str:
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    if not finding.file and finding.artifact:
        message = f"[{finding.artifact}{'!' + finding.member if finding.member else ''}] {message}"
    return actions_core.annotation(
        _LEVEL[finding.severity], message, title=finding.code,
        file=repository_path(finding.file, prefix), line=finding.line, end_line=finding.line, col=finding.column,
    )


def outputs(report: Report, report_path: str | None = None, sarif_path: str | None = None) -> dict[str, str]:
    """The step's outputs; paths are relative to the workspace, so they hold inside and outside the container."""
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
        "report": report_path or "",
        "sarif": sarif_path or "",
        "manifest": "",
        "sha256": "\n".join(f"{a.sha256}  {a.filename}" for a in report.artifacts),
        "subjects": "\n".join(a.path for a in report.artifacts),
        "findings": json.dumps(report.counts(), sort_keys=True),
    }
    values.update(report.extra_outputs)
    return fit_outputs(values)


def fit_outputs(values: Mapping[str, str], limit: int = OUTPUTS_LIMIT) -> dict[str, str]:
    """Keep the outputs under the runner's limit: cut the longest values first, saying so."""
    fitted = dict(values)
    marker = "\n(cut: over the runner's output limit; see the JSON report)"
    while sum(len(k.encode()) + len(v.encode()) for k, v in fitted.items()) > limit:
        longest = max(fitted, key=lambda key: len(fitted[key].encode()))
        excess = sum(len(k.encode()) + len(v.encode()) for k, v in fitted.items()) - limit
        keep = max(0, len(fitted[longest].encode()) - excess - len(marker.encode()) - 8)
        fitted[longest] = fitted[longest].encode()[:keep].decode("utf-8", "ignore") + marker
    return fitted


def _cell(text: str) -> str:
    """Untrusted text inside a Markdown table cell: no HTML, no table breaks, no newlines."""
    return html.escape(text_reporter.sanitise(text)).replace("|", "&#124;").replace("\n", "<br>")


_MARKDOWN = str.maketrans({char: f"&#{ord(char)};" for char in "*_`[]~\\"})


def _inline(text: str) -> str:
    """Untrusted text in a Markdown paragraph: `>=3.9,!=3.10.*` must not turn into emphasis."""
    return _cell(text).translate(_MARKDOWN)


def _link(finding: Finding, prefix: str, environ: Mapping[str, str]) -> str:
    place = text_reporter.location(finding)
    path = repository_path(finding.file, prefix)
    server, repository, sha = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if path and server and repository and sha:
        anchor = f"#L{finding.line}" if finding.line else ""
        url = f"{server}/{repository}/blob/{sha}/{urllib.parse.quote(path)}{anchor}"
        return f'<a href="{html.escape(url, quote=True)}">{_cell(place)}</a>'
    return f"<code>{_cell(place)}</code>"


def summary(report: Report, prefix: str, environ: Mapping[str, str], log_text: str | None = None) -> str:
    name = f"{report.project_name or '?'} {report.project_version or ''}".strip()
    counts = report.counts()
    verdict = "✅ fit to publish" if report.ok else "❌ not fit to publish"
    tally = " · ".join(text_reporter.plural(counts[level], level) for level in ("error", "warning", "note"))
    parts = [f"## deploypack: {_cell(name)}: {verdict}\n", f"{tally} · exit code {report.exit_code}\n"]
    if report.error:
        parts.append(f"\n> {_cell(report.error)}\n")
    if report.artifacts:
        parts.append("\n### Artifacts\n\n| file | kind | size | sha256 |\n|---|---|---:|---|\n")
        for artifact in report.artifacts:
            parts.append(f"| <code>{_cell(artifact.filename)}</code> | {artifact.kind} | {artifact.size:,} bytes "
                         f"| <code>{artifact.sha256}</code> |\n")
    if report.changes is not None:
        parts.append(f"\n### {_cell(changes_text.heading(report.changes))}\n\n")
        parts += [f"- {_inline(line)}\n" for line in changes_text.lines(report.changes)]
    for severity in Severity:
        of_level = [f for f in report.sorted_findings() if f.severity == severity]
        if not of_level:
            continue
        parts.append(f"\n### {severity.value.capitalize()}s ({len(of_level)})\n\n"
                     "| code | where | message |\n|---|---|---|\n")
        for finding in of_level:
            message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
            parts.append(f"| `{finding.code}` | {_link(finding, prefix, environ)} | {_cell(message)} |\n")
    page = "".join(parts)
    page += overview_md.sections(report.overview, SUMMARY_LIMIT - len(page.encode()) - LOG_RESERVE)
    if log_text:
        page += _log_details(log_text, SUMMARY_LIMIT - len(page.encode()) - 512)
    if len(page.encode()) > SUMMARY_LIMIT:
        cut = page.encode()[:SUMMARY_LIMIT - 200].decode("utf-8", "ignore")
        page = cut[: cut.rfind("\n") + 1] + "\n_(summary cut at the runner's limit; the JSON report has everything)_\n"
    return page


def _log_details(log_text: str, room: int) -> str:
    """The end of the build log, folded; escaping at most quintuples a character (`&` → `&amp;`)."""
    if room <= 0:
        return ""
    tail = log_text[-(room // 5):] if len(log_text.encode()) * 5 > room else log_text
    cut = " (its end)" if len(tail) < len(log_text) else ""
    return (f"\n<details><summary>Build log{cut}</summary>\n\n<pre>{html.escape(tail, quote=False)}</pre>\n\n"
            "</details>\n")


def emit(report: Report, stream: TextIO, environ: Mapping[str, str], prefix: str, log_text: str | None,
         report_path: str | None = None, sarif_path: str | None = None) -> None:
    """Everything the github format does: annotations, the readable report, outputs, summary."""
    lines, left_out = annotation_lines(report, prefix)
    for line in lines:
        stream.write(line + "\n")
    if any(left_out.values()):
        stream.write(f"deploypack: {left_out_message(left_out)}\n")
    actions_core.write_untrusted(stream, text_reporter.render(report, colour=False))
    actions_core.append_file_command("GITHUB_OUTPUT", outputs(report, report_path, sarif_path), environ)
    actions_core.append_summary(summary(report, prefix, environ, log_text), environ)
