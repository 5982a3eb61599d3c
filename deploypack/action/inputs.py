"""The GitHub Action's inputs: what action.yml declares, and how `INPUT_*` becomes a command line.

The runner passes each input `name` as the variable `INPUT_NAME` (upper case, spaces become
`_`, hyphens kept), always set to the value given or to the declared default. It does not
check `required`, nor the type of a value: this module does, so a bad input is a usage error
(exit 3) that names the input. An input left at its default adds nothing to the command line,
so the project's `[tool.deploypack]` settings still apply.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping

from deploypack.config.options import INSTALLERS, PARSERS, parse_bool, parse_list, parse_positive_float
from deploypack.core.errors import UsageError

DEFAULT_REPORT = "deploypack-report.json"


@dataclasses.dataclass(frozen=True)
class Input:
    name: str
    description: str
    default: str
    kind: str  # "path" | "bool" | "list" | "choice" | "number" | "url" | "artifacts"
    flag: str | None = None  # the `deploypack build` option it becomes
    option_variable: str | None = None  # or the DEPLOYPACK_* variable, for options without a flag
    false_flag: str | None = None  # for booleans whose default is true
    choices: tuple[str, ...] = ()
    required: bool = False
    secret: bool = False  # masked in the log before anything else is printed

    @property
    def variable(self) -> str:
        return "INPUT_" + self.name.upper().replace(" ", "_")


INPUTS: tuple[Input, ...] = (
    Input("path", "The project to build: its directory, relative to the repository root.", ".", "path",
          required=True),
    Input("outdir", "Where the distributions go, relative to the repository root. Empty: `<path>/dist`.",
          "", "path", flag="--outdir"),
    Input("strict", "Fail on warning findings too (`true`/`false`). The default leaves the project's "
          "`[tool.deploypack]` setting in force.", "false", "bool", flag="--strict"),
    Input("isolation", "Build in an isolated environment (`true`/`false`); `false` needs the build "
          "requirements installed in the image.", "true", "bool", false_flag="--no-isolation"),
    Input("installer", "What installs build requirements: `auto`, `pip` or `uv`.", "auto", "choice",
          flag="--installer", choices=INSTALLERS),
    Input("select", "Only these finding codes or prefixes (comma- or newline-separated). Empty: all.", "",
          "list", flag="--select"),
    Input("ignore", "Skip these finding codes or prefixes (comma- or newline-separated).", "", "list",
          flag="--ignore"),
    Input("severity", "Severity overrides, `CODE=LEVEL` (comma- or newline-separated), e.g. `M004=error`.",
          "", "list", flag="--severity"),
    Input("timeout", "Stop a build that runs longer than this many seconds. Empty: the project's "
          "setting, else 3600.", "", "number", flag="--timeout"),
    Input("report", "Where the JSON report is written, relative to the repository root (the build log "
          "goes beside it, `.log`).", DEFAULT_REPORT, "path", flag="--report", required=True),
    Input("sarif", "Also write the findings as SARIF 2.1.0 to this file, for "
          "`github/codeql-action/upload-sarif`. Empty: no SARIF file.", "", "path", flag="--sarif"),
    Input("artifacts", "Deployment artifacts written beside the distributions: `sums`, `manifest`, `sbom`, "
          "`provenance` (comma- or newline-separated), `all` or `none`. Empty: the project's setting, else all.",
          "", "artifacts", option_variable="DEPLOYPACK_ARTIFACTS"),
    Input("clean", "Delete files in the output directory that deploypack did not create (`true`/`false`).",
          "false", "bool", flag="--clean"),
    Input("gate", "Also run the release gate: version free and newest on the index, tag matches, clean "
          "tree (`true`/`false`).", "false", "bool", flag="--gate"),
    Input("index", "The package index the release goes to (simple API URL), for the gate. Credentials "
          "in it are masked in the log. Empty: the index pip is configured with.", "", "url",
          flag="--index-url", secret=True),
    Input("offline", "With the gate: skip the index lookup, with a warning finding (`true`/`false`).", "false",
          "bool", flag="--offline"),
    Input("allowbackport", "With the gate: allow a version lower than the newest published one if it is the "
          "newest of its major.minor series: `true`, `false`, or branch patterns (comma- or newline-separated, "
          "e.g. `release/*`) where back-ports are allowed.", "false", "list",
          option_variable="DEPLOYPACK_ALLOW_BACKPORT"),
    Input("tagpatterns", "How release tags spell the version (comma- or newline-separated, each with "
          "`{version}` once). Empty: the project's setting, else `v{version}` and `{version}`.", "", "list",
          option_variable="DEPLOYPACK_TAG_PATTERNS"),
    Input("reproducible", "Build a second time from a fresh copy of the tree and compare the archives bit "
          "for bit (`true`/`false`).", "false", "bool", flag="--reproducible"),
    Input("passenv", "More environment variables for the build hooks (names or globs, comma- or "
          "newline-separated). By default the hooks get the build-related variables (compilers and flags, "
          "SETUPTOOLS_SCM_*, index and proxy settings, SOURCE_DATE_EPOCH, ...) and never the runner's "
          "credentials or this action's inputs.", "", "list", flag="--pass-env"),
)
# Read by the composite action's own steps (action.yml, deploypack/action/prepare.sh), never by
# the container: they decide what happens around the build (upload, attest), not the build.
COMPOSITE_INPUTS: tuple[Input, ...] = (
    Input("upload", "Keep the distributions (sdist and wheel only) as a workflow artifact with "
          "actions/upload-artifact@v4 (`true`/`false`).", "true", "bool"),
    Input("artifact-name", "The artifact's name. Empty: `dists-<job id>`, then `-<matrix index>` in a matrix "
          "and `-<path>` for a sub-directory, unique per job so that matrix jobs do not clash.", "", "path"),
    Input("attest", "Attest the distributions' build provenance with actions/attest-build-provenance "
          "(`true`/`false`); the job needs `id-token: write` and `attestations: write`.", "false", "bool"),
)
BY_NAME = {spec.name: spec for spec in (*INPUTS, *COMPOSITE_INPUTS)}


@dataclasses.dataclass(frozen=True)
class Invocation:
    argv: list[str]  # for `deploypack.cli.main.main`
    environment: dict[str, str]  # DEPLOYPACK_* settings that have no command-line flag
    masks: list[str]  # values to mask (`::add-mask::`) before anything else is printed
    values: dict[str, str]  # the inputs as read, after validation


def _usage(spec: Input, problem: str) -> UsageError:
    return UsageError(f"action input '{spec.name}': {problem}",
                      hint=f"{spec.name}: {spec.description}")


def _checked(spec: Input, raw: str) -> str:
    """The input's value in the form its option takes, or a usage error naming it."""
    value = raw.strip()
    if spec.required and not value:
        raise _usage(spec, "is required and was given empty")
    if "\0" in value:
        raise _usage(spec, "contains a NUL character")
    return _of_kind(spec, value, raw)


def _of_kind(spec: Input, value: str, raw: str) -> str:
    if spec.kind == "bool":
        try:
            return "true" if parse_bool(value) else "false"
        except ValueError:
            raise _usage(spec, f"expected true or false (also yes/no, 1/0, any case), got {raw!r}") from None
    if spec.kind == "choice":
        if value.lower() not in spec.choices:
            raise _usage(spec, f"expected one of {', '.join(spec.choices)}, got {raw!r}")
        return value.lower()
    if spec.kind == "list":
        return ",".join(parse_list(value))
    if spec.kind == "artifacts" and value:
        try:
            PARSERS["artifacts"](value)
        except ValueError as error:
            raise _usage(spec, str(error)) from None
        return ",".join(parse_list(value))
    if spec.kind == "number" and value:
        try:
            parse_positive_float(value)
        except ValueError:
            raise _usage(spec, f"expected a positive number of seconds, got {raw!r}") from None
    if spec.kind == "url" and value and urllib.parse.urlsplit(value).scheme not in ("http", "https", "file"):
        raise _usage(spec, "expected an http(s):// or file:// URL")
    return value


def secrets_in(value: str) -> list[str]:
    """What to mask of a secret input: the whole value, and a URL's password and user info."""
    found = [value]
    parts = urllib.parse.urlsplit(value)
    if parts.password:
        found += [parts.password, urllib.parse.unquote(parts.password)]
    if "@" in parts.netloc:
        found.append(parts.netloc.rpartition("@")[0])
    return [item for item in dict.fromkeys(found) if item.strip()]


def from_environment(environ: Mapping[str, str]) -> Invocation:
    """Read every declared input; unset variables (not run by the runner) take the default."""
    values = {spec.name: _checked(spec, environ.get(spec.variable, spec.default)) for spec in INPUTS}
    argv = ["build", "--format", "github"]
    environment: dict[str, str] = {}
    masks: list[str] = []
    for spec in INPUTS:
        value = values[spec.name]
        if spec.secret and value:
            masks += secrets_in(value)
        at_default = value == _checked(spec, spec.default) and spec.name != "report"
        if spec.name == "path" or not value or at_default:
            continue  # left to the project's [tool.deploypack] and deploypack's defaults
        if spec.kind == "bool":
            flag = spec.flag if value == "true" else spec.false_flag
            argv += [flag] if flag else []
        elif spec.flag:
            argv.append(f"{spec.flag}={value}")
        elif spec.option_variable:
            environment[spec.option_variable] = value
    argv += ["--", values["path"]]
    return Invocation(argv=argv, environment=environment, masks=masks, values=values)
