"""Release: the version built is the version the release tag names.

The tag comes from the run's ReleaseInfo (GITHUB_REF when it is a tag, else the tag on HEAD);
`tag-patterns` say how a tag spells a version (default `v{version}` and `{version}`), and versions
are compared normalised (v1.0 is 1.0.0). The finding points at the line that declares the version —
static in the configuration, a `__version__` in the package, a version file — or, when the version
is derived from git by a plugin (setuptools-scm, hatch-vcs…), at that plugin's configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from deploypack.checks import CheckContext, check
from deploypack.checks.dirty_version import dirty_cause
from deploypack.checks.metadata_fields import at, metadata_dists, raw_metadata
from deploypack.checks.version_source import version_source
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.release import tag_version

VERSION_TAG_MISMATCH = rule(
    "R001", "version-tag-mismatch", Severity.ERROR, "the version built is not the version the release tag names",
    why="The tag is what people (and release automation) believe is published; a different version in the "
    "metadata means the version was not bumped, the tag is on the wrong commit, or a version plugin saw a "
    "dirty tree. Publishing it releases the wrong number, which can never be reused.",
    fix="Make the version at the line given equal to the tag (or move the tag to the commit that has it); "
    "with a git-derived version, build the tagged commit from a clean tree, and do not track the version "
    "file the plugin generates (the build rewrites it, which dirties the tree).",
)
TAG_PATTERN_UNMATCHED = rule(
    "R002", "tag-pattern-unmatched", Severity.WARNING, "the release tag matches none of the tag patterns",
    why="deploypack cannot tell which version the tag names, so it cannot confirm that the right version "
    "is being released.",
    fix="Name release tags after a tag pattern (default `v{version}` or `{version}`), or set `tag-patterns` "
    "in [tool.deploypack], e.g. `tag-patterns = [\"release-{version}\"]`.",
)

@check(VERSION_TAG_MISMATCH, TAG_PATTERN_UNMATCHED)
def version_matches_tag(context: CheckContext) -> Iterator[Finding]:
    from packaging.version import InvalidVersion

    tag = context.release.tag
    dist = next(metadata_dists(context), None)
    if not tag or dist is None:
        return
    built = raw_metadata(dist).get("version") or ""
    try:
        version = Version(built)
    except InvalidVersion:
        return  # M011 reports it
    patterns = context.options.tag_patterns
    origin = f"the tag {tag!r} (from {context.release.tag_source or 'git'})"
    tagged = tag_version(tag, patterns)
    if tagged is None:
        yield TAG_PATTERN_UNMATCHED.at(
            f"{origin} matches none of the tag patterns {', '.join(patterns)}: the version {built} cannot be "
            "checked against it", artifact=dist.filename,
            **at(context.sources.find_key({"pyproject.toml": ["tool.deploypack.tag-patterns"]})
                 if context.sources else None),
        )
        return
    if tagged == version:
        return
    releasing = context.options.releasing is not False
    source = version_source(context, built)
    location = source.location
    if source.plugin:
        cause = dirty_cause(context.sources) if context.sources is not None else None
        reason = cause[0] if cause else ("the tree was dirty, HEAD is not exactly at the tag, or the plugin does "
                                         "not read this tag")
        location = (cause[1] if cause else None) or location
        message = f"{origin} names {tagged}, but {source.plugin} derived the version {built} from git: {reason}"
    else:
        message = f"{origin} names {tagged}, but the project's version is {built}"
    yield VERSION_TAG_MISMATCH.at(
        message, artifact=dist.filename, severity=Severity.ERROR if releasing else Severity.WARNING,
        **at(location),
    )
