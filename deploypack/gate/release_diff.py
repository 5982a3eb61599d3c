"""What this release changes for the people who install it: the wheel just built against the
newest published release's wheel (`--gate`, the index being asked anyway).

`compare` is pure (two WheelFacts in, Changes out); `findings` turns Changes into coded findings,
placed by a Locator (the lines a person edits); `to_json` is the report's `changes` object.
A module or entry point removed breaks whoever imports or runs it: an error unless the version
says so (a major bump; under 1.0, a minor bump, as SemVer and Cargo read 0.x versions).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.gate.wheel_facts import WheelFacts

_BREAKING_WHY = ("Every user who upgrades within the same major version expects their code to keep working; "
                 "SemVer and most projects' own promises reserve removals for a major release.")
MODULE_REMOVED = rule(
    "U001", "module-removed", Severity.ERROR,
    "an importable module or package of the last release is gone, without a major-version bump",
    why="`import` of it fails for every user who upgrades: pip resolves the new version for anyone who asked "
    "for `>=` the last one. " + _BREAKING_WHY,
    fix="Ship the module again (a shim that warns on import), or bump the major version (0.x: the minor) at the "
    "line given; if the wheel lost it by accident, check the package discovery of the build configuration.",
)
ENTRY_POINT_REMOVED = rule(
    "U002", "entry-point-removed", Severity.ERROR,
    "a console script or entry point of the last release is gone, without a major-version bump",
    why="Scripts, CI jobs and plugin hosts that call it stop working after an upgrade. " + _BREAKING_WHY,
    fix="Declare the entry point again (an alias of the new name), or bump the major version at the line given.",
)
REMOVED_IN_MAJOR = rule(
    "U003", "removed-in-major-release", Severity.NOTE,
    "a module or entry point of the last release is gone, in a major release",
    why="A major release may remove things, but users need to read about it before they upgrade.",
    fix="Name the removal in the changelog and the upgrade notes.",
)
PRIVATE_MODULE_REMOVED = rule(
    "U004", "private-module-removed", Severity.NOTE, "a private module (`_name`) of the last release is gone",
    why="Private modules are not API, but some users import them anyway; the removal is worth a changelog line.",
    fix="Nothing to do when the module was private on purpose.",
)
REQUIREMENT_ADDED = rule(
    "U005", "requirement-added", Severity.NOTE, "a dependency is new in this release",
    why="Every installer downloads it from now on; it may conflict with what users already pin.",
    fix="Mention it in the changelog; make it an extra when only some users need it.",
)
REQUIREMENT_REMOVED = rule(
    "U006", "requirement-removed", Severity.NOTE, "a dependency of the last release is no longer required",
    why="Users who imported it without declaring it themselves now break after an upgrade.",
    fix="Mention it in the changelog.",
)
REQUIREMENT_NARROWED = rule(
    "U007", "requirement-narrowed", Severity.WARNING,
    "a dependency now refuses versions the last release accepted",
    why="Users who pin the dependency to a version now refused cannot upgrade: the resolver fails or keeps the "
    "old release without saying why.",
    fix="Widen the requirement at the line given if the narrowing is not needed; otherwise say so in the changelog.",
)
REQUIRES_PYTHON_RAISED = rule(
    "U008", "requires-python-raised", Severity.WARNING,
    "Requires-Python drops Python versions the last release supported",
    why="Installers on the dropped versions silently keep the last release; users and CI on them need to know.",
    fix="Intended: name it in the changelog (and drop the versions from CI). Not intended: correct the line given.",
)
EXTRA_REMOVED = rule(
    "U009", "extra-removed", Severity.WARNING, "an extra of the last release is gone",
    why="`pip install project[extra]` then only warns and installs without its dependencies: users find out at "
    "import time.",
    fix="Keep the extra (it may be empty), or name the removal in the changelog.",
)
PYTHON_CLASSIFIER_DROPPED = rule(
    "U010", "python-classifier-dropped", Severity.NOTE,
    "a `Programming Language :: Python :: X.Y` classifier of the last release is gone",
    why="The classifiers tell users and tools which Pythons the project supports; dropping one announces that the "
    "version is no longer supported.",
    fix="Intended: raise Requires-Python to match. Not intended: restore the classifier at the line given.",
)
LICENSE_CHANGED = rule(
    "U011", "license-changed", Severity.WARNING, "the licence differs from the last release's",
    why="Companies review licences before they allow a dependency; a changed licence (or a changed way of stating "
    "it) may need a new review downstream.",
    fix="Intended: announce it. Not intended: restore the licence at the line given.",
)
WHEEL_SIZE_CHANGED = rule(
    "U012", "wheel-size-changed", Severity.WARNING,
    "the wheel is more than half larger or smaller than the last release's",
    why="A wheel that doubles or halves between releases has usually swept in (tests, data, build output) or lost "
    "(a package, generated files) something by accident.",
    fix="Compare the file lists of both wheels and fix the build configuration's includes and excludes.",
)
NOT_COMPARED = rule(
    "U013", "changes-not-compared", Severity.NOTE, "the release was not compared with a published one",
    why="Offline, for a first release, or when the last release has no wheel, there is nothing to compare with.",
    fix="Nothing to do for a first release; otherwise run the gate with the index reachable.",
)
PREVIOUS_UNUSABLE = rule(
    "U014", "previous-release-unusable", Severity.WARNING,
    "the last release's wheel could not be downloaded, verified or read",
    why="Without it, the changes users get in this release are not known: a removed module goes unnoticed.",
    fix="Check the index (the file, its digest) and the network, then run the gate again.",
)

DIFF_RULES = (MODULE_REMOVED, ENTRY_POINT_REMOVED, REMOVED_IN_MAJOR, PRIVATE_MODULE_REMOVED, REQUIREMENT_ADDED,
              REQUIREMENT_REMOVED, REQUIREMENT_NARROWED, REQUIRES_PYTHON_RAISED, EXTRA_REMOVED,
              PYTHON_CLASSIFIER_DROPPED, LICENSE_CHANGED, WHEEL_SIZE_CHANGED, NOT_COMPARED, PREVIOUS_UNUSABLE)
MAX_LISTED = 10
# The Python versions Requires-Python is tried against: every minor, at its first and a late patch.
_PYTHONS = ("2.7", *(f"3.{minor}" for minor in range(31)))


@dataclasses.dataclass(frozen=True)
class Narrowed:
    name: str
    before: str
    after: str
    refused: str  # one version the last release accepted and this one refuses


@dataclasses.dataclass(frozen=True)
class Changes:
    since: str
    previous_wheel: str
    major_bump: bool
    modules_removed: tuple[str, ...] = ()  # the topmost removed names (a removed package stands for its modules)
    entry_points_removed: tuple[str, ...] = ()  # "group:name"
    requirements_added: tuple[str, ...] = ()
    requirements_removed: tuple[str, ...] = ()
    requirements_narrowed: tuple[Narrowed, ...] = ()
    requires_python: tuple[str | None, str | None] | None = None  # (before, after) when raised
    pythons_dropped: tuple[str, ...] = ()
    extras_removed: tuple[str, ...] = ()
    classifiers_dropped: tuple[str, ...] = ()
    license: tuple[str | None, str | None] | None = None  # (before, after) when changed
    license_now_expression: bool = False  # the change is (at least) a move to a License-Expression
    size: tuple[int, int] = (0, 0)  # (before, after)

    @property
    def size_changed(self) -> bool:
        before, after = self.size
        return before > 0 and (after > before * 1.5 or after < before * 0.5)

    @property
    def public_modules_removed(self) -> tuple[str, ...]:
        return tuple(name for name in self.modules_removed if not is_private(name))

    @property
    def private_modules_removed(self) -> tuple[str, ...]:
        return tuple(name for name in self.modules_removed if is_private(name))


# --- pure comparison -------------------------------------------------------------------------


def is_private(dotted: str) -> bool:
    """`_name` anywhere in the path; dunder names (`__main__`, `__about__`) are public."""
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in dotted.split("."))


def is_major_bump(before: str, after: str) -> bool:
    """A higher epoch or major version; under 1.0 a higher minor (0.x is unstable by SemVer's word)."""
    try:
        old, new = Version(before), Version(after)
    except InvalidVersion:
        return False
    if new.epoch != old.epoch:
        return new.epoch > old.epoch
    old_major, new_major = old.release[0], new.release[0]
    if new_major != old_major:
        return new_major > old_major
    return old_major == 0 and _minor(new) > _minor(old)


def _minor(version: Version) -> int:
    return version.release[1] if len(version.release) > 1 else 0


def topmost(names: Iterable[str]) -> tuple[str, ...]:
    """The names whose parent package is not among them: a removed package stands for its modules."""
    removed = set(names)
    return tuple(sorted(name for name in removed
                        if not any(name.startswith(other + ".") for other in removed if other != name)))


def _spec(text: str | None) -> SpecifierSet:
    try:
        return SpecifierSet(text or "")
    except InvalidSpecifier:
        return SpecifierSet("")


def _probes(*specs: SpecifierSet) -> list[Version]:
    """Versions either side of every bound named in the specifiers, where two specifiers can differ."""
    found = {Version("0"), Version("99999")}
    for spec in specs:
        for item in spec:
            try:
                named = Version(item.version.removesuffix(".*"))
            except InvalidVersion:
                continue
            found.add(named)
            release = named.release
            for index, part in enumerate(release):
                found.add(Version(".".join(map(str, (*release[:index], part + 1)))))
                if part:
                    found.add(Version(".".join(map(str, (*release[:index], part - 1, 999)))))
    return sorted(found)


def refused(before: SpecifierSet, after: SpecifierSet, probes: Iterable[Version]) -> list[Version]:
    """The probes `before` accepts and `after` refuses."""
    return [probe for probe in probes
            if before.contains(probe, prereleases=True) and not after.contains(probe, prereleases=True)]


def narrowed_requirements(before: Mapping[tuple[str, str], str],
                          after: Mapping[tuple[str, str], str]) -> tuple[Narrowed, ...]:
    found = []
    for key in sorted(before.keys() & after.keys()):
        old, new = Requirement(before[key]), Requirement(after[key])
        dropped = refused(old.specifier, new.specifier, _probes(old.specifier, new.specifier))
        if dropped:
            found.append(Narrowed(new.name, before[key], after[key], str(dropped[0])))
    return tuple(found)


def pythons_dropped(before: str | None, after: str | None) -> tuple[str, ...]:
    """The X.Y versions the first Requires-Python accepts (at .0 or a late patch) and the second refuses."""
    old, new = _spec(before), _spec(after)
    dropped = []
    for minor in _PYTHONS:
        probes = (Version(minor + ".0"), Version(minor + ".99"))
        if any(old.contains(probe) for probe in probes) and not any(new.contains(probe) for probe in probes):
            dropped.append(minor)
    return tuple(dropped)


def compare(before: WheelFacts, after: WheelFacts) -> Changes:
    """What upgrading from the `before` wheel to the `after` wheel changes for an installer."""
    dropped = pythons_dropped(before.requires_python, after.requires_python)
    license_changed = (before.license or "").casefold() != (after.license or "").casefold()
    return Changes(
        since=before.version,
        previous_wheel=before.filename,
        major_bump=is_major_bump(before.version, after.version),
        modules_removed=topmost(before.modules - after.modules),
        entry_points_removed=tuple(f"{group}:{name}"
                                   for group, name in sorted(before.entry_points - after.entry_points)),
        requirements_added=tuple(after.requirements[key] for key in sorted(after.requirements.keys()
                                                                           - before.requirements.keys())),
        requirements_removed=tuple(before.requirements[key] for key in sorted(before.requirements.keys()
                                                                              - after.requirements.keys())),
        requirements_narrowed=narrowed_requirements(before.requirements, after.requirements),
        requires_python=(before.requires_python, after.requires_python) if dropped else None,
        pythons_dropped=dropped,
        extras_removed=tuple(sorted(before.extras - after.extras)),
        classifiers_dropped=tuple(sorted(before.python_classifiers - after.python_classifiers, key=_version_key)),
        license=(before.license, after.license) if license_changed else None,
        license_now_expression=license_changed and after.license_is_expression and not before.license_is_expression,
        size=(before.size, after.size),
    )


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


# --- findings -------------------------------------------------------------------------------


class Locator(Protocol):
    """Where a person edits what a finding is about (None: nowhere known; the finding names the wheel)."""

    def version(self) -> Mapping[str, Any]: ...
    def requirement(self, text: str) -> Mapping[str, Any]: ...
    def field(self, field: str, value: str | None = None) -> Mapping[str, Any]: ...


class NoLocator:
    def version(self) -> Mapping[str, Any]:
        return {}

    def requirement(self, text: str) -> Mapping[str, Any]:
        return {}

    def field(self, field: str, value: str | None = None) -> Mapping[str, Any]:
        return {}


def listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def _removals(changes: Changes, version: str, where: Mapping[str, Any]) -> Iterator[Finding]:
    since = changes.since
    public, private = changes.public_modules_removed, changes.private_modules_removed
    if public and changes.major_bump:
        yield REMOVED_IN_MAJOR.at(f"{version} removes modules that {since} had: {listed(public)}", **where)
    elif public:
        yield MODULE_REMOVED.at(
            f"{version} removes importable modules that {since} had, without a major-version bump: {listed(public)}",
            hint=f"`import {public[0]}` fails after `pip install -U`; ship it again or bump the major version",
            **where)
    if private:
        yield PRIVATE_MODULE_REMOVED.at(f"{version} removes private modules that {since} had: {listed(private)}",
                                        **where)
    points = changes.entry_points_removed
    if points and changes.major_bump:
        yield REMOVED_IN_MAJOR.at(f"{version} removes entry points that {since} had: {listed(points)}", **where)
    elif points:
        yield ENTRY_POINT_REMOVED.at(
            f"{version} removes entry points that {since} had, without a major-version bump: {listed(points)}",
            **where)


def _requirements(changes: Changes, locator: Locator) -> Iterator[Finding]:
    since = changes.since
    for text in changes.requirements_added:
        yield REQUIREMENT_ADDED.at(f"new dependency since {since}: {text}", **locator.requirement(text))
    for text in changes.requirements_removed:
        yield REQUIREMENT_REMOVED.at(f"no longer a dependency since {since}: {text}",
                                     **locator.field("requires_dist"))
    for item in changes.requirements_narrowed:
        yield REQUIREMENT_NARROWED.at(
            f"{item.name}: {item.before!r} in {since} is now {item.after!r}, which refuses {item.name} "
            f"{item.refused} (accepted before)", **locator.requirement(item.after))


def _metadata(changes: Changes, locator: Locator) -> Iterator[Finding]:
    since = changes.since
    if changes.requires_python is not None:
        before, after = changes.requires_python
        yield REQUIRES_PYTHON_RAISED.at(
            f"Requires-Python {before or '(none)'} in {since} is now {after or '(none)'}: Python "
            f"{listed(changes.pythons_dropped)} no longer supported", **locator.field("requires_python", after))
    if changes.extras_removed:
        yield EXTRA_REMOVED.at(f"extras of {since} no longer provided: {listed(changes.extras_removed)}",
                               **locator.field("provides_extra"))
    if changes.classifiers_dropped:
        yield PYTHON_CLASSIFIER_DROPPED.at(
            f"Python classifiers of {since} dropped: {listed(changes.classifiers_dropped)}",
            **locator.field("classifiers"))
    if changes.license is not None:
        before, after = changes.license
        message = f"the licence was {before or '(not stated)'} in {since}, now {after or '(not stated)'}"
        if changes.license_now_expression and before:
            # moving to PEP 639's License-Expression rewrites how the licence is stated, usually not which it is
            yield LICENSE_CHANGED.at(message + ", now as a License-Expression: check that it names the same licence",
                                     severity=Severity.NOTE, **locator.field("license_expression", after))
        else:
            yield LICENSE_CHANGED.at(message, **locator.field("license_expression", after))


def findings(changes: Changes, version: str, artifact: str, locator: Locator | None = None) -> list[Finding]:
    """The coded findings of `changes` for the release `version` built as `artifact`."""
    locator = locator or NoLocator()
    version_place = {"artifact": artifact, **locator.version()}
    found = list(_removals(changes, version, version_place))
    found += _requirements(changes, locator)
    found += _metadata(changes, locator)
    if changes.size_changed:
        before, after = changes.size
        found.append(WHEEL_SIZE_CHANGED.at(
            f"the wheel is {after:,} bytes, {changes.previous_wheel} was {before:,} bytes ({after / before:.1f}×)"))
    return [item if item.artifact or item.file else dataclasses.replace(item, artifact=artifact) for item in found]


def not_compared(reason: str) -> Finding:
    return NOT_COMPARED.at(reason)


# --- the report's `changes` object ------------------------------------------------------------


def to_json(changes: Changes | None, index: str | None, reason: str | None = None) -> dict[str, Any]:
    """The report's `changes`: what was compared with what (or why nothing was), and what changed."""
    if changes is None:
        return {"compared": False, "reason": reason, "since": None, "previous_wheel": None, "index": index}
    return {
        "compared": True,
        "reason": None,
        "since": changes.since,
        "previous_wheel": changes.previous_wheel,
        "index": index,
        "major_bump": changes.major_bump,
        "modules_removed": list(changes.modules_removed),
        "entry_points_removed": list(changes.entry_points_removed),
        "requirements_added": list(changes.requirements_added),
        "requirements_removed": list(changes.requirements_removed),
        "requirements_narrowed": [{"name": item.name, "before": item.before, "after": item.after,
                                   "refused": item.refused} for item in changes.requirements_narrowed],
        "requires_python": None if changes.requires_python is None else {
            "before": changes.requires_python[0], "after": changes.requires_python[1],
            "dropped": list(changes.pythons_dropped)},
        "extras_removed": list(changes.extras_removed),
        "python_classifiers_dropped": list(changes.classifiers_dropped),
        "license": None if changes.license is None else {"before": changes.license[0], "after": changes.license[1]},
        "wheel_size": {"before": changes.size[0], "after": changes.size[1]},
    }
