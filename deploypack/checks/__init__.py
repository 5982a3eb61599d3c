"""Checks: registered pure functions over the parsed distributions.

A check is `context -> Iterable[Finding]`. It declares the rules (codes) it reports, so a
run that selects none of them skips it. Checks never print and never touch the disk; the
context already holds everything read from the archives and the project's configuration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Protocol

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Rule
from deploypack.project.links import OutsideLink
from deploypack.project.release import ReleaseInfo
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution


class CheckOptions(Protocol):
    """What checks may read of the options (thresholds and switches, never paths)."""

    @property
    def max_file_size(self) -> int: ...
    @property
    def max_dist_size(self) -> int: ...
    @property
    def tag_patterns(self) -> tuple[str, ...]: ...
    @property
    def package_roots(self) -> tuple[str, ...]: ...
    @property
    def not_in_wheel(self) -> tuple[str, ...]: ...
    @property
    def releasing(self) -> bool | None: ...


@dataclasses.dataclass(frozen=True)
class CheckContext:
    distributions: tuple[Distribution, ...]
    options: CheckOptions
    sources: ProjectSources | None = None  # None when checking dists built elsewhere
    release: ReleaseInfo = ReleaseInfo()
    git_files: tuple[str, ...] | None = None  # files tracked by git, project-relative
    outside_links: tuple[OutsideLink, ...] = ()  # links of the tree leading out of it, found before the build

    @property
    def sdist(self) -> Distribution | None:
        return next((d for d in self.distributions if d.kind == "sdist"), None)

    @property
    def wheels(self) -> tuple[Distribution, ...]:
        return tuple(d for d in self.distributions if d.kind == "wheel")


CheckFunction = Callable[[CheckContext], Iterable[Finding]]


@dataclasses.dataclass(frozen=True)
class Check:
    function: CheckFunction
    rules: tuple[Rule, ...]
    needs_source: bool

    @property
    def name(self) -> str:
        return self.function.__name__


_CHECKS: list[Check] = []


def check(*rules: Rule, needs_source: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check reporting `rules`; `needs_source` checks are skipped without a project tree."""

    def register(function: CheckFunction) -> CheckFunction:
        _CHECKS.append(Check(function, rules, needs_source))
        return function

    return register


def registered() -> tuple[Check, ...]:
    """The checks registered so far, in registration order (the catalogue imports every check
    module and puts them in report order: `deploypack.catalogue.checks()`)."""
    return tuple(_CHECKS)


class Selection(Protocol):
    def is_selected(self, code: str) -> bool: ...
    def severity_of(self, code: str, default: Severity) -> Severity: ...


def run_checks(context: CheckContext, selection: Selection, checks: Iterable[Check]) -> list[Finding]:
    """Each selected check of `checks`, in their order, with per-code severity overrides applied."""
    findings: list[Finding] = []
    for each in checks:
        if each.needs_source and context.sources is None:
            continue
        if not any(selection.is_selected(rule.code) for rule in each.rules):
            continue
        for finding in each.function(context):
            if selection.is_selected(finding.code):
                severity = selection.severity_of(finding.code, finding.severity)
                findings.append(finding if severity == finding.severity else finding.with_severity(severity))
    return findings


def apply_selection(findings: Iterable[Finding], selection: Selection) -> list[Finding]:
    """Selection and severity overrides for findings made outside checks (build failures)."""
    kept = []
    for finding in findings:
        if selection.is_selected(finding.code) or finding.code.startswith("B"):
            kept.append(finding.with_severity(selection.severity_of(finding.code, finding.severity)))
    return kept
