"""A small emulator of how the GitHub Actions runner reads a step's output and file commands.

Written from the runner's documented and published parsing rules (not copied), so that tests
can assert what a real runner would do with deploypack's output:

- The runner reads stdout and stderr line by line as .NET's `ReadLine` does: a line ends at
  LF, CR, or CR LF. A bare CR in untrusted text therefore starts a new line.
- Workflow commands v2: after trimming leading white space, a line starting with `::`, then
  the command name up to a space or the next `::`, optional `k=v` properties separated by
  commas, `::`, then the data. Command and property names are case-insensitive. Data is
  unescaped `%0D` `%0A` `%25` (in that order); properties also `%3A` `%2C`.
- The legacy form `##[command k=v;k=v]data` is recognised anywhere in a line (when the v2
  form did not match), with its own escapes (`%3B` `%0D` `%0A` `%5D` `%25`).
- Only registered commands are commands; anything else is plain output.
- `stop-commands` with a token: until a line that is the token as a command (`::TOKEN::` or
  `##[TOKEN]`), nothing is processed.
- File commands (GITHUB_OUTPUT, GITHUB_ENV) on Linux: lines split at LF; `name=value`, or
  `name<<DELIMITER` then the value's lines up to a line equal to the delimiter.
"""

from __future__ import annotations

import dataclasses
import re

REGISTERED = frozenset({
    "stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
    "remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo",
})
ANNOTATION_COMMANDS = frozenset({"warning", "error", "notice"})

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# .NET's char.IsWhiteSpace: what String.TrimStart removes before the `::` check.
_DOTNET_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                "\u2028\u2029\u202f\u205f\u3000"


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def unescape_legacy(text: str) -> str:
    for escaped, plain in (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


@dataclasses.dataclass
class Command:
    name: str  # lower case
    properties: dict[str, str]  # keys lower case
    data: str
    line: str


def split_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _properties(text: str, separator: str, unescape: object) -> dict[str, str]:
    found = {}
    for item in text.split(separator):
        if not item:
            continue
        # .NET Split('=', 2, RemoveEmptyEntries): empty parts vanish, so `=` at the start of the
        # key or of the value is dropped, and `k=` (one part) is ignored.
        key, sep, value = item.lstrip("=").partition("=")
        value = value.lstrip("=")
        if key and sep and value:
            found[key.lower()] = unescape(value)  # type: ignore[operator]
    return found


def parse_v2(line: str, registered: set[str] | frozenset[str]) -> Command | None:
    message = line.lstrip(_DOTNET_SPACE)
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, space, rest = info.partition(" ")
    if not name or name.lower() not in registered:  # an empty name fails the runner's constructor
        return None
    properties = _properties(rest.strip(), ",", unescape_property) if space else {}
    return Command(name.lower(), properties, unescape_data(message[end + 2:]), line)


def parse_legacy(line: str, registered: set[str] | frozenset[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3:close]
    name, space, rest = info.partition(" ")
    if not name or name.lower() not in registered:
        return None
    properties = _properties(rest, ";", unescape_legacy) if space else {}
    return Command(name.lower(), properties, unescape_legacy(line[close + 1:]), line)


@dataclasses.dataclass
class Runner:
    """Feed it a step's output; it records what the runner would have acted on."""

    registered: set[str] = dataclasses.field(default_factory=lambda: set(REGISTERED))
    commands: list[Command] = dataclasses.field(default_factory=list)  # every command acted on
    output: list[str] = dataclasses.field(default_factory=list)  # lines shown as plain log text
    stop_token: str | None = None

    def feed(self, text: str) -> Runner:
        for line in split_lines(text):
            self.process_line(line)
        return self

    def process_line(self, line: str) -> None:
        command = None
        if line and ("##[" in line or "::" in line):
            command = parse_v2(line, self.registered) or parse_legacy(line, self.registered)
        if command is None:
            self.output.append(line)
            return
        if self.stop_token is not None:
            if command.name == self.stop_token.lower():
                self.registered.discard(self.stop_token.lower())
                self.stop_token = None
                self.commands.append(command)
            else:
                self.output.append(line)
            return
        if command.name == "stop-commands":
            self.stop_token = command.data
            self.registered.add(command.data.lower())
        self.commands.append(command)

    # --- what the job would see ----------------------------------------------------------
    def named(self, name: str) -> list[Command]:
        return [command for command in self.commands if command.name == name]

    @property
    def annotations(self) -> list[Command]:
        return [command for command in self.commands if command.name in ANNOTATION_COMMANDS]

    @property
    def masks(self) -> list[str]:
        return [command.data for command in self.named("add-mask")]

    @property
    def stopped_blocks(self) -> int:
        return len(self.named("stop-commands"))

    def effective(self) -> list[Command]:
        """Commands with an effect beyond stopping and resuming command processing."""
        control = {"stop-commands"}
        resumes = set()
        for command in self.commands:
            if command.name == "stop-commands":
                resumes.add(command.data.lower())
        return [c for c in self.commands if c.name not in control and c.name not in resumes]


class FileCommandError(ValueError):
    """What makes the runner fail the step when it reads a file command."""


def read_file_command(path: object) -> dict[str, str]:
    """Read a file command as the runner does: the bytes as UTF-8, no newline translation."""
    with open(path, "rb") as handle:  # type: ignore[call-overload]
        return parse_file_command(handle.read().decode("utf-8"))


def parse_file_command(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV as the runner reads them on Linux (last value of a name wins)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    ends_with_newline = text.endswith("\n")
    if ends_with_newline:
        lines.pop()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, _, value = line.partition("=")
            if not name:
                raise FileCommandError(f"invalid format {line!r}: name must not be empty")
            values[name] = value
        elif heredoc >= 0:
            name, _, delimiter = line.partition("<<")
            if not name or not delimiter:
                raise FileCommandError(f"invalid format {line!r}")
            body = []
            while True:
                if index >= len(lines):
                    raise FileCommandError(f"matching delimiter not found {delimiter!r}")
                current = lines[index]
                index += 1
                if current == delimiter:
                    break
                body.append(current)
            values[name] = "\n".join(body)
        else:
            raise FileCommandError(f"invalid format {line!r}")
    return values
