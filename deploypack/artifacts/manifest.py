"""manifest.json: what was built, from what, by what (schema "deploypack-manifest/1").

The schema is public and versioned: deploypack/schemas/manifest.schema.json, documented in
docs/artifacts.md. Within a major version fields are only ever added. Nothing in it depends
on the time of the run, so a reproducible build gives a byte-identical manifest.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from deploypack.artifacts.common import ArtifactInputs, build_environment, epoch_seconds
from deploypack.core.findings import count_by_severity
from deploypack.read.archives import Distribution

FILENAME = "manifest.json"
SCHEMA = "deploypack-manifest/1"


def wheel_tags(filename: str) -> list[str] | None:
    try:
        _name, _version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return sorted(str(tag) for tag in tags)


def distribution_entry(dist: Distribution) -> dict[str, Any]:
    metadata = dist.metadata
    return {
        "file": dist.filename,
        "kind": dist.kind,
        "size": dist.size,
        "sha256": dist.sha256,
        "name": str(metadata.name) if metadata and metadata.name else None,
        "version": str(metadata.version) if metadata and metadata.version else None,
        "tags": wheel_tags(dist.filename) if dist.kind == "wheel" else None,
        "requires_python": (metadata.requires_python or None) if metadata else None,
        "members": len(dist.members),
    }


def build(inputs: ArtifactInputs, artifact_files: list[str]) -> dict[str, Any]:
    name, version = inputs.project
    source = inputs.source
    return {
        "schema": SCHEMA,
        "project": {"name": name, "version": version},
        "distributions": [distribution_entry(d) for d in sorted(inputs.distributions, key=lambda d: d.filename)],
        "source": {
            "commit": source.commit,
            "tag": source.tag,
            "dirty": source.dirty,
            "source_date_epoch": epoch_seconds(source.source_date_epoch),
        },
        "build": {"command": inputs.build.command, **build_environment(inputs)},
        "findings": {
            **count_by_severity(inputs.findings),
            "codes": dict(sorted(Counter(finding.code for finding in inputs.findings).items())),
        },
        "artifacts": sorted(artifact_files),
    }


def render(inputs: ArtifactInputs, artifact_files: list[str]) -> str:
    return json.dumps(build(inputs, artifact_files), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
