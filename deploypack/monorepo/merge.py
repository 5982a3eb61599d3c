"""`deploypack merge DIR...`: the per-job outputs of a monorepo matrix, as one release.

Each DIR is one job's `--outdir` (distributions, and the SHA256SUMS / manifest.json the
build wrote beside them, when it did). The merge re-hashes every distribution against its
job's SHA256SUMS, refuses a file name that two jobs produced and a package present in two
versions, and only then writes one directory: the distributions, one SHA256SUMS, one
manifest.json (schema "deploypack-merged-manifest/1") and a Markdown summary.

The jobs' SBOMs and provenance statements are not copied: each describes one job's files, and
a release directory's listings must all cover the same files (`deploypack verify`). They stay
embedded by reference in each package's manifest; attest the merged SHA256SUMS instead.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from deploypack.artifacts import outdir as outdir_module
from deploypack.artifacts import sums
from deploypack.core.errors import EnvironmentProblem, UsageError
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import rule
from deploypack.read.archives import file_sha256

SCHEMA = "deploypack-merged-manifest/1"
MANIFEST = "manifest.json"
SUMMARY = "SUMMARY.md"
MAX_MANIFEST_SIZE = 16 * 1024 * 1024

DUPLICATE_FILE = rule(
    "J001", "merge-duplicate-file", Severity.ERROR, "two jobs produced a distribution with the same file name",
    why="An index accepts a file name once; two jobs writing the same name means two builds of one package "
    "(e.g. the sdist built on every axis of the matrix), and which one gets published is an accident.",
    fix="Build each package once per distinct file (e.g. the sdist on one axis only), or give the jobs "
    "different packages; then merge again.",
)
TWO_VERSIONS = rule(
    "J002", "merge-two-versions", Severity.ERROR, "one package appears in two versions",
    why="A release publishes one version of each package; two versions mean a job built a stale checkout "
    "or a different ref.",
    fix="Rebuild every job from the same commit so each package has one version.",
)
CHECKSUM_MISMATCH = rule(
    "J003", "merge-checksum-mismatch", Severity.ERROR,
    "a distribution does not match its job's SHA256SUMS",
    why="The bytes changed between the build and the merge (a truncated download, a stale file, tampering): "
    "the checksums and provenance of the build would not describe what gets published.",
    fix="Download the job's artifact again, or rebuild it.",
)
NO_DISTRIBUTIONS = rule(
    "J004", "merge-no-distributions", Severity.ERROR, "a job directory holds no distribution",
    why="A job that produced nothing is usually a failed build whose artifact was uploaded anyway; merging "
    "without it silently drops a package from the release.",
    fix="Look at that job's report and fix its build, or leave the directory out of the merge.",
)
MERGE_RULES = (DUPLICATE_FILE, TWO_VERSIONS, CHECKSUM_MISMATCH, NO_DISTRIBUTIONS)


@dataclasses.dataclass(frozen=True)
class DistFile:
    path: Path
    source: str  # the job directory, as given on the command line
    name: NormalizedName
    version: Version
    kind: str  # "sdist" | "wheel"
    size: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class JobOutput:
    directory: str
    dists: tuple[DistFile, ...]
    manifest: Mapping[str, Any] | None  # the job's manifest.json, when it wrote one
    findings: tuple[Finding, ...]


@dataclasses.dataclass(frozen=True)
class MergeResult:
    ok: bool
    findings: tuple[Finding, ...]
    manifest: Mapping[str, Any]
    summary: str
    outdir: Path | None  # None when nothing was written (errors)


def parse_dist_name(filename: str) -> tuple[NormalizedName, Version, str] | None:
    """(name, version, kind) from a distribution's file name, or None for any other file."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return name, version, "wheel"
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return name, version, "sdist"
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def read_job(directory: Path, shown: str) -> JobOutput:
    """One job's output: its distributions, hashed, checked against its SHA256SUMS."""
    if not directory.is_dir():
        raise UsageError(f"merge: {shown!r} is not a directory")
    findings: list[Finding] = []
    dists = []
    for path in sorted(directory.iterdir()):
        parsed = parse_dist_name(path.name)
        if parsed is None or not path.is_file() or path.is_symlink():
            continue
        name, version, kind = parsed
        dists.append(DistFile(path, shown, name, version, kind, path.stat().st_size, file_sha256(path)))
    if not dists:
        findings.append(NO_DISTRIBUTIONS.at(f"{shown}: no sdist or wheel in this directory"))
    findings += _check_sums(directory, shown, dists)
    manifest = _read_manifest(directory)
    return JobOutput(shown, tuple(dists), manifest, tuple(findings))


def _check_sums(directory: Path, shown: str, dists: Sequence[DistFile]) -> list[Finding]:
    listing = directory / sums.FILENAME
    if not listing.is_file():
        return []  # an older deploypack, or `--artifacts` without sums: the hashes are taken here
    try:
        expected = sums.parse(listing.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return [CHECKSUM_MISMATCH.at(f"{shown}/{sums.FILENAME} cannot be read: {error}")]
    findings = []
    present = {dist.path.name: dist for dist in dists}
    for filename, digest in sorted(expected.items()):
        dist = present.get(filename)
        if dist is None:
            findings.append(CHECKSUM_MISMATCH.at(f"{shown}: {filename} is listed in {sums.FILENAME} but missing",
                                                 artifact=filename))
        elif dist.sha256 != digest:
            findings.append(CHECKSUM_MISMATCH.at(
                f"{shown}: {filename} has sha256 {dist.sha256}, its {sums.FILENAME} says {digest}", artifact=filename,
            ))
    for filename in sorted(set(present) - set(expected)):
        findings.append(CHECKSUM_MISMATCH.at(f"{shown}: {filename} is not listed in its {sums.FILENAME}",
                                             artifact=filename))
    return findings


def _read_manifest(directory: Path) -> Mapping[str, Any] | None:
    path = directory / MANIFEST
    if not path.is_file() or path.stat().st_size > MAX_MANIFEST_SIZE:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def conflicts(jobs: Sequence[JobOutput]) -> list[Finding]:
    """Duplicate file names across jobs, and packages in more than one version."""
    findings = []
    by_filename: dict[str, list[DistFile]] = defaultdict(list)
    versions: dict[NormalizedName, dict[Version, list[DistFile]]] = defaultdict(lambda: defaultdict(list))
    for job in jobs:
        for dist in job.dists:
            by_filename[dist.path.name].append(dist)
            versions[dist.name][dist.version].append(dist)
    for filename, copies in sorted(by_filename.items()):
        if len(copies) > 1:
            same = len({copy.sha256 for copy in copies}) == 1
            findings.append(DUPLICATE_FILE.at(
                f"{filename} comes from {len(copies)} jobs ({', '.join(copy.source for copy in copies)}), "
                + ("with identical bytes" if same else "with different bytes"), artifact=filename,
            ))
    for name, found in sorted(versions.items()):
        if len(found) > 1:
            listed = "; ".join(f"{version} in {', '.join(sorted({d.source for d in dists}))}"
                               for version, dists in sorted(found.items()))
            findings.append(TWO_VERSIONS.at(f"{name} appears in {len(found)} versions: {listed}"))
    return findings


def merged_manifest(jobs: Sequence[JobOutput]) -> dict[str, Any]:
    packages: dict[NormalizedName, dict[str, Any]] = {}
    for job in jobs:
        for dist in job.dists:
            entry = packages.setdefault(dist.name, {
                "name": dist.name, "version": str(dist.version), "sources": [], "distributions": [],
                "findings": None, "manifest": None,
            })
            if job.directory not in entry["sources"]:
                entry["sources"].append(job.directory)
            entry["distributions"].append(
                {"file": dist.path.name, "kind": dist.kind, "size": dist.size, "sha256": dist.sha256}
            )
            if job.manifest is not None and entry["manifest"] is None:
                entry["manifest"] = dict(job.manifest)
                project = job.manifest.get("project")
                if isinstance(project, dict) and isinstance(project.get("name"), str):
                    entry["name"] = project["name"]
                counts = job.manifest.get("findings")
                if isinstance(counts, dict):
                    entry["findings"] = {level: int(counts.get(level, 0) or 0)
                                         for level in ("error", "warning", "note")}
    ordered = [packages[name] for name in sorted(packages)]
    for entry in ordered:
        entry["distributions"].sort(key=lambda item: item["file"])
    return {
        "schema": SCHEMA,
        "packages": ordered,
        "distributions": sorted(
            ({**dist, "package": entry["name"]} for entry in ordered for dist in entry["distributions"]),
            key=lambda item: item["file"],
        ),
        # the directory's other files, as in a build's manifest, so `deploypack verify` checks it
        "artifacts": sorted([sums.FILENAME, MANIFEST, SUMMARY]),
    }


def render_summary(manifest: Mapping[str, Any], findings: Sequence[Finding]) -> str:
    """Markdown: verdict first, then each package with its files."""
    lines = ["# deploypack merge", ""]
    count = len(manifest["packages"])
    files = len(manifest["distributions"])
    if findings:
        lines += [f"**Not merged**: {len(findings)} problem(s) across {count} package(s).", ""]
        lines += ["| code | problem |", "|---|---|"]
        lines += [f"| {finding.code} | {_cell(finding.message)} |" for finding in findings]
        lines.append("")
    else:
        lines += [f"**Merged** {count} package(s), {files} distribution(s).", ""]
    lines += ["| package | version | file | size | sha256 | job findings (e/w/n) |", "|---|---|---|---:|---|---|"]
    for package in manifest["packages"]:
        counts = package["findings"]
        shown = "/".join(str(counts[level]) for level in ("error", "warning", "note")) if counts else "–"
        for dist in package["distributions"]:
            lines.append(f"| {_cell(package['name'])} | {_cell(package['version'])} | `{_cell(dist['file'])}` | "
                         f"{dist['size']} | `{dist['sha256']}` | {shown} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("`", "'")


def merge(directories: Sequence[Path], outdir: Path, clean: bool = False) -> MergeResult:
    """Check every job's output; write the merged release only when nothing is wrong."""
    if not directories:
        raise UsageError("merge: give at least one job output directory")
    resolved_out = outdir.resolve()
    seen: set[Path] = set()
    for directory in directories:
        if directory.resolve() == resolved_out:
            raise UsageError(f"merge: the output directory {str(outdir)!r} is also an input")
        if directory.resolve() in seen:
            raise UsageError(f"merge: {str(directory)!r} is given twice")
        seen.add(directory.resolve())
    outdir_module.check_writable(outdir, clean)
    jobs = [read_job(directory, str(directory)) for directory in directories]
    findings = [finding for job in jobs for finding in job.findings] + conflicts(jobs)
    manifest = merged_manifest(jobs)
    summary = render_summary(manifest, findings)
    if findings:
        return MergeResult(False, tuple(findings), manifest, summary, None)
    with outdir_module.staging_directory(outdir) as staging:
        names = []
        try:
            for job in jobs:
                for path in (dist.path for dist in job.dists):
                    shutil.copyfile(path, staging / path.name)
                    names.append(path.name)
            (staging / sums.FILENAME).write_text(
                sums.render((item["file"], item["sha256"]) for item in manifest["distributions"]), encoding="utf-8",
            )
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
            (staging / SUMMARY).write_text(summary, encoding="utf-8")
            outdir_module.commit(staging, outdir, [*names, sums.FILENAME, MANIFEST, SUMMARY], clean)
        except OSError as error:
            raise EnvironmentProblem(f"cannot write {outdir}: {error.strerror or error}") from None
    return MergeResult(True, (), manifest, summary, outdir)
