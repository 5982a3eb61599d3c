"""The catalogue of finding codes: each a stable public name with its documentation.

A rule is declared once, next to the code that reports it. This registry imports nothing of
deploypack's above the vocabulary: the catalogue (deploypack/catalogue.py), at the top, imports
the modules that declare rules; `deploypack explain CODE` and docs/checks.md come from it.
"""

from __future__ import annotations

import dataclasses

from deploypack.core.findings import Finding, Severity

_REGISTRY: dict[str, Rule] = {}


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

    def explain(self) -> str:
        return (
            f"{self.code} {self.name} ({self.severity.value})\n\n{self.summary}\n\n"
            f"Why it matters:\n  {self.why}\n\nHow to fix:\n  {self.fix}\n"
        )


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
