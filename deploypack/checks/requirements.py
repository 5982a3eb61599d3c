"""Dependencies: every Requires-Dist parses (name, specifier, marker), extras are valid names, and a
dependency conditioned on an extra names an extra the project provides."""

from __future__ import annotations

import re
from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import locate, metadata_dists, raw_metadata
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Place, rule
from deploypack.project.sources import SourceLocation
from deploypack.read.archives import Distribution

REQUIREMENT_INVALID = rule(
    "M021", "requirement-invalid", Severity.ERROR, "a dependency or extra name is not valid",
    why="The index validates every Requires-Dist (PEP 508: name, version specifier, environment marker) "
    "and Provides-Extra name, and refuses the upload when one does not parse.",
    fix="Correct the requirement at the line given, e.g. `requests>=2.31; python_version < \"3.12\"`.",
)
EXTRA_UNDECLARED = rule(
    "M022", "extra-undeclared", Severity.WARNING,
    "a dependency is conditioned on an extra the project does not provide",
    why="A requirement with the marker `extra == \"x\"` is only installed with `pip install project[x]`; "
    "when the project provides no extra `x`, that dependency is never installed and `[x]` fails.",
    fix="Declare the extra in [project.optional-dependencies] (extras_require), or fix the marker's extra name.",
)

_EXTRA_MARKER = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']|["']([^"']+)["']\s*==\s*extra\b""")


def locate_requirement(context: CheckContext, requirement: str) -> SourceLocation | None:
    """The line declaring a requirement: its literal text, else a quoted string starting with its name."""
    found = locate(context, requirement)
    if found or context.sources is None:
        return found
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if name:
        pattern = re.compile(rf"""["']\s*{re.escape(name.group(1))}\s*(?=[\[<>=!~;@ "'(]|$)""", re.IGNORECASE)
        for file in ("pyproject.toml", "setup.cfg", "setup.py"):
            text = context.sources.text(file) or ""
            for number, line in enumerate(text.splitlines(), start=1):
                hit = pattern.search(line)
                if hit:
                    return SourceLocation(file, number, hit.start() + 2)
    return locate(context, None, "requires_dist")


def _place(context: CheckContext, dist: Distribution, location: SourceLocation | None) -> Place:
    if location is None:
        return Place(artifact=dist.filename, member=dist.metadata_path)
    return Place(artifact=dist.filename, file=location.file, line=location.line, column=location.column)


@check(REQUIREMENT_INVALID, EXTRA_UNDECLARED)
def requirements_are_valid(context: CheckContext) -> Iterator[Finding]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import InvalidName, canonicalize_name

    reported: set[str] = set()
    for dist in metadata_dists(context):
        raw = raw_metadata(dist)
        provided: set[str] = set()
        for extra in raw.get("provides_extra") or ():
            try:
                provided.add(canonicalize_name(extra, validate=True))
            except InvalidName:
                if extra not in reported:
                    reported.add(extra)
                    yield REQUIREMENT_INVALID.at(
                        f"Provides-Extra {extra!r} is not a valid extra name",
                        **_place(context, dist, locate(context, extra, "provides_extra")),
                    )
        for text in raw.get("requires_dist") or ():
            if text in reported:
                continue
            try:
                requirement = Requirement(text)
            except InvalidRequirement as error:
                reported.add(text)
                yield REQUIREMENT_INVALID.at(
                    f"Requires-Dist {text!r} does not parse: {str(error).splitlines()[0]}",
                    **_place(context, dist, locate_requirement(context, text)),
                )
                continue
            if requirement.marker is None:
                continue
            for match in _EXTRA_MARKER.finditer(str(requirement.marker)):
                extra = match.group(1) or match.group(2)
                if canonicalize_name(extra) not in provided:
                    reported.add(text)
                    yield EXTRA_UNDECLARED.at(
                        f"Requires-Dist {text!r} needs the extra {extra!r}, which is not a Provides-Extra"
                        + (f" (the project provides: {', '.join(sorted(provided))})" if provided else ""),
                        **_place(context, dist, locate_requirement(context, text)),
                    )
