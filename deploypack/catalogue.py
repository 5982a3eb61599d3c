"""Generate docs/checks.md from the rule registry: `python -m deploypack.catalogue > docs/checks.md`.

A test fails when the committed page and the registry drift apart.
"""

from __future__ import annotations

import sys

from deploypack.core.rules import all_rules

_GROUPS = {
    "A": "Archives", "B": "Build failures", "C": "Contents of both archives", "G": "Release gate",
    "M": "Metadata", "P": "Artifacts and reproducibility", "R": "Release", "S": "sdist contents",
    "W": "Wheel contents",
}


def render_checks_markdown() -> str:
    rules = all_rules()
    lines = [
        "# Finding codes",
        "",
        "Generated from deploypack's rule registry (`python -m deploypack.catalogue > docs/checks.md`);",
        "`deploypack explain CODE` prints the same entry. Codes are public API: they never change meaning.",
        "Select or ignore them by code or prefix (`--select M,W1`, `--ignore M004`), and change a",
        "severity with `--severity M004=error` or `[tool.deploypack] severity = {M004 = \"error\"}`.",
        "",
        "| code | name | default severity | summary |",
        "|---|---|---|---|",
    ]
    for code, rule in rules.items():
        lines.append(f"| [{code}](#{code.lower()}) | {rule.name} | {rule.severity.value} | {rule.summary} |")
    current_group = None
    for code, rule in rules.items():
        group = _GROUPS.get(code.rstrip("0123456789"), "Other")
        if group != current_group:
            lines += ["", f"## {group}"]
            current_group = group
        lines += [
            "",
            f"### {code}",
            "",
            f"**{rule.name}** ({rule.severity.value}): {rule.summary}.",
            "",
            f"*Why it matters:* {rule.why}",
            "",
            f"*How to fix:* {rule.fix}",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_checks_markdown())
