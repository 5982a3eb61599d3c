"""Shared fixtures: real mini-projects, the public corpus, running the CLI in-process."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploypack.cli.main import main
from tests.projects import write_tree

REPO = Path(__file__).resolve().parents[1]
PROJECTS = REPO / "tests" / "data" / "projects"
SCHEMAS = REPO / "deploypack" / "schemas"
CORPUS_DIR = Path(os.environ.get("DEPLOYPACK_CORPUS_DIR") or REPO.parent / "shared" / "corpus")

# What the project's configuration and the tests must not depend on: the caller's CI.
_CLEAN_ENV_DROP = ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_REF", "GITHUB_WORKSPACE",
                   "SOURCE_DATE_EPOCH", "NO_COLOR", "FORCE_COLOR")


def clean_environ(**extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in _CLEAN_ENV_DROP and not k.startswith("DEPLOYPACK_")}
    environ.update(extra)
    return environ


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(args: list[str], environ: Mapping[str, str] | None = None) -> Run:
    """deploypack in-process, with its own stdout/stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, environ=clean_environ() if environ is None else environ, stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def build_findings(tree: Path, outdir: Path, *options: str,
                   exit_codes: tuple[int, ...] = (0, 1)) -> tuple[Run, list[dict]]:
    """`deploypack build --format json` in-process: the run and its findings (an unexpected exit fails)."""
    run = run_cli(["build", str(tree), "--outdir", str(outdir), "--format", "json", *options])
    assert run.exit_code in exit_codes, run.stdout + run.stderr
    return run, run.json()["findings"]


def only(findings: list[dict], code: str) -> dict:
    """The one finding of `code` (a second one, or none, fails the test)."""
    matching = [f for f in findings if f["code"] == code]
    assert len(matching) == 1, findings
    return matching[0]


def run_subprocess(args: list[str], environ: Mapping[str, str] | None = None, cwd: Path | None = None,
                   timeout: float = 900) -> Run:
    """deploypack as a real process (for signals, exit codes as the shell sees them)."""
    result = subprocess.run([sys.executable, "-m", "deploypack", *args], capture_output=True, text=True,
                            env=clean_environ() if environ is None else dict(environ), cwd=cwd, timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr)


def git_init(tree: Path, tag: str | None = None) -> None:
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "--all", "--force"], check=True)
    subprocess.run([*git, "commit", "--quiet", "--no-verify", "-m", "release"], check=True)
    if tag:
        subprocess.run([*git, "tag", tag], check=True)


def corpus_copy(corpus_trees: Mapping[str, Path], name: str, tmp_path: Path) -> Path:
    """A copy of a corpus tree to plant a defect into (skipped when the corpus lacks the project)."""
    if name not in corpus_trees:
        pytest.skip(f"{name} is not in the corpus")
    tree = tmp_path / corpus_trees[name].name
    shutil.copytree(corpus_trees[name], tree, symlinks=True)
    return tree


def commit_all(tree: Path, message: str, *, force: bool = False) -> None:
    """Commit every change of a checkout (`force`: ignored files too)."""
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "add", "--all", *(["--force"] if force else [])], check=True)
    subprocess.run([*git, "commit", "--quiet", "--no-verify", "-m", message], check=True)


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Copy a mini-project from tests/data/projects/<case> into tmp_path (optionally as a git tree)."""

    def copy(case: str, *, git: bool = False, tag: str | None = None) -> Path:
        target = tmp_path / case
        shutil.copytree(PROJECTS / case, target, symlinks=True)
        if git or tag:
            git_init(target, tag)
        return target

    return copy


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a project from a {relative path: text} mapping."""

    def make(files: Mapping[str, str], name: str = "proj", *, git: bool = False, tag: str | None = None) -> Path:
        root = write_tree(tmp_path / name, files)
        if git or tag:
            git_init(root, tag)
        return root

    return make


@pytest.fixture(scope="session")
def corpus_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The public corpus as release-checkout-like git trees (made once per session)."""
    fetch = CORPUS_DIR / "fetch.py"
    if not fetch.is_file():
        pytest.skip(f"the public corpus is not available ({CORPUS_DIR}; set DEPLOYPACK_CORPUS_DIR)")
    dest = tmp_path_factory.mktemp("corpus")
    result = subprocess.run([sys.executable, str(fetch), str(dest)], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        pytest.fail(f"fetching the corpus failed:\n{result.stderr[-3000:]}")
    trees = {}
    for line in result.stdout.splitlines():
        name, _version, path = line.split(" ", 2)
        trees[name] = Path(path)
    return trees
