"""Real small archives for the contents checks: wheels and sdists written with zipfile/tarfile
into tmp_path and read back with read_distribution, exactly as the pipeline reads built ones."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from deploypack.catalogue import checks as registered_checks
from deploypack.checks import CheckContext
from deploypack.config.options import Options
from deploypack.core.findings import Finding
from deploypack.project.sources import ProjectSources
from deploypack.read.archives import Distribution, Limits, read_distribution

METADATA = "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: s\n{extra}\n"
WHEEL = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {purelib}\n{tags}\n"


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(
    directory: Path,
    files: Mapping[str, bytes | str],
    *,
    name: str = "demo",
    version: str = "1.0",
    tag: str = "py3-none-any",
    purelib: bool = True,
    requires: Iterable[str] = (),
    metadata: Iterable[str] = (),
    record: bool = True,
    record_override: Mapping[str, str] | None = None,
    unrecorded: Mapping[str, bytes | str] | None = None,
    wheel_file: str | None = None,
    modes: Mapping[str, int] | None = None,
) -> Path:
    """A wheel holding `files` plus a consistent .dist-info (RECORD computed unless told otherwise);
    `metadata` are more METADATA lines (`Requires-Python: >=3.9`)."""
    info = f"{name}-{version}.dist-info"
    interpreters, abis, platforms = tag.split("-")
    tag_lines = "\n".join(f"Tag: {i}-{a}-{p}" for i in interpreters.split(".") for a in abis.split(".")
                          for p in platforms.split("."))
    extra = "\n".join([*metadata, *(f"Requires-Dist: {r}" for r in requires)])
    contents: dict[str, bytes] = {path: _bytes(data) for path, data in files.items()}
    contents[f"{info}/METADATA"] = METADATA.format(name=name, version=version, extra=extra).encode()
    contents[f"{info}/WHEEL"] = (wheel_file if wheel_file is not None else WHEEL.format(
        purelib="true" if purelib else "false", tags=tag_lines)).encode()
    lines = [record_line(path, data) for path, data in contents.items()]
    for path, line in (record_override or {}).items():
        lines = [entry for entry in lines if not entry.startswith(path + ",")] + ([line] if line else [])
    lines.append(f"{info}/RECORD,,")
    if record:
        contents[f"{info}/RECORD"] = ("\n".join(lines) + "\n").encode()
    contents.update({path: _bytes(data) for path, data in (unrecorded or {}).items()})
    path = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in contents.items():
            info_ = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            info_.external_attr = (0o100000 | (modes or {}).get(member, 0o644)) << 16
            archive.writestr(info_, data)
    return path


def write_sdist(
    directory: Path,
    files: Mapping[str, bytes | str],
    *,
    name: str = "demo",
    version: str = "1.0",
    pkg_info: bool = True,
    symlinks: Mapping[str, str] | None = None,
    modes: Mapping[str, int] | None = None,
    top: str | None = None,
    stray: Mapping[str, bytes | str] | None = None,
) -> Path:
    """An sdist `{name}-{version}.tar.gz` with PKG-INFO (unless told not to) and `files`."""
    root = top or f"{name}-{version}"
    contents: dict[str, bytes] = {}
    if pkg_info:
        contents["PKG-INFO"] = METADATA.format(name=name, version=version, extra="").encode()
    contents.update({path: _bytes(data) for path, data in files.items()})
    path = directory / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in contents.items():
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            info.mode = (modes or {}).get(member, 0o644)
            archive.addfile(info, io.BytesIO(data))
        for member, target in (symlinks or {}).items():
            info = tarfile.TarInfo(f"{root}/{member}")
            info.type = tarfile.SYMTYPE
            info.linkname = target
            info.mode = 0o777
            archive.addfile(info)
        for member, data in (stray or {}).items():
            info = tarfile.TarInfo(member)
            info.size = len(_bytes(data))
            archive.addfile(info, io.BytesIO(_bytes(data)))
    return path


def _bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def context(
    *archives: Path,
    project_dir: Path | None = None,
    git_files: Iterable[str] | None = None,
    limits: Limits | None = None,
    **options: object,
) -> CheckContext:
    dists: tuple[Distribution, ...] = tuple(read_distribution(path, limits or Limits()) for path in archives)
    base = project_dir or archives[0].parent
    return CheckContext(
        distributions=dists,
        options=Options(project_dir=base, outdir=base / "dist", **options),  # type: ignore[arg-type]
        sources=ProjectSources(project_dir) if project_dir is not None else None,
        git_files=tuple(git_files) if git_files is not None else None,
    )


def findings(ctx: CheckContext, prefix: str) -> list[Finding]:
    """What the registered checks report for codes starting with `prefix` (run as the pipeline runs them)."""
    found: list[Finding] = []
    for registered in registered_checks():
        if registered.needs_source and ctx.sources is None:
            continue
        if any(rule.code.startswith(prefix) for rule in registered.rules):
            found.extend(f for f in registered.function(ctx) if f.code.startswith(prefix))
    return found


def codes(found: Iterable[Finding]) -> list[str]:
    return sorted(f.code for f in found)
