"""PEP 639 licence metadata: the License-Expression is valid SPDX, and every License-File is shipped.

Validation is packaging.licenses' (the same the index runs). An sdist holds a licence file at its
project-relative path; a wheel under `<name>.dist-info/licenses/<path>` (Metadata-Version 2.4+).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.metadata_fields import metadata_dists, metadata_version, raw_metadata, where
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read.archives import Distribution

LICENSE_EXPRESSION_INVALID = rule(
    "M019", "license-expression-invalid", Severity.ERROR, "License-Expression is not a valid SPDX expression",
    why="PEP 639 makes License-Expression an SPDX expression (identifiers joined by AND, OR, WITH); the "
    "index refuses an upload whose expression does not parse or names an unknown licence.",
    fix="Use SPDX identifiers (https://spdx.org/licenses/), e.g. `license = \"MIT\"` or "
    "`\"Apache-2.0 OR BSD-3-Clause\"`; a licence without an identifier is `LicenseRef-<name>`.",
)
LICENSE_FILE_MISSING = rule(
    "M020", "license-file-missing", Severity.ERROR, "a License-File named in the metadata is not in the archive",
    why="PEP 639 requires every License-File to be shipped (in the sdist at its path, in the wheel under "
    ".dist-info/licenses/); the index refuses archives that name a licence file they do not contain.",
    fix="Make the `license-files` patterns match the files you ship, and include them in the sdist "
    "(MANIFEST.in or the backend's include settings).",
)

_TOKENS = re.compile(r"[()]|[^\s()]+")
_OPERATORS = {"and", "or", "with"}


def expression_problem(expression: str) -> str | None:
    """Why packaging refuses this SPDX expression (naming the first unknown identifier), or None."""
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        canonicalize_license_expression(expression)
    except InvalidLicenseExpression:
        pass
    else:
        return None
    tokens = _TOKENS.findall(expression)
    if not any(token.lower() in _OPERATORS or token in "()" for token in tokens):  # one licence, maybe with spaces
        close = _closest_identifier(expression)
        return f"{expression!r} is not an SPDX licence identifier" + (f" (did you mean {close!r}?)" if close else "")
    for token in tokens:
        if token in "()" or token.lower() in _OPERATORS or token.startswith(("LicenseRef-", "DocumentRef-")):
            continue
        try:
            canonicalize_license_expression(token.removesuffix("+"))
        except InvalidLicenseExpression:
            close = _closest_identifier(token)
            return f"{token!r} is not an SPDX licence identifier" + (f" (did you mean {close!r}?)" if close else "")
    return "the expression does not parse (check AND/OR/WITH and the parentheses)"


def _closest_identifier(token: str) -> str | None:
    from packaging.licenses._spdx import LICENSES  # the identifiers packaging validates against

    names = {key: value["id"] for key, value in LICENSES.items()}
    wanted = token.lower().replace(" ", "-")
    if wanted in names:
        return names[wanted]
    if len(wanted) < 5:  # `BSD` is not a near miss of `0BSD`: too short to guess
        return None
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.85)
    return names[close[0]] if close else None


@check(LICENSE_EXPRESSION_INVALID)
def license_expression_is_valid(context: CheckContext) -> Iterator[Finding]:
    seen: set[str] = set()
    for dist in metadata_dists(context):
        expression = raw_metadata(dist).get("license_expression")
        if not expression or expression in seen:
            continue
        seen.add(expression)
        problem = expression_problem(expression)
        if problem:
            yield LICENSE_EXPRESSION_INVALID.at(
                f"License-Expression {expression!r}: {problem}",
                **where(context, expression, "license_expression", dist),
            )


def shipped_at(dist: Distribution, path: str) -> str:
    """Where the archive must hold the licence file `path`."""
    if dist.kind == "sdist":
        return path
    dist_info = (dist.metadata_path or "").rpartition("/")[0]
    return f"{dist_info}/licenses/{path}"


@check(LICENSE_FILE_MISSING)
def license_files_are_shipped(context: CheckContext) -> Iterator[Finding]:
    for dist in metadata_dists(context):
        if dist.kind == "wheel" and (metadata_version(dist) or (0,)) < (2, 4):
            continue  # before PEP 639 the wheel location of License-File was the backend's choice
        for path in raw_metadata(dist).get("license_files") or ():
            expected = shipped_at(dist, path)
            member = dist.member(expected)
            if member is not None and member.type != "dir":
                continue
            yield LICENSE_FILE_MISSING.at(
                f"{dist.filename} names License-File {path!r} but does not contain {expected}",
                **where(context, path, "license_files", dist),
            )
