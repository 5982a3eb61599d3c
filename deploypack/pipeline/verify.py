"""`deploypack verify DIR`: is this directory still what deploypack wrote?

Re-hashes every distribution against SHA256SUMS and manifest.json (and checks that the
provenance subjects and the SBOM's files agree, when present) and reports each file changed,
missing or added, as error findings: a release directory that drifted since it was built must
not be published.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploypack.artifacts import manifest as manifest_module
from deploypack.artifacts import sums
from deploypack.artifacts.outdir import RECORD, STAGING_PREFIX
from deploypack.core.errors import UsageError
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read.archives import file_sha256
from deploypack.report.model import Artifact, Report, verdict

CHANGED = rule(
    "V001", "file-changed", Severity.ERROR, "a distribution's bytes differ from its recorded sha256",
    why="The file is not the one that was built and checked: it was rebuilt, truncated or tampered with.",
    fix="Rebuild the release (or restore the file) instead of publishing it.",
)
MISSING = rule(
    "V002", "file-missing", Severity.ERROR, "a distribution listed in SHA256SUMS or manifest.json is missing",
    why="Publishing the directory would publish an incomplete release.",
    fix="Restore the file or rebuild the release.",
)
ADDED = rule(
    "V003", "file-added", Severity.ERROR, "a file not listed in SHA256SUMS or manifest.json is in the directory",
    why="An unlisted file (often a stale wheel of an earlier version) would be published with the release "
    "without having been built or checked with it.",
    fix="Remove the file, or rebuild so that it is listed.",
)
LISTINGS_DISAGREE = rule(
    "V004", "listings-disagree", Severity.ERROR,
    "SHA256SUMS, manifest.json, the provenance and the SBOM do not agree, or one cannot be read",
    why="The listings are written together from the same files; disagreement means one was edited or replaced.",
    fix="Rebuild the release so that all listings are written together.",
)

_OWN_PATTERNS = ("*.cdx.json", "*.intoto.json", "deploypack-build.log", f"{STAGING_PREFIX}*")


def _read_json(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{path.name} cannot be read: {error}"
    return (data, None) if isinstance(data, dict) else (None, f"{path.name} is not a JSON object")


def _listed_in_manifest(data: Mapping[str, Any]) -> dict[str, tuple[str, int | None]]:
    listed = {}
    for entry in data.get("distributions") or []:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str) and isinstance(entry.get("sha256"), str):
            size = entry.get("size") if isinstance(entry.get("size"), int) else None
            listed[entry["file"]] = (entry["sha256"].lower(), size)
    return listed


@dataclasses.dataclass
class _Listings:
    """What SHA256SUMS and manifest.json say the directory holds."""

    expected: dict[str, str] = dataclasses.field(default_factory=dict)  # file -> sha256
    sizes: dict[str, int | None] = dataclasses.field(default_factory=dict)
    own_files: set[str] = dataclasses.field(default_factory=lambda: {sums.FILENAME, manifest_module.FILENAME, RECORD})
    name: str | None = None
    version: str | None = None
    findings: list[Finding] = dataclasses.field(default_factory=list)


def verify_directory(directory: Path, shown_dir: str) -> Report:
    if not directory.is_dir():
        raise UsageError(f"{str(directory)!r} is not a directory")
    sums_path, manifest_path = directory / sums.FILENAME, directory / manifest_module.FILENAME
    if not sums_path.is_file() and not manifest_path.is_file():
        raise UsageError(f"{str(directory)!r} has neither {sums.FILENAME} nor {manifest_module.FILENAME}: "
                         "nothing to verify against")
    listings = _read_listings(sums_path, manifest_path)
    findings = listings.findings + _check_listings(directory, listings.expected)
    artifacts, changed = _verify_listed(directory, listings, shown_dir)
    findings += changed + _unlisted(directory, listings, shown_dir)
    ok, exit_code = verdict(findings, strict=False)
    return Report(
        ok=ok, exit_code=exit_code, project_name=listings.name, project_version=listings.version,
        project_path=shown_dir, artifacts=artifacts, findings=findings, timings={}, outdir=shown_dir,
    )


def _read_listings(sums_path: Path, manifest_path: Path) -> _Listings:
    listings = _Listings()
    if sums_path.is_file():
        try:
            listings.expected = sums.parse(sums_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, sums.MalformedSums) as error:
            listings.findings.append(
                LISTINGS_DISAGREE.at(f"{sums.FILENAME} cannot be read: {error}", artifact=sums.FILENAME))
    if not manifest_path.is_file():
        return listings
    data, problem = _read_json(manifest_path)
    if data is None:
        listings.findings.append(LISTINGS_DISAGREE.at(problem or "", artifact=manifest_module.FILENAME))
        return listings
    project = data.get("project")
    project = project if isinstance(project, dict) else {}
    name, version = project.get("name"), project.get("version")
    listings.name = name if isinstance(name, str) else None
    listings.version = version if isinstance(version, str) else None
    listings.own_files.update(item for item in data.get("artifacts") or [] if isinstance(item, str))
    listed = _listed_in_manifest(data)
    listings.sizes = {file: size for file, (_digest, size) in listed.items()}
    if sums_path.is_file():
        listings.findings.extend(_disagreements(listings.expected, {f: d for f, (d, _s) in listed.items()},
                                                sums.FILENAME, manifest_module.FILENAME))
    for file, (digest, _size) in listed.items():
        listings.expected.setdefault(file, digest)
    return listings


def _verify_listed(directory: Path, listings: _Listings, shown_dir: str) -> tuple[list[Artifact], list[Finding]]:
    """Each listed file hashed against its listing: the sound ones as artifacts, the rest as findings."""
    artifacts, findings = [], []
    for file, digest in sorted(listings.expected.items()):
        path = directory / file
        if "/" in file or file in ("", ".", "..") or not path.is_file():
            findings.append(MISSING.at(f"{file} is listed but not in {shown_dir}", artifact=file))
            continue
        actual = file_sha256(path)
        size = path.stat().st_size
        if actual != digest:
            listed_size = listings.sizes.get(file)
            sizes_differ = f" (size {size}, listed {listed_size})" if listed_size not in (None, size) else ""
            findings.append(CHANGED.at(f"{file}: sha256 is {actual}, the listing says {digest}{sizes_differ}",
                                       artifact=file))
            continue
        kind = "wheel" if file.endswith(".whl") else "sdist"
        artifacts.append(Artifact(path=str(Path(shown_dir) / file), kind=kind, size=size, sha256=actual))
    return artifacts, findings


def _unlisted(directory: Path, listings: _Listings, shown_dir: str) -> list[Finding]:
    findings = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.name in listings.expected or entry.name in listings.own_files or _is_own(entry.name):
            continue
        what = "directory" if entry.is_dir() else "file"
        findings.append(ADDED.at(f"{entry.name} ({what}) is in {shown_dir} but not listed", artifact=entry.name))
    return findings


def _is_own(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in _OWN_PATTERNS)


def _disagreements(
    first: Mapping[str, str], second: Mapping[str, str], first_name: str, second_name: str
) -> list[Finding]:
    findings = []
    for file in sorted(first.keys() | second.keys()):
        if file not in second:
            findings.append(LISTINGS_DISAGREE.at(f"{file} is in {first_name} but not in {second_name}", artifact=file))
        elif file not in first:
            findings.append(LISTINGS_DISAGREE.at(f"{file} is in {second_name} but not in {first_name}", artifact=file))
        elif first[file] != second[file]:
            findings.append(LISTINGS_DISAGREE.at(
                f"{file}: {first_name} says sha256 {first[file]}, {second_name} says {second[file]}", artifact=file))
    return findings


def _check_listings(directory: Path, expected: Mapping[str, str]) -> list[Finding]:
    """The provenance's subjects and the SBOM's distribution files carry the same hashes."""
    findings = []
    for pattern, part, digests_of in (("*.intoto.json", "subjects", _provenance_subjects),
                                      ("*.cdx.json", "files", _sbom_files)):
        for path in sorted(directory.glob(pattern)):
            data, problem = _read_json(path)
            if problem:
                findings.append(LISTINGS_DISAGREE.at(problem, artifact=path.name))
                continue
            assert data is not None
            if expected:
                findings.extend(_disagreements(expected, digests_of(data), "the checksums", f"{path.name} ({part})"))
    return findings


def _provenance_subjects(data: dict[str, Any]) -> dict[str, str]:
    return {
        subject["name"]: str((subject.get("digest") or {}).get("sha256", "")).lower()
        for subject in data.get("subject") or []
        if isinstance(subject, dict) and isinstance(subject.get("name"), str)
    }


def _sbom_files(data: dict[str, Any]) -> dict[str, str]:
    """The distribution files: sub-components of the package."""
    package = (data.get("metadata") or {}).get("component") or {}
    files = {}
    for component in package.get("components") or [] if isinstance(package, dict) else []:
        if not isinstance(component, dict) or not isinstance(component.get("name"), str):
            continue
        if component.get("type") == "file":
            digests = [h.get("content", "") for h in component.get("hashes") or []
                       if isinstance(h, dict) and h.get("alg") == "SHA-256"]
            files[component["name"]] = str(digests[0]).lower() if digests else ""
    return files
