"""One options model, from one cascade.

defaults < `[tool.deploypack]` in the project's pyproject.toml < environment (`DEPLOYPACK_*`,
which the action's inputs are mapped onto) < command line. Every layer is a plain mapping of
option name to raw value (`None` meaning "not set"), so each is testable on its own; the
result is a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from deploypack.core.errors import ConfigurationError, UsageError
from deploypack.core.findings import Severity
from deploypack.core.rules import current_codes, with_current_codes
from deploypack.core.toml import tomllib
from deploypack.project.sources import toml_key_line

FORMATS = ("text", "json", "github")
INSTALLERS = ("auto", "pip", "uv")
ARTIFACT_KINDS = ("sums", "manifest", "sbom", "provenance")
MEGABYTE = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Options:
    project_dir: Path
    outdir: Path
    format: str = "text"
    report: Path | None = None
    strict: bool = False
    isolation: bool = True
    installer: str = "auto"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = dataclasses.field(default_factory=dict)
    artifacts: tuple[str, ...] = ARTIFACT_KINDS
    clean: bool = False
    reproducible: bool = False
    timeout: float = 3600.0
    env_cache_hours: float = 24.0  # reuse build environments this long (deploypack/build/envcache.py); 0: never
    hook_server: bool = True  # run hooks as forks of a process that imported the backend (deploypack/hookserver)
    max_file_size: int = 10 * MEGABYTE
    max_dist_size: int = 100 * MEGABYTE
    max_members: int = 200_000
    max_unpacked_size: int = 4096 * MEGABYTE
    max_compression_ratio: float = 200.0
    max_log_size: int = 4 * MEGABYTE
    tag_patterns: tuple[str, ...] = ("v{version}", "{version}")
    package_roots: tuple[str, ...] = ()
    not_in_wheel: tuple[str, ...] = ()  # tree paths (globs) the wheel leaves out on purpose (W101-W105)
    releasing: bool | None = None  # None: decide from the git tag
    sarif: Path | None = None
    gate: bool = False  # the release gate: index, tag, clean tree (deploypack/gate/release_gate.py)
    index_url: str | None = None  # None: the index pip is configured with
    offline: bool = False
    allow_backport: bool | tuple[str, ...] = False  # or branch patterns: allowed on those branches
    release_diff: bool = True  # with the gate: compare with the last release's wheel (gate/release_diff.py)
    packages: tuple[str, ...] = ()  # a monorepo root's package directories or globs (deploypack plan)
    pass_env: tuple[str, ...] = ()  # more variables (names or globs) for the build hooks (build/hook_environment.py)

    def resolved_installer(self, environ: Mapping[str, str]) -> str:
        """`auto` picks uv when it is installed: it creates build environments several times faster."""
        if self.installer != "auto":
            return self.installer
        return "uv" if _uv_available(environ) else "pip"

    def severity_of(self, code: str, default: Severity) -> Severity:
        """A per-code override, the longest matching prefix winning."""
        matches = [prefix for prefix in self.severity if code.startswith(prefix)]
        return self.severity[max(matches, key=len)] if matches else default

    def is_selected(self, code: str) -> bool:
        if self.select and not any(code.startswith(prefix) for prefix in self.select):
            return False
        return not any(code.startswith(prefix) for prefix in self.ignore)


def _uv_available(environ: Mapping[str, str]) -> bool:
    try:
        import uv

        uv.find_uv_bin()
        return True
    except (ImportError, FileNotFoundError):
        return shutil.which(environ.get("UV") or "uv", path=environ.get("PATH")) is not None


# --- value parsers: raw (str from env/CLI, or TOML value) -> typed value -------------------------

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def parse_list(raw: Any) -> tuple[str, ...]:
    """A list from TOML, or a newline/comma separated string (action inputs)."""
    if isinstance(raw, (list, tuple)):
        return tuple(str(item).strip() for item in raw if str(item).strip())
    return tuple(part.strip() for part in str(raw).replace("\n", ",").split(",") if part.strip())


def parse_size(raw: Any) -> int:
    """Bytes, or a number with a KB/MB/GB suffix (binary multiples)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = str(raw).strip().upper().removesuffix("B").removesuffix("I")
    factor = {"K": 1024, "M": MEGABYTE, "G": 1024 * MEGABYTE}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    try:
        value = float(number) * factor
    except ValueError:
        raise ValueError(f"expected a size such as 10MB, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"a size cannot be negative: {raw!r}")
    return int(value)


def parse_positive_float(raw: Any) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError(f"expected a positive number, got {raw!r}")
    return value


def parse_hours(raw: Any) -> float:
    value = float(raw)
    if not value >= 0:
        raise ValueError(f"expected a number of hours (0 or more), got {raw!r}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse


def _artifact_kinds(raw: Any) -> tuple[str, ...]:
    kinds = parse_list(raw)
    if kinds in (("all",),):
        return ARTIFACT_KINDS
    if kinds in (("none",),):
        return ()
    unknown = [kind for kind in kinds if kind not in ARTIFACT_KINDS]
    if unknown:
        raise ValueError(f"unknown artifact kind {unknown[0]!r} (choose from {', '.join(ARTIFACT_KINDS)}, all, none)")
    return kinds


def parse_tag_patterns(raw: Any) -> tuple[str, ...]:
    """Release tag patterns such as `v{version}`: each names the version exactly once."""
    patterns = parse_list(raw)
    for pattern in patterns:
        if pattern.count("{version}") != 1:
            raise ValueError(f"a tag pattern must contain {{version}} exactly once, got {pattern!r}")
    if not patterns:
        raise ValueError("give at least one tag pattern, e.g. v{version}")
    return patterns


def _severity_map(raw: Any) -> dict[str, Severity]:
    """`{"M004" = "error"}` in TOML, or `M004=error,C1=note` on the command line."""
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        pairs = []
        for item in parse_list(raw):
            if "=" not in item:
                raise ValueError(f"expected CODE=SEVERITY, got {item!r}")
            code, _, level = item.partition("=")
            pairs.append((code.strip(), level.strip()))
    try:
        levels = {str(code): Severity(str(level).lower()) for code, level in pairs}
    except ValueError:
        raise ValueError("a severity is one of error, warning, note") from None
    # A former code (core/rules.py FORMER_CODES) sets its current code too, unless that is set itself.
    renamed = {new: level for prefix, level in levels.items() for new in current_codes(prefix)}
    return {**renamed, **levels}


def _code_list(raw: Any) -> tuple[str, ...]:
    """Codes or prefixes; a former code also stands for the code it became."""
    return with_current_codes(parse_list(raw))


def _path(raw: Any) -> Path:
    return Path(str(raw))


def _backport(raw: Any) -> bool | tuple[str, ...]:
    """true/false, or branch patterns (`["release/*"]`, `release/*,maint-*`) where back-ports are allowed."""
    try:
        return parse_bool(raw)
    except ValueError:
        patterns = parse_list(raw)
        if not patterns:
            raise ValueError(f"expected true, false or branch patterns, got {raw!r}") from None
        return patterns


def _index_url(raw: Any) -> str:
    """A simple-API base URL, as pip's --index-url takes it."""
    value = str(raw).strip()
    if not value.startswith(("http://", "https://", "file://")):
        raise ValueError(f"expected an http(s):// or file:// URL, got {value!r}")
    return value


# option name -> parser; the names are the `[tool.deploypack]` keys (with `-`), the
# `DEPLOYPACK_*` variables (upper case, `_`) and the long CLI flags.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "outdir": _path,
    "format": _choice(FORMATS),
    "report": _path,
    "strict": parse_bool,
    "isolation": parse_bool,
    "installer": _choice(INSTALLERS),
    "select": _code_list,
    "ignore": _code_list,
    "severity": _severity_map,
    "artifacts": _artifact_kinds,
    "clean": parse_bool,
    "reproducible": parse_bool,
    "timeout": parse_positive_float,
    "env-cache-hours": parse_hours,
    "hook-server": parse_bool,
    "max-file-size": parse_size,
    "max-dist-size": parse_size,
    "max-members": int,
    "max-unpacked-size": parse_size,
    "max-compression-ratio": parse_positive_float,
    "max-log-size": parse_size,
    "tag-patterns": parse_tag_patterns,
    "package-roots": parse_list,
    "not-in-wheel": parse_list,
    "releasing": parse_bool,
    "sarif": _path,
    "gate": parse_bool,
    "index-url": _index_url,
    "offline": parse_bool,
    "allow-backport": _backport,
    "release-diff": parse_bool,
    "packages": parse_list,
    "pass-env": parse_list,
}
# Keys that only make sense per run, not checked into a project's pyproject.toml.
# env-cache-hours is the machine's policy (docs/security.md), not the project's to choose;
# pass-env is the workflow's: the project being built must not ask for the runner's variables.
RUN_ONLY = {"outdir", "format", "report", "sarif", "clean", "offline", "env-cache-hours", "pass-env"}


def _field_name(option: str) -> str:
    return option.replace("-", "_")


def read_project_table(project_dir: Path) -> tuple[dict[str, Any], str]:
    """`[tool.deploypack]` of the project's pyproject.toml, and the file's text (for line numbers)."""
    pyproject = project_dir / "pyproject.toml"
    if not pyproject.is_file():
        return {}, ""
    raw = pyproject.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigurationError(
            f"is not UTF-8 (byte {error.start}); TOML files must be UTF-8", file="pyproject.toml",
            line=raw[: error.start].count(b"\n") + 1,
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A syntax error is the build's to report, with line and column: it is a build failure.
        return {}, text
    table = data.get("tool", {}).get("deploypack", {})
    if not isinstance(table, dict):
        raise ConfigurationError("[tool.deploypack] must be a table", file="pyproject.toml")
    return table, text


def _parse_layer(
    raw: Mapping[str, Any], describe: Callable[[str], tuple[str, str | None, int | None]]
) -> dict[str, Any]:
    """Parse one layer's raw values; `describe(key)` names where a bad value came from."""
    parsed: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        try:
            parsed[_field_name(key)] = PARSERS[key](value)
        except (ValueError, TypeError) as error:
            what, file, line = describe(key)
            raise ConfigurationError(f"{what}: {error}", file=file, line=line) from None
    return parsed


def from_pyproject(table: Mapping[str, Any], text: str) -> dict[str, Any]:
    def describe(key: str) -> tuple[str, str | None, int | None]:
        return f"[tool.deploypack] {key}", "pyproject.toml", toml_key_line(text, "tool.deploypack", key)

    unknown = [key for key in table if key not in PARSERS or key in RUN_ONLY]
    if unknown:
        key = unknown[0]
        known = ", ".join(sorted(set(PARSERS) - RUN_ONLY))
        raise ConfigurationError(
            f"unknown key {key!r} in [tool.deploypack]",
            file="pyproject.toml",
            line=toml_key_line(text, "tool.deploypack", key),
            hint=f"known keys: {known}",
        )
    return _parse_layer(table, describe)


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    raw = {}
    for key in PARSERS:
        variable = "DEPLOYPACK_" + key.upper().replace("-", "_")
        if environ.get(variable, "").strip():
            raw[key] = environ[variable]
    return _parse_layer(raw, lambda key: ("DEPLOYPACK_" + key.upper().replace("-", "_"), None, None))


def from_command_line(values: Mapping[str, Any]) -> dict[str, Any]:
    return _parse_layer(values, lambda key: ("--" + key, None, None))


def default_format(environ: Mapping[str, str]) -> str:
    """Annotations and a step summary inside GitHub Actions, readable text elsewhere."""
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def resolve(
    project_dir: Path,
    command_line: Mapping[str, Any],
    environ: Mapping[str, str],
) -> Options:
    """Build the options for a project: every layer, in order of precedence."""
    table, text = read_project_table(project_dir)
    layers: dict[str, Any] = {}
    for layer in (from_pyproject(table, text), from_environment(environ), from_command_line(command_line)):
        layers.update(layer)
    layers.setdefault("format", default_format(environ))
    outdir = layers.pop("outdir", None) or project_dir / "dist"
    try:
        return Options(project_dir=project_dir, outdir=Path(outdir), **layers)
    except TypeError as error:  # pragma: no cover - PARSERS and Options are kept in step by a test
        raise UsageError(str(error)) from None
