"""The long description rendered as the index renders it (readme_renderer), read once per text.

Rendering reStructuredText (docutils) is one of the slow parts of a check; a render is a pure
function of the text and its content type, so each is kept by a digest of both: the README check
asks here, and whoever rendered the text first (this process, or the child of
deploypack/read/ahead.py) answers it.
"""

from __future__ import annotations

import email.message
import hashlib
import io
import re

Problems = list[tuple[int | None, str]] | None

_RST_PROBLEM = re.compile(r"^<string>:(\d+): \((\w+)/(\d)\) (.*)$")
_KEPT = 32  # renders kept: a run has one or two texts; a long-lived process (tests) must not grow
_rendered: dict[str, Problems] = {}


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    message = email.message.EmailMessage()
    try:
        message["content-type"] = value
    except (ValueError, IndexError):
        return "", {}
    return message.get_content_type(), dict(message["content-type"].params)


def render_problems(description: str, content_type: str) -> Problems:
    """None when it renders (or cannot be judged here); else (line in the description, message) pairs."""
    key = digest(description, content_type)
    if key in _rendered:
        return _rendered[key]
    problems = _render(description, content_type)
    remember(description, content_type, problems)
    return problems


def remember(description: str, content_type: str, problems: Problems) -> None:
    remember_digest(digest(description, content_type), problems)


def remember_digest(key: str, problems: Problems) -> None:
    """Keep a render (done here, or by another process: deploypack/read/ahead.py) for the next ask."""
    if len(_rendered) >= _KEPT:
        _rendered.pop(next(iter(_rendered)))
    _rendered[key] = problems


def digest(description: str, content_type: str) -> str:
    """What a render is kept by: the text and its content type."""
    return hashlib.sha256(f"{content_type}\0{description}".encode("utf-8", "surrogatepass")).hexdigest()


def _render(description: str, content_type: str) -> Problems:
    kind, params = parse_content_type(content_type)
    if kind == "text/markdown":
        from readme_renderer import markdown

        if not markdown.variants:  # readme_renderer[md] missing: no judgement rather than a false alarm
            return None
        rendered = markdown.render(description, variant=params.get("variant", "GFM"))
        return None if rendered is not None or not description.strip() else [(None, "the Markdown renders empty")]
    if kind == "text/plain":
        from readme_renderer import txt

        return None if txt.render(description) is not None else [(None, "the text renders empty")]
    from readme_renderer import rst  # docutils: imported only for reStructuredText

    stream = io.StringIO()
    if rst.render(description, stream=stream) is not None:
        return None
    problems: list[tuple[int | None, str]] = []
    for line in stream.getvalue().splitlines():
        match = _RST_PROBLEM.match(line.strip())
        if match and int(match.group(3)) >= 2:
            problems.append((int(match.group(1)), match.group(4)))
    return problems or [(None, stream.getvalue().strip() or "the markup is invalid")]
