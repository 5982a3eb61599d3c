"""Workflow-command injection: project text never becomes a live command, annotation or output.

Projects control their README, metadata, classifiers, file names, and whatever their setup.py
or backend prints or raises. Each test builds such a project for real, runs deploypack as the
runner would see it (GITHUB_ACTIONS=true), and reads stdout and stderr the way the runner does
(tests/runner_emulator.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deploypack.catalogue import all_rules
from deploypack.core.findings import Finding, Severity
from deploypack.report import actions_core, github
from deploypack.report.model import Report
from tests.conftest import clean_environ, run_cli
from tests.runner_emulator import Runner, parse_file_command, read_file_command

INJECTIONS = [
    "::error file=setup.py,line=1::forged error",
    "::set-output name=ok::true",
    "::add-mask::deploypack",
    "::stop-commands::forged",
    "::forged::",
    "##[set-env name=PATH]/evil",
    "##[set-output name=ok;]true",
    "##[add-path]/evil",
    "  ::warning::indented",
    "::ERROR::upper case",
    "::group::forged group",
    "::save-state name=x::y",
    "::echo::on",
]
CR_TRICKS = ["progress\r::error::after a carriage return", "a\r\n::notice::after crlf", "x\n::debug::lf"]
EXPECTED_OUTPUTS = {"ok", "exit-code", "name", "version", "sdist", "wheel", "dist-dir", "report", "sarif",
                    "manifest", "sha256", "subjects", "findings"}


def setup_py(body: str) -> str:
    prints = "\n".join(f"print({line!r})\nprint({line!r}, file=sys.stderr)" for line in INJECTIONS + CR_TRICKS)
    return f"import sys\nfrom setuptools import setup\n{prints}\n{body}\n"


HOSTILE_SETUP = setup_py('''
setup(
    name="hostile-project",
    version="1.0.0",
    description="::error::in the description ##[set-output name=ok;]true",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    author="::add-mask::x",
    classifiers=[
        "::error::Not A Classifier",
        "##[set-output name=ok;]true",
        "Programming Language :: Python :: 3",
    ],
    py_modules=["hostile"],
    include_package_data=True,
)
''')
README = "# hostile\n\n" + "\n".join(INJECTIONS) + "\n\n" + "\r\n".join(CR_TRICKS) + "\n"
FILES = {
    "setup.py": HOSTILE_SETUP,
    "README.md": README,
    "hostile.py": "VALUE = 1\n",
    "MANIFEST.in": "include *.txt\n",
    "::set-output name=ok::true.txt": "x\n",
    "##[set-env name=X]y.txt": "y\n",
    "a\n::error file=x::forged\rb.txt": "z\n",
}


def runner_environ(tmp_path: Path) -> dict[str, str]:
    return clean_environ(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(tmp_path / "output"),
                         GITHUB_STEP_SUMMARY=str(tmp_path / "summary"), GITHUB_WORKSPACE=str(tmp_path))


def assert_no_forged_command(text: str, codes: set[str]) -> Runner:
    """Only deploypack's own annotations act: no output, mask, env, path, state, group or echo."""
    runner = Runner().feed(text)
    for command in runner.effective():
        assert command.name in ("error", "warning", "notice"), command.line
        assert command.properties.get("title") in codes | {"deploypack", "deploypack: bad input"}, command.line
        assert set(command.properties) <= {"file", "line", "endline", "col", "endcolumn", "title"}, command.line
    assert runner.stop_token is None, "processing was left stopped"
    return runner


def interleavings(stdout: str, stderr: str) -> list[str]:
    """The runner reads both streams at once: try them one after the other, and line by line."""
    out, err = stdout.splitlines(keepends=True), stderr.splitlines(keepends=True)
    zipped = "".join(a + b for a, b in zip(out, err, strict=False)) + "".join(out[len(err):]) + "".join(err[len(out):])
    return [stdout + stderr, stderr + stdout, zipped]


@pytest.fixture(scope="module")
def codes() -> set[str]:
    return set(all_rules())


@pytest.mark.integration
def test_hostile_project_in_github_format(make_project: Callable[..., Path], tmp_path: Path,
                                          codes: set[str]) -> None:
    tree = make_project(FILES, name="hostile")
    run = run_cli(["build", str(tree), "--format", "github", "--outdir", str(tmp_path / "dist"),
                   "--report", str(tmp_path / "report.json")], runner_environ(tmp_path))
    assert run.exit_code in (0, 1), run.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    # the hostile classifier is reported, and its finding quotes the text
    assert any("Not A Classifier" in f["message"] for f in report["findings"])
    for text in interleavings(run.stdout, run.stderr):
        runner = assert_no_forged_command(text, codes)
        assert runner.masks == []
    annotations = Runner().feed(run.stdout).annotations
    assert len([a for a in annotations if a.properties["title"] in codes]) == min(
        10, sum(1 for f in report["findings"] if f["severity"] == "error")) + min(
        10, sum(1 for f in report["findings"] if f["severity"] == "warning")) + min(
        10, sum(1 for f in report["findings"] if f["severity"] == "note"))
    # the quoted hostile text reaches the annotation intact, as data
    assert any("::error::Not A Classifier" in a.data for a in annotations)
    values = parse_file_command((tmp_path / "output").read_text(encoding="utf-8"))
    assert set(values) <= EXPECTED_OUTPUTS | {"manifest", "subject-path", "subject-checksums", "sbom",
                                              "provenance", "python-versions", "python-matrix"}
    assert values["ok"] == ("true" if report["ok"] else "false")
    assert values["name"] == "hostile-project"
    summary = (tmp_path / "summary").read_text(encoding="utf-8")
    assert "<script" not in summary and "forged error" in summary  # the log, escaped, in <details>
    assert "README as the index renders it" in summary and "Contents of <code>" in summary


@pytest.mark.integration
@pytest.mark.parametrize("output_format", ["json", "text"])
def test_hostile_project_in_the_other_formats_under_actions(make_project: Callable[..., Path], tmp_path: Path,
                                                            codes: set[str], output_format: str) -> None:
    tree = make_project(FILES, name="hostile")
    run = run_cli(["build", str(tree), "--format", output_format, "--outdir", str(tmp_path / "dist")],
                  runner_environ(tmp_path))
    assert run.exit_code in (0, 1), run.stderr[-3000:]
    for text in interleavings(run.stdout, run.stderr):
        runner = assert_no_forged_command(text, codes)
        assert runner.annotations == []
    if output_format == "json":
        assert json.loads(run.stdout)["project"]["name"] == "hostile-project"


@pytest.mark.integration
def test_a_failing_setup_py_quoting_commands(make_project: Callable[..., Path], tmp_path: Path,
                                             codes: set[str]) -> None:
    message = "::error::boom\n::set-output name=ok::true\r##[add-mask]x ::stop-commands::t"
    tree = make_project({
        "setup.py": setup_py(f"raise RuntimeError({message!r})"),
        "README.md": README,
    }, name="hostile-broken")
    run = run_cli(["build", str(tree), "--format", "github", "--outdir", str(tmp_path / "dist")],
                  runner_environ(tmp_path))
    assert run.exit_code == 2, run.stderr[-3000:]
    for text in interleavings(run.stdout, run.stderr):
        assert_no_forged_command(text, codes)
    [annotation] = [a for a in Runner().feed(run.stdout).annotations if a.properties.get("title") in codes]
    assert annotation.name == "error" and annotation.properties.get("file") in (None, "hostile-broken/setup.py",
                                                                                "setup.py")
    values = parse_file_command((tmp_path / "output").read_text(encoding="utf-8"))
    assert values["ok"] == "false" and values["exit-code"] == "2"


@pytest.mark.integration
def test_a_backend_error_quoting_commands(make_project: Callable[..., Path], tmp_path: Path,
                                         codes: set[str]) -> None:
    """An in-tree backend that prints commands and fails with one in its message."""
    prints = "".join(f"print({line!r})\nprint({line!r}, file=sys.stderr)\n" for line in INJECTIONS)
    backend = "import sys\n" + prints + (
        "def get_requires_for_build_sdist(config_settings=None):\n    return []\n"
        "def build_sdist(sdist_directory, config_settings=None):\n"
        "    raise RuntimeError('::error::backend\\n::set-output name=ok::true\\r##[add-path]/evil')\n"
    )
    tree = make_project({
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "evil_backend"\nbackend-path = ["."]\n'
                          '[project]\nname = "evil"\nversion = "1.0"\n',
        "evil_backend.py": backend,
    }, name="evil")
    run = run_cli(["build", str(tree), "--format", "github", "--outdir", str(tmp_path / "dist")],
                  runner_environ(tmp_path))
    assert run.exit_code == 2, run.stderr[-3000:]
    for text in interleavings(run.stdout, run.stderr):
        assert_no_forged_command(text, codes)
    errors = [a for a in Runner().feed(run.stdout).annotations if a.name == "error"]
    assert errors and errors[0].properties["title"] in codes
    assert "::error::backend" in errors[0].data  # quoted, as the annotation's text
    assert parse_file_command((tmp_path / "output").read_text(encoding="utf-8"))["ok"] == "false"


def test_a_usage_error_quoting_commands_is_inert(tmp_path: Path, codes: set[str]) -> None:
    run = run_cli(["build", str(tmp_path / "::error::x\r##[set-output name=ok;]true")], runner_environ(tmp_path))
    assert run.exit_code == 3
    assert "does not exist" in run.stderr
    assert_no_forged_command(run.stderr, codes)


# --- property tests: any text in any place -----------------------------------------------------

FRAGMENT = st.sampled_from(INJECTIONS + CR_TRICKS + ["\r", "\n", "%0A", "%25", "::", "##[", ",", ":", "="])
HOSTILE = st.lists(st.one_of(st.text(max_size=15), FRAGMENT), max_size=10).map("".join)


@settings(max_examples=150, deadline=None)
@given(message=HOSTILE, file=HOSTILE, member=HOSTILE, hint=HOSTILE, name=HOSTILE, log=HOSTILE)
def test_no_finding_text_yields_a_live_command(message: str, file: str, member: str, hint: str, name: str,
                                               log: str) -> None:
    findings = [
        Finding("M001", Severity.ERROR, message, file=file or None, line=2, column=1, hint=hint or None),
        Finding("M001", Severity.WARNING, message, artifact=name or "x.whl", member=member or None),
        Finding("M001", Severity.NOTE, hint, file=file or None),
    ]
    report = Report(ok=False, exit_code=1, project_name=name, project_version=message, project_path=file,
                    artifacts=(), findings=findings, timings={}, error=message or None)
    stream = io.StringIO()
    github.emit(report, stream, {}, file, log)
    runner = assert_no_forged_command(stream.getvalue(), {"M001"})
    full = message + (f"\n{hint}" if hint else "")
    limit = actions_core.ANNOTATION_MESSAGE_LIMIT
    assert runner.annotations[0].data == (full if len(full) <= limit else full[: limit - 1] + "…")
    expected_file = github.repository_path(file or None, file) or ""
    expected_file = "./" + expected_file if expected_file.startswith("=") else expected_file
    assert runner.annotations[0].properties.get("file", "") == expected_file


@settings(max_examples=150, deadline=None)
@given(st.lists(HOSTILE, max_size=6))
def test_no_stderr_text_yields_a_live_command(chunks: list[str]) -> None:
    target = io.StringIO()
    guarded = actions_core.GuardedWriter(target)
    for chunk in chunks:
        guarded.write(chunk)
    guarded.flush()
    assert Runner().feed(target.getvalue()).commands == []


@settings(max_examples=100, deadline=None)
@given(name=HOSTILE, version=HOSTILE, path=HOSTILE)
def test_no_project_value_forges_an_output(name: str, version: str, path: str) -> None:
    import tempfile

    from deploypack.report.model import Artifact

    report = Report(ok=False, exit_code=1, project_name=name, project_version=version, project_path=path,
                    artifacts=[Artifact(path or "x.whl", "wheel", 1, "0" * 64)], findings=(), timings={},
                    outdir=path)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "output"
        github.emit(report, io.StringIO(), {"GITHUB_OUTPUT": str(output)}, "", None)
        values = read_file_command(output)
    assert values["ok"] == "false" and values["exit-code"] == "1"
    assert values["name"] == name and values["version"] == version and values["wheel"] == (path or "x.whl")
    assert set(values) == set(github.outputs(report))
