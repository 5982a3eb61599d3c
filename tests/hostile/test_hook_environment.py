"""What the project's build code sees of the runner's environment: a real setup.py records the
environment of every hook process (sdist and wheel, isolated, with and without the hook
server), and must find none of the runner's credentials nor deploypack's inputs in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import clean_environ, run_cli
from tests.projects import pyproject

# What a GitHub runner holds that build code has no business seeing.
CREDENTIALS = {
    "GITHUB_TOKEN": "ghs_runner_token",
    "ACTIONS_RUNTIME_TOKEN": "runtime-token",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.invalid/request",
    "ACTIONS_CACHE_URL": "https://cache.invalid/",
    "GITHUB_REPOSITORY": "owner/project",
    "RUNNER_TEMP": "",  # set per test: a real directory
    "INPUT_INDEX": "https://user:hunter2@index.invalid/simple/",
    "INPUT_PATH": ".",
    "DEPLOYPACK_ARTIFACT_SUFFIX": "-py311",
    "TWINE_PASSWORD": "pypi-secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "CARGO_REGISTRY_TOKEN": "cargo-token",
    "UV_INDEX_PRIVATE_PASSWORD": "uv-secret",
    "PIP_SECRET_THING": "pip-secret",
}
RUNNER_PYTHONPATH = "/runner/site"  # would put the runner's modules before the backend's
# What builds rely on: compilers and flags, version tools, locale, reproducibility.
EXPECTED = {
    "CFLAGS": "-O2 -g0",
    "CC": "cc",
    "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_OTHER": "9.9.9",
    "LC_ALL": "C.UTF-8",
    "SOURCE_DATE_EPOCH": "1700000000",
    "GIT_AUTHOR_NAME": "Release Bot",
    "https_proxy": "",
}
ASKED_FOR = {"MY_BUILD_FLAG": "on", "VENDOR_A": "a", "VENDOR_B": "b"}

SETUP_PY = """\
import json, os
from setuptools import setup

with open({dump!r}, "a", encoding="utf-8") as handle:
    handle.write(json.dumps(dict(os.environ)) + "\\n")
setup()
"""


@pytest.fixture
def recording_project(make_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    dump = tmp_path / "hook-environments.jsonl"
    root = make_project({
        "pyproject.toml": pyproject("setuptools", "envprobe", "1.0", description="Records what its build sees",
                                    readme="README.md",
                                    project='classifiers = ["License :: OSI Approved :: MIT License"]'),
        "setup.py": SETUP_PY.format(dump=str(dump)),
        "README.md": "# envprobe\n\nRecords the environment of its build hooks.\n",
        "envprobe/__init__.py": "",
    })
    return root, dump


@pytest.mark.parametrize("hook_server", ["true", "false"])
def test_build_hooks_see_no_credentials_and_no_inputs(recording_project: tuple[Path, Path], tmp_path: Path,
                                                      hook_server: str) -> None:
    root, dump = recording_project
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    environ = clean_environ(**{**CREDENTIALS, "RUNNER_TEMP": str(runner_temp)}, **EXPECTED, **ASKED_FOR,
                            DEPLOYPACK_HOOK_SERVER=hook_server, PYTHONPATH=RUNNER_PYTHONPATH)
    run = run_cli(["build", str(root), "--outdir", str(tmp_path / "dist"), "--format", "json",
                   "--pass-env", "MY_BUILD_FLAG,VENDOR_*,GITHUB_*"], environ)
    assert run.exit_code == 0, run.stderr + run.stdout
    seen = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    # setup.py runs in the sdist hooks and again in the wheel hooks (from the unpacked sdist).
    assert len(seen) >= 4
    for environment in seen:
        leaked = sorted(set(CREDENTIALS) & set(environment))
        assert not leaked, f"the build hooks saw {leaked}"
        assert not [value for value in environment.values() if "hunter2" in value or "secret" in value]
        for name, value in {**EXPECTED, **ASKED_FOR}.items():
            assert environment.get(name) == value, name
        assert RUNNER_PYTHONPATH not in environment.get("PYTHONPATH", "")
        assert environment.get("HOME") == environ["HOME"]
        assert environment["PATH"].endswith(environ["PATH"])  # the build environment's bin goes first


def test_an_explicit_pass_env_name_lets_a_credential_through(recording_project: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    """A maintainer who names a variable means it (a private git dependency needs its token);
    a pattern never reaches the runner's own variables (GITHUB_* above)."""
    root, dump = recording_project
    environ = clean_environ(GITHUB_TOKEN="ghs_runner_token", ACTIONS_RUNTIME_TOKEN="runtime-token",
                            DEPLOYPACK_PASS_ENV="GITHUB_TOKEN")
    run = run_cli(["build", str(root), "--outdir", str(tmp_path / "dist"), "--format", "json"], environ)
    assert run.exit_code == 0, run.stderr + run.stdout
    for line in dump.read_text(encoding="utf-8").splitlines():
        environment = json.loads(line)
        assert environment["GITHUB_TOKEN"] == "ghs_runner_token"
        assert "ACTIONS_RUNTIME_TOKEN" not in environment


def test_a_project_cannot_ask_for_variables_in_its_own_configuration(make_project: Callable[..., Path],
                                                                     tmp_path: Path) -> None:
    root = make_project({"pyproject.toml": '[tool.deploypack]\npass-env = ["GITHUB_TOKEN"]\n'})
    run = run_cli(["build", str(root), "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 3, run.stderr
    assert "unknown key 'pass-env'" in run.stderr
