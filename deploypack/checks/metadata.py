"""Core metadata: present, valid, named and versioned the way the index accepts.

packaging's validator (`Metadata.from_email`) is the reference for what is valid; the fields that
have a check of their own here (name, version, requirements, licence expression…) get that check's
precise code and message, and M002 reports whatever else it refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import at, locate, metadata_dists, raw_field_name, raw_metadata, where
from deploypack.checks.version_source import version_source
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Rule, rule
from deploypack.read.archives import Distribution

METADATA_MISSING = rule(
    "M001", "metadata-missing", Severity.ERROR, "a distribution has no core metadata file",
    why="Without PKG-INFO (sdist) or .dist-info/METADATA (wheel) the index rejects the upload and "
    "installers cannot read the name, version or dependencies.",
    fix="Build with a standards-compliant backend; do not post-process the archives.",
)
METADATA_INVALID = rule(
    "M002", "metadata-invalid", Severity.ERROR, "core metadata does not validate",
    why="The index validates every field of the core metadata on upload and refuses invalid ones "
    "(a bad version, name, requirement or email address).",
    fix="Correct the field in the project's configuration at the line given.",
)
METADATA_VERSION_UNSUPPORTED = rule(
    "M007", "metadata-version-unsupported", Severity.ERROR, "the Metadata-Version is not a known version",
    why="Installers and the index parse core metadata by its Metadata-Version; one they do not know makes "
    "the upload fail, or the fields be ignored.",
    fix="Use a released version of the build backend (pin it in [build-system] requires), or upgrade the "
    "tools that read the metadata.",
)
NAME_INVALID = rule(
    "M008", "name-invalid", Severity.ERROR, "the project name is not a valid distribution name",
    why="A name must be ASCII letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit "
    "(PEP 508); the index refuses any other.",
    fix="Rename the project at the line given (the index compares names normalised: lower case, runs of "
    "`-_.` as one `-`).",
)
FILENAME_MISMATCH = rule(
    "M009", "filename-mismatch", Severity.ERROR,
    "an archive's file name does not match the name or version in its metadata",
    why="The index and installers take the name and version from the file name (PEP 625 for sdists, the "
    "wheel spec for wheels); when it disagrees with the metadata, the upload is refused or the wrong "
    "project/version is installed.",
    fix="Do not rename built archives; rebuild them with the backend.",
)
FILENAME_NOT_NORMALIZED = rule(
    "M010", "filename-not-normalized", Severity.WARNING,
    "an archive's file name is not in the normalised form",
    why="PEP 625 (sdists) and the binary distribution format (wheels) require the name part lower case with "
    "`_` for runs of `-_.`, and the version normalised; the index refuses sdists that are not, and some "
    "tools fail to find such wheels.",
    fix="Upgrade the build backend (setuptools >= 69.3, hatchling, flit-core >= 3.9…); it writes normalised names.",
)
VERSION_INVALID = rule(
    "M011", "version-invalid", Severity.ERROR, "the version is not a valid PEP 440 version",
    why="The index refuses versions that are not PEP 440, and installers cannot order them.",
    fix="Write a PEP 440 version at the line given, e.g. 1.2.0, 1.2.0rc1, 1.2.0.post1.",
)
VERSION_PLACEHOLDER = rule(
    "M012", "version-placeholder", Severity.ERROR, "the version is the placeholder 0.0.0",
    why="0.0.0 is what templates and version plugins fall back to when they find no version (no git "
    "metadata, no tag): publishing it takes a number that can never be reused.",
    fix="Set the real version at the line given, or build from a git checkout with tags (fetch-depth: 0).",
)
VERSION_LOCAL = rule(
    "M013", "version-local", Severity.ERROR, "the version has a local part (+…)",
    why="The index refuses local versions such as 1.0+g1234abc; version plugins produce them when the tree "
    "is dirty or HEAD is not at a tag.",
    fix="Build the tagged commit from a clean tree, or remove the `+…` part from the version.",
)
VERSION_DEV_RELEASE = rule(
    "M014", "version-dev-release", Severity.ERROR, "a .dev version is being released",
    why="A development version published as a release is installed by nobody (pip skips it without --pre) "
    "and burns the number; it usually means the version was not bumped, or the tag is not on HEAD.",
    fix="Set the final version at the line given (or tag the commit so the version plugin derives it).",
)
PROJECT_URL_MALFORMED = rule(
    "M023", "project-url-malformed", Severity.ERROR, "a project URL is not a label with an http(s) URL",
    why="The index refuses Project-URL entries without a label, with a label over 32 characters, or with "
    "a URL that is not absolute http(s) with a host; the links on the project page would be broken anyway.",
    fix="Write each entry as `Label = \"https://host/path\"` under [project.urls] (or project_urls in "
    "setup.py/setup.cfg).",
)

_NEWER_FIELD_HINT = ("The build backend writes a field that its Metadata-Version does not define: upgrade the "
                     "backend in [build-system] requires (setuptools >= 77 writes Metadata-Version 2.4), or stop "
                     "it writing the field (setuptools: `license-files = []` under [tool.setuptools]).")

# Fields whose validation errors belong to a dedicated check (with a precise code and message).
_DEDICATED_FIELDS = {"metadata_version", "name", "version", "description_content_type", "license_expression",
                     "requires_dist", "provides_extra"}


@check(METADATA_MISSING, METADATA_INVALID)
def metadata_is_valid(context: CheckContext) -> Iterator[Finding]:
    from packaging.metadata import Metadata

    for dist in context.distributions:
        if dist.metadata_bytes is None:
            expected = "PKG-INFO" if dist.kind == "sdist" else "*.dist-info/METADATA"
            yield METADATA_MISSING.at(f"{dist.filename} has no {expected}", artifact=dist.filename)
            continue
        try:
            Metadata.from_email(dist.metadata_bytes, validate=True)
        except Exception as error:  # an ExceptionGroup of InvalidMetadata (packaging's backport before 3.11)
            for problem in leaves(error):
                field = getattr(problem, "field", None)
                name = raw_field_name(field) if field else None
                if name in _DEDICATED_FIELDS:
                    continue
                if "introduced in metadata version" in str(problem):
                    # The backend wrote a field newer than the Metadata-Version it declares (setuptools < 77 and
                    # License-File). The index refuses it from uv/hatch publish, twine >= 6.1 drops the field
                    # before uploading: a warning, and the fix is the backend's version, not the field.
                    yield METADATA_INVALID.at(
                        f"{dist.metadata_path}: {problem} (the index refuses it unless the uploader drops the field)",
                        hint=_NEWER_FIELD_HINT, severity=Severity.WARNING,
                        **where(context, None, "metadata_version", dist),
                    )
                    continue
                yield METADATA_INVALID.at(
                    f"{dist.metadata_path}: {problem}", **where(context, _single_value(dist, name), name, dist),
                )


def leaves(error: BaseException) -> Iterator[BaseException]:
    nested = getattr(error, "exceptions", None)
    if not nested:
        yield error
        return
    for inner in nested:
        yield from leaves(inner)


def _single_value(dist: Distribution, field: str | None) -> str | None:
    value = raw_metadata(dist).get(field) if field else None
    if isinstance(value, list):
        return str(value[0]) if len(value) == 1 else None
    return value if isinstance(value, str) and value else None


def known_metadata_version(value: str) -> bool:
    """Whether packaging (and with it the index and twine) reads this Metadata-Version."""
    from packaging.metadata import Metadata

    try:
        Metadata.from_raw({"metadata_version": value, "name": "x", "version": "0"}, validate=True)
    except Exception:  # an ExceptionGroup holding the one InvalidMetadata
        return False
    return True


@check(METADATA_VERSION_UNSUPPORTED)
def metadata_version_is_known(context: CheckContext) -> Iterator[Finding]:
    for dist in metadata_dists(context):
        declared = raw_metadata(dist).get("metadata_version")
        if declared and known_metadata_version(declared):
            continue
        what = f"declares Metadata-Version {declared!r}, which no released tool reads" if declared else (
            "has no Metadata-Version")
        yield METADATA_VERSION_UNSUPPORTED.at(
            f"{dist.metadata_path} {what}", **where(context, None, "metadata_version", dist),
        )


@check(NAME_INVALID, FILENAME_MISMATCH, FILENAME_NOT_NORMALIZED)
def names_are_valid_and_match(context: CheckContext) -> Iterator[Finding]:
    from packaging.utils import InvalidName, canonicalize_name

    reported: set[str] = set()
    for dist in metadata_dists(context):
        name = raw_metadata(dist).get("name") or ""
        try:
            canonical = canonicalize_name(name, validate=True)
        except InvalidName:
            if name not in reported:
                reported.add(name)
                yield NAME_INVALID.at(f"{name!r} is not a valid project name", **where(context, name, "name", dist))
            continue
        yield from _filename_findings(context, dist, canonical)


def _filename_findings(context: CheckContext, dist: Distribution, canonical: str) -> Iterator[Finding]:
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename
    from packaging.version import InvalidVersion, Version

    raw = raw_metadata(dist)
    try:
        version: Version | None = Version(raw.get("version") or "")
    except InvalidVersion:
        version = None  # M011 reports it
    try:
        if dist.kind == "sdist":
            file_name, file_version = parse_sdist_filename(dist.filename)
        else:
            file_name, file_version, _build, _tags = parse_wheel_filename(dist.filename)
    except (InvalidSdistFilename, InvalidWheelFilename, InvalidVersion) as error:
        yield FILENAME_MISMATCH.at(f"{dist.filename}: the file name cannot be parsed ({error})", artifact=dist.filename)
        return
    if file_name != canonical or (version is not None and file_version != version):
        yield FILENAME_MISMATCH.at(
            f"{dist.filename} names {file_name} {file_version}, but its metadata says {raw.get('name')} "
            f"{raw.get('version')}", artifact=dist.filename, member=dist.metadata_path,
        )
        return
    if version is None:
        return
    stem = f"{canonical.replace('-', '_')}-{version}"
    expected = f"{stem}.tar.gz" if dist.kind == "sdist" else f"{stem}-{_wheel_tail(dist.filename)}"
    if dist.filename != expected:
        backend = context.sources.find_key({"pyproject.toml": ["build-system.requires"]}) if context.sources else None
        yield FILENAME_NOT_NORMALIZED.at(
            f"{dist.filename} is not normalised: expected {expected}", artifact=dist.filename, **at(backend),
        )


def _wheel_tail(filename: str) -> str:
    """The `[build-]python-abi-platform.whl` part of a wheel file name."""
    parts = filename.removesuffix(".whl").split("-")
    return "-".join(parts[2:]) + ".whl"


def releasing(context: CheckContext) -> bool:
    """A release build: `releasing` when set, else whenever the commit carries a release tag."""
    chosen = context.options.releasing
    return chosen if chosen is not None else context.release.tag is not None


@check(VERSION_INVALID, VERSION_PLACEHOLDER, VERSION_LOCAL, VERSION_DEV_RELEASE)
def version_is_releasable(context: CheckContext) -> Iterator[Finding]:
    from packaging.version import InvalidVersion, Version

    seen: set[str] = set()
    for dist in metadata_dists(context):
        text = raw_metadata(dist).get("version") or ""
        if text in seen:
            continue  # the sdist and the wheel carry the same version: one finding, not two
        seen.add(text)
        problems: list[tuple[Rule, str]] = []
        try:
            version = Version(text)
        except InvalidVersion:
            problems.append((VERSION_INVALID, f"{text!r} is not a valid PEP 440 version"))
        else:
            if version == Version("0"):
                problems.append((VERSION_PLACEHOLDER,
                                 f"the version is {text}: the project's version was not found by the build"))
            if version.local is not None:
                problems.append((VERSION_LOCAL,
                                 f"the version {text} has the local part +{version.local}, which the index refuses"))
            if version.is_devrelease and releasing(context):
                because = f"the tag {context.release.tag}" if context.release.tag else "`releasing = true`"
                problems.append((VERSION_DEV_RELEASE, f"{text} is a development version, released from {because}"))
        if not problems:
            continue
        source = version_source(context, text)  # only now: it may read the package's files
        place: dict[str, Any] = {"artifact": dist.filename}
        place.update(at(source.location) if source.location else {"member": dist.metadata_path})
        derived = (f" ({source.plugin} derives it from git: build the tagged commit from a clean tree)"
                   if source.plugin else "")
        for problem_rule, message in problems:
            yield problem_rule.at(message + (derived if problem_rule is not VERSION_INVALID else ""), **place)


def _url_problem(label: str | None, url: str) -> str | None:
    from urllib.parse import urlsplit

    if label is not None and not label.strip():
        return "has no label"
    if label is not None and len(label) > 32:
        return f"has a label longer than 32 characters ({label!r})"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return f"has an unparsable URL {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"URL {url!r} is not absolute http(s)" if parts.scheme else f"URL {url!r} has no scheme (https://…)"
    if not parts.hostname:
        return f"URL {url!r} has no host"
    if any(character.isspace() for character in url.strip()):
        return f"URL {url!r} contains white space"
    return None


@check(PROJECT_URL_MALFORMED)
def project_urls_are_well_formed(context: CheckContext) -> Iterator[Finding]:
    reported: set[tuple[str | None, str]] = set()
    for dist in metadata_dists(context):
        raw = raw_metadata(dist)
        entries: list[tuple[str | None, str, str]] = [
            (label, url, "project_urls") for label, url in (raw.get("project_urls") or {}).items()
        ]
        for field in ("home_page", "download_url"):
            if raw.get(field) and raw[field] != "UNKNOWN":  # what old setuptools wrote for "not set"
                entries.append((None, raw[field], field))
        for label, url, field in entries:
            problem = _url_problem(label, url)
            if problem is None or (label, url) in reported:
                continue
            reported.add((label, url))
            title = f"Project-URL {label!r}" if label is not None else field.replace("_", "-").title()
            location = locate(context, url, field if field != "download_url" else None)
            place: dict[str, Any] = {"artifact": dist.filename}
            place.update(at(location) if location else {"member": dist.metadata_path})
            yield PROJECT_URL_MALFORMED.at(f"{title} {problem}", **place)
