"""The release diff's I/O: which published release to compare with, its wheel downloaded once into
deploypack's cache (verified against the index's digest, never installed), and the findings.

Runs with the release gate, after it read the project's page from the index: the only extra
request is the wheel's download, and none when the cache holds it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from deploypack.build.envcache import cache_root
from deploypack.checks import CheckContext
from deploypack.checks.metadata_fields import at, locate
from deploypack.checks.requirements import locate_requirement
from deploypack.checks.version_source import version_source
from deploypack.core.errors import DeploypackError
from deploypack.core.findings import Finding
from deploypack.gate import release_diff
from deploypack.gate.wheel_facts import facts_of
from deploypack.read.archives import Distribution, Limits, read_distribution

if TYPE_CHECKING:
    from deploypack.gate import index_client

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._+!-]+\.whl$")


@dataclasses.dataclass(frozen=True)
class DiffOutcome:
    findings: tuple[Finding, ...]
    changes: Mapping[str, Any]  # the report's `changes` object


def previous_version(page: index_client.ProjectPage, version: Version) -> Version | None:
    """The newest published, not yanked, version below `version`; a final release compares with finals
    (users of 1.9 upgrade to 2.0, not from 2.0rc1), unless only pre-releases were published."""
    live = [known for known, yanked in page.versions().items() if not yanked and known < version]
    finals = [known for known in live if not known.is_prerelease] if not version.is_prerelease else live
    return max(finals or live, default=None)


def _tags(filename: str) -> frozenset[Tag]:
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()


def pick_wheel(page: index_client.ProjectPage, version: Version, built: str) -> index_client.IndexFile | None:
    """The release's wheel closest to the one built: sharing a tag, else a pure one, else any."""
    wheels = [file for file in page.files if file.version == version and file.filename.endswith(".whl")
              and _SAFE_NAME.match(file.filename)]
    ours = _tags(built)

    def rank(file: index_client.IndexFile) -> tuple[int, int, str]:
        tags = _tags(file.filename)
        return (0 if tags & ours else 1, 0 if any(tag.platform == "any" for tag in tags) else 1, file.filename)

    return min(wheels, key=rank, default=None)


def cached_wheel(file: index_client.IndexFile, index_url: str, project: str, environ: Mapping[str, str],
                 max_size: int) -> Path:
    """The wheel in deploypack's cache: reused when it still matches the index's digest, else downloaded."""
    import hashlib

    from deploypack.gate import index_client

    directory = cache_root(environ) / "releases" / canonicalize_name(project)
    path = directory / file.filename
    algorithm, expected = index_client.verified_digest(file)
    if path.is_file():
        digest = hashlib.new(algorithm)
        digest.update(path.read_bytes())
        if digest.hexdigest() == expected:
            return path
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise index_client.DownloadFailed(f"cannot create the cache directory {directory}: {error}") from None
    index_client.download(file, index_url, path, max_size)
    return path


class ContextLocator:
    """The lines a person edits, found in the project's sources as the checks find them."""

    def __init__(self, context: CheckContext, version: str) -> None:
        self._context, self._version = context, version

    def version(self) -> Mapping[str, Any]:
        return at(version_source(self._context, self._version).location)

    def requirement(self, text: str) -> Mapping[str, Any]:
        return at(locate_requirement(self._context, text))

    def field(self, field: str, value: str | None = None) -> Mapping[str, Any]:
        return at(locate(self._context, value, field))


def diff_release(
    page: index_client.ProjectPage | None, index_url: str | None, built: Distribution, context: CheckContext,
    environ: Mapping[str, str], limits: Limits, max_size: int,
) -> DiffOutcome:
    """Compare the wheel built with the newest earlier release's; `page` None: offline."""
    from deploypack.gate import index_client

    shown = index_client.redact(index_url) if index_url else None
    facts = facts_of(built)
    try:
        version = Version(facts.version)
    except InvalidVersion:
        return DiffOutcome((), release_diff.to_json(None, shown, "the version built is not a valid version"))
    if page is None or index_url is None:
        return _skipped("offline: this release was not compared with the last published one", shown)
    previous = previous_version(page, version)
    if previous is None:
        return _skipped(f"first release of {page.name} on {shown}: nothing published to compare with", shown)
    file = pick_wheel(page, previous, built.filename)
    if file is None:
        return _skipped(f"{page.name} {previous} has no wheel on {shown}: not compared", shown)
    try:
        path = cached_wheel(file, index_url, page.name, environ, max_size)
        before = facts_of(read_distribution(path, limits))
    except (index_client.DownloadFailed, DeploypackError) as error:
        finding = release_diff.PREVIOUS_UNUSABLE.at(f"{page.name} {previous}: {error}", artifact=built.filename)
        return DiffOutcome((finding,), release_diff.to_json(None, shown, str(error)))
    changes = release_diff.compare(before, facts)
    found = release_diff.findings(changes, facts.version, built.filename, ContextLocator(context, facts.version))
    return DiffOutcome(tuple(found), release_diff.to_json(changes, shown))


def _skipped(reason: str, index: str | None) -> DiffOutcome:
    return DiffOutcome((release_diff.not_compared(reason),), release_diff.to_json(None, index, reason))
