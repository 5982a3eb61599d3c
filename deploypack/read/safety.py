"""Archive safety: members that would land outside the extraction directory, device files,
links in wheels, duplicate names, names that are not UTF-8, and archives over the limits.

These are the members that make an archive dangerous or ambiguous to unpack, whoever built it:
the build refuses to unpack such an sdist (deploypack/build/unpack.py) and the archive checks
(deploypack/checks/archive.py) report them for every archive read. The member is named as
stored (undecodable bytes escaped), since no source line exists for it.
"""

from __future__ import annotations

import collections
import posixpath
from collections.abc import Iterator

from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Rule, rule
from deploypack.read.archives import Distribution, Member

ARCHIVE_LIMIT = rule(
    "A002", "archive-over-limits", Severity.ERROR,
    "reading an archive stopped at a safety limit (members, unpacked size or compression ratio)",
    why="An archive with hundreds of thousands of members or that inflates to gigabytes exhausts the memory "
    "or disk of every installer and mirror that unpacks it; it is either a mistake or an attack.",
    fix="Find what swelled the archive (a data directory, a build tree swept in). If it is legitimately "
    "this large, raise max-members, max-unpacked-size or max-compression-ratio in [tool.deploypack].",
)
MEMBER_ESCAPES = rule(
    "A003", "member-outside-archive", Severity.ERROR,
    "a member's path or link target leads outside the directory the archive is unpacked into",
    why="An absolute path, a `..` component or a link pointing outside makes an unpacker write (or read) "
    "files anywhere on the installing machine: the classic tar-slip / zip-slip attack.",
    fix="Rebuild the archive with a standard build backend; never add members by hand with such paths.",
)
SPECIAL_MEMBER = rule(
    "A004", "special-file-member", Severity.ERROR,
    "a member is a device file, FIFO or another special file",
    why="Installers refuse special files or, worse, create device nodes; a distribution never needs one.",
    fix="Exclude the special file from the archive (it usually comes from building in a directory "
    "that contains one).",
)
LINK_IN_WHEEL = rule(
    "A005", "link-in-wheel", Severity.ERROR, "a wheel member is a symbolic or hard link",
    why="The wheel format has no links: installers write the link's target text as the file's content, "
    "or follow it out of the install directory.",
    fix="Make the backend copy the file instead of linking it (package the real file).",
)
DUPLICATE_MEMBER = rule(
    "A006", "duplicate-member", Severity.ERROR, "two members of an archive have the same name",
    why="Which copy an unpacker keeps differs between tools, so what is checked and what is installed "
    "can differ; duplicate names are a known way to smuggle content past a review.",
    fix="Rebuild the archive; a backend that writes a file twice has a bug in its file selection.",
)
NAME_NOT_UTF8 = rule(
    "A007", "member-name-not-utf8", Severity.ERROR,
    "a member name is not UTF-8 (tar) or not marked as UTF-8 (zip)",
    why="Installers decode such names differently on each platform (a zip name without the UTF-8 flag is "
    "read as cp437), so the file is installed under a garbled name or not at all.",
    fix="Rename the file to a UTF-8 name in the project, or build with a backend that writes UTF-8 names.",
)


def limit_finding(filename: str, why: str) -> Finding:
    return ARCHIVE_LIMIT.at(f"{filename}: reading stopped: {why}", artifact=filename)


def member_findings(dist: Distribution) -> Iterator[Finding]:
    """The findings for one archive's members (also used by readers of archives built elsewhere)."""
    seen: collections.Counter[str] = collections.Counter(member.name.rstrip("/") for member in dist.members)
    for member in dist.members:
        # The common case first, cheaply: a plain file or directory with a plain name.
        if member.type in ("file", "dir") and not member.undecodable_name and not escapes(member.name):
            continue
        yield from _member_findings(dist, member)
    for name, count in seen.items():
        if count > 1:
            yield DUPLICATE_MEMBER.at(
                f"{dist.filename}: {_shown(name)} is stored {count} times", artifact=dist.filename, member=name,
            )


def _member_findings(dist: Distribution, member: Member) -> Iterator[Finding]:
    name, target = _shown(member.name), _shown(member.link_target or "")
    problems: list[tuple[Rule, str]] = []
    if escapes(member.name):
        problems.append((MEMBER_ESCAPES, f"member {name} would be written outside the unpack directory"))
    elif member.type in ("symlink", "hardlink") and member.link_target is not None and _link_escapes(member):
        problems.append((MEMBER_ESCAPES, f"{member.type} {name} points outside the archive, to {target}"))
    if member.type == "other":
        problems.append((SPECIAL_MEMBER, f"member {name} is a special file (device, FIFO or socket)"))
    if dist.kind == "wheel" and member.type in ("symlink", "hardlink"):
        problems.append((LINK_IN_WHEEL, f"member {name} is a {member.type} to {target}"))
    if member.undecodable_name:
        encoding = "marked as UTF-8" if dist.kind == "wheel" else "valid UTF-8"
        problems.append((NAME_NOT_UTF8, f"member name {name} is not {encoding}"))
    for declared, message in problems:
        yield declared.at(f"{dist.filename}: {message}", artifact=dist.filename, member=member.name)


def _shown(name: str) -> str:
    """Quoted; repr() only when needed, so escaped bytes (`\\xe9`) are not doubled."""
    return f"'{name}'" if name.isprintable() and "'" not in name else repr(name)


def escapes(name: str) -> bool:
    """True for an absolute path, a Windows drive or a `..` that climbs out of the root."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return True
    return ".." in unified and posixpath.normpath(unified or ".").split("/")[0] == ".."


def _link_escapes(member: Member) -> bool:
    target = (member.link_target or "").replace("\\", "/")
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        return True
    # A symlink is relative to its own directory; a tar hard link names another member.
    base = posixpath.dirname(member.name) if member.type == "symlink" else ""
    return escapes(posixpath.join(base, target))
