"""The workflow-command layer against the runner's parsing rules (tests/runner_emulator.py)."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from deploypack.report import actions_core
from tests.runner_emulator import (
    Command,
    FileCommandError,
    Runner,
    parse_file_command,
    parse_legacy,
    parse_v2,
    split_lines,
    unescape_data,
    unescape_property,
)

# Text the way projects write it, and the way attackers do: commands, escapes, line breaks.
FRAGMENTS = st.sampled_from([
    "::error::", "::set-output name=ok::", "::add-mask::", "::stop-commands::", "##[set-env name=X]",
    "##[set-output name=ok;]", "%0A", "%25", "%0D", "%3A", "\r", "\n", "\r\n", "::", ",", ":", "=", "%",
    "  ::warning file=x::", "\u2028", "\x85", "]", ";",
])
HOSTILE_TEXT = st.lists(st.one_of(st.text(max_size=20), FRAGMENTS), max_size=12).map("".join)


def parse_one(line: str) -> Command | None:
    return parse_v2(line, {"error", "warning", "notice", "add-mask", "stop-commands"})


@settings(max_examples=150, deadline=None)
@given(HOSTILE_TEXT)
def test_any_message_round_trips_through_the_runners_unescape(message: str) -> None:
    line = actions_core.format_command("error", message)
    assert len(split_lines(line)) == 1
    assert unescape_data(actions_core.escape_data(message)) == message
    command = parse_one(line)
    assert command is not None and command.name == "error" and command.data == message


@settings(max_examples=150, deadline=None)
@given(HOSTILE_TEXT.filter(lambda text: not text.startswith("=")), HOSTILE_TEXT)
def test_any_property_round_trips_and_cannot_add_properties(file: str, message: str) -> None:
    line = actions_core.annotation("warning", message, file=file, line=3, col=2, title="M001")
    assert len(split_lines(line)) == 1
    command = parse_one(line)
    assert command is not None
    expected = {"line": "3", "endline": "3", "col": "2", "title": "M001"}
    if file:
        expected["file"] = file
    assert command.properties == expected
    assert command.data == message
    assert unescape_property(actions_core.escape_property(file)) == file


def test_property_escapes_are_exactly_the_runners() -> None:
    assert actions_core.escape_property("a:b,c%d\r\ne") == "a%3Ab%2Cc%25d%0D%0Ae"
    assert actions_core.escape_data("a:b,c%d\r\ne") == "a:b,c%25d%0D%0Ae"
    # `%` first: an escaped-looking value survives as itself
    assert unescape_data(actions_core.escape_data("%0A")) == "%0A"


def test_empty_properties_are_left_out_and_line_needs_a_line() -> None:
    assert actions_core.format_command("notice", "m", {"file": "", "title": None}) == "::notice::m"
    line = actions_core.annotation("error", "m", file="a.py", col=4)
    assert "col=" not in line and "endLine" not in line
    assert parse_one(line).properties == {"file": "a.py"}  # type: ignore[union-attr]


def test_a_file_starting_with_equals_keeps_its_name() -> None:
    command = parse_one(actions_core.annotation("error", "m", file="=odd.py"))
    assert command is not None and command.properties["file"] == "./=odd.py"


def test_messages_are_cut_at_the_runners_limit() -> None:
    command = parse_one(actions_core.annotation("error", "x" * 10_000))
    assert command is not None and len(command.data) == actions_core.ANNOTATION_MESSAGE_LIMIT
    assert command.data.endswith("…")


@settings(max_examples=100, deadline=None)
@given(HOSTILE_TEXT)
def test_untrusted_text_in_a_stop_commands_block_is_never_a_command(text: str) -> None:
    stream = io.StringIO()
    stream.write(actions_core.annotation("error", "before") + "\n")
    actions_core.write_untrusted(stream, text)
    stream.write(actions_core.annotation("error", "after") + "\n")
    runner = Runner().feed(stream.getvalue())
    assert [c.data for c in runner.annotations] == ["before", "after"]
    assert [c.name for c in runner.effective()] == ["error", "error"]
    assert runner.stop_token is None  # processing resumed after the block
    assert runner.output == split_lines(text if text.endswith("\n") else text + "\n")


def test_each_block_has_a_new_token_that_the_text_cannot_know() -> None:
    first, second = io.StringIO(), io.StringIO()
    actions_core.write_untrusted(first, "a")
    actions_core.write_untrusted(second, "a")
    assert first.getvalue().splitlines()[0] != second.getvalue().splitlines()[0]
    token = first.getvalue().splitlines()[0].removeprefix("::stop-commands::")
    assert len(token) >= 32


@settings(max_examples=100, deadline=None)
@given(st.lists(HOSTILE_TEXT, max_size=8))
def test_guarded_writer_output_is_inert_and_reads_the_same(chunks: list[str]) -> None:
    target = io.StringIO()
    guarded = actions_core.GuardedWriter(target)
    for chunk in chunks:
        guarded.write(chunk)
    guarded.flush()
    runner = Runner().feed(target.getvalue())
    assert runner.commands == []
    written = "".join(chunks)
    # The writer adds word joiners; the text itself may hold some too (hypothesis found one), so
    # both sides drop them before comparing what was written.
    assert target.getvalue().replace("\u2060", "").rstrip("\n") == written.replace("\u2060", "").rstrip("\n")


def test_the_legacy_form_is_found_anywhere_in_a_line() -> None:
    registered = {"set-output"}
    command = parse_legacy("progress: ##[set-output name=ok;]true", registered)
    assert command is not None and command.properties == {"name": "ok"} and command.data == "true"
    assert parse_legacy(actions_core.neutralise("progress: ##[set-output name=ok;]true"), registered) is None
    assert parse_v2(actions_core.neutralise("  ::set-output name=ok::true"), registered) is None


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["msg", "file", "x"]), HOSTILE_TEXT, max_size=3))
def test_inert_json_has_the_same_value_and_no_command(value: dict[str, str]) -> None:
    text = actions_core.inert_json(json.dumps({"findings": [value]}, indent=2, ensure_ascii=False))
    assert json.loads(text) == {"findings": [value]}
    assert Runner().feed(text).commands == []


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20))
def test_any_output_value_round_trips_through_the_file_command_parser(value: str, name: str) -> None:
    entry = actions_core.file_command_entry(name, value)
    assert parse_file_command(entry) == {name: value}


def test_a_value_holding_the_delimiter_is_refused() -> None:
    try:
        actions_core.file_command_entry("ok", "x\nEOF\ny", delimiter="EOF")
    except ValueError as error:
        assert "delimiter" in str(error)
    else:
        raise AssertionError("the delimiter inside the value was accepted")


def test_the_emulated_file_parser_rejects_what_the_runner_rejects() -> None:
    for broken in ("name<<EOF\nvalue\n", "<<EOF\nx\nEOF\n", "no-separator\n", "=value\n"):
        try:
            parse_file_command(broken)
        except FileCommandError:
            continue
        raise AssertionError(f"accepted {broken!r}")
    assert parse_file_command("a=1\nb<<X\nline1\r\nline2\nX\n") == {"a": "1", "b": "line1\r\nline2"}


def test_append_file_command_writes_to_the_runners_file(tmp_path) -> None:
    output = tmp_path / "output"
    environ = {"GITHUB_OUTPUT": str(output)}
    assert actions_core.append_file_command("GITHUB_OUTPUT", {"a": "1", "b": "two\nlines"}, environ)
    assert actions_core.append_file_command("GITHUB_OUTPUT", {"a": "3"}, environ)
    assert parse_file_command(output.read_text()) == {"a": "3", "b": "two\nlines"}
    assert not actions_core.append_file_command("GITHUB_OUTPUT", {"a": "1"}, {})


def test_add_mask_is_a_command_with_the_secret_as_data() -> None:
    runner = Runner().feed(actions_core.add_mask("p@ss,word:\nx") + "\n")
    assert runner.masks == ["p@ss,word:\nx"]


def test_the_emulator_reads_like_the_runner() -> None:
    """Cases from the runner's documented behaviour, so the emulator itself is pinned down."""
    registered = {"error", "do-something"}
    command = parse_v2("::do-something k1=;=%2C=%0D=%0A=]=%3A,::;-%0D-%0A-]-:-,", registered)
    assert command is not None
    assert command.properties == {"k1": ";=,=\r=\n=]=:"} and command.data == ";-\r-\n-]-:-,"
    assert parse_v2("::error::", registered).data == ""  # type: ignore[union-attr]
    assert parse_v2(" \t::ERROR::x", registered).name == "error"  # type: ignore[union-attr]
    assert parse_v2("x ::error::y", registered) is None
    assert parse_v2("::unknown::x", registered) is None
    assert parse_v2("::::x", registered | {""}) is None
    assert parse_legacy("text ##[error file=a;line=2]m%5D", registered).properties == {  # type: ignore[union-attr]
        "file": "a", "line": "2"}
    runner = Runner().feed("::stop-commands::tok\n::error::inert\ntext ##[TOK]\n::error::live\na\r::error::cr\n")
    assert [c.data for c in runner.annotations] == ["live", "cr"]
    assert "::error::inert" in runner.output
