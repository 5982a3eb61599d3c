"""The public corpus: healthy, widely used releases. Each must build and have no error finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.corpus]

CORPUS_NAMES = ["attrs", "django", "markupsafe", "packaging", "pycodestyle", "pyjwt", "tqdm", "typer", "urllib3"]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_project_builds_without_errors(name: str, corpus_trees: dict[str, Path], tmp_path: Path) -> None:
    if name not in corpus_trees:
        pytest.skip(f"{name} is not in this corpus")
    tree = corpus_trees[name]
    run = run_cli(["build", str(tree), "--outdir", str(tmp_path / "dist"), "--format", "json"])
    report = run.json()
    errors = [f"{f['code']} {f['file']}:{f['line']} {f['message']}"
              for f in report["findings"] if f["severity"] == "error"]
    assert errors == [], errors
    assert run.exit_code == 0, run.stderr
    version = tree.name.rsplit("-", 1)[1]
    assert report["project"]["version"] == version  # setuptools-scm / hatch-vcs read the tag
    assert sorted(a["kind"] for a in report["artifacts"]) == ["sdist", "wheel"]
