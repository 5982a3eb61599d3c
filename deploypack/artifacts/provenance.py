"""An unsigned in-toto Statement v1 carrying a SLSA provenance v1 predicate.

Subjects are the distributions with their sha256. The statement is unsigned: signing is the
job of the CI's identity (e.g. GitHub's attestation action, which takes the `subject-checksums`
output deploypack writes), not of a build tool holding keys.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from typing import Any

from deploypack import __version__
from deploypack.artifacts.common import ArtifactInputs, build_environment

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://github.com/deploypack/deploypack/blob/main/docs/artifacts.md#build-type-v1"
LOCAL_BUILDER_ID = "https://github.com/deploypack/deploypack/blob/main/docs/artifacts.md#local-builder"
_CREDENTIALS = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*://)[^/@]*@", re.IGNORECASE)


def filename(inputs: ArtifactInputs) -> str:
    return f"{inputs.file_stem}.intoto.json"


def without_credentials(url: str) -> str:
    """A remote URL as it may be published: `https://user:token@host/x` loses `user:token@`."""
    return _CREDENTIALS.sub(r"\g<scheme>", url)


def _github(environ: Mapping[str, str]) -> dict[str, str] | None:
    server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    if environ.get("GITHUB_ACTIONS") != "true" or not server or not repository:
        return None
    return {"server": server.rstrip("/"), "repository": repository}


def builder_id(environ: Mapping[str, str]) -> str:
    """The workflow that ran the build on GitHub (what the attestation action would name), else local."""
    github = _github(environ)
    workflow_ref = environ.get("GITHUB_WORKFLOW_REF")
    if github and workflow_ref:
        return f"{github['server']}/{workflow_ref}"
    return LOCAL_BUILDER_ID


def _timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def resolved_dependencies(inputs: ArtifactInputs) -> list[dict[str, Any]]:
    source = inputs.source
    if not source.commit:
        return []
    github = _github(inputs.environ)
    ref = inputs.environ.get("GITHUB_REF") if github else (f"refs/tags/{source.tag}" if source.tag else None)
    location = f"{github['server']}/{github['repository']}" if github else (
        without_credentials(source.repository) if source.repository else None)
    dependency: dict[str, Any] = {"digest": {"gitCommit": source.commit}}
    if location:
        dependency["uri"] = f"git+{location}" + (f"@{ref}" if ref else "")
    if source.dirty:
        dependency["annotations"] = {"dirty": True}
    return [dependency]


def build(inputs: ArtifactInputs) -> dict[str, Any]:
    environment = build_environment(inputs)
    environ = inputs.environ
    github = _github(environ)
    metadata: dict[str, Any] = {}
    if github and environ.get("GITHUB_RUN_ID"):
        metadata["invocationId"] = (f"{github['server']}/{github['repository']}/actions/runs/"
                                    f"{environ['GITHUB_RUN_ID']}/attempts/{environ.get('GITHUB_RUN_ATTEMPT', '1')}")
    for key, seconds in (("startedOn", inputs.build.started), ("finishedOn", inputs.build.finished)):
        if (stamp := _timestamp(seconds)) is not None:
            metadata[key] = stamp
    name, version = inputs.project
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": dist.filename, "digest": {"sha256": dist.sha256}}
            for dist in sorted(inputs.distributions, key=lambda d: d.filename)
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "command": inputs.build.command,
                    "project": {"name": name, "version": version},
                    "source": {"commit": inputs.source.commit, "tag": inputs.source.tag},
                    "isolation": inputs.build.isolation,
                },
                "internalParameters": {
                    "backend": environment["backend"],
                    "build_requires": environment["build_requires"],
                    "installer": environment["installer"],
                    "source_date_epoch": inputs.source.source_date_epoch,
                    "python": environment["python"],
                    "platform": environment["platform"],
                },
                "resolvedDependencies": resolved_dependencies(inputs),
            },
            "runDetails": {
                "builder": {"id": builder_id(environ), "version": {"deploypack": __version__}},
                "metadata": metadata,
            },
        },
    }


def render(inputs: ArtifactInputs) -> str:
    return json.dumps(build(inputs), indent=2, ensure_ascii=False) + "\n"
