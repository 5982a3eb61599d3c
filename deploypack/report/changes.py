"""The report's `changes` object (what changed since the last release) as readable lines, shared
by the terminal and the GitHub step summary; each renderer escapes the text for its medium."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def heading(changes: Mapping[str, Any]) -> str:
    if not changes.get("compared"):
        return "Changes since the last release: not compared"
    return f"Changes since {changes['since']}"


def lines(changes: Mapping[str, Any]) -> list[str]:
    """One line per kind of change, in the order a user cares about them."""
    if not changes.get("compared"):
        return [str(changes.get("reason") or "not compared")]
    found = [f"{label}: {', '.join(map(str, values))}" for label, values in (
        ("modules removed", changes["modules_removed"]),
        ("entry points removed", changes["entry_points_removed"]),
        ("dependencies added", changes["requirements_added"]),
        ("dependencies removed", changes["requirements_removed"]),
    ) if values]
    found += [f"dependency narrowed: {item['before']} → {item['after']}" for item in changes["requirements_narrowed"]]
    python = changes.get("requires_python")
    if python:
        found.append(f"Requires-Python: {python['before'] or '(none)'} → {python['after'] or '(none)'} "
                     f"(drops {', '.join(python['dropped'])})")
    found += [f"{label}: {', '.join(values)}" for label, values in (
        ("extras removed", changes["extras_removed"]),
        ("Python classifiers dropped", changes["python_classifiers_dropped"]),
    ) if values]
    licence = changes.get("license")
    if licence:
        found.append(f"licence: {licence['before'] or '(not stated)'} → {licence['after'] or '(not stated)'}")
    if not found:
        found.append("nothing removed or narrowed for installers")
    found.append(size_line(changes["wheel_size"]["before"], changes["wheel_size"]["after"]))
    return found


def size_line(before: int, after: int) -> str:
    change = f" ({(after - before) / before:+.0%})" if before else ""
    return f"wheel size: {before:,} → {after:,} bytes{change}"
