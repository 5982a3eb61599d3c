"""Which release a run is about: the tag being released, where that came from, the commit.

Decided here once, for the checks (R001), the gate and the artifacts alike: GITHUB_REF when the
workflow runs for a tag, else the tag on HEAD (preferring one that a tag pattern reads, since
HEAD may also carry `latest` or another package's tag). Without a checkout (`deploypack check`
on distributions built elsewhere) only GITHUB_REF and GITHUB_SHA can say it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from deploypack.project import git

VERSION_FIELD = "{version}"
_TAG_REF = "refs/tags/"


@dataclasses.dataclass(frozen=True)
class ReleaseInfo:
    """What the release is: the tag being released (if any) and where that came from."""

    tag: str | None = None
    tag_source: str | None = None  # "GITHUB_REF" or "git describe"
    commit: str | None = None


def tag_version(tag: str, patterns: Sequence[str]) -> Version | None:
    """The version the tag names under the first pattern that reads it, or None."""
    for pattern in patterns:
        prefix, marker, suffix = pattern.partition(VERSION_FIELD)
        if not marker or not tag.startswith(prefix) or not tag.endswith(suffix) or len(tag) <= len(prefix + suffix):
            continue
        try:
            return Version(tag[len(prefix): len(tag) - len(suffix)])
        except InvalidVersion:
            continue
    return None


def release_info(project_dir: Path | None, variables: Mapping[str, str], patterns: Sequence[str] = ()) -> ReleaseInfo:
    """The release of this run; `variables` are the run's environment (GITHUB_REF, GITHUB_SHA)."""
    ref = variables.get("GITHUB_REF", "")
    if project_dir is None:
        tag = ref.removeprefix(_TAG_REF) if ref.startswith(_TAG_REF) else None
        return ReleaseInfo(tag=tag, tag_source="GITHUB_REF" if tag else None,
                           commit=variables.get("GITHUB_SHA") or None)
    commit = git.output(project_dir, "rev-parse", "HEAD")
    if ref.startswith(_TAG_REF):
        return ReleaseInfo(tag=ref.removeprefix(_TAG_REF), tag_source="GITHUB_REF", commit=commit)
    tag = git.output(project_dir, "describe", "--tags", "--exact-match", "HEAD")
    if tag and patterns:
        listed = (git.output(project_dir, "tag", "--points-at", "HEAD") or "").split()
        tag = next((name for name in listed if tag_version(name, patterns) is not None), tag)
    return ReleaseInfo(tag=tag, tag_source="git describe" if tag else None, commit=commit)
