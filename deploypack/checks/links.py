"""Symbolic links of the source tree that lead outside it, and what the backend made of them.

The links are found in the tree before the build (deploypack/project/links.py); here each one
the distributions hold, as a link or as the target's content, becomes an error at the link's
path in the tree. When the backend refused the link, `refused_build` turns its failure into
the same finding. Either way the run writes no output (pipeline/build_run.py), so the
target's content is never published.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from deploypack.checks import CheckContext, check
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.project.links import OutsideLink
from deploypack.read.archives import Distribution

LINK_OUTSIDE = rule(
    "C008", "symlink-outside-project", Severity.ERROR,
    "a symbolic link of the source tree points outside the project",
    why="Backends that follow the link ship the target's content as an ordinary file, so a file of the "
    "build machine (`/etc/passwd`, a key in the home directory) is published with the release; backends "
    "that keep it make an sdist that builds nowhere else, and some refuse the project outright. deploypack "
    "writes no output when the distributions hold one (or the content it led to); a committed link they "
    "leave out is a warning. Example: `mypkg/data.txt -> ../../secrets/data.txt`.",
    fix="Replace the link with a copy of the file it should ship (`cp --remove-destination \"$(readlink -f "
    "mypkg/data.txt)\" mypkg/data.txt`), or delete it and exclude it from the distributions.",
)


def _tails(path: str) -> list[str]:
    """The link's path and the shorter paths a wheel may install it at (`src/pkg/x` -> `pkg/x`)."""
    parts = path.split("/")
    return ["/".join(parts[index:]) for index in range(len(parts) - 1 or 1)]


def _shipped(link: OutsideLink, dist: Distribution) -> tuple[str, str] | None:
    """(member, how) when the archive holds the link, or the content it led to."""
    paths = [link.path] if dist.kind == "sdist" else _tails(link.path)
    for member in dist.members:
        for path in paths:
            if member.path == path or member.path.startswith(path + "/"):
                kept = member.type == "symlink" and member.path == path
                how = "keeps it as a link" if kept else "holds the target's content as ordinary files"
                return member.name, how
    return None


def _message(link: OutsideLink, what: str) -> str:
    shown = link.target if link.target == link.resolved else f"{link.target} ({link.resolved})"
    return f"{link.path} is a symbolic link to {shown}, outside the project: {what}"


@check(LINK_OUTSIDE, needs_source=True)
def links_stay_inside(context: CheckContext) -> Iterator[Finding]:
    tracked = frozenset(context.git_files or ())
    for link in context.outside_links:
        shipped = [(dist, found) for dist in context.distributions if (found := _shipped(link, dist))]
        if not shipped:
            # Left out of both archives, nothing of the target is published; a committed link is still
            # part of the release's source, and another backend or version would follow it.
            if link.path in tracked:
                yield LINK_OUTSIDE.at(_message(link, "the distributions leave it out today, but it is committed"),
                                      file=link.path, severity=Severity.WARNING)
            continue
        what = "; ".join(f"{dist.filename} {how}" for dist, (_, how) in shipped)
        yield LINK_OUTSIDE.at(_message(link, what), file=link.path,
                              artifact=shipped[0][0].filename, member=shipped[0][1][0])


def refused_build(links: Sequence[OutsideLink], failure: Finding) -> list[Finding] | None:
    """The findings replacing a build failure that one of the links caused (the backend refused it,
    or the sdist kept it and could not be unpacked), or None when the failure names none of them."""
    text = " ".join(part for part in (failure.message, failure.member or "", failure.hint or "") if part)
    named = [link for link in links if _named(link, text)]
    if not named:
        return None
    how = ("the sdist keeps it as a link, which no one can unpack safely" if failure.code.startswith("A")
           else "the build failed on it")
    return [LINK_OUTSIDE.at(_message(link, f"{how} ({failure.code}: {failure.message})"), file=link.path)
            for link in named]


def _named(link: OutsideLink, text: str) -> bool:
    return any(needle in text for needle in (link.resolved, f"/{link.path}", f"'{link.path}'", f"{link.target}'"))
