"""The release gate (`deploypack build --gate`): may this build be published, now, from here?

Beyond the checks on what was built, a release must not collide with the index (the version
is free, and newer than what is there), must come from a tag (a pre-release only from a
pre-release tag), from a clean tree (the sdist may sweep in uncommitted files), with
SOURCE_DATE_EPOCH taken from the commit. That the tag names the version built is the release
check's verdict (R001, deploypack/checks/release.py), which runs in every build: the gate
does not say it twice. The verdicts are pure functions over values; the I/O (git, the index)
happens in `tree_state` and `run_gate`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.version import InvalidVersion, Version

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project import git
from deploypack.project.release import ReleaseInfo, tag_version
from deploypack.report.model import Report

if TYPE_CHECKING:  # imported by run_gate: urllib and http are slow to import and a plain build never asks
    from deploypack.gate import index_client

VERSION_TAKEN = rule(
    "G001", "version-already-published", Severity.ERROR, "this version is already on the index",
    why="An index never accepts the same version twice, not even after it was yanked or deleted: the upload "
    "fails at the very end of the release, after the tag and the changelog are public.",
    fix="Bump the version (and tag the new version); a yanked version stays taken for good.",
)
VERSION_NOT_NEWEST = rule(
    "G002", "version-not-newest", Severity.ERROR, "the version is not newer than every published version",
    why="Installers pick the highest version: an older number published later is never installed by "
    "`pip install -U`, which is almost always a mistake in the version or the tag.",
    fix="Use a version above the newest published one; for a deliberate back-port on a maintenance branch set "
    "`allow-backport = true` (it must still be the newest of its major.minor series).",
)
PRERELEASE_WITHOUT_TAG = rule(
    "G003", "prerelease-not-from-prerelease-tag", Severity.ERROR,
    "a pre-release or dev version is released without a pre-release tag",
    why="Pre-releases published from a branch or a final tag end up on the index by accident; pip users "
    "who pin `--pre` get them, and the number can never be used again.",
    fix="Tag the commit with the pre-release version (e.g. v2.0.0rc1), or set a final version.",
)
NO_RELEASE_TAG = rule(
    "G004", "no-release-tag", Severity.WARNING, "the build is not from a release tag",
    why="A release that is not tagged cannot be traced back to its source.",
    fix="Release from a tag (push the tag that triggers the workflow, or tag HEAD before building).",
)
DIRTY_TREE = rule(
    "G005", "working-tree-not-clean", Severity.ERROR, "the working tree has uncommitted changes",
    why="The sdist is built from the working tree: modified or untracked files can end up in the release "
    "without being in any commit, so the release cannot be reproduced from its tag.",
    fix="Commit, stash or remove the listed files (ignored files are fine), then build again.",
)
NOT_A_CHECKOUT = rule(
    "G006", "not-a-git-checkout", Severity.WARNING, "the project is not in a git checkout",
    why="Without git, deploypack cannot tell whether the tree is clean, which tag is released, or "
    "take SOURCE_DATE_EPOCH from the commit.",
    fix="Build from a git checkout of the release tag.",
)
EPOCH_NOT_FROM_COMMIT = rule(
    "G007", "source-date-epoch-not-from-commit", Severity.WARNING,
    "SOURCE_DATE_EPOCH is not the time of the commit being released",
    why="Archives carry timestamps: with SOURCE_DATE_EPOCH equal to the commit time, anyone can rebuild the "
    "same bytes from the tag and verify the release.",
    fix="Leave SOURCE_DATE_EPOCH unset (deploypack takes the commit time) or set it to `git log -1 --format=%ct`.",
)
INDEX_NOT_CHECKED = rule(
    "G008", "index-not-checked", Severity.WARNING, "the index was not consulted (--offline)",
    why="Whether the version is free and newest cannot be known without asking the index.",
    fix="Run the gate without --offline before publishing.",
)

GATE_RULES = (VERSION_TAKEN, VERSION_NOT_NEWEST, PRERELEASE_WITHOUT_TAG, NO_RELEASE_TAG,
              DIRTY_TREE, NOT_A_CHECKOUT, EPOCH_NOT_FROM_COMMIT, INDEX_NOT_CHECKED)
MAX_LISTED = 10


class GateOptions(Protocol):
    """What the gate reads of the options (read-only: Options is frozen)."""

    @property
    def project_dir(self) -> Path: ...
    @property
    def outdir(self) -> Path: ...
    @property
    def index_url(self) -> str | None: ...
    @property
    def offline(self) -> bool: ...
    @property
    def allow_backport(self) -> bool | tuple[str, ...]: ...
    @property
    def tag_patterns(self) -> tuple[str, ...]: ...


@dataclasses.dataclass(frozen=True)
class TreeState:
    """The working tree as it was before the build (the build itself writes egg-info and such)."""

    is_git: bool
    changes: tuple[str, ...] = ()  # repository-relative paths with uncommitted changes
    commit_time: str | None = None  # the HEAD commit's time, seconds since the epoch


@dataclasses.dataclass(frozen=True)
class GateResult:
    findings: tuple[Finding, ...]
    index_url: str | None  # None when offline
    published: tuple[str, ...] = ()  # versions on the index, oldest first
    yanked: tuple[str, ...] = ()
    page: index_client.ProjectPage | None = None  # what the index said, for the release diff
    # the index as given, credentials included: downloads from it need them; never reported
    index_url_with_credentials: str | None = dataclasses.field(default=None, repr=False)


# --- pure verdicts ---------------------------------------------------------------------------


def index_findings(version: Version, page: index_client.ProjectPage, allow_backport: bool) -> list[Finding]:
    published = page.versions()
    where = page.index_url
    if version in published:
        yanked = " (yanked, but a yanked version stays taken)" if published[version] else ""
        return [VERSION_TAKEN.at(f"{page.name} {version} is already published on {where}{yanked}")]
    live = [known for known, yanked in published.items() if not yanked]
    if allow_backport:
        series = [known for known in live if known.release[:2] == version.release[:2]]
        newest = max(series, default=None)
        if newest is not None and newest > version:
            return [VERSION_NOT_NEWEST.at(
                f"{page.name} {version} is older than {newest}, already published in the same "
                f"{'.'.join(map(str, version.release[:2]))} series on {where}"
            )]
        return []
    newest = max(live, default=None)
    if newest is not None and newest > version:
        return [VERSION_NOT_NEWEST.at(
            f"{page.name} {version} is older than {newest}, the newest version on {where}",
            hint=f"use a version above {newest}; for a deliberate back-port set allow-backport "
            "(--allow-backport, or `allow-backport = true` in [tool.deploypack])",
        )]
    return []


def release_findings(version: Version, release: ReleaseInfo, patterns: Sequence[str]) -> list[Finding]:
    """An untagged release, and a pre-release from anything but a pre-release tag (R001 matches tags)."""
    findings = []
    tagged = tag_version(release.tag, patterns) if release.tag else None
    if release.tag is None and not version.is_prerelease:
        findings.append(NO_RELEASE_TAG.at(f"{version} is built from a commit without a release tag"))
    if version.is_prerelease and (tagged is None or not tagged.is_prerelease):
        where = f"the tag {release.tag!r}" if release.tag else "a commit without a tag"
        findings.append(PRERELEASE_WITHOUT_TAG.at(f"the pre-release {version} is built from {where}"))
    return findings


def tree_findings(tree: TreeState) -> list[Finding]:
    if not tree.is_git:
        return [NOT_A_CHECKOUT.at("not a git checkout: the tree, tag and commit time cannot be verified")]
    if not tree.changes:
        return []
    listed = ", ".join(tree.changes[:MAX_LISTED])
    more = f" and {len(tree.changes) - MAX_LISTED} more" if len(tree.changes) > MAX_LISTED else ""
    return [DIRTY_TREE.at(f"{len(tree.changes)} uncommitted change(s) in the tree: {listed}{more}")]


def epoch_findings(epoch: str | None, tree: TreeState) -> list[Finding]:
    if not tree.is_git or tree.commit_time is None:
        return []
    if epoch is None:
        return [EPOCH_NOT_FROM_COMMIT.at("SOURCE_DATE_EPOCH was not set for the build")]
    if epoch.strip() != tree.commit_time:
        return [EPOCH_NOT_FROM_COMMIT.at(
            f"SOURCE_DATE_EPOCH is {epoch.strip()} but the commit being released is from {tree.commit_time}"
        )]
    return []


def evaluate(
    version_text: str,
    page: index_client.ProjectPage | None,
    release: ReleaseInfo,
    tree: TreeState,
    epoch: str | None,
    tag_patterns: Sequence[str],
    allow_backport: bool,
) -> list[Finding]:
    """Every gate verdict; `page` None means the index was skipped (--offline)."""
    try:
        version = Version(version_text)
    except InvalidVersion:
        return []  # the metadata checks already report an invalid version
    findings: list[Finding] = []
    if page is None:
        findings.append(INDEX_NOT_CHECKED.at("--offline: not checked whether the version is free and newest"))
    else:
        findings += index_findings(version, page, allow_backport)
    findings += release_findings(version, release, tag_patterns)
    findings += tree_findings(tree)
    findings += epoch_findings(epoch, tree)
    return findings


# --- I/O at the edges --------------------------------------------------------------------------


def tree_state(project_dir: Path, ignored: Iterable[Path] = ()) -> TreeState:
    """`git status` of the project's part of the tree, leaving out deploypack's own output."""
    root = git.output(project_dir, "rev-parse", "--show-toplevel", timeout=60)
    if root is None:
        return TreeState(is_git=False)
    status = git.output(project_dir, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", timeout=60)
    commit_time = git.output(project_dir, "log", "-1", "--format=%ct", timeout=60)
    skipped = [path.resolve() for path in ignored]
    changes = []
    entries = iter((status or "").split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        if entry[0] in "RC":  # a rename or copy is followed by its source path
            next(entries, None)
        absolute = (Path(root) / entry[3:]).resolve()
        if any(absolute == skip or absolute.is_relative_to(skip) for skip in skipped):
            continue
        changes.append(entry[3:])
    return TreeState(is_git=True, changes=tuple(sorted(changes)), commit_time=commit_time or None)


def backport_allowed(setting: bool | Sequence[str], branches: Iterable[str]) -> bool:
    """`allow-backport`: true, or branch patterns one of the release's branches matches."""
    if isinstance(setting, bool):
        return setting
    return any(fnmatch.fnmatchcase(branch, pattern) for branch in branches for pattern in setting)


def release_branches(project_dir: Path, environ: Mapping[str, str]) -> list[str]:
    """The branches the released commit is on: the workflow's branch, and every local or
    remote-tracking branch that contains HEAD (a tag build on Actions has no branch of its own)."""
    branches = []
    ref = environ.get("GITHUB_REF", "")
    if ref.startswith("refs/heads/"):
        branches.append(ref.removeprefix("refs/heads/"))
    if environ.get("GITHUB_BASE_REF"):
        branches.append(environ["GITHUB_BASE_REF"])
    listed = git.output(project_dir, "for-each-ref", "--contains", "HEAD", "--format=%(refname)",
                        "refs/heads", "refs/remotes", timeout=60) or ""
    for refname in listed.splitlines():
        if refname.startswith("refs/heads/"):
            branches.append(refname.removeprefix("refs/heads/"))
        elif refname.startswith("refs/remotes/") and not refname.endswith("/HEAD"):
            branches.append(refname.removeprefix("refs/remotes/").split("/", 1)[-1])
    return list(dict.fromkeys(branches))


def run_gate(
    options: GateOptions,
    environ: Mapping[str, str],
    name: str,
    version: str,
    release: ReleaseInfo,
    tree: TreeState,
    epoch: str | None,
) -> GateResult:
    """Ask the index (unless offline) and return every gate verdict."""
    from deploypack.gate import index_client

    page = None
    index_url = None
    if not options.offline:
        index_url = options.index_url or index_client.default_index_url(environ)
        page = index_client.fetch_project(index_url, name)
    backport = options.allow_backport
    if not isinstance(backport, bool):
        backport = backport_allowed(backport, release_branches(options.project_dir, environ))
    findings = evaluate(version, page, release, tree, epoch, options.tag_patterns, backport)
    versions = page.versions() if page is not None else {}
    ordered = sorted(versions)
    return GateResult(
        findings=tuple(findings),
        index_url=index_client.redact(index_url) if index_url else None,
        published=tuple(str(known) for known in ordered),
        yanked=tuple(str(known) for known in ordered if versions[known]),
        page=page,
        index_url_with_credentials=index_url,
    )


def blocking_reasons(findings: Iterable[Finding], strict: bool) -> list[str]:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return [f"{finding.code} {finding.message}" for finding in findings if finding.severity in failing]


def summarize(result: GateResult, findings: Sequence[Finding], ok: bool, strict: bool) -> dict[str, Any]:
    """The report's `gate` object: the verdict of the whole run, and why."""
    return {
        "publishable": ok,
        "reasons": blocking_reasons(findings, strict),
        "index": result.index_url,
        "offline": result.index_url is None,
        "published_versions": list(result.published),
        "yanked_versions": list(result.yanked),
    }


def outputs(summary: Mapping[str, Any]) -> dict[str, str]:
    """The action outputs: `publishable` and `publishable-reasons` (one per line)."""
    return {
        "publishable": "true" if summary["publishable"] else "false",
        "publishable-reasons": "\n".join(summary["reasons"]),
    }


def ignored_paths(options: GateOptions, extra: Iterable[Path | None] = ()) -> list[Path]:
    """What the clean-tree check must not count: deploypack's own output."""
    paths = [options.outdir]
    paths += [path for path in extra if path is not None]
    return [path if path.is_absolute() else Path(os.path.abspath(path)) for path in paths]


def attach(report: Report, result: GateResult | None, strict: bool) -> Report:
    """The report with the gate's verdict in its JSON form and its action outputs."""
    if result is None:
        return report
    summary = summarize(result, report.findings, report.ok, strict)
    return dataclasses.replace(report, gate=summary, extra_outputs={**report.extra_outputs, **outputs(summary)})
