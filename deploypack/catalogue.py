"""The catalogue: every finding code and every check, assembled from the modules that declare them.

The registries below (`core.rules`, `checks`) import nothing above them; this module, at the top,
imports every module that declares rules or registers checks, so that a run, `deploypack explain`
and docs/checks.md see them all. `python -m deploypack.catalogue > docs/checks.md` writes the page;
a test fails when the committed page and the catalogue drift apart.

A new check module is added to CHECK_MODULES (report order); a new module declaring rules
outside a check, to RULE_MODULES.
"""

from __future__ import annotations

import importlib
import sys

from deploypack.checks import Check, registered
from deploypack.core.rules import FORMER_CODES, Rule, declared_rules

# The check modules, in report order: a module's checks run in the order it declares them.
CHECK_MODULES = tuple(f"deploypack.checks.{name}" for name in (
    "archive", "classifiers", "consistency", "hygiene", "layout", "license", "links", "metadata",
    "readme", "release", "requirements", "sdist", "wheel",
))
# Modules that declare rules for findings made outside the checks.
RULE_MODULES = (
    "deploypack.read.collect",  # archives that cannot be read (A001)
    "deploypack.build.diagnose",  # build failures (B)
    "deploypack.build.deprecations",  # the backend's deprecation warnings (D001)
    "deploypack.build.reproducible",  # --reproducible (P001, P002)
    "deploypack.gate.release_gate",  # the release gate (G)
    "deploypack.gate.release_diff",  # what changed since the last release (U)
    "deploypack.pipeline.verify",  # deploypack verify
    "deploypack.monorepo.merge",  # deploypack merge
)


def _load() -> None:
    # Importing a module declares its rules and registers its checks (each module once).
    for name in CHECK_MODULES + RULE_MODULES:
        importlib.import_module(name)


def checks() -> tuple[Check, ...]:
    """Every check, in report order whichever module was imported first (importing one early,
    for a rule's code, must not reorder the report)."""
    for name in CHECK_MODULES:
        importlib.import_module(name)
    rank = {name: index for index, name in enumerate(CHECK_MODULES)}
    return tuple(sorted(registered(), key=lambda check: rank.get(check.function.__module__, len(rank))))


def all_rules() -> dict[str, Rule]:
    """Every rule of deploypack, by code."""
    _load()
    return declared_rules()


def get(code: str) -> Rule | None:
    """The rule of a code, or of the code a former code became (FORMER_CODES)."""
    code = code.upper()
    return all_rules().get(FORMER_CODES.get(code, code))

_GROUPS = {
    "A": "Archives", "B": "Build failures", "C": "Contents of both archives", "D": "Backend deprecations",
    "G": "Release gate", "J": "Merging monorepo jobs (deploypack merge)", "M": "Metadata",
    "P": "Artifacts and reproducibility", "R": "Release", "S": "sdist contents", "U": "Changes since the last release",
    "V": "Verifying a release directory (deploypack verify)", "W": "Wheel contents",
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
    lines += [
        "",
        "Former codes, still accepted by `--select`, `--ignore`, `severity` and `explain` as the code they became:",
        ", ".join(f"{old} → {new}" for old, new in FORMER_CODES.items()) + ".",
    ]
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
            f"**{rule.name}** ({rule.severity.value}): {rule.summary}."
            + (f" Formerly {', '.join(rule.former_codes())}." if rule.former_codes() else ""),
            "",
            f"*Why it matters:* {rule.why}",
            "",
            f"*How to fix:* {rule.fix}",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_checks_markdown())
