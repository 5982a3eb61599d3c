"""GitHub Actions workflow commands and file commands, as @actions/core writes them.

Escaping follows the runner's parser exactly: in data (the message) `%` becomes `%25`
first, then CR `%0D` and LF `%0A`; in properties also `:` `%3A` and `,` `%2C`. Empty
properties are left out. Outputs and environment values use the `name<<DELIMITER` form
of the file commands, with a random delimiter that the value may not contain.

Untrusted text (build logs, README content, file names) is only ever printed inside a
`::stop-commands::TOKEN` block with a random token, so no line of it can act as a command.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

ANNOTATION_LEVELS = ("error", "warning", "notice")
ANNOTATION_MESSAGE_LIMIT = 4096  # the runner cuts annotation messages here


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, message: str = "", properties: Mapping[str, object] | None = None) -> str:
    """`::command k=v,k=v::message`, properties escaped, empty ones omitted."""
    text = "::" + command
    kept = {key: str(value) for key, value in (properties or {}).items() if value is not None and str(value) != ""}
    if kept:
        text += " " + ",".join(f"{key}={escape_property(value)}" for key, value in kept.items())
    return text + "::" + escape_data(message)


def annotation(
    level: str,
    message: str,
    *,
    title: str | None = None,
    file: str | None = None,
    line: int | None = None,
    end_line: int | None = None,
    col: int | None = None,
    end_column: int | None = None,
) -> str:
    if level not in ANNOTATION_LEVELS:
        raise ValueError(f"annotation level must be one of {ANNOTATION_LEVELS}")
    if file and file.startswith("="):
        file = "./" + file  # the runner drops `=` at the start of a property value
    # The runner trims the properties as a whole: a code (the title) goes last, not a file name.
    properties = {
        "file": file,
        "line": line,
        "endLine": (end_line or line) if line is not None else None,
        "col": col if line is not None else None,
        "endColumn": end_column if line is not None and col is not None else None,
        "title": title,
    }
    if len(message) > ANNOTATION_MESSAGE_LIMIT:
        message = message[: ANNOTATION_MESSAGE_LIMIT - 1] + "…"
    return format_command(level, message, properties)


def new_token() -> str:
    return secrets.token_hex(16)


@contextlib.contextmanager
def commands_stopped(stream: TextIO, token: str | None = None) -> Iterator[str]:
    """Print untrusted text inside: no line of it is processed as a workflow command."""
    token = token or new_token()
    stream.write(format_command("stop-commands", token) + "\n")
    try:
        yield token
    finally:
        stream.write(f"::{token}::\n")


def write_untrusted(stream: TextIO, text: str) -> None:
    token = new_token()
    while token.lower() in text.lower():  # the text must not be able to resume processing
        token = new_token()
    with commands_stopped(stream, token):
        stream.write(text if text.endswith("\n") else text + "\n")


def could_be_command(text: str) -> bool:
    """Whether the runner might read any line of `text` as a command (conservatively).

    The runner reads `::` at the start of a line (after white space) and the legacy `##[`
    anywhere in a line; a CR alone also ends a line. Text without either is inert.
    """
    return "::" in text or "##[" in text


_WORD_JOINER = "\u2060"  # invisible, and not white space to the runner (.NET char.IsWhiteSpace)
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def neutralise(text: str) -> str:
    """The same text as a reader sees it, but no line of it is a workflow command.

    A line is a command when it starts with `::` (after white space) or holds `##[`: such a line
    gets an invisible word joiner in front, and `##[` one inside. No state is involved, unlike
    stop-commands, so this is safe on a second stream (stderr) that the runner reads concurrently.
    """
    out = []
    for line in _LINES.findall(text):
        if could_be_command(line):
            line = _WORD_JOINER + line.replace("##[", "##" + _WORD_JOINER + "[")
        out.append(line)
    return "".join(out)


class GuardedWriter:
    """A text stream for messages that may quote untrusted text (errors, progress) under Actions.

    Text is passed on by whole lines (a command cannot hide across two writes), each neutralised.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if cut >= 0:
            ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
            self.stream.write(neutralise(ready))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.stream.write(neutralise(pending) + "\n")
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def inert_json(text: str) -> str:
    """JSON text that the runner cannot read as a command, with the same value.

    Indented JSON never starts a line with `::`; the legacy `##[` can only occur inside a
    string, where `[` may be written as its escape.
    """
    return text.replace("##[", "##\\u005b")


def add_mask(value: str) -> str:
    return format_command("add-mask", value)


def group(title: str) -> str:
    return format_command("group", title)


def end_group() -> str:
    return format_command("endgroup")


def file_command_entry(name: str, value: str, delimiter: str | None = None) -> str:
    """One `name<<DELIM` entry of GITHUB_OUTPUT / GITHUB_ENV."""
    delimiter = delimiter or f"ghadelimiter_{secrets.token_hex(16)}"
    if delimiter in name:
        raise ValueError(f"unexpected input: name should not contain the delimiter {delimiter!r}")
    if delimiter in value:
        raise ValueError(f"unexpected input: value should not contain the delimiter {delimiter!r}")
    if "\n" in name or "\r" in name or "=" in name or not name:
        raise ValueError(f"invalid output name {name!r}")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def append_file_command(variable: str, entries: Mapping[str, str], environ: Mapping[str, str]) -> bool:
    """Append outputs (GITHUB_OUTPUT) or env (GITHUB_ENV); False when the runner gave no file."""
    target = environ.get(variable)
    if not target:
        return False
    text = "".join(file_command_entry(name, value) for name, value in entries.items())
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)
    return True


def append_summary(markdown: str, environ: Mapping[str, str]) -> bool:
    """Append to the job's step summary (GITHUB_STEP_SUMMARY); False when the runner gave no file."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with open(Path(target), "a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True
