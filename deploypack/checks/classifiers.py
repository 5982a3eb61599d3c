"""Trove classifiers: known to the index, not private, consistent with the licence and Requires-Python.

The classifier list is trove-classifiers' (the index's own package). Each finding points at the line
that declares the classifier in pyproject.toml, setup.cfg or setup.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import metadata_dists, raw_metadata, where
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read import python_versions
from deploypack.read.archives import Distribution

UNKNOWN_CLASSIFIER = rule(
    "M005", "unknown-classifier", Severity.ERROR, "a classifier is not a known trove classifier",
    why="The index refuses an upload with a classifier that is not in the trove classifier list; "
    "the release then fails at the last step, in public.",
    fix="Use the exact spelling from the trove classifier list (`python -m trove_classifiers` prints it; "
    "a close match is suggested).",
)
PRIVATE_CLASSIFIER = rule(
    "M016", "private-classifier", Severity.ERROR, "a `Private ::` classifier blocks the upload",
    why="The index refuses every upload carrying a classifier that starts with `Private ::`: projects add "
    "one on purpose so that they can never be published by accident.",
    fix="If this release is meant for the public index, remove the classifier; otherwise publish to a "
    "private index and ignore this code there (`ignore = [\"M016\"]`).",
)
LICENSE_CLASSIFIER_WITH_EXPRESSION = rule(
    "M017", "license-classifier-with-expression", Severity.WARNING,
    "a `License ::` classifier is declared beside a License-Expression",
    why="PEP 639 deprecates licence classifiers: with a License-Expression they are redundant at best and "
    "contradict it at worst; build backends are allowed to refuse the combination (setuptools does).",
    fix="Remove the `License ::` classifiers; the `license` expression says it precisely.",
)
PYTHON_CLASSIFIER_INCONSISTENT = rule(
    "M018", "python-classifier-inconsistent", Severity.WARNING,
    "a `Programming Language :: Python` classifier contradicts Requires-Python",
    why="The classifier announces support for a Python version that Requires-Python excludes (or the "
    "reverse): one of the two is stale, and users on that version are told two different things.",
    fix="Remove the classifier, or widen `requires-python` if that version is really supported.",
)
PYTHON_CLASSIFIER_MISSING = rule(
    "M026", "python-classifier-missing", Severity.NOTE,
    "Requires-Python admits a maintained Python version that no `Programming Language :: Python :: X.Y` "
    "classifier names",
    why="The classifiers and Requires-Python are the two places that say which Python versions a release "
    "supports, and the test matrix the action derives (its `python-versions` output) follows the classifiers: "
    "a version Requires-Python lets users install on, but no classifier names, is installed and never tested.",
    fix="Add the `Programming Language :: Python :: X.Y` classifier if the version is supported (and test it), "
    "or raise `requires-python` if it is not.",
)

_PYTHON_VERSION = re.compile(r"^Programming Language :: Python :: (\d+)(?:\.(\d+))?( :: Only)?$")

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet


def _normalised(classifier: str) -> str:
    return " :: ".join(" ".join(part.split()).casefold() for part in classifier.split("::"))


def _words(classifier: str) -> set[str]:
    """The words after the top category: `Environment :: Web` -> {"web"}."""
    return set(re.findall(r"[a-z0-9]+", classifier.partition("::")[2].casefold()))


def suggest(classifier: str, known: frozenset[str] | set[str]) -> str | None:
    """The classifier most likely meant: the same words ignoring case and spacing; else the shortest one of
    the same category holding every word given (`License :: MIT` -> `License :: OSI Approved :: MIT
    License`); else the closest spelling in its own category, else overall."""
    wanted = _normalised(classifier)
    for candidate in known:
        if _normalised(candidate) == wanted:
            return candidate
    top = classifier.partition("::")[0].strip() + " ::"
    words = _words(classifier)
    if any(word.isalpha() for word in words):
        holding = [c for c in known if c.startswith(top) and words <= _words(c)]
        if holding:
            return min(holding, key=lambda c: (len(c), c))
    parts = [part.strip() for part in classifier.split("::")]
    for depth in range(len(parts) - 1, 0, -1):
        prefix = " :: ".join(parts[:depth]) + " :: "
        siblings = [candidate for candidate in known if candidate.startswith(prefix)]
        if siblings:
            close = difflib.get_close_matches(classifier, siblings, n=1, cutoff=0.6)
            if close:
                return close[0]
            break
    close = difflib.get_close_matches(classifier, sorted(known), n=1, cutoff=0.75)
    return close[0] if close else None


def _classifiers(context: CheckContext) -> Iterator[tuple[Distribution, str]]:
    """Each classifier once, with the first archive declaring it."""
    seen: set[str] = set()
    for dist in metadata_dists(context):
        for classifier in raw_metadata(dist).get("classifiers") or ():
            if classifier not in seen:
                seen.add(classifier)
                yield dist, classifier


@check(UNKNOWN_CLASSIFIER, PRIVATE_CLASSIFIER)
def classifiers_are_known(context: CheckContext) -> Iterator[Finding]:
    from trove_classifiers import classifiers as known
    from trove_classifiers import deprecated_classifiers

    for dist, classifier in _classifiers(context):
        if classifier in known:
            continue
        place = where(context, classifier, "classifiers", dist)
        if classifier.startswith("Private ::"):
            yield PRIVATE_CLASSIFIER.at(f"the classifier {classifier!r} makes the index refuse the upload", **place)
            continue
        if classifier in deprecated_classifiers:
            replacement = ", ".join(repr(c) for c in deprecated_classifiers[classifier]) or "nothing (remove it)"
            yield UNKNOWN_CLASSIFIER.at(
                f"deprecated classifier {classifier!r} is refused by the index",
                hint=f"Deprecated; replace with: {replacement}", **place,
            )
            continue
        close = suggest(classifier, known)
        yield UNKNOWN_CLASSIFIER.at(
            f"unknown classifier {classifier!r}" + (f" (did you mean {close!r}?)" if close else ""),
            hint=f"Did you mean {close!r}?" if close else UNKNOWN_CLASSIFIER.fix, **place,
        )


@check(LICENSE_CLASSIFIER_WITH_EXPRESSION)
def no_license_classifier_with_expression(context: CheckContext) -> Iterator[Finding]:
    expressions = [raw_metadata(dist).get("license_expression") for dist in metadata_dists(context)]
    expression = next((value for value in expressions if value), None)
    if expression is None:
        return
    for dist, classifier in _classifiers(context):
        if classifier.startswith("License ::"):
            yield LICENSE_CLASSIFIER_WITH_EXPRESSION.at(
                f"the classifier {classifier!r} is deprecated beside License-Expression {expression!r}",
                **where(context, classifier, "classifiers", dist),
            )


def admits(requires_python: SpecifierSet, major: int, minor: int | None) -> bool:
    """Whether some release of Python major(.minor) satisfies the specifier set."""
    from packaging.version import Version

    minors = range(0, 40) if minor is None else (minor,)
    return any(
        requires_python.contains(Version(f"{major}.{m}.{micro}"), prereleases=True)
        for m in minors for micro in (0, 1, 2, 5, 10, 20, 50)
    )


@check(PYTHON_CLASSIFIER_INCONSISTENT)
def python_classifiers_match_requires_python(context: CheckContext) -> Iterator[Finding]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    dists = list(metadata_dists(context))
    declared = next((raw_metadata(d).get("requires_python") for d in dists if raw_metadata(d).get("requires_python")),
                    None)
    if not declared:
        return
    try:
        requires_python = SpecifierSet(declared)
    except InvalidSpecifier:
        return  # M002 reports it
    for dist, classifier in _classifiers(context):
        match = _PYTHON_VERSION.match(classifier)
        if not match:
            continue
        major, minor, only = int(match.group(1)), match.group(2), bool(match.group(3))
        if only:
            # `3 :: Only` means "not Python 2" (and the reverse); a future Python 4 is no contradiction
            others = [other for other in {2: [3], 3: [2]}.get(major, []) if admits(requires_python, other, None)]
            if others:
                yield PYTHON_CLASSIFIER_INCONSISTENT.at(
                    f"{classifier!r} says Python {major} only, but Requires-Python {declared!r} admits Python "
                    f"{others[0]}", **where(context, classifier, "classifiers", dist),
                )
        elif not admits(requires_python, major, int(minor) if minor else None):
            version = f"{major}.{minor}" if minor else str(major)
            yield PYTHON_CLASSIFIER_INCONSISTENT.at(
                f"{classifier!r} announces Python {version}, which Requires-Python {declared!r} excludes",
                **where(context, classifier, "classifiers", dist),
            )


@check(PYTHON_CLASSIFIER_MISSING)
def maintained_pythons_are_classified(context: CheckContext) -> Iterator[Finding]:
    dists = list(metadata_dists(context))
    if not dists:
        return
    metadata = raw_metadata(dists[0])
    declared, classifiers = metadata.get("requires_python"), metadata.get("classifiers") or []
    missing = python_versions.unclassified(declared, classifiers)
    if not missing:
        return
    named = python_versions.classified(classifiers)
    last = f"Programming Language :: Python :: {named[-1][0]}.{named[-1][1]}"
    listed = ", ".join(missing)
    yield PYTHON_CLASSIFIER_MISSING.at(
        f"Requires-Python {declared!r} admits Python {listed}, which no `Programming Language :: Python :: X.Y` "
        f"classifier names: the version matrix (python-versions) leaves {'it' if len(missing) == 1 else 'them'} out",
        hint=PYTHON_CLASSIFIER_MISSING.fix, **where(context, last, "classifiers", dists[0]),
    )
