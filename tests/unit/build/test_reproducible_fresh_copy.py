"""The fresh copy behind --reproducible holds what a clean checkout would, nothing more."""

from __future__ import annotations

import subprocess
from pathlib import Path

from deploypack.build.reproducible import fresh_copy
from tests.projects import write_tree

tree = write_tree


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_a_git_tree_copies_tracked_and_unignored_files_with_the_repository(tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {
        ".gitignore": "secret.env\n",
        "pkg/pyproject.toml": "[project]\n",
        "pkg/src/pkg/__init__.py": "",
        "README.md": "shared readme, outside the project directory\n",
    })
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "r")
    git(repo, "tag", "v1.0")
    tree(repo, {
        "secret.env": "ignored", "pkg/new_module.py": "untracked but not ignored",
        "pkg/dist/old.whl": "build output", "pkg/src/pkg.egg-info/PKG-INFO": "leftover",
        "pkg/src/pkg/__pycache__/x.pyc": "cache",
    })
    copy = fresh_copy(repo / "pkg", repo / "pkg" / "dist", tmp_path / "fresh")
    assert copy == tmp_path / "fresh" / "repo" / "pkg"
    assert listing(tmp_path / "fresh" / "repo") == [
        ".gitignore", "README.md", "pkg/new_module.py", "pkg/pyproject.toml", "pkg/src/pkg/__init__.py",
    ]
    assert git(copy, "describe", "--tags").strip() == "v1.0"  # version plugins still find the tag


def test_outside_git_the_tree_is_copied_without_build_output(tmp_path: Path) -> None:
    project = tree(tmp_path / "proj", {
        "setup.py": "", "proj/__init__.py": "", "build/lib/proj/__init__.py": "", "dist/a.whl": "",
        "proj.egg-info/PKG-INFO": "", "out/x.whl": "", "proj/build/data.txt": "a package's own build/ dir",
    })
    copy = fresh_copy(project, project / "out", tmp_path / "fresh")
    assert listing(copy) == ["proj/__init__.py", "proj/build/data.txt", "setup.py"]
