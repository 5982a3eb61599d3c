"""action.yml as the runner runs it: the composite steps, one after the other.

tests/runner_emulator.py runs the `run:` steps with sh, starts the generated docker action
(here: its entrypoint as a process, standing in for the container; tests/container runs the
real image), and emulates actions/upload-artifact and actions/attest-build-provenance by
recording the inputs they get and failing where the real ones fail (a name uploaded twice in a
run, a missing permission).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, clean_environ, git_init
from tests.runner_emulator import CompositeResult, Job, WorkflowRun, run_composite

PINNED = "ghcr.io/octo/deploypack@sha256:" + "0f" * 32


def local_docker(started: list[tuple[str, Path]]) -> object:
    """Start a docker action's image as the runner would, with the entrypoint as a process: for
    `Dockerfile`, the copy of the build context next to the generated action (so the test runs
    the very files the image would be built from); for `docker://…`, this checkout's."""

    def start(image: str, action_dir: Path, env: dict[str, str], workspace: Path) -> tuple[int, str, str]:
        started.append((image, action_dir))
        if image == "Dockerfile":
            assert (action_dir / "Dockerfile").is_file() and (action_dir / "deploypack" / "__init__.py").is_file()
            entrypoint = action_dir / "entrypoint.py"
        else:
            assert image.startswith("docker://")
            entrypoint = REPO / "entrypoint.py"
        home = Path(env["RUNNER_TEMP"]).parent / "container-home"
        home.mkdir(exist_ok=True)
        variables = {**clean_environ(), **{k: v for k, v in env.items() if k != "PATH"},
                     "DEPLOYPACK_ACTION_HOME": str(home)}
        done = subprocess.run([sys.executable, str(entrypoint)], env=variables, cwd=workspace, capture_output=True,
                              text=True, timeout=900, check=False)
        return done.returncode, done.stdout, done.stderr

    return start


def hello_workspace(tmp_path: Path, name: str = "workspace") -> Path:
    workspace = tmp_path / name
    shutil.copytree(REPO / "examples" / "hello", workspace / "examples" / "hello",
                    ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    git_init(workspace)
    return workspace


def pinned_action(tmp_path: Path) -> Path:
    """A copy of the action as a release commit has it: the release workflow's own pinning lines."""
    action = tmp_path / "action-release"
    (action / "deploypack" / "action").mkdir(parents=True)
    shutil.copy(REPO / "action.yml", action / "action.yml")
    shutil.copy(REPO / "deploypack" / "action" / "prepare.sh", action / "deploypack" / "action" / "prepare.sh")
    release = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    script = next(step["run"] for step in release["jobs"]["image"]["steps"] if "action.yml" in step.get("run", ""))
    pinning = "\n".join(line for line in script.splitlines() if "action.yml" in line and "git " not in line)
    image, _, digest = PINNED.partition("@")
    subprocess.run(["bash", "-euo", "pipefail", "-c", pinning], cwd=action, check=True,
                   env={**os.environ, "IMAGE": image, "DIGEST": digest, "TAG": "v1.2.3"})
    return action


def annotations(result: CompositeResult, level: str) -> list[str]:
    return [f"{a.properties.get('title', '')}: {a.data}" for a in result.runner.annotations if a.name == level]


@pytest.mark.integration
@pytest.mark.slow
def test_two_matrix_jobs_keep_their_dists_under_distinct_names(tmp_path: Path) -> None:
    run, started = WorkflowRun(), []
    results = []
    for index in (0, 1):
        workspace = hello_workspace(tmp_path, f"job-{index}")
        job = Job(workspace, name="build", job_index=index, job_total=2, matrix={"os": f"os-{index}"})
        result = run_composite(REPO, {"path": "examples/hello"}, job, local_docker(started), run)
        assert not result.failed, [(s.uses, s.outcome, s.stdout[-2000:]) for s in result.steps]
        results.append((workspace, result))
    assert [r.outputs["artifact-name"] for _, r in results] == ["dists-build-0-examples-hello",
                                                                "dists-build-1-examples-hello"]
    for workspace, result in results:
        upload = result.step("actions/upload-artifact")
        assert upload.outcome == "success" and upload.inputs["if-no-files-found"] == "error"
        assert upload.inputs["name"] == result.outputs["artifact-name"]
        # only the distributions: the publish action refuses anything else in its directory
        files = upload.inputs["path"].splitlines()
        assert files == [result.outputs["sdist"], result.outputs["wheel"]]
        assert all((workspace / f).is_file() for f in files)
        assert result.outputs["ok"] == "true" and result.outputs["exit-code"] == "0"  # the outputs of today
        assert result.outputs["name"] == "hello-deploypack" and result.outputs["dist-dir"] == "examples/hello/dist"
        assert result.step("actions/attest-build-provenance").outcome == "skipped"
        assert not (workspace / ".git" / "deploypack-action").exists()  # removed after the run
    assert sorted(run.artifacts) == ["dists-build-0-examples-hello", "dists-build-1-examples-hello"]
    # on this (unreleased) ref the image is built from the Dockerfile, and the log says so
    assert [image for image, _ in started] == ["Dockerfile", "Dockerfile"]
    assert any("has no prebuilt image" in text for text in annotations(results[0][1], "notice"))


@pytest.mark.integration
@pytest.mark.slow
def test_one_name_for_two_jobs_fails_the_second_upload(tmp_path: Path) -> None:
    """Why the default is unique: what upload-artifact@v4 does with a name given twice."""
    run, started = WorkflowRun(), []
    outcomes = []
    for index in (0, 1):
        job = Job(hello_workspace(tmp_path, f"job-{index}"), job_index=index, job_total=2)
        result = run_composite(REPO, {"path": "examples/hello", "artifact-name": "dists"}, job,
                               local_docker(started), run)
        outcomes.append((result.failed, result.step("actions/upload-artifact").outcome))
    assert outcomes == [(False, "success"), (True, "failure")]


@pytest.mark.integration
@pytest.mark.slow
def test_attestation_of_the_subjects_with_the_prebuilt_image(tmp_path: Path) -> None:
    """A release commit: the image runs by digest, whatever the `uses:` ref (a SHA too) and whatever
    GITHUB_ACTION_REPOSITORY says (inside a calling composite action it names the caller)."""
    workspace, started = hello_workspace(tmp_path), []
    job = Job(workspace, permissions={"contents": "read", "id-token": "write", "attestations": "write"},
              environment={"GITHUB_ACTION_REPOSITORY": "octo/calling-composite",
                           "GITHUB_ACTION_REF": "9f3c1e0d4b2a6f8e7d5c3b1a0f9e8d7c6b5a4f3e"})
    result = run_composite(pinned_action(tmp_path), {"path": "examples/hello", "attest": "true",
                                                     "artifact-name": "release-dists"}, job, local_docker(started))
    assert not result.failed, [(s.uses, s.outcome, s.stdout[-2000:]) for s in result.steps]
    assert [image for image, _ in started] == [f"docker://{PINNED}"]
    assert not (workspace / ".git" / "deploypack-action").exists()
    assert not any("has no prebuilt image" in text for text in annotations(result, "notice"))
    attest = result.step("actions/attest-build-provenance")
    assert attest.outcome == "success"
    assert attest.inputs == {"subject-path": result.outputs["subjects"]}
    assert attest.inputs["subject-path"].splitlines() == [result.outputs["sdist"], result.outputs["wheel"]]
    assert result.outputs["attestation-url"].startswith("https://")
    assert result.outputs["artifact-name"] == "release-dists"


def test_attest_without_id_token_stops_before_the_build(tmp_path: Path) -> None:
    workspace, started = hello_workspace(tmp_path), []
    result = run_composite(REPO, {"path": "examples/hello", "attest": "true"}, Job(workspace), local_docker(started))
    assert result.failed and started == []  # nothing built
    [error] = annotations(result, "error")
    assert "id-token: write" in error and "attestations: write" in error
    assert [s.outcome for s in result.steps if s.uses] == ["skipped", "skipped", "skipped"]


@pytest.mark.integration
@pytest.mark.slow
def test_attest_without_attestations_write_names_the_permission(tmp_path: Path) -> None:
    workspace, started = hello_workspace(tmp_path), []
    job = Job(workspace, permissions={"contents": "read", "id-token": "write"})
    result = run_composite(pinned_action(tmp_path), {"path": "examples/hello", "attest": "true"}, job,
                           local_docker(started))
    assert result.failed
    assert result.step("actions/attest-build-provenance").outcome == "failure"
    assert any("attestations: write" in text for text in annotations(result, "error"))
    assert result.step("actions/upload-artifact").outcome == "success"  # the dists are kept all the same


def test_the_generated_action_holds_no_path_of_the_runner(tmp_path: Path) -> None:
    """In a job `container:` the steps see /__w/… where the runner itself reads its own work directory: the
    generated action names nothing absolute, and the build context sits beside it."""
    workspace, seen = hello_workspace(tmp_path), []

    def record(image: str, action_dir: Path, env: dict[str, str], workspace: Path) -> tuple[int, str, str]:
        seen.append((action_dir / "action.yml").read_text(encoding="utf-8"))
        assert (action_dir / "Dockerfile").is_file() and (action_dir / "entrypoint.py").is_file()
        return 0, "", ""

    view = tmp_path / "__w" / "_actions" / "deploypack" / "deploypack" / "main"
    view.parent.mkdir(parents=True)
    view.symlink_to(REPO)  # the action's checkout as the job container sees it
    result = run_composite(view, {"path": "examples/hello", "upload": "false"}, Job(workspace), record)
    assert not result.failed
    [generated] = seen
    assert yaml.safe_load(generated)["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert str(tmp_path) not in generated
    assert result.outputs["artifact-name"] == ""  # nothing uploaded


def test_without_git_the_made_directory_is_removed(tmp_path: Path) -> None:
    workspace = tmp_path / "plain"
    workspace.mkdir()
    result = run_composite(REPO, {"upload": "false"}, Job(workspace), lambda *a: (0, "", ""))
    assert not result.failed
    assert list(workspace.iterdir()) == []


def test_a_worktree_workspace_is_refused_with_a_reason(tmp_path: Path) -> None:
    workspace = tmp_path / "worktree"
    workspace.mkdir()
    (workspace / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    result = run_composite(REPO, {}, Job(workspace), lambda *a: (0, "", ""))
    assert result.failed
    assert any(".git is a file" in text for text in annotations(result, "error"))


@pytest.mark.parametrize(("given", "problem"), [
    ({"upload": "sometimes"}, "action input 'upload'"),
    ({"artifact-name": "dists/x"}, "action input 'artifact-name'"),
])
def test_bad_composite_inputs_stop_with_an_annotation(tmp_path: Path, given: dict[str, str], problem: str) -> None:
    started: list[tuple[str, Path]] = []
    result = run_composite(REPO, given, Job(hello_workspace(tmp_path)), local_docker(started))
    assert result.failed and started == []
    assert any(problem in text for text in annotations(result, "error"))


def test_a_macos_runner_is_told_to_use_the_cli(tmp_path: Path) -> None:
    result = run_composite(REPO, {}, Job(hello_workspace(tmp_path), runner_os="macOS"), lambda *a: (0, "", ""))
    assert result.failed
    assert any("pipx run deploypack" in text for text in annotations(result, "error"))


def test_every_input_and_output_of_the_container_passes_through() -> None:
    """The docker step gets each of deploypack's inputs as INPUT_*; each of its outputs is the action's."""
    from deploypack.action.inputs import COMPOSITE_INPUTS, INPUTS

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    run = next(step for step in action["runs"]["steps"] if step.get("id") == "run")
    assert run["env"] == {spec.variable: f"${{{{ inputs.{spec.name} }}}}" for spec in INPUTS}
    assert list(action["inputs"]) == [spec.name for spec in INPUTS] + [spec.name for spec in COMPOSITE_INPUTS]
    for name in ("ok", "exit-code", "wheel", "sdist", "subjects", "python-versions", "python-matrix"):
        assert action["outputs"][name]["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
