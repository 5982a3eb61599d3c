"""The sdist's PKG-INFO and the wheel's METADATA agree (PEP 643).

A field the sdist does not mark `Dynamic` must be the same in every wheel built from it: installers
resolving from the sdist and from the wheel would otherwise install different things. Values are
compared normalised (names, versions, specifiers, requirements, licence expressions), lists as sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import dynamic_fields, metadata_version, raw_metadata, where
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule

METADATA_DIFFERS = rule(
    "M024", "sdist-wheel-metadata-differ", Severity.ERROR,
    "the sdist and the wheel declare different metadata",
    why="A field that the sdist does not mark Dynamic must be identical in wheels built from it (PEP 643): "
    "otherwise users get different dependencies, Python support or licence depending on which file pip picks.",
    fix="Make the value static in the configuration (not computed at build time from the environment), or "
    "mark it dynamic; the field is named in the message.",
)

# Not fields of the project: the format version, and the list of dynamic fields itself.
_SKIPPED = {"metadata_version", "dynamic"}


def _text(value: Any) -> Any:
    return " ".join(str(value).split())


def _version(value: Any) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(value)
    except InvalidVersion:
        return value


def _specifiers(value: Any) -> Any:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        return value


def _requirements(values: Any) -> Any:
    """Requirements as comparable keys: names and extras normalised (`charset_normalizer` is
    `charset-normalizer`, PEP 685 extras), specifiers sorted, markers in packaging's canonical form."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    normalised = set()
    for value in values:
        try:
            requirement = Requirement(value)
        except InvalidRequirement:
            normalised.add(value)
            continue
        extras = ",".join(sorted(canonicalize_name(extra) for extra in requirement.extras))
        normalised.add(f"{canonicalize_name(requirement.name)}[{extras}]{requirement.specifier}"
                       f"@{requirement.url or ''};{requirement.marker or ''}")
    return normalised


def _names(values: Any) -> Any:
    from packaging.utils import canonicalize_name

    return {canonicalize_name(value) for value in values}


def _license(value: Any) -> Any:
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        return canonicalize_license_expression(value)
    except InvalidLicenseExpression:
        return value


def _name(value: Any) -> Any:
    from packaging.utils import canonicalize_name

    return canonicalize_name(value)


_NORMALISE: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "version": _version,
    "requires_python": _specifiers,
    "requires_dist": _requirements,
    "provides_extra": _names,
    "license_expression": _license,
    "description_content_type": lambda value: _text(value).lower(),
    # white space aside: old PKG-INFO files carry the description as an indented header, wheels as the body
    "description": lambda value: " ".join(str(value).replace("\n       |", "\n").split()),
}


def _normalised(field: str, value: Any) -> Any:
    if field in _NORMALISE:
        return _NORMALISE[field](value)
    if isinstance(value, list):
        return {_text(item) for item in value}
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return _text(value)


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str) and len(value) > 120:
        return repr(value[:100] + "…")
    if isinstance(value, list):
        return repr(sorted(value))
    return repr(value)


def _difference(field: str, sdist_value: Any, wheel_value: Any) -> str:
    if isinstance(sdist_value, list) and isinstance(wheel_value, list):
        def key(item: str) -> frozenset[Any]:  # one item, normalised as its field is
            return frozenset(_normalised(field, [item]))

        wheel_keys = {key(item) for item in wheel_value}
        sdist_keys = {key(item) for item in sdist_value}
        only_sdist = sorted(item for item in sdist_value if key(item) not in wheel_keys)
        only_wheel = sorted(item for item in wheel_value if key(item) not in sdist_keys)
        parts = []
        if only_sdist:
            parts.append(f"only in the sdist: {', '.join(only_sdist)}")
        if only_wheel:
            parts.append(f"only in the wheel: {', '.join(only_wheel)}")
        if parts:
            return "; ".join(parts)
    return f"the sdist says {_shown(sdist_value)}, the wheel says {_shown(wheel_value)}"


@check(METADATA_DIFFERS)
def sdist_and_wheel_agree(context: CheckContext) -> Iterator[Finding]:
    from packaging.metadata import _RAW_TO_EMAIL_MAPPING  # header names as the spec spells them

    sdist = context.sdist
    if sdist is None or sdist.metadata_bytes is None:
        return
    sdist_raw = raw_metadata(sdist)
    # Before Metadata-Version 2.2 nothing may be declared Dynamic: compare only what is there.
    dynamic = dynamic_fields(sdist) if (metadata_version(sdist) or (0,)) >= (2, 2) else frozenset()
    for wheel in context.wheels:
        wheel_raw = raw_metadata(wheel)
        if not wheel_raw:
            continue
        for field in sorted(set(sdist_raw) | set(wheel_raw)):
            if field in _SKIPPED or field in dynamic:
                continue
            sdist_value, wheel_value = sdist_raw.get(field), wheel_raw.get(field)
            if sdist_value is None and field not in sdist_raw and (metadata_version(sdist) or (0,)) < (2, 2):
                continue  # old sdists could not declare fields Dynamic; a field added by the wheel is allowed
            left = _normalised(field, sdist_value) if sdist_value is not None else None
            right = _normalised(field, wheel_value) if wheel_value is not None else None
            if left == right:
                continue
            header = _RAW_TO_EMAIL_MAPPING.get(field, field).title().replace("Url", "URL")
            value = sdist_value if isinstance(sdist_value, str) else None
            yield METADATA_DIFFERS.at(
                f"{header} differs between {sdist.filename} and {wheel.filename}: "
                f"{_difference(field, sdist_value, wheel_value)}",
                **where(context, value, field, wheel),
            )
