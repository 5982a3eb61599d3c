"""The catalogue of finding codes: each a stable public name with its documentation.

A rule is declared once, next to the code that reports it; `deploypack explain CODE`
and docs/checks.md are both generated from this registry.
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


def all_rules() -> dict[str, Rule]:
    """Every rule, loading the modules that declare them."""
    import deploypack.build.diagnose  # noqa: F401  (declares the build-failure rules)
    import deploypack.build.reproducible  # noqa: F401  (declares the reproducibility rules)
    import deploypack.gate.release_gate  # noqa: F401  (declares the release-gate rules)
    import deploypack.monorepo.merge  # noqa: F401  (declares the monorepo merge rules)
    import deploypack.pipeline.verify  # noqa: F401  (declares the verify rules)
    import deploypack.read.collect  # noqa: F401  (declares the archive rules)
    from deploypack.checks import registered_checks

    registered_checks()  # imports every check module, declaring their rules

    return dict(sorted(_REGISTRY.items()))


def get(code: str) -> Rule | None:
    return all_rules().get(code.upper())
