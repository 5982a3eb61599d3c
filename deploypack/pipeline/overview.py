"""The dists' overview for the step summary and the python-versions outputs, from what was read anyway."""

from __future__ import annotations

from collections.abc import Sequence

from deploypack.read import python_versions
from deploypack.read.archives import Distribution
from deploypack.report.model import Overview

_FIELDS = (("Name", "name"), ("Version", "version"), ("Summary", "summary"), ("Requires-Python", "requires_python"),
           ("License-Expression", "license_expression"), ("License", "license"), ("Author", "author"),
           ("Author-email", "author_email"), ("Maintainer-email", "maintainer_email"), ("Keywords", "keywords"),
           ("Description-Content-Type", "description_content_type"))
_LISTS = (("Requires-Dist", "requires_dist"), ("Provides-Extra", "provides_extras"),
          ("Project-URL", "project_urls"), ("Classifier", "classifiers"))


def overview(dists: Sequence[Distribution]) -> Overview | None:
    """The wheel's metadata (else the sdist's), every archive's files, and the long description."""
    with_metadata = sorted((d for d in dists if d.metadata is not None), key=lambda d: d.kind != "wheel")
    if not with_metadata:
        return None
    metadata = with_metadata[0].metadata
    assert metadata is not None
    shown: list[tuple[str, str]] = []
    for label, attribute in _FIELDS:
        value = getattr(metadata, attribute, None)
        if value and str(value).strip() and str(value) != "UNKNOWN":
            shown.append((label, str(value)))
    for label, attribute in _LISTS:
        shown.extend((label, str(item)) for item in getattr(metadata, attribute, None) or ())
    description = getattr(metadata, "description", None)
    readme = (str(metadata.description_content_type or "text/x-rst"), str(description)) if description else None
    contents = {d.filename: [(m.path, m.size) for m in d.files()] for d in dists}
    versions = python_versions.supported(metadata.requires_python, metadata.classifiers or ())
    return Overview(metadata=shown, contents=contents, readme=readme, python_versions=versions)


def outputs(found: Overview | None) -> dict[str, str]:
    """The python-versions outputs (empty when no metadata was read)."""
    if found is None:
        return {}
    return python_versions.outputs_of(list(found.python_versions))
