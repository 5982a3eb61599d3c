"""`deploypack plan`: package discovery, the `packages` list, the matrix and its artifact names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploypack.core.errors import ConfigurationError, UsageError
from deploypack.monorepo import discover as monorepo
from tests.conftest import clean_environ, run_cli
from tests.projects import write_tree
from tests.runner_emulator import read_file_command

PEP621 = '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "{name}"\n'


write = write_tree


def test_discovery_finds_packages_and_skips_tests_examples_vendored_hidden_and_builds(tmp_path):
    root = write(tmp_path / "repo", {
        "pyproject.toml": '[tool.ruff]\nline-length = 100\n',  # configuration only: not a package
        "libs/alpha/pyproject.toml": PEP621.format(name="alpha"),
        "libs/beta/setup.py": "from setuptools import setup\nsetup(name='beta-lib', version='1')\n",
        "libs/gamma/setup.cfg": "[metadata]\nname = gamma.cfg\n",
        "libs/gamma/setup.py": "import setuptools\nsetuptools.setup()\n",
        "apps/tool/pyproject.toml": PEP621.format(name="Tool_App"),
        "apps/tool/tests/fixture/setup.py": "from setuptools import setup\nsetup(name='fixture')\n",
        "examples/demo/pyproject.toml": PEP621.format(name="demo"),
        "src/pkg/_vendor/thing/setup.py": "",
        "third_party/x/setup.py": "",
        ".tox/py/setup.py": "",
        "build/lib/setup.py": "",
        "venv/lib/python3/site-packages/y/setup.py": "",
        "venv/pyvenv.cfg": "home = /usr\n",
        "env2/pyvenv.cfg": "home = /usr\n",
        "env2/z/setup.py": "",
        "node_modules/n/setup.py": "",
        "docs/pyproject.toml": PEP621.format(name="docs"),
    })
    found = monorepo.discover(root)
    assert [(p.name, p.relative) for p in found] == [
        ("Tool_App", "apps/tool"), ("alpha", "libs/alpha"), ("beta-lib", "libs/beta"), ("gamma.cfg", "libs/gamma"),
    ]
    assert found[0].path == f"{root.as_posix()}/apps/tool"


def test_the_root_is_a_package_when_it_builds(tmp_path):
    root = write(tmp_path / "single", {"pyproject.toml": PEP621.format(name="single"), "sub/setup.py": ""})
    assert [(p.name, p.relative) for p in monorepo.discover(root)] == [("single", "."), ("sub", "sub")]


def test_a_broken_pyproject_still_counts_so_its_build_reports_the_error(tmp_path):
    root = write(tmp_path / "repo", {"broken/pyproject.toml": "[project\nname = 'x'\n"})
    assert [p.relative for p in monorepo.discover(root)] == ["broken"]


def test_packages_list_in_tool_deploypack_wins(tmp_path):
    root = write(tmp_path / "repo", {
        "pyproject.toml": '[tool.deploypack]\npackages = ["libs/*", "tools/cli"]\n',
        "libs/a/pyproject.toml": PEP621.format(name="a"),
        "libs/b/setup.py": "",
        "tools/cli/pyproject.toml": PEP621.format(name="cli"),
        "tools/other/pyproject.toml": PEP621.format(name="other"),
        "tests/pkg/pyproject.toml": PEP621.format(name="listed-only-if-asked"),
    })
    assert [p.relative for p in monorepo.discover(root)] == ["libs/a", "libs/b", "tools/cli"]


@pytest.mark.parametrize(("listed", "message"), [
    ('["../elsewhere"]', "outside the repository root"),
    ('["/abs"]', "outside the repository root"),
    ('["nothing/*"]', "matches no directory"),
    ('["notapackage"]', "has no pyproject.toml or setup.py"),
])
def test_bad_packages_entries_are_configuration_errors_with_their_line(tmp_path, listed, message):
    root = write(tmp_path / "repo", {
        "pyproject.toml": f'[tool.deploypack]\nstrict = true\npackages = {listed}\n',
        "notapackage/README.md": "",
    })
    with pytest.raises(ConfigurationError) as raised:
        monorepo.discover(root)
    assert message in raised.value.message and raised.value.line == 3


def test_packages_must_be_a_list_of_strings_and_unknown_keys_stay_errors(tmp_path):
    root = write(tmp_path / "repo", {"pyproject.toml": '[tool.deploypack]\npackagez = ["a"]\n'})
    with pytest.raises(ConfigurationError) as raised:
        monorepo.discover(root)
    assert "unknown key 'packagez'" in raised.value.message


def test_matrix_names_are_unique_per_package_and_axis():
    packages = [
        monorepo.Package("core", "repo/libs/core", "libs/core"),
        monorepo.Package("Core", "repo/legacy/core", "legacy/core"),  # same normalized name
        monorepo.Package("my.cli", "repo/cli", "cli"),
    ]
    plain = monorepo.matrix(packages)["include"]
    assert [e["artifact-name"] for e in plain] == ["dist-core-libs-core", "dist-core-legacy-core", "dist-my-cli"]
    assert plain[2] == {"name": "my.cli", "path": "repo/cli", "artifact-name": "dist-my-cli"}
    axes = monorepo.parse_axes(["os=ubuntu-latest,windows-latest", "python=3.12"])
    crossed = monorepo.matrix(packages, axes, suffix="run 7")["include"]
    assert len(crossed) == 6
    names = [e["artifact-name"] for e in crossed]
    assert len(set(names)) == 6
    assert crossed[4] == {"name": "my.cli", "path": "repo/cli", "os": "ubuntu-latest", "python": "3.12",
                          "artifact-name": "dist-my-cli-ubuntu-latest-3.12-run-7"}


@pytest.mark.parametrize("text", ["a:b/c\\d*e?f|g<h>\"i\r\nj", "..", ""])
def test_sanitized_names_are_accepted_by_upload_artifact(text):
    name = monorepo.sanitize(text)
    assert name and not set(name) & set('":<>|*?\r\n\\/') and name.strip("-.") == name


def test_axis_values_that_sanitize_alike_are_refused():
    packages = [monorepo.Package("p", "p", "p")]
    with pytest.raises(UsageError):
        monorepo.matrix(packages, monorepo.parse_axes(["os=a/b,a:b"]))
    with pytest.raises(UsageError):
        monorepo.parse_axes(["name=x"])
    with pytest.raises(UsageError):
        monorepo.parse_axes(["novalue"])


def test_plan_prints_the_matrix_and_writes_the_output(tmp_path):
    root = write(tmp_path / "repo", {
        "a/pyproject.toml": PEP621.format(name="a"), "b/setup.py": "from setuptools import setup\nsetup(name='b')\n",
    })
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    run = run_cli(["plan", str(root), "--axis", "python=3.11,3.12"], environ=clean_environ(GITHUB_OUTPUT=str(outputs)))
    assert run.exit_code == 0, run.stderr
    plan = json.loads(run.stdout)
    assert [e["artifact-name"] for e in plan["include"]] == ["dist-a-3.11", "dist-a-3.12", "dist-b-3.11", "dist-b-3.12"]
    written = read_file_command(outputs)
    assert json.loads(written["matrix"]) == plan and written["count"] == "4"


def test_plan_suffix_from_the_environment(tmp_path):
    root = write(tmp_path / "repo", {"a/pyproject.toml": PEP621.format(name="a")})
    run = run_cli(["plan", str(root)], environ=clean_environ(DEPLOYPACK_ARTIFACT_SUFFIX="linux"))
    assert json.loads(run.stdout)["include"][0]["artifact-name"] == "dist-a-linux"


def test_plan_without_packages_is_a_usage_error(tmp_path):
    root = write(tmp_path / "repo", {"tests/t/setup.py": "", "README.md": ""})
    run = run_cli(["plan", str(root)])
    assert run.exit_code == 3 and "no package under" in run.stderr
    assert run_cli(["plan", str(tmp_path / "missing")]).exit_code == 3


def test_run_refuses_build_args_that_would_move_a_jobs_output(tmp_path):
    root = write(tmp_path / "repo", {"a/pyproject.toml": PEP621.format(name="a")})
    run = run_cli(["plan", str(root), "--run", "--build-args", "--outdir elsewhere"])
    assert run.exit_code == 3 and "--build-args cannot set --outdir" in run.stderr
    assert run_cli(["plan", str(root), "--run", "--jobs", "0"]).exit_code == 3


def test_the_example_workflow_runs_the_same_commands_as_plan_run():
    """examples/workflows/monorepo.yml and `plan --run` must stay one code path."""
    import yaml

    from deploypack.monorepo.runner import job_command
    from tests.conftest import REPO

    workflow = yaml.safe_load((REPO / "examples" / "workflows" / "monorepo.yml").read_text())
    jobs = workflow["jobs"]
    plan_step = next(s for s in jobs["plan"]["steps"] if s.get("id") == "plan")
    assert plan_step["run"].startswith("deploypack plan")
    assert jobs["plan"]["outputs"]["matrix"] == "${{ steps.plan.outputs.matrix }}"
    assert jobs["build"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    build = next(s for s in jobs["build"]["steps"] if s.get("id") == "deploypack")["with"]
    assert build["path"] == "${{ matrix.path }}" and build["outdir"] == "out/${{ matrix.artifact-name }}"
    upload = next(s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "${{ matrix.artifact-name }}" and upload["with"]["path"] == build["outdir"]
    download = next(s for s in jobs["merge"]["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["pattern"] == "dist-*"  # every artifact name plan makes starts so
    assert any(s.get("run", "").startswith("deploypack merge artifacts/*") for s in jobs["merge"]["steps"])
    command = job_command({"path": "packages/core", "artifact-name": "dist-core"}, Path("out"), [])
    assert command[3:7] == ["build", "packages/core", "--outdir", str(Path("out") / "dist-core")]
