"""Core metadata: present, valid, renderable on the index, with known classifiers."""

from __future__ import annotations

import difflib
import email.message
import io
import re
from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.distributions import Distribution
from deploypack.findings import Finding, Severity
from deploypack.rules import rule
from deploypack.sources import SourceLocation

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
README_RENDER = rule(
    "M003", "readme-does-not-render", Severity.ERROR, "the long description does not render",
    why="The index refuses an upload whose long description has markup errors (twine check fails too).",
    fix="Fix the markup at the README line given; for reStructuredText, `python -m readme_renderer README.rst` shows it.",
)
README_CONTENT_TYPE = rule(
    "M004", "readme-content-type-missing", Severity.WARNING,
    "the long description has no content type",
    why="Without Description-Content-Type the index renders the README as reStructuredText, so a "
    "Markdown README shows as plain text.",
    fix="Declare `readme` in [project] (the type follows from the extension), or set "
    "`long_description_content_type` in setup.py/setup.cfg.",
)
UNKNOWN_CLASSIFIER = rule(
    "M005", "unknown-classifier", Severity.ERROR, "a classifier is not a known trove classifier",
    why="The index refuses an upload with a classifier that is not in the trove classifier list; "
    "the release then fails at the last step, in public.",
    fix="Use the exact spelling from https://pypi.org/classifiers/ (a close match is suggested).",
)
README_MISSING = rule(
    "M006", "readme-missing", Severity.WARNING, "the long description is missing or empty",
    why="The project page on the index would be empty: users learn nothing about the package.",
    fix="Declare `readme = \"README.md\"` in [project] (or `long_description` in setup.py/setup.cfg).",
)

_METADATA_FIELD_KEYS = {
    "name": {"pyproject.toml": ["project.name"], "setup.cfg": ["metadata.name"], "setup.py": ["name"]},
    "version": {"pyproject.toml": ["project.version"], "setup.cfg": ["metadata.version"], "setup.py": ["version"]},
    "requires_python": {"pyproject.toml": ["project.requires-python"], "setup.cfg": ["options.python_requires"],
                        "setup.py": ["python_requires"]},
    "requires_dist": {"pyproject.toml": ["project.dependencies"], "setup.cfg": ["options.install_requires"],
                      "setup.py": ["install_requires"]},
    "classifiers": {"pyproject.toml": ["project.classifiers"], "setup.cfg": ["metadata.classifiers"],
                    "setup.py": ["classifiers"]},
}


def _where(context: CheckContext, value: str | None, field: str | None = None) -> SourceLocation | None:
    if context.sources is None:
        return None
    if value:
        found = context.sources.find_literal(value)
        if found:
            return found
    if field and field in _METADATA_FIELD_KEYS:
        return context.sources.find_key(_METADATA_FIELD_KEYS[field])
    return None


def _at(location: SourceLocation | None) -> dict[str, object]:
    if location is None:
        return {}
    return {"file": location.file, "line": location.line, "column": location.column}


@check(METADATA_MISSING, METADATA_INVALID)
def metadata_is_valid(context: CheckContext) -> Iterator[Finding]:
    from packaging.metadata import InvalidMetadata, Metadata

    for dist in context.distributions:
        if dist.metadata_bytes is None:
            expected = "PKG-INFO" if dist.kind == "sdist" else "*.dist-info/METADATA"
            yield METADATA_MISSING.at(f"{dist.filename} has no {expected}", artifact=dist.filename)
            continue
        try:
            Metadata.from_email(dist.metadata_bytes, validate=True)
        except* InvalidMetadata as group:
            for error in _leaves(group):
                field = getattr(error, "field", None)
                value = _raw_field(dist, field)
                yield METADATA_INVALID.at(
                    f"{dist.metadata_path}: {error}", artifact=dist.filename, member=dist.metadata_path,
                    **_at(_where(context, value, field)),  # type: ignore[arg-type]
                )
        except* (ValueError, TypeError) as group:
            for error in _leaves(group):
                yield METADATA_INVALID.at(f"{dist.metadata_path}: {error}", artifact=dist.filename)


def _leaves(group: BaseExceptionGroup) -> Iterator[BaseException]:  # type: ignore[type-arg]
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


def _raw_field(dist: Distribution, field: str | None) -> str | None:
    if not field or dist.metadata is None:
        return None
    value = getattr(dist.metadata, field, None)
    if isinstance(value, (list, tuple)):
        return str(value[0]) if len(value) == 1 else None
    return str(value) if value else None


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    message = email.message.EmailMessage()
    message["content-type"] = value
    return message.get_content_type(), dict(message["content-type"].params)


_RST_PROBLEM = re.compile(r"^<string>:(\d+): \((\w+)/(\d)\) (.*)$")


def render_problems(description: str, content_type: str) -> list[tuple[int | None, str]] | None:
    """None when it renders; else (line in the description, message) pairs."""
    from readme_renderer import markdown, rst, txt

    kind, params = _content_type(content_type)
    renderer = {"text/x-rst": rst, "text/markdown": markdown, "text/plain": txt}.get(kind, rst)
    stream = io.StringIO()
    if renderer.render(description, stream=stream, **params) is not None:  # type: ignore[attr-defined]
        return None
    problems: list[tuple[int | None, str]] = []
    for line in stream.getvalue().splitlines():
        match = _RST_PROBLEM.match(line.strip())
        if match and int(match.group(3)) >= 2:
            problems.append((int(match.group(1)), match.group(4)))
    return problems or [(None, stream.getvalue().strip() or "the markup is invalid")]


def readme_location(dist: Distribution, description: str) -> tuple[str, int] | None:
    """The README file in the sdist whose text holds the description, and the line it starts at."""
    first = next((line for line in description.splitlines() if line.strip()), None)
    if first is None:
        return None
    candidates = sorted(
        (path for path in dist.contents if path.lower().startswith("readme") and "/" not in path),
        key=lambda path: (not path.lower().startswith("readme."), path),
    )
    for path in candidates:
        text = dist.contents[path].decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if line.rstrip() == first.rstrip():
                leading_blank = len(description.splitlines()) and next(
                    index for index, line in enumerate(description.splitlines()) if line.strip()
                )
                return path, number - leading_blank
    return None


@check(README_RENDER, README_CONTENT_TYPE, README_MISSING)
def readme_renders(context: CheckContext) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for dist in context.distributions:
        meta = dist.metadata
        if meta is None:
            continue
        description = meta.description or ""
        content_type = meta.description_content_type
        if (description, content_type or "") in seen:
            continue  # the sdist and wheel carry the same text: one finding, not two
        seen.add((description, content_type or ""))
        readme_file = None
        if context.sdist is not None:
            located = readme_location(context.sdist, description)
            readme_file = located
        if not description.strip() or description.strip() == "UNKNOWN":
            anywhere = context.sources.find_any_file() if context.sources else None
            yield README_MISSING.at(
                f"{dist.filename} has no long description", artifact=dist.filename, **_at(anywhere),  # type: ignore[arg-type]
            )
            continue
        if not content_type:
            yield README_CONTENT_TYPE.at(
                f"{dist.filename}: Description-Content-Type is missing, so the index renders the README as "
                "reStructuredText", artifact=dist.filename,
                file=readme_file[0] if readme_file else None,
            )
        problems = render_problems(description, content_type or "text/x-rst")
        for line, message in problems or ():
            if readme_file and line is not None:
                yield README_RENDER.at(
                    f"the README does not render on the index: {message}",
                    file=readme_file[0], line=readme_file[1] + line - 1, artifact=dist.filename,
                )
            else:
                yield README_RENDER.at(
                    f"the long description does not render on the index"
                    + (f" (line {line} of the description)" if line else "") + f": {message}",
                    artifact=dist.filename, file=readme_file[0] if readme_file else None,
                )


@check(UNKNOWN_CLASSIFIER)
def classifiers_are_known(context: CheckContext) -> Iterator[Finding]:
    from trove_classifiers import classifiers as known, deprecated_classifiers

    reported: set[str] = set()
    for dist in context.distributions:
        for classifier in (dist.metadata.classifiers if dist.metadata else ()) or ():
            if classifier in known or classifier in reported or classifier.startswith("Private ::"):
                continue
            reported.add(classifier)
            if classifier in deprecated_classifiers:
                replacement = ", ".join(deprecated_classifiers[classifier]) or "nothing (remove it)"
                hint = f"Deprecated; replace with: {replacement}"
                message = f"deprecated classifier {classifier!r} is refused by the index"
            else:
                close = difflib.get_close_matches(classifier, known, n=1, cutoff=0.75)
                hint = f"Did you mean {close[0]!r}?" if close else UNKNOWN_CLASSIFIER.fix
                message = f"unknown classifier {classifier!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            yield UNKNOWN_CLASSIFIER.at(
                message, artifact=dist.filename, hint=hint, **_at(_where(context, classifier)),  # type: ignore[arg-type]
            )
