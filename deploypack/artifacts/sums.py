"""SHA256SUMS: the `sha256sum -c` format over every distribution.

One line per file, `<hex digest><two spaces><file name>`, sorted by name, so the file can be
checked with coreutils on any machine and diffed between runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FILENAME = "SHA256SUMS"
_LINE = re.compile(r"^(?P<digest>[0-9a-fA-F]{64}) (?P<binary>[ *])(?P<name>.+)$")


def render(entries: Iterable[tuple[str, str]]) -> str:
    """`entries` are (file name, sha256 hex) pairs."""
    lines = []
    for name, digest in sorted(entries):
        if "\n" in name or "\\" in name or "/" in name:
            raise ValueError(f"a distribution file name cannot contain a newline, backslash or slash: {name!r}")
        lines.append(f"{digest.lower()}  {name}\n")
    return "".join(lines)


class MalformedSums(ValueError):
    def __init__(self, line_number: int, line: str) -> None:
        super().__init__(f"line {line_number} is not `<sha256>  <file>`: {line[:80]!r}")
        self.line_number = line_number


def parse(text: str) -> dict[str, str]:
    """File name -> sha256 hex, from a file in `sha256sum` format (text or binary mode markers)."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise MalformedSums(number, line)
        entries[match["name"]] = match["digest"].lower()
    return entries
