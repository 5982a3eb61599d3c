"""Archive safety, for every archive read: the rules and the member tests are the read stage's
(deploypack/read/safety.py), since the build refuses to unpack such an sdist too."""

from __future__ import annotations

from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.core.findings import Finding
from deploypack.read.safety import (
    ARCHIVE_LIMIT,
    DUPLICATE_MEMBER,
    LINK_IN_WHEEL,
    MEMBER_ESCAPES,
    NAME_NOT_UTF8,
    SPECIAL_MEMBER,
    limit_finding,
    member_findings,
)


@check(ARCHIVE_LIMIT)
def archive_limits(context: CheckContext) -> Iterator[Finding]:
    for dist in context.distributions:
        if dist.limit_exceeded:
            yield limit_finding(dist.filename, dist.limit_exceeded)


@check(MEMBER_ESCAPES, SPECIAL_MEMBER, LINK_IN_WHEEL, DUPLICATE_MEMBER, NAME_NOT_UTF8)
def unsafe_members(context: CheckContext) -> Iterator[Finding]:
    for dist in context.distributions:
        yield from member_findings(dist)
