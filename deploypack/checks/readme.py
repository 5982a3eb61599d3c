"""The long description (README): present, of a known content type, rendering on the index.

Rendering is twine's (readme_renderer). A reStructuredText error is reported at the line of the
file a person edits: the description is often several files joined (README + CHANGES), so its
line is mapped back by matching the text around it against the project's text files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import at, locate, metadata_dists, raw_metadata
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read.archives import Distribution
from deploypack.read.readme import parse_content_type, render_problems

README_RENDER = rule(
    "M003", "readme-does-not-render", Severity.ERROR, "the long description does not render",
    why="The index refuses an upload whose long description has markup errors (twine check fails too).",
    fix="Fix the markup at the README line given; for reStructuredText, `python -m readme_renderer README.rst` "
    "shows it.",
)
README_CONTENT_TYPE = rule(
    "M004", "readme-content-type-missing", Severity.WARNING,
    "the long description has no content type",
    why="Without Description-Content-Type the index renders the README as reStructuredText, so a "
    "Markdown README shows as plain text. Reported when that default is wrong: the README is not a .rst/.txt "
    "file, reads as Markdown, or does not render as reStructuredText (a README.rst is left alone).",
    fix="Declare `readme` in [project] (the type follows from the extension), or set "
    "`long_description_content_type` in setup.py/setup.cfg.",
)
README_MISSING = rule(
    "M006", "readme-missing", Severity.WARNING, "the long description is missing or empty",
    why="The project page on the index would be empty: users learn nothing about the package.",
    fix="Declare `readme = \"README.md\"` in [project] (or `long_description` in setup.py/setup.cfg).",
)
README_CONTENT_TYPE_UNKNOWN = rule(
    "M015", "readme-content-type-unknown", Severity.ERROR,
    "the long description's content type is not one the index renders",
    why="The index accepts only text/markdown (variant GFM or CommonMark), text/x-rst and text/plain, "
    "in UTF-8; any other Description-Content-Type is refused on upload.",
    fix="Name the README with a .md, .rst or .txt extension, or set `long_description_content_type` to "
    "one of text/markdown, text/x-rst, text/plain.",
)

README_TYPE_MISMATCH = rule(
    "M025", "readme-markdown-declared-rst", Severity.ERROR,
    "a Markdown README is declared as reStructuredText",
    why="The index renders the long description as the declared type: Markdown read as reStructuredText "
    "shows as a wall of raw `#` and `[links](...)`, or is refused on upload when it happens not to parse as "
    "RST (the errors then point at Markdown lines, which is misleading). Example: `long_description_content_type "
    "= text/x-rst` with `long_description = file: README.md`.",
    fix="Declare the type the file is written in at the line given: `text/markdown` "
    "(`content-type = \"text/markdown\"` in pyproject.toml's readme table, "
    "`long_description_content_type = text/markdown` in setup.cfg or setup.py), or drop the content type from "
    "pyproject.toml so the `.md` extension decides it.",
)

KNOWN_CONTENT_TYPES = ("text/markdown", "text/x-rst", "text/plain")
_MARKDOWN_VARIANTS = ("GFM", "CommonMark")
_TEXT_SUFFIXES = (".rst", ".md", ".markdown", ".txt", ".text")


def content_type_problem(value: str) -> str | None:
    """Why the index would refuse this Description-Content-Type, or None."""
    kind, params = parse_content_type(value)
    if kind not in KNOWN_CONTENT_TYPES or kind not in value.lower():
        return f"{value!r} is not one of {', '.join(KNOWN_CONTENT_TYPES)}"
    charset = params.get("charset", "UTF-8")
    if charset.lower() != "utf-8":
        return f"the charset {charset!r} is not UTF-8"
    variant = params.get("variant", "GFM")
    if kind == "text/markdown" and variant not in _MARKDOWN_VARIANTS:
        return f"the Markdown variant {variant!r} is not GFM or CommonMark"
    return None


# docutils names the first line of the paragraph for inline markup errors; the start-string shows the line
_INLINE_START = {"Inline literal": "``", "Inline strong": "**", "Inline emphasis": "*",
                 "Inline interpreted text or phrase reference": "`", "Inline substitution_reference": "|",
                 "Inline internal target": "_`"}


def inline_markup_line(description: str, line: int | None, message: str) -> int | None:
    """For "Inline … start-string without end-string", the line of the paragraph holding the odd start-string."""
    kind = next((kind for kind in _INLINE_START if message.startswith(kind + " start-string")), None)
    if kind is None or line is None:
        return line
    token = _INLINE_START[kind]
    longer = [other for other in _INLINE_START.values() if token in other and other != token]
    lines = description.splitlines()
    for index in range(line - 1, len(lines)):
        text = lines[index]
        if not text.strip():
            break
        for other in longer:
            text = text.replace(other, "")
        if text.count(token) % 2:
            return index + 1
    return line


def _text_files(context: CheckContext) -> dict[str, str]:
    """The texts a description may come from: top-level text files of the sdist, and README-like files of
    the project named by its configuration."""
    texts: dict[str, str] = {}
    sdist = context.sdist
    if sdist is not None:
        for path, data in sdist.contents.items():
            if "/" not in path and (path.lower().startswith(("readme", "changes", "changelog", "history"))
                                    or path.lower().endswith(_TEXT_SUFFIXES)):
                texts[path] = data.decode("utf-8", "replace")
    if context.sources is not None:
        for path in _configured_readmes(context):
            if path not in texts:
                text = context.sources.text(path)
                if text is not None:
                    texts[path] = text
    return texts


_FILE_DIRECTIVE = re.compile(r"""(?:file\s*:\s*|["'])([\w./-]+\.(?:rst|md|markdown|txt))""", re.IGNORECASE)


def _configured_readmes(context: CheckContext) -> list[str]:
    """README paths named in pyproject.toml / setup.cfg / setup.py (`readme = …`, `file: a.rst, b.rst`, open())."""
    assert context.sources is not None
    paths: list[str] = []
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        text = context.sources.text(name) or ""
        for match in _FILE_DIRECTIVE.finditer(text):
            path = match.group(1).removeprefix("./")
            if ".." not in path and path not in paths:
                paths.append(path)
        for match in re.finditer(r"file\s*:\s*([^\n]+)", text):  # setup.cfg `file: README.rst, CHANGES.rst`
            for part in match.group(1).split(","):
                path = part.strip().removeprefix("./")
                if path and ".." not in path and path not in paths and path.lower().endswith(_TEXT_SUFFIXES):
                    paths.append(path)
    return paths


def locate_description_line(texts: dict[str, str], description: str, line: int) -> tuple[str, int] | None:
    """The file and line where line `line` (1-based) of the description was written, matched by its context."""
    described = [text.rstrip() for text in description.splitlines()]
    if not 1 <= line <= len(described):
        return None
    index = line - 1
    best: tuple[int, str, int] | None = None
    for path, text in _ordered(texts):
        lines = [text_line.rstrip() for text_line in text.splitlines()]
        for position, candidate in enumerate(lines):
            if candidate != described[index]:
                continue
            score = sum(
                1 for offset in range(-4, 5)
                if 0 <= index + offset < len(described) and 0 <= position + offset < len(lines)
                and described[index + offset] == lines[position + offset] and described[index + offset]
            )
            if best is None or score > best[0]:
                best = (score, path, position + 1)
    if best is None or (best[0] < 2 and described[index] == ""):
        return None
    return best[1], best[2]


def _ordered(texts: dict[str, str]) -> Iterable[tuple[str, str]]:
    return sorted(texts.items(), key=lambda item: (not item[0].lower().startswith("readme"), item[0]))


def readme_file(texts: dict[str, str], description: str) -> str | None:
    """The file the description starts with."""
    first = next((number for number, text in enumerate(description.splitlines(), 1) if text.strip()), None)
    found = locate_description_line(texts, description, first) if first else None
    return found[0] if found else None


def _descriptions(context: CheckContext) -> Iterator[tuple[Distribution, str, str | None]]:
    seen: set[tuple[str, str]] = set()
    for dist in metadata_dists(context):
        raw = raw_metadata(dist)
        description = raw.get("description") or ""
        content_type = raw.get("description_content_type")
        if (description, content_type or "") in seen:
            continue  # the sdist and the wheel carry the same text: one finding, not two
        seen.add((description, content_type or ""))
        yield dist, description, content_type


_MARKDOWN_SIGNS = (
    ("`# heading` lines", re.compile(r"^#{1,6} \S", re.M)),
    ("``` fences", re.compile(r"^\s*```", re.M)),
    ("[text](url) links", re.compile(r"!?\[[^\]\n]+\]\((?:https?://|\.{0,2}/|#|[\w-]+\.)[^)\s]*\)")),
)
_RST_SIGNS = re.compile(r"^\.\. [\w-]+::|^(={3,}|-{3,}|~{3,})\s*$|`_\b|^:\w+:", re.M)


def markdown_evidence(description: str, source: str | None) -> list[str]:
    """Why the text is Markdown (its file's extension, its syntax), or [] when it may well be RST."""
    evidence = []
    if source is not None and source.lower().endswith((".md", ".markdown")):
        evidence.append(f"the {source.rsplit('.', 1)[-1]} extension of {source}")
    signs = [name for name, pattern in _MARKDOWN_SIGNS if pattern.search(description)]
    if signs and (evidence or (len(signs) >= 2 and not _RST_SIGNS.search(description))):
        evidence.append("Markdown syntax (" + ", ".join(signs) + ")")
    return evidence if evidence and (signs or not _RST_SIGNS.search(description)) else []


def _declared_source(context: CheckContext, texts: dict[str, str], start: str | None) -> str | None:
    """The file the description comes from: the one it starts with, else the configured README."""
    if start is not None:
        return start
    configured = _configured_readmes(context) if context.sources is not None else []
    return configured[0] if len(configured) == 1 else None


def _renders_as_rst(context: CheckContext, texts: dict[str, str], start: str | None, description: str) -> bool:
    """Whether the index's default (reStructuredText) is what the text is written in: then a missing
    content type costs nothing (a README.rst, a plain paragraph), and M004 would be noise."""
    source = _declared_source(context, texts, start)
    if source is not None and not source.lower().endswith((".rst", ".txt", ".text")):
        return False  # README.md, or a file of no known type: the type should be declared
    return not markdown_evidence(description, source) and not render_problems(description, "text/x-rst")


@check(README_RENDER, README_CONTENT_TYPE, README_MISSING, README_CONTENT_TYPE_UNKNOWN, README_TYPE_MISMATCH)
def readme_renders(context: CheckContext) -> Iterator[Finding]:
    texts: dict[str, str] | None = None
    for dist, description, content_type in _descriptions(context):
        declared = locate(context, None, "description")
        if not description.strip() or description.strip() == "UNKNOWN":
            anywhere = declared or (context.sources.find_any_file() if context.sources else None)
            yield README_MISSING.at(f"{dist.filename} has no long description", artifact=dist.filename, **at(anywhere))
            continue
        if texts is None:
            texts = _text_files(context)
        start = readme_file(texts, description)
        if content_type and (problem := content_type_problem(content_type)):
            location = locate(context, content_type, "description_content_type")
            yield README_CONTENT_TYPE_UNKNOWN.at(
                f"Description-Content-Type: {problem}", artifact=dist.filename, **at(location),
            )
            continue
        if not content_type and not _renders_as_rst(context, texts, start, description):
            yield README_CONTENT_TYPE.at(
                f"{dist.filename}: Description-Content-Type is missing, so the index renders the README as "
                "reStructuredText", artifact=dist.filename, **(at(declared) if declared else {"file": start}),
            )
        if content_type and parse_content_type(content_type)[0] == "text/x-rst":
            source = _declared_source(context, texts, start)
            evidence = markdown_evidence(description, source)
            if evidence:
                location = locate(context, content_type.split(";")[0].strip(), "description_content_type")
                yield README_TYPE_MISMATCH.at(
                    f"{source or 'the long description'} is Markdown (by {' and '.join(evidence)}) but is declared "
                    f"as reStructuredText ({content_type}): declare text/markdown", artifact=dist.filename,
                    **(at(location) if location else {"file": source}),
                )
                continue  # its RST errors would point at Markdown lines
        problems = render_problems(description, content_type or "text/x-rst")
        for line, message in problems or ():
            line = inline_markup_line(description, line, message)
            found = locate_description_line(texts, description, line) if line is not None else None
            if found:
                yield README_RENDER.at(
                    f"the README does not render on the index: {message}",
                    file=found[0], line=found[1], artifact=dist.filename,
                )
            else:
                yield README_RENDER.at(
                    "the long description does not render on the index"
                    + (f" (line {line} of the description, which could not be traced back to a project file)"
                       if line else "") + f": {message}",
                    artifact=dist.filename, file=start,
                )
