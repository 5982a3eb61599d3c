"""The step summary's overview: what a person would otherwise download the dists to see.

The archives' files as a folded tree, the metadata, and the README as the index renders it. All of
it comes from the project, so it is untrusted: text is HTML-escaped, the README is the sanitised
HTML of readme_renderer (the index's renderer), nothing can start a Markdown block that escapes its
`<details>` (no blank line inside), and no line can read as a workflow command. Each part is
bounded, so the findings before it always fit under the runner's limit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from deploypack.report.model import Overview

TREE_LINES = 400  # per archive; the JSON report and the archive itself have the rest
README_LIMIT = 200 * 1024  # rendered bytes shown; a longer README is linked to the index preview instead
_COMMANDISH = re.compile(r"^(\s*)::", re.M)


def _text(value: str) -> str:
    return html.escape(value.replace("\r", " "), quote=True)


def _unblank(fragment: str) -> str:
    """One HTML block: a blank line would end it and let Markdown parse what follows; neither a line
    starting with `::` nor `##[` anywhere reads as a workflow command."""
    fragment = fragment.replace("\r\n", "\n").replace("\r", "\n")  # the runner splits lines at a bare CR too
    fragment = _COMMANDISH.sub(lambda m: m.group(1) + "&#58;:", fragment).replace("##[", "##&#91;")
    return "\n".join(line if line.strip() else "&#32;" for line in fragment.splitlines())


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def tree_lines(files: Sequence[tuple[str, int]], limit: int = TREE_LINES) -> list[str]:
    """`dir/` lines and indented file lines with sizes, directories first, cut at `limit` lines."""
    lines: list[str] = []
    opened: list[str] = []
    for path, size in sorted(files, key=lambda item: item[0].split("/")):
        parts = path.split("/")
        folders = parts[:-1]
        common = 0
        while common < min(len(opened), len(folders)) and opened[common] == folders[common]:
            common += 1
        for depth in range(common, len(folders)):
            lines.append("  " * depth + folders[depth] + "/")
        opened = folders
        lines.append("  " * len(folders) + f"{parts[-1]}  ({_size(size)})")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… {len(lines) - limit} more lines (the archive and the JSON report have them all)"]
    return lines


def contents_section(overview: Overview) -> str:
    parts = []
    for filename, files in overview.contents.items():
        body = _unblank(_text("\n".join(tree_lines(files))))
        parts.append(f"<details><summary>Contents of <code>{_text(filename)}</code> ({len(files)} files)</summary>\n"
                     f"<pre>\n{body}\n</pre>\n</details>\n")
    return "\n### Contents\n\n" + "".join(parts) if parts else ""


def metadata_section(overview: Overview) -> str:
    if not overview.metadata:
        return ""
    rows = "".join(f"<tr><th>{_text(field)}</th><td>{_text(value).replace(chr(10), '<br>')}</td></tr>\n"
                   for field, value in overview.metadata)
    versions = ", ".join(overview.python_versions) or "none"
    return (f"\n### Metadata\n\nPython versions to test (the `python-versions` output): {_text(versions)}\n\n"
            f"<details><summary>Core metadata ({len(overview.metadata)} fields)</summary>\n"
            f"<table>\n{_unblank(rows)}\n</table>\n</details>\n")


def render_readme(content_type: str, text: str) -> str | None:
    """readme_renderer's HTML (sanitised, as the index shows it), or None when it does not render."""
    from deploypack.read.readme import parse_content_type

    kind, params = parse_content_type(content_type)
    try:
        if kind == "text/markdown":
            from readme_renderer import markdown

            return markdown.render(text, variant=params.get("variant", "GFM"))
        if kind == "text/plain":
            from readme_renderer import txt

            return txt.render(text)
        from readme_renderer import rst

        return rst.render(text)
    except Exception:  # noqa: BLE001 - a renderer bug must not cost the summary; the README check reports it
        return None


def readme_section(overview: Overview) -> str:
    if overview.readme is None:
        return ""
    content_type, text = overview.readme
    rendered = render_readme(content_type, text)
    title = f"README as the index renders it (<code>{_text(content_type)}</code>)"
    if rendered is None:
        body = "<p>It does not render: the index would show it as plain text (see the findings).</p>"
    elif len(rendered.encode()) > README_LIMIT:
        body = f"<p>Rendered, it is {len(rendered.encode()) // 1024} KiB: too long to show here.</p>"
    else:
        body = rendered
    return f"\n<details><summary>{title}</summary>\n<div>\n{_unblank(body)}\n</div>\n</details>\n"


def sections(overview: Overview | None, room: int) -> str:
    """The overview's sections that fit in `room` bytes, most useful first."""
    if overview is None:
        return ""
    shown = ""
    for part in (metadata_section(overview), contents_section(overview), readme_section(overview)):
        if len(shown.encode()) + len(part.encode()) <= room:
            shown += part
    return shown
