"""The catalogue of finding codes: each a stable public name with its documentation.

A rule is declared once, next to the code that reports it. This registry imports nothing of
deploypack's above the vocabulary: the catalogue (deploypack/catalogue.py), at the top, imports
the modules that declare rules; `deploypack explain CODE` and docs/checks.md come from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TypedDict

from deploypack.core.findings import Finding, Severity

_REGISTRY: dict[str, Rule] = {}

# Codes that moved when their findings got a letter of their own (merge: J, verify: V). A former
# code stays accepted wherever a code is given (select, ignore, severity, explain) and means the
# current one; a former prefix (`P`, `G02`) keeps matching what it matched before.
FORMER_CODES: dict[str, str] = {
    "G020": "J001", "G021": "J002", "G022": "J003", "G023": "J004",
    "P010": "V001", "P011": "V002", "P012": "V003", "P013": "V004",
}


class Place(TypedDict, total=False):
    """Where a finding is, as keyword arguments of `Rule.at`: `**place` type-checks."""

    file: str | None
    line: int | None
    column: int | None
    artifact: str | None
    member: str | None


@dataclasses.dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    why: str
    fix: str

    def at(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        artifact: str | None = None,
        member: str | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule, with its default severity unless told otherwise."""
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            file=file,
            line=line,
            column=column,
            artifact=artifact,
            member=member,
            hint=hint if hint is not None else self.fix,
        )

    def former_codes(self) -> tuple[str, ...]:
        return tuple(old for old, new in FORMER_CODES.items() if new == self.code)

    def explain(self) -> str:
        formerly = f" (formerly {', '.join(self.former_codes())})" if self.former_codes() else ""
        return (
            f"{self.code} {self.name} ({self.severity.value}){formerly}\n\n{self.summary}\n\n"
            f"Why it matters:\n  {self.why}\n\nHow to fix:\n  {self.fix}\n"
        )


def current_codes(prefix: str) -> tuple[str, ...]:
    """The current codes of the former codes that `prefix` matches (none for most prefixes)."""
    return tuple(new for old, new in FORMER_CODES.items() if old.startswith(prefix))


def with_current_codes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Code prefixes as given, each followed by the current codes of the former codes it matches."""
    expanded: list[str] = []
    for prefix in prefixes:
        expanded += [code for code in (prefix, *current_codes(prefix)) if code not in expanded]
    return tuple(expanded)


def rule(code: str, name: str, severity: Severity, summary: str, *, why: str, fix: str) -> Rule:
    if code in _REGISTRY:
        raise ValueError(f"finding code {code} declared twice")
    declared = Rule(code, name, severity, summary, why, fix)
    _REGISTRY[code] = declared
    return declared


def declared_rules() -> dict[str, Rule]:
    """The rules declared so far, by code: those of the modules imported. The whole catalogue
    (every declaring module imported) is `deploypack.catalogue.all_rules()`."""
    return dict(sorted(_REGISTRY.items()))
