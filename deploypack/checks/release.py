"""Release: the version built is the version the release tag names.

The tag comes from the run's ReleaseInfo (GITHUB_REF when it is a tag, else the tag on HEAD);
`tag-patterns` say how a tag spells a version (default `v{version}` and `{version}`), and versions
are compared normalised (v1.0 is 1.0.0). The finding points at the line that declares the version —
static in the configuration, a `__version__` in the package, a version file — or, when the version
is derived from git by a plugin (setuptools-scm, hatch-vcs…), at that plugin's configuration.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import at, locate, metadata_dists, raw_metadata
from deploypack.findings import Finding, Severity
from deploypack.rules import rule
from deploypack.sources import ProjectSources, SourceLocation, toml_key_line, toml_table_line

VERSION_TAG_MISMATCH = rule(
    "R001", "version-tag-mismatch", Severity.ERROR, "the version built is not the version the release tag names",
    why="The tag is what people (and release automation) believe is published; a different version in the "
    "metadata means the version was not bumped, the tag is on the wrong commit, or a version plugin saw a "
    "dirty tree. Publishing it releases the wrong number, which can never be reused.",
    fix="Make the version at the line given equal to the tag (or move the tag to the commit that has it); "
    "with a git-derived version, build the tagged commit from a clean tree.",
)
TAG_PATTERN_UNMATCHED = rule(
    "R002", "tag-pattern-unmatched", Severity.WARNING, "the release tag matches none of the tag patterns",
    why="deploypack cannot tell which version the tag names, so it cannot confirm that the right version "
    "is being released.",
    fix="Name release tags after a tag pattern (default `v{version}` or `{version}`), or set `tag-patterns` "
    "in [tool.deploypack], e.g. `tag-patterns = [\"release-{version}\"]`.",
)

VERSION_FIELD = "{version}"
_VCS_BUILD_REQUIREMENTS = re.compile(
    r"^\s*(setuptools[-_]scm|setuptools[-_]git[-_]versioning|hatch[-_]vcs|versioningit|poetry[-_]dynamic[-_]versioning"
    r"|dunamai|pbr|flit[-_]scm)\b", re.IGNORECASE,
)


def tag_version(tag: str, patterns: Sequence[str]) -> Any:
    """The version (packaging Version) the tag names under the first matching pattern, or None."""
    from packaging.version import InvalidVersion, Version

    for pattern in patterns:
        prefix, marker, suffix = pattern.partition(VERSION_FIELD)
        if not marker or not tag.startswith(prefix) or not tag.endswith(suffix) or len(tag) <= len(prefix + suffix):
            continue
        try:
            return Version(tag[len(prefix): len(tag) - len(suffix)])
        except InvalidVersion:
            continue
    return None


@dataclasses.dataclass(frozen=True)
class VersionSource:
    """Where the project's version comes from: a line to edit, and the git plugin when it is derived."""

    location: SourceLocation | None
    plugin: str | None = None


def _pyproject(sources: ProjectSources) -> tuple[dict[str, Any], str]:
    text = sources.text("pyproject.toml") or ""
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError:
        return {}, text


def _vcs_plugin(sources: ProjectSources, data: dict[str, Any], text: str) -> VersionSource | None:
    """The git-derived version plugin in use, and the configuration line that enables it."""
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    hatch_version = tool.get("hatch", {}).get("version", {}) if isinstance(tool.get("hatch"), dict) else {}
    if isinstance(hatch_version, dict) and hatch_version.get("source") == "vcs":
        line = toml_key_line(text, "tool.hatch.version", "source")
        return VersionSource(SourceLocation("pyproject.toml", line) if line else None, "hatch-vcs")
    pdm_version = tool.get("pdm", {}).get("version", {}) if isinstance(tool.get("pdm"), dict) else {}
    if isinstance(pdm_version, dict) and pdm_version.get("source") == "scm":
        line = toml_key_line(text, "tool.pdm.version", "source")
        return VersionSource(SourceLocation("pyproject.toml", line) if line else None, "pdm-backend (scm)")
    for table, plugin in (("setuptools_scm", "setuptools-scm"), ("setuptools-scm", "setuptools-scm"),
                          ("setuptools-git-versioning", "setuptools-git-versioning"), ("versioningit", "versioningit"),
                          ("poetry-dynamic-versioning", "poetry-dynamic-versioning")):
        if table in tool:
            line = toml_table_line(text, f"tool.{table}")
            return VersionSource(SourceLocation("pyproject.toml", line) if line else None, plugin)
    dynamic = data.get("project", {}).get("dynamic", []) if isinstance(data.get("project"), dict) else []
    build_requires = data.get("build-system", {}).get("requires", []) if isinstance(data.get("build-system"), dict) else []
    for requirement in build_requires if isinstance(build_requires, list) else ():
        match = _VCS_BUILD_REQUIREMENTS.match(str(requirement))
        if match and ("version" in dynamic or not data.get("project")):
            return VersionSource(sources.find_literal(str(requirement), ["pyproject.toml"]),
                                 match.group(1).lower().replace("_", "-"))
    setup_py = sources.text("setup.py") or ""
    for keyword, plugin in (("use_scm_version", "setuptools-scm"), ("pbr", "pbr")):
        if re.search(rf"\b{keyword}\s*=", setup_py):
            found = sources.find_key({"setup.py": [keyword]})
            return VersionSource(found, plugin)
    return None


def _version_files(context: CheckContext, data: dict[str, Any]) -> list[str]:
    """Files that may declare the version: those the configuration names, then the usual suspects."""
    assert context.sources is not None
    named: list[str] = []
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    for candidate in (
        tool.get("hatch", {}).get("version", {}).get("path") if isinstance(tool.get("hatch"), dict) else None,
        tool.get("pdm", {}).get("version", {}).get("path") if isinstance(tool.get("pdm"), dict) else None,
    ):
        if isinstance(candidate, str):
            named.append(candidate)
    attrs: list[str] = []
    dynamic = tool.get("setuptools", {}).get("dynamic", {}) if isinstance(tool.get("setuptools"), dict) else {}
    version_spec = dynamic.get("version") if isinstance(dynamic, dict) else None
    if isinstance(version_spec, dict):
        if isinstance(version_spec.get("attr"), str):
            attrs.append(version_spec["attr"])
        files = version_spec.get("file")
        named.extend([files] if isinstance(files, str) else [f for f in files or () if isinstance(f, str)])
    setup_cfg = context.sources.text("setup.cfg") or ""
    directive = re.search(r"^\s*version\s*=\s*(attr|file)\s*:\s*(\S+)", setup_cfg, re.MULTILINE)
    if directive:
        (attrs if directive.group(1) == "attr" else named).append(directive.group(2))
    members = [m.path for m in context.sdist.files()] if context.sdist is not None else []
    for attr in attrs:
        module = attr.rpartition(".")[0].replace(".", "/")
        endings = (f"{module}/__init__.py", f"{module}.py")
        named.extend(sorted((path for path in members if path.endswith(endings)), key=len))
    usual = ("__init__.py", "__about__.py", "_version.py", "version.py", "__version__.py", "__pkginfo__.py",
             "VERSION", "VERSION.txt", "version.txt")
    for path in sorted(members, key=lambda p: (p.count("/"), p)):
        if path.rpartition("/")[2] in usual and path.count("/") <= 3 and not path.startswith(("test", "doc")):
            named.append(path)
    return list(dict.fromkeys(named))


def _line_declaring(context: CheckContext, version: str, files: Iterable[str]) -> SourceLocation | None:
    """The first line writing `version`: quoted, alone on its line (a VERSION file), or as a tuple
    such as `VERSION = (5, 2, 19, "final", 0)`."""
    assert context.sources is not None
    numbers = re.match(r"^\d+(?:\.\d+)*", version)
    as_tuple = re.compile(r"\(\s*" + r"\s*,\s*".join(numbers.group(0).split(".")) + r"\b") if numbers else None
    quoted = re.compile(rf"""["']{re.escape(version)}["']""")
    for path in files:
        text = context.sources.text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            hit = quoted.search(line) or (as_tuple.search(line) if as_tuple and "." in version else None)
            if hit or line.strip() == version:
                return SourceLocation(path, number, (hit.start() if hit else line.find(version)) + 1)
    return None


def version_source(context: CheckContext, version: str) -> VersionSource:
    """Where a person changes the version: the line writing `version`, or the version plugin's configuration."""
    if context.sources is None:
        return VersionSource(None)
    data, text = _pyproject(context.sources)
    plugin = _vcs_plugin(context.sources, data, text)
    if plugin is not None:
        return plugin
    static = locate(context, version)
    if static is not None:
        return VersionSource(static)
    found = _line_declaring(context, version, _version_files(context, data))
    if found is not None:
        return VersionSource(found)
    dynamic = context.sources.find_key({"pyproject.toml": ["project.dynamic"]})
    return VersionSource(dynamic or locate(context, None, "version"))


@check(VERSION_TAG_MISMATCH, TAG_PATTERN_UNMATCHED)
def version_matches_tag(context: CheckContext) -> Iterator[Finding]:
    from packaging.version import InvalidVersion, Version

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
    if source.plugin:
        message = (f"{origin} names {tagged}, but {source.plugin} derived the version {built} from git: the tree "
                   "was dirty, HEAD is not exactly at the tag, or the plugin does not read this tag")
    else:
        message = f"{origin} names {tagged}, but the project's version is {built}"
    yield VERSION_TAG_MISMATCH.at(
        message, artifact=dist.filename, severity=Severity.ERROR if releasing else Severity.WARNING,
        **at(source.location),
    )
