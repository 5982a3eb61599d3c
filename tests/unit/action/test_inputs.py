"""action.yml's inputs as the runner passes them (INPUT_*), and the entrypoint that reads them."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from deploypack.action.inputs import BY_NAME, COMPOSITE_INPUTS, DEFAULT_REPORT, INPUTS, from_environment, secrets_in
from deploypack.core.errors import ExitCode, UsageError
from tests.conftest import REPO, clean_environ
from tests.runner_emulator import Runner, parse_file_command

OUTPUTS = ("ok", "exit-code", "name", "version", "sdist", "wheel", "dist-dir", "report", "manifest", "sha256",
           "subjects", "findings")


def runner_variable(name: str) -> str:
    """How the runner names an input's variable: upper case, spaces to `_`, hyphens kept."""
    return "INPUT_" + name.replace(" ", "_").upper()


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_every_input_of_action_yml_is_declared_with_a_description_and_a_default(action: dict) -> None:
    declared = action["inputs"]
    assert list(declared) == [spec.name for spec in (*INPUTS, *COMPOSITE_INPUTS)]
    for name, entry in declared.items():
        spec = BY_NAME[name]
        assert entry["description"].strip() and entry["description"] == spec.description
        assert "default" in entry and str(entry["default"]) == spec.default
        assert entry.get("required", False) == spec.required
        if spec in INPUTS:  # read as INPUT_ variables in the container; names with hyphens cannot be read from a shell
            assert "-" not in name
            assert spec.variable == runner_variable(name)


def test_action_yml_declares_every_output_and_runs_the_image(action: dict) -> None:
    for name in OUTPUTS:
        assert action["outputs"][name]["description"].strip()
        assert action["outputs"][name]["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    assert action["runs"]["using"] == "composite"
    [container] = [step for step in action["runs"]["steps"] if step.get("id") == "run"]
    assert container["uses"] == "./.git/deploypack-action"  # the docker action prepare.sh writes


def test_defaults_leave_the_projects_settings_in_force() -> None:
    invocation = from_environment({})
    assert invocation.argv == ["build", "--format", "github", f"--report={DEFAULT_REPORT}", "--", "."]
    assert invocation.masks == []
    # the runner sets every input, at its default when not given: same command line
    assert from_environment({spec.variable: spec.default for spec in INPUTS}).argv == invocation.argv


@pytest.mark.parametrize("spelling", ["true", "TRUE", "True", "yes", "YES", "Yes", "1", " true\n"])
def test_booleans_accept_the_yaml_spellings_of_true(spelling: str) -> None:
    argv = from_environment({"INPUT_STRICT": spelling, "INPUT_ISOLATION": spelling}).argv
    assert "--strict" in argv and "--no-isolation" not in argv


@pytest.mark.parametrize("spelling", ["false", "FALSE", "False", "no", "NO", "No", "0"])
def test_booleans_accept_the_yaml_spellings_of_false(spelling: str) -> None:
    argv = from_environment({"INPUT_STRICT": spelling, "INPUT_ISOLATION": spelling}).argv
    assert "--strict" not in argv and "--no-isolation" in argv


@pytest.mark.parametrize("name", ["strict", "isolation", "clean", "gate"])
@pytest.mark.parametrize("value", ["maybe", "2", "tru", "", "yes please", "null"])
def test_anything_else_is_a_usage_error_naming_the_input(name: str, value: str) -> None:
    with pytest.raises(UsageError) as caught:
        from_environment({runner_variable(name): value})
    assert caught.value.exit_code == ExitCode.USAGE
    assert f"action input '{name}'" in caught.value.message
    assert repr(value) in caught.value.message


def test_lists_accept_newlines_and_commas() -> None:
    argv = from_environment({"INPUT_SELECT": "M0\nW1, S2\n\n", "INPUT_IGNORE": "C1,",
                             "INPUT_SEVERITY": "M004=error\n"}).argv
    assert "--select=M0,W1,S2" in argv and "--ignore=C1" in argv and "--severity=M004=error" in argv


def test_choices_numbers_and_urls_are_checked() -> None:
    assert "--installer=uv" in from_environment({"INPUT_INSTALLER": "UV"}).argv
    for variable, value in (("INPUT_INSTALLER", "conda"), ("INPUT_TIMEOUT", "soon"), ("INPUT_TIMEOUT", "-5"),
                            ("INPUT_INDEX", "ftp://x"), ("INPUT_PATH", ""), ("INPUT_REPORT", " ")):
        with pytest.raises(UsageError, match=r"action input '\w+'"):
            from_environment({variable: value})


def test_options_without_a_flag_go_through_their_deploypack_variable() -> None:
    invocation = from_environment({"INPUT_ARTIFACTS": "sums\nsbom"})
    assert invocation.environment == {"DEPLOYPACK_ARTIFACTS": "sums,sbom"}
    assert from_environment({"INPUT_ARTIFACTS": "none"}).environment == {"DEPLOYPACK_ARTIFACTS": "none"}
    assert from_environment({}).environment == {}
    with pytest.raises(UsageError, match="action input 'artifacts': unknown artifact kind 'wheelhouse'"):
        from_environment({"INPUT_ARTIFACTS": "sums,wheelhouse"})


def test_required_is_enforced_by_deploypack_not_the_runner() -> None:
    with pytest.raises(UsageError, match="'path': is required"):
        from_environment({"INPUT_PATH": "  "})


def test_the_path_cannot_pass_for_an_option() -> None:
    argv = from_environment({"INPUT_PATH": "--strict"}).argv
    assert argv[-2:] == ["--", "--strict"] and "--strict" not in argv[:-1]


def test_secrets_in_an_index_url_are_masked() -> None:
    invocation = from_environment({"INPUT_INDEX": "https://user:p%40ss@pkgs.example.invalid/simple/"})
    assert "https://user:p%40ss@pkgs.example.invalid/simple/" in invocation.masks
    assert "p%40ss" in invocation.masks and "p@ss" in invocation.masks
    assert secrets_in("https://pkgs.example.invalid/simple/") == ["https://pkgs.example.invalid/simple/"]


# --- the entrypoint, run as the container runs it -----------------------------------------------

def load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploypack_action_entrypoint", REPO / "entrypoint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runner_environ(workspace: Path, home: Path, files: Path, **inputs: str) -> dict[str, str]:
    environ = clean_environ(
        GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace), DEPLOYPACK_ACTION_HOME=str(home),
        GITHUB_OUTPUT=str(files / "output"), GITHUB_STEP_SUMMARY=str(files / "summary"),
    )
    environ.update({runner_variable(name): value for name, value in inputs.items()})
    return environ


def test_a_bad_input_is_an_error_annotation_and_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("ws", "home", "files"):
        (tmp_path / folder).mkdir()
    environ = runner_environ(tmp_path / "ws", tmp_path / "home", tmp_path / "files", strict="sometimes")
    out, err = io.StringIO(), io.StringIO()
    code = load_entrypoint().run(environ, out, err)
    assert code == 3
    [annotation] = Runner().feed(out.getvalue()).annotations
    assert annotation.name == "error" and "action input 'strict'" in annotation.data
    assert parse_file_command((tmp_path / "files" / "output").read_text()) == {"ok": "false", "exit-code": "3"}


def test_a_run_that_stops_before_its_report_is_annotated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("ws", "home", "files"):
        (tmp_path / folder).mkdir()
    environ = runner_environ(tmp_path / "ws", tmp_path / "home", tmp_path / "files", path="::error::missing")
    out, err = io.StringIO(), io.StringIO()
    code = load_entrypoint().run(environ, out, err)
    assert code == 3
    [annotation] = Runner().feed(out.getvalue()).annotations
    assert annotation.properties["title"] == "deploypack: exit code 3"
    assert "does not exist" in annotation.data and "::error::missing" in annotation.data
    assert parse_file_command((tmp_path / "files" / "output").read_text()) == {"ok": "false", "exit-code": "3"}
    assert Runner().feed(err.getvalue()).commands == []
    summary = (tmp_path / "files" / "summary").read_text()
    assert summary.startswith("## deploypack: ❌ stopped (exit code 3)") and "does not exist" in summary


def test_home_caches_and_safe_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    entrypoint = load_entrypoint()
    (tmp_path / "ws").mkdir()
    (tmp_path / "home").mkdir()
    environ = runner_environ(tmp_path / "ws", tmp_path / "home", tmp_path)
    workspace = entrypoint.prepare_environment(environ)
    assert environ["HOME"] == str(tmp_path / "home")
    assert environ["PIP_CACHE_DIR"].startswith(str(tmp_path / "home"))
    assert environ["UV_CACHE_DIR"].startswith(str(tmp_path / "home"))
    entrypoint.mark_safe_directory(workspace, environ)
    entrypoint.mark_safe_directory(workspace, environ)  # a second step: not added twice
    listed = subprocess.run(["git", "config", "--global", "--get-all", "safe.directory"], env=environ,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert listed == [str(tmp_path / "ws")]


@pytest.mark.integration
def test_entrypoint_builds_a_project_in_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workspace, home, files = tmp_path / "ws", tmp_path / "home", tmp_path / "files"
    shutil.copytree(REPO / "examples" / "hello", workspace / "pkgs" / "hello",
                    ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    home.mkdir()
    files.mkdir()
    environ = runner_environ(workspace, home, files, path="pkgs/hello", sarif="hello.sarif",
                             index="https://user:s3cret-token@pkgs.example.invalid/simple/", gate="false")
    out, err = io.StringIO(), io.StringIO()
    code = load_entrypoint().run(environ, out, err)
    assert code == 0, err.getvalue()[-3000:]
    runner = Runner().feed(out.getvalue())
    assert "s3cret-token" in runner.masks
    assert out.getvalue().index("::add-mask::") < out.getvalue().index("::stop-commands::")
    values = parse_file_command((files / "output").read_text())
    declared = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["outputs"]
    assert set(values) <= set(declared), "every output written is declared in action.yml"
    assert values["ok"] == "true" and values["exit-code"] == "0"
    assert values["wheel"].startswith("pkgs/hello/dist/") and (workspace / values["wheel"]).is_file()
    assert values["report"] == DEFAULT_REPORT and (workspace / DEFAULT_REPORT).is_file()
    assert (workspace / "hello.sarif").is_file()
    assert "fit to publish" in (files / "summary").read_text().splitlines()[0]


def test_gate_and_release_inputs_reach_their_options() -> None:
    from deploypack.action.inputs import from_environment

    invocation = from_environment({
        "INPUT_PATH": ".", "INPUT_GATE": "yes", "INPUT_OFFLINE": "TRUE", "INPUT_REPRODUCIBLE": "1",
        "INPUT_ALLOWBACKPORT": "release/*\nmaint/*", "INPUT_TAGPATTERNS": "release-{version}",
    })
    assert {"--gate", "--offline", "--reproducible"} <= set(invocation.argv)
    assert invocation.environment["DEPLOYPACK_ALLOW_BACKPORT"] == "release/*,maint/*"
    assert invocation.environment["DEPLOYPACK_TAG_PATTERNS"] == "release-{version}"
