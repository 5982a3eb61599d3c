"""Where a project's version is declared, so that a version finding points at the line to edit.

A static version in pyproject.toml / setup.cfg / setup.py; a `__version__` (or a VERSION tuple) in the
module the configuration names (setuptools `attr:`, hatch/pdm `path`); a VERSION file; or, when a
plugin derives the version from git (setuptools-scm, hatch-vcs…), that plugin's configuration.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from deploypack.checks import CheckContext
from deploypack.checks.metadata_fields import locate
from deploypack.core.toml import tomllib
from deploypack.project.sources import CONFIG_FILES, ProjectSources, SourceLocation, toml_key_line, toml_table_line

_VCS_BUILD_REQUIREMENTS = re.compile(
    r"^\s*(setuptools[-_]scm|setuptools[-_]git[-_]versioning|hatch[-_]vcs|versioningit|poetry[-_]dynamic[-_]versioning"
    r"|dunamai|pbr|flit[-_]scm)\b", re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True)
class VersionSource:
    """Where the project's version comes from: a line to edit, and the git plugin when it is derived."""

    location: SourceLocation | None
    plugin: str | None = None


def _pyproject(sources: ProjectSources) -> tuple[dict[str, Any], str]:
    text = sources.text("pyproject.toml") or ""
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError:
        return {}, text


def _vcs_plugin(sources: ProjectSources, data: dict[str, Any], text: str) -> VersionSource | None:
    """The git-derived version plugin in use, and the configuration line that enables it."""
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    hatch_version = tool.get("hatch", {}).get("version", {}) if isinstance(tool.get("hatch"), dict) else {}
    if isinstance(hatch_version, dict) and hatch_version.get("source") == "vcs":
        line = toml_key_line(text, "tool.hatch.version", "source")
        return VersionSource(SourceLocation("pyproject.toml", line) if line else None, "hatch-vcs")
    pdm_version = tool.get("pdm", {}).get("version", {}) if isinstance(tool.get("pdm"), dict) else {}
    if isinstance(pdm_version, dict) and pdm_version.get("source") == "scm":
        line = toml_key_line(text, "tool.pdm.version", "source")
        return VersionSource(SourceLocation("pyproject.toml", line) if line else None, "pdm-backend (scm)")
    for table, plugin in (("setuptools_scm", "setuptools-scm"), ("setuptools-scm", "setuptools-scm"),
                          ("setuptools-git-versioning", "setuptools-git-versioning"), ("versioningit", "versioningit"),
                          ("poetry-dynamic-versioning", "poetry-dynamic-versioning")):
        if table in tool:
            line = toml_table_line(text, f"tool.{table}")
            return VersionSource(SourceLocation("pyproject.toml", line) if line else None, plugin)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    dynamic = project.get("dynamic", []) if project else []
    build_system = data.get("build-system") if isinstance(data.get("build-system"), dict) else {}
    build_requires = build_system.get("requires", []) if build_system else []
    for requirement in build_requires if isinstance(build_requires, list) else ():
        match = _VCS_BUILD_REQUIREMENTS.match(str(requirement))
        if match and ("version" in dynamic or not project):
            return VersionSource(sources.find_literal(str(requirement), ["pyproject.toml"]),
                                 match.group(1).lower().replace("_", "-"))
    setup_py = sources.text("setup.py") or ""
    for keyword, plugin in (("use_scm_version", "setuptools-scm"), ("pbr", "pbr")):
        if re.search(rf"\b{keyword}\s*=", setup_py):
            found = sources.find_key({"setup.py": [keyword]})
            return VersionSource(found, plugin)
    return None


def _version_files(context: CheckContext, data: dict[str, Any]) -> list[str]:
    """Files that may declare the version: those the configuration names, then the usual suspects."""
    assert context.sources is not None
    named: list[str] = []
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    for candidate in (
        tool.get("hatch", {}).get("version", {}).get("path") if isinstance(tool.get("hatch"), dict) else None,
        tool.get("pdm", {}).get("version", {}).get("path") if isinstance(tool.get("pdm"), dict) else None,
    ):
        if isinstance(candidate, str):
            named.append(candidate)
    attrs: list[str] = []
    dynamic = tool.get("setuptools", {}).get("dynamic", {}) if isinstance(tool.get("setuptools"), dict) else {}
    version_spec = dynamic.get("version") if isinstance(dynamic, dict) else None
    if isinstance(version_spec, dict):
        if isinstance(version_spec.get("attr"), str):
            attrs.append(version_spec["attr"])
        files = version_spec.get("file")
        named.extend([files] if isinstance(files, str) else [f for f in files or () if isinstance(f, str)])
    setup_cfg = context.sources.text("setup.cfg") or ""
    directive = re.search(r"^\s*version\s*=\s*(attr|file)\s*:\s*(\S+)", setup_cfg, re.MULTILINE)
    if directive:
        (attrs if directive.group(1) == "attr" else named).append(directive.group(2))
    members = [m.path for m in context.sdist.files()] if context.sdist is not None else []
    for attr in attrs:
        module = attr.rpartition(".")[0].replace(".", "/")
        endings = (f"{module}/__init__.py", f"{module}.py")
        named.extend(sorted((path for path in members if path.endswith(endings)), key=len))
    usual = ("__init__.py", "__about__.py", "_version.py", "version.py", "__version__.py", "__pkginfo__.py",
             "VERSION", "VERSION.txt", "version.txt")
    for path in sorted(members, key=lambda p: (p.count("/"), p)):
        if path.rpartition("/")[2] in usual and path.count("/") <= 3 and not path.startswith(("test", "doc")):
            named.append(path)
    return list(dict.fromkeys(named))


def _line_declaring(context: CheckContext, version: str, files: Iterable[str], *,
                    bare: bool = True) -> SourceLocation | None:
    """The line writing `version`: quoted, as a tuple such as `VERSION = (5, 2, 19, "final", 0)`, or (with
    `bare`) alone on its line (a VERSION file, a setup.cfg value). Per file, a line that says `version`
    wins over one that does not: `"2.0"` may also be a deprecation message's."""
    assert context.sources is not None
    numbers = re.match(r"^\d+(?:\.\d+)*", version)
    as_tuple = re.compile(r"\(\s*" + r"\s*,\s*".join(numbers.group(0).split(".")) + r"\b") if numbers else None
    quoted = re.compile(rf"""["']{re.escape(version)}["']""")
    bare_value = re.compile(rf"^\s*(?:version\s*[=:]\s*)?{re.escape(version)}\s*$", re.IGNORECASE)
    for path in files:
        text = context.sources.text(path)
        if text is None:
            continue
        fallback: SourceLocation | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            hit = quoted.search(line) or (as_tuple.search(line) if as_tuple and "." in version else None)
            if hit is None and not (bare and bare_value.match(line)):
                continue
            column = (hit.start() if hit else line.find(version)) + 1
            if "version" in line.lower() or (bare and bare_value.match(line)):
                return SourceLocation(path, number, column)
            fallback = fallback or SourceLocation(path, number, column)
        if fallback is not None:
            return fallback
    return None


def _declared_in_configuration(context: CheckContext, version: str) -> SourceLocation | None:
    """`version = "1.2.0"` in pyproject.toml / setup.cfg / setup.py: only on a line that names a version,
    so that `minversion = "1.0"` elsewhere is not taken for it."""
    assert context.sources is not None
    for name in CONFIG_FILES:
        found = _line_declaring(context, version, [name], bare=name == "setup.cfg")
        if found is not None:
            line = (context.sources.text(name) or "").splitlines()[found.line - 1]
            if re.search(r"\bversion\b", line[: found.column], re.IGNORECASE) or "__version__" in line:
                return found
    return None


def version_source(context: CheckContext, version: str) -> VersionSource:
    """Where a person changes the version: the line writing `version`, or the version plugin's configuration."""
    if context.sources is None:
        return VersionSource(None)
    static = _declared_in_configuration(context, version)  # written there: that line, whatever the plugins
    if static is not None:
        return VersionSource(static)
    data, text = _pyproject(context.sources)
    plugin = _vcs_plugin(context.sources, data, text)
    if plugin is not None:
        return plugin
    found = _line_declaring(context, version, _version_files(context, data))
    if found is not None:
        return VersionSource(found)
    dynamic = context.sources.find_key({"pyproject.toml": ["project.dynamic"]})
    # A version the build computes from the date (calver's `use_calver="%Y.%m.%d"` in setup.py).
    computed = context.sources.find_key({"setup.py": ["use_calver"]})
    return VersionSource(dynamic or computed or locate(context, None, "version"))
