"""The github format: annotations, outputs and step summary as the runner reads them."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from deploypack.core.findings import Finding, Severity
from deploypack.report import github
from deploypack.report.model import Artifact, Report
from tests.runner_emulator import Runner, parse_file_command

SHA = "ab" * 32


def make_report(findings: list[Finding], ok: bool = False, error: str | None = None) -> Report:
    return Report(
        ok=ok, exit_code=0 if ok else 1, project_name="demo", project_version="1.2.3", project_path="sub/demo",
        artifacts=[Artifact("sub/demo/dist/demo-1.2.3.tar.gz", "sdist", 2048, SHA),
                   Artifact("sub/demo/dist/demo-1.2.3-py3-none-any.whl", "wheel", 1024, "cd" * 32)],
        findings=findings, timings={"total": 1.0}, outdir="sub/demo/dist", log_path=None, error=error,
    )


def findings_of(severity: Severity, count: int, code: str) -> list[Finding]:
    return [Finding(code, severity, f"{severity.value} {i}", file="pyproject.toml", line=i + 1, column=2)
            for i in range(count)]


def emit(report: Report, tmp_path: Path, environ: dict[str, str] | None = None, log: str | None = None,
         prefix: str = "sub/demo") -> tuple[Runner, dict[str, str], str]:
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), **(environ or {})}
    stream = io.StringIO()
    github.emit(report, stream, env, prefix, log, report_path="report.json")
    return Runner().feed(stream.getvalue()), parse_file_command(output.read_text()), summary.read_text()


def test_annotations_point_at_the_repository_path_with_line_col_and_code(tmp_path: Path) -> None:
    finding = Finding("M005", Severity.ERROR, "bad classifier", file="pyproject.toml", line=7, column=5)
    runner, _, _ = emit(make_report([finding]), tmp_path)
    [annotation] = runner.annotations
    assert annotation.name == "error"
    assert annotation.properties == {"file": "sub/demo/pyproject.toml", "line": "7", "endline": "7", "col": "5",
                                     "title": "M005"}
    assert annotation.data.startswith("bad classifier")


def test_ten_per_level_most_important_first_and_a_line_for_the_rest(tmp_path: Path) -> None:
    findings = (findings_of(Severity.NOTE, 15, "N001") + findings_of(Severity.ERROR, 25, "E001")
                + findings_of(Severity.WARNING, 12, "W001"))
    runner, _, _ = emit(make_report(findings), tmp_path)
    levels = [a.name for a in runner.annotations]
    assert levels.count("error") == 10 and levels.count("warning") == 10 and levels.count("notice") == 10
    assert levels[:10] == ["error"] * 10  # errors come first
    left_out = [a for a in runner.annotations if a.properties.get("title") == "deploypack"]
    assert len(left_out) == 1
    assert "15 errors, 2 warnings, 6 notes not annotated" in left_out[0].data
    assert any("15 errors, 2 warnings, 6 notes not annotated" in line for line in runner.output)
    assert [a.data for a in runner.annotations if a.name == "error"][0] .startswith("error 0")


def test_no_left_out_line_when_everything_fits(tmp_path: Path) -> None:
    runner, _, _ = emit(make_report(findings_of(Severity.NOTE, 10, "N001")), tmp_path)
    assert len(runner.annotations) == 10
    assert all(a.properties["title"] == "N001" for a in runner.annotations)


def test_a_finding_inside_an_archive_names_the_member(tmp_path: Path) -> None:
    finding = Finding("W002", Severity.WARNING, "stray file", artifact="demo.whl", member="demo/x.pyc")
    runner, _, _ = emit(make_report([finding]), tmp_path)
    [annotation] = runner.annotations
    assert "file" not in annotation.properties
    assert annotation.data.startswith("[demo.whl!demo/x.pyc] stray file")


def test_outputs_are_all_there_in_the_multiline_form(tmp_path: Path) -> None:
    stream = io.StringIO()
    report = make_report([], ok=True)
    output = tmp_path / "output"
    github.emit(report, stream, {"GITHUB_OUTPUT": str(output)}, "", None, report_path="r.json")
    text = output.read_text()
    values = parse_file_command(text)
    for name in ("ok", "exit-code", "name", "version", "sdist", "wheel", "dist-dir", "report", "manifest",
                 "sha256", "subjects", "findings"):
        assert name in values
    assert values["ok"] == "true" and values["exit-code"] == "0" and values["report"] == "r.json"
    assert values["sha256"].splitlines() == [f"{SHA}  demo-1.2.3.tar.gz", f"{'cd' * 32}  demo-1.2.3-py3-none-any.whl"]
    assert values["subjects"].splitlines() == ["sub/demo/dist/demo-1.2.3.tar.gz",
                                               "sub/demo/dist/demo-1.2.3-py3-none-any.whl"]
    assert json.loads(values["findings"]) == {"error": 0, "warning": 0, "note": 0}
    delimiters = re.findall(r"^[\w-]+<<(.+)$", text, flags=re.M)
    assert len(delimiters) == len(values) and len(set(delimiters)) == len(delimiters)
    assert all(len(d) > 32 for d in delimiters)


def test_outputs_stay_under_the_runners_limit() -> None:
    fitted = github.fit_outputs({"small": "x", "huge": "y" * 3_000_000, "big": "z" * 600_000})
    total = sum(len(k.encode()) + len(v.encode()) for k, v in fitted.items())
    assert total <= github.OUTPUTS_LIMIT
    assert fitted["small"] == "x" and "cut" in fitted["huge"]


def test_summary_verdict_first_artifacts_findings_links_and_log(tmp_path: Path) -> None:
    findings = [
        Finding("M005", Severity.ERROR, "unknown classifier <script>", file="pyproject.toml", line=12),
        Finding("W002", Severity.WARNING, "stray | pipe", artifact="demo.whl", member="x.pyc"),
        Finding("N001", Severity.NOTE, "a note", file="setup.py"),
    ]
    environ = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "f00"}
    _, _, summary = emit(make_report(findings), tmp_path, environ, log="line 1\n</pre><b>x</b>\n")
    lines = summary.splitlines()
    assert "not fit to publish" in lines[0] and lines[0].startswith("## ")
    assert summary.index("### Artifacts") < summary.index("### Errors (1)") < summary.index("### Warnings (1)") \
        < summary.index("### Notes (1)")
    assert "2,048 bytes" in summary and SHA in summary
    assert 'href="https://github.com/o/r/blob/f00/sub/demo/pyproject.toml#L12"' in summary
    assert 'href="https://github.com/o/r/blob/f00/sub/demo/setup.py"' in summary
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    assert "stray &#124; pipe" in summary
    assert "<details><summary>Build log</summary>" in summary
    assert "&lt;/pre&gt;&lt;b&gt;" in summary


def test_summary_stays_under_one_mib_with_a_huge_log_and_many_findings(tmp_path: Path) -> None:
    findings = findings_of(Severity.WARNING, 3000, "W001")
    _, _, summary = emit(make_report(findings), tmp_path, log="&<>" * 2_000_000)
    assert len(summary.encode()) <= 1024 * 1024
    assert "### Warnings (3000)" in summary
    assert "Build log (its end)" in summary
    assert summary.count("<details>") == summary.count("</details>") == 1


def test_summary_cut_when_findings_alone_exceed_the_limit(tmp_path: Path) -> None:
    findings = [Finding("W001", Severity.WARNING, "m" * 2000, file="a.py", line=i) for i in range(1, 800)]
    _, _, summary = emit(make_report(findings), tmp_path)
    assert len(summary.encode()) <= 1024 * 1024
    assert summary.rstrip().endswith("the JSON report has everything)_")


def test_the_readable_report_is_printed_inert(tmp_path: Path) -> None:
    finding = Finding("M005", Severity.ERROR, "x\n::set-output name=ok::true\r##[add-mask]y", file="setup.py")
    runner, values, _ = emit(make_report([finding]), tmp_path)
    assert {c.name for c in runner.effective()} == {"error"}
    assert values["ok"] == "false"
    assert runner.stop_token is None


def test_the_prefix_is_the_projects_path_in_its_git_repository(tmp_path: Path) -> None:
    """Checked out below the workspace (actions/checkout `path:`): paths are relative to the repository."""
    from deploypack.cli.common import repository_prefix
    from tests.conftest import git_init

    repository = tmp_path / "workspace" / "checkout"
    project = repository / "packages" / "demo"
    project.mkdir(parents=True)
    (project / "setup.py").write_text("")
    environ = {"GITHUB_WORKSPACE": str(tmp_path / "workspace")}
    assert repository_prefix(project, environ) == "checkout/packages/demo"  # no git yet: the workspace
    git_init(repository)
    assert repository_prefix(project, environ) == "packages/demo"
    assert repository_prefix(repository, environ) == ""
