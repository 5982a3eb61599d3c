"""Where the distributions came from: the git commit, tag, dirty flag and SOURCE_DATE_EPOCH."""

from __future__ import annotations

from pathlib import Path

from deploypack.artifacts.common import SourceInfo
from deploypack.project import git


def source_info(project_dir: Path, commit: str | None, tag: str | None, epoch: str | None) -> SourceInfo:
    """Dirty means tracked files differ from the commit: untracked files (build leftovers) do not count."""
    if commit is None:
        return SourceInfo(source_date_epoch=epoch, tag=tag)
    status = git.output(project_dir, "status", "--porcelain", "--untracked-files=no", "--", ".")
    remote = git.output(project_dir, "remote", "get-url", "origin")
    return SourceInfo(
        commit=commit, tag=tag, dirty=bool(status) if status is not None else None,
        source_date_epoch=epoch, repository=remote or None,
    )
