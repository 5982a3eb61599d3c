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
import os
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
    properties = {
        "title": title,
        "file": file,
        "line": line,
        "endLine": end_line if line is not None else None,
        "col": col if line is not None else None,
        "endColumn": end_column if line is not None and col is not None else None,
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
    with commands_stopped(stream):
        stream.write(text if text.endswith("\n") else text + "\n")


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


def append_file_command(variable: str, entries: Mapping[str, str], environ: Mapping[str, str] | None = None) -> bool:
    """Append outputs (GITHUB_OUTPUT) or env (GITHUB_ENV); False when the runner gave no file."""
    environ = os.environ if environ is None else environ
    target = environ.get(variable)
    if not target:
        return False
    text = "".join(file_command_entry(name, value) for name, value in entries.items())
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)
    return True


def append_summary(markdown: str, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with open(Path(target), "a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True
