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


# --- composite actions ------------------------------------------------------------------------
# How the runner runs a composite action's steps, from the documented behaviour: each step's `if`
# (default `success()`) is an expression over the contexts `inputs`, `steps`, `github`, `env`,
# `strategy`, `matrix`, `runner`; `run:` steps run `sh -e FILE` (for `shell: sh`) with the step's
# `env`, a fresh GITHUB_OUTPUT file and GITHUB_ACTION_PATH; a `uses: ./dir` step loads
# dir/action.yml (relative to the workspace) and, for a docker action, starts its image with the
# step's `env`; other `uses:` steps are emulated by a fake that records the inputs it got.
# `continue-on-error: true` makes a failed step's outcome `failure` and its conclusion `success`.

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,\[\]])"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))")


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read the expression {text!r} at {position}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _truthy(value: object) -> bool:
    return value not in (False, 0, "", None)


def _number(value: object) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _equal(left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right):
        return left == right
    return _number(left) == _number(right)


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, indent=2)
    return str(value)


class _Parser:
    def __init__(self, text: str, contexts: dict[str, object], status: dict[str, bool]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.contexts = contexts
        self.status = status
        self.called_status = False

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ValueError(f"expected {value!r}, got {token!r}")
        self.index += 1
        return token

    def parse(self) -> object:
        value = self.or_()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r}")
        return value

    def or_(self) -> object:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> object:
        value = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.unary()
            value = right if _truthy(value) else value
        return value

    def unary(self) -> object:
        if self.peek() == ("op", "!"):
            self.take()
            return not _truthy(self.unary())
        left = self.primary()
        token = self.peek()
        if token in (("op", "=="), ("op", "!=")):
            self.take()
            equal = _equal(left, self.primary())
            return equal if token == ("op", "==") else not equal
        return left

    def primary(self) -> object:
        kind, value = self.take()
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value)
        if value == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if kind != "name":
            raise ValueError(f"unexpected {value!r}")
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        current = self.call(value) if self.peek() == ("op", "(") else self.contexts.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key: object = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            if isinstance(current, list) and isinstance(key, float) and 0 <= int(key) < len(current):
                current = current[int(key)]
            else:
                current = current.get(str(key)) if isinstance(current, dict) else None
        return current

    def call(self, name: str) -> object:
        self.take("(")
        args: list[object] = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        lowered = name.lower()
        if lowered in ("success", "failure", "always", "cancelled"):
            self.called_status = True
            return {"success": not self.status["failed"], "failure": self.status["failed"],
                    "always": True, "cancelled": False}[lowered]
        import json

        if lowered == "format":
            text = as_text(args[0])
            for number, arg in enumerate(args[1:]):
                text = text.replace("{" + str(number) + "}", as_text(arg))
            return text
        if lowered == "tojson":
            return json.dumps(args[0], indent=2)
        if lowered == "fromjson":
            return json.loads(as_text(args[0]))
        if lowered == "contains":
            haystack = args[0]
            if isinstance(haystack, list):
                return any(_equal(item, args[1]) for item in haystack)
            return as_text(args[1]).casefold() in as_text(haystack).casefold()
        if lowered == "startswith":
            return as_text(args[0]).casefold().startswith(as_text(args[1]).casefold())
        raise ValueError(f"unknown function {name}")


def evaluate(expression: str, contexts: dict[str, object], failed: bool = False, condition: bool = False) -> object:
    """One expression; as a step's `if:` (condition=True), `success() &&` is implied without a status call."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    parser = _Parser(text, contexts, {"failed": failed})
    value = parser.parse()
    if condition and not parser.called_status:
        return not failed and _truthy(value)
    return value


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def substitute(text: object, contexts: dict[str, object]) -> str:
    """A value with `${{ }}` inside: each replaced by its text."""
    return _TEMPLATE.sub(lambda m: as_text(evaluate(m.group(1), contexts)), as_text(text))


@dataclasses.dataclass
class StepRecord:
    id: str | None
    kind: str  # "run" | "docker" | "uses"
    uses: str | None
    inputs: dict[str, str]  # `with:` of a uses step, `env:` of a run or docker step
    outcome: str  # "success" | "failure" | "skipped"
    conclusion: str
    outputs: dict[str, str]
    stdout: str = ""
    image: str | None = None


@dataclasses.dataclass
class Job:
    """What the runner knows of the job the action runs in."""

    workspace: object  # Path
    name: str = "build"
    permissions: dict[str, str] = dataclasses.field(default_factory=lambda: {"contents": "read"})
    job_index: int = 0
    job_total: int = 1
    matrix: dict[str, object] = dataclasses.field(default_factory=dict)
    runner_os: str = "Linux"
    environment: dict[str, str] = dataclasses.field(default_factory=dict)  # more variables (e.g. a calling action's)


@dataclasses.dataclass
class WorkflowRun:
    """What jobs of one workflow run share: the artifacts uploaded so far."""

    artifacts: dict[str, list[str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class CompositeResult:
    failed: bool
    steps: list[StepRecord]
    outputs: dict[str, str]
    runner: Runner

    def step(self, uses_prefix: str) -> StepRecord:
        return next(s for s in self.steps if (s.uses or "").startswith(uses_prefix))


DockerRunner = "Callable[[str, Path, dict[str, str], Path], tuple[int, str, str]]"
Fake = "Callable[[dict[str, str], Job, WorkflowRun], tuple[bool, dict[str, str], str]]"


def fake_upload_artifact(given: dict[str, str], job: Job, run: WorkflowRun) -> tuple[bool, dict[str, str], str]:
    """actions/upload-artifact@v4: a name used twice in a run fails; so does a path with no files."""
    from pathlib import Path

    name = given.get("name") or "artifact"
    if name in run.artifacts:
        return False, {}, f"::error::Failed to CreateArtifact: an artifact with this name already exists: {name}\n"
    files = [line.strip() for line in given.get("path", "").splitlines() if line.strip()]
    found = [f for f in files if (Path(str(job.workspace)) / f).is_file()]
    if not found and given.get("if-no-files-found", "warn") == "error":
        return False, {}, "::error::No files were found with the provided path\n"
    run.artifacts[name] = found
    return True, {"artifact-id": str(len(run.artifacts)), "artifact-url": f"https://example.invalid/a/{name}"}, ""


def fake_attest(given: dict[str, str], job: Job, run: WorkflowRun) -> tuple[bool, dict[str, str], str]:
    """actions/attest-build-provenance: the OIDC token needs id-token: write, the upload attestations: write."""
    if job.permissions.get("id-token") != "write":
        return False, {}, "::error::Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable\n"
    if job.permissions.get("attestations") != "write":
        return False, {}, "::error::Failed to persist attestation: Resource not accessible by integration\n"
    if not given.get("subject-path", "").strip():
        return False, {}, "::error::One of subject-path, subject-digest or subject-checksums must be provided\n"
    return True, {"attestation-id": "1", "attestation-url": "https://example.invalid/attestations/1",
                  "bundle-path": "attestation.jsonl"}, ""


FAKES: dict[str, object] = {
    "actions/upload-artifact": fake_upload_artifact,
    "actions/attest-build-provenance": fake_attest,
}


def run_composite(action_dir: object, inputs: dict[str, str], job: Job, docker: object,
                  run: WorkflowRun | None = None, fakes: dict[str, object] | None = None) -> CompositeResult:
    """Run the composite action in `action_dir` (its action.yml) as a step of `job`.

    `docker(image, action_dir, env, workspace)` starts a docker action's image and returns
    (exit code, stdout, stderr); env holds the step's variables with GITHUB_OUTPUT among them.
    """
    import os
    import subprocess
    import tempfile
    from pathlib import Path

    import yaml

    action_dir, workspace = Path(str(action_dir)), Path(str(job.workspace))
    run = run if run is not None else WorkflowRun()
    fakes = {**FAKES, **(fakes or {})}
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs", {})
    given = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    scratch = Path(tempfile.mkdtemp(prefix="composite-"))
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch / "home"), "CI": "true",
        "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "GITHUB_JOB": job.name,
        "GITHUB_ACTION_PATH": str(action_dir), "GITHUB_STEP_SUMMARY": str(scratch / "summary"),
        "RUNNER_OS": job.runner_os, "RUNNER_TEMP": str(scratch / "temp"), "GITHUB_REPOSITORY": "octo/demo",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_SHA": "0123abc", **job.environment,
    }
    if job.permissions.get("id-token") == "write":
        base_env["ACTIONS_ID_TOKEN_REQUEST_URL"] = "https://example.invalid/token"
        base_env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "not-a-real-token"
    for folder in ("home", "temp"):
        (scratch / folder).mkdir()
    (scratch / "summary").touch()
    steps_context: dict[str, object] = {}
    contexts: dict[str, object] = {
        "inputs": given, "steps": steps_context, "env": {}, "runner": {"os": job.runner_os},
        "github": {"job": job.name, "workspace": str(workspace), "action_path": str(action_dir),
                   "action_repository": job.environment.get("GITHUB_ACTION_REPOSITORY", "")},
        "strategy": {"job-index": float(job.job_index), "job-total": float(job.job_total)}, "matrix": job.matrix,
    }
    records: list[StepRecord] = []
    runner = Runner()
    failed = False
    for number, step in enumerate(action["runs"]["steps"]):
        condition = step.get("if", "success()")
        step_id = step.get("id")
        if not evaluate(str(condition), contexts, failed=failed, condition=True):
            record = StepRecord(step_id, "uses" if "uses" in step else "run", step.get("uses"), {}, "skipped",
                                "skipped", {})
        else:
            env = {key: substitute(value, contexts) for key, value in (step.get("env") or {}).items()}
            output_file = scratch / f"output-{number}"
            output_file.touch()
            step_env = {**base_env, **env, "GITHUB_OUTPUT": str(output_file)}
            uses = step.get("uses")
            if uses is None:
                assert step.get("shell") == "sh", "the emulator runs `shell: sh` steps"
                script = scratch / f"step-{number}.sh"
                script.write_text(substitute(step["run"], contexts), encoding="utf-8")
                done = subprocess.run(["sh", "-e", str(script)], env=step_env, cwd=workspace, capture_output=True,
                                      text=True, timeout=300, check=False)
                record = StepRecord(step_id, "run", None, env, "success" if done.returncode == 0 else "failure",
                                    "", read_file_command(output_file), done.stdout + done.stderr)
            elif uses.startswith("./"):
                local = workspace / uses[2:]
                inner = yaml.safe_load((local / "action.yml").read_text(encoding="utf-8"))
                assert inner["runs"]["using"] == "docker"
                code, out, err = docker(inner["runs"]["image"], local, step_env, workspace)  # type: ignore[operator]
                assert Runner().feed(err).commands == [], "stderr must never carry a live command"
                record = StepRecord(step_id, "docker", uses, env, "success" if code == 0 else "failure", "",
                                    read_file_command(output_file), out, inner["runs"]["image"])
            else:
                with_ = {key: substitute(value, contexts) for key, value in (step.get("with") or {}).items()}
                fake = fakes[uses.partition("@")[0]]
                ok, outputs, out = fake(with_, job, run)  # type: ignore[operator]
                record = StepRecord(step_id, "uses", uses, with_, "success" if ok else "failure", "", outputs, out)
            runner.feed(record.stdout)
        record.conclusion = record.outcome
        if record.outcome == "failure" and step.get("continue-on-error") in (True, "true"):
            record.conclusion = "success"
        failed = failed or record.conclusion == "failure"
        records.append(record)
        if step_id:
            steps_context[step_id] = {"outputs": record.outputs, "outcome": record.outcome,
                                      "conclusion": record.conclusion}
    outputs = {name: substitute(spec.get("value", ""), contexts) for name, spec in action.get("outputs", {}).items()}
    return CompositeResult(failed, records, outputs, runner)
