"""A CycloneDX SBOM (JSON) of the package: what it is, what it is made of, what it needs.

The package is the main component (purl `pkg:pypi/<name>@<version>`, hashes, license); each
distribution file is a sub-component with its own hash; every Requires-Dist is a component
the main one depends on, its extras and environment marker kept as properties. The serial
number and timestamp derive from the contents and SOURCE_DATE_EPOCH, so a reproducible build
yields a byte-identical SBOM.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from deploypack import __version__
from deploypack.artifacts.common import ArtifactInputs, epoch_seconds
from deploypack.read.archives import Distribution

try:
    from cyclonedx.contrib.license.factories import LicenseFactory
except ImportError:  # cyclonedx-python-lib before 11.x
    # unused-ignore: the ignore is needed only where this older module is the one installed
    from cyclonedx.factory.license import LicenseFactory  # type: ignore[no-redef, unused-ignore]

SCHEMA_VERSION = max(SchemaVersion, key=lambda version: version.value)  # the newest the library supports
_NAMESPACE = uuid.UUID("6f0e8a34-5b1e-4c47-9a7e-0d4c1f2a9b11")  # fixed: serial numbers derive from content
PROPERTY_PREFIX = "deploypack:requirement:"


def filename(inputs: ArtifactInputs) -> str:
    return f"{inputs.file_stem}.cdx.json"


def _purl(name: str, version: str | None = None, file_name: str | None = None) -> PackageURL:
    qualifiers = {"file_name": file_name} if file_name else None
    return PackageURL(type="pypi", name=canonicalize_name(name), version=version, qualifiers=qualifiers)


def _sha256(digest: str) -> HashType:
    return HashType(alg=HashAlgorithm.SHA_256, content=digest)


def licenses_of(dist: Distribution) -> list[License]:
    """License-Expression (core metadata 2.4) first, else the License field, else the classifiers."""
    metadata = dist.metadata
    if metadata is None:
        return []
    factory = LicenseFactory()
    expression = (getattr(metadata, "license_expression", None) or "").strip()
    if expression:
        return [LicenseExpression(expression)]
    text = (metadata.license or "").strip()
    if text and "\n" not in text and len(text) <= 100:
        return [factory.make_from_string(text)]
    from_classifiers = [
        classifier.rsplit("::", 1)[-1].strip()
        for classifier in metadata.classifiers or ()
        if classifier.startswith("License ::") and classifier.count("::") >= 2
    ]
    return [factory.make_with_name(name) for name in dict.fromkeys(from_classifiers)]


def requirement_components(requires_dist: Iterable[str]) -> list[Component]:
    components = []
    for index, line in enumerate(requires_dist):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # the metadata checks report it; an SBOM keeps to what parses
        marker = str(requirement.marker) if requirement.marker else None
        properties = [Property(name=PROPERTY_PREFIX.rstrip(":"), value=line)]
        if str(requirement.specifier):
            properties.append(Property(name=f"{PROPERTY_PREFIX}specifier", value=str(requirement.specifier)))
        if requirement.extras:
            properties.append(Property(name=f"{PROPERTY_PREFIX}extras", value=",".join(sorted(requirement.extras))))
        if marker:
            properties.append(Property(name=f"{PROPERTY_PREFIX}marker", value=marker))
        if requirement.url:
            properties.append(Property(name=f"{PROPERTY_PREFIX}url", value=requirement.url))
        optional = marker is not None and "extra" in marker
        components.append(Component(
            name=canonicalize_name(requirement.name),
            type=ComponentType.LIBRARY,
            bom_ref=f"requirement-{index}-{canonicalize_name(requirement.name)}",
            purl=_purl(requirement.name),
            scope=ComponentScope.OPTIONAL if optional else ComponentScope.REQUIRED,
            properties=properties,
        ))
    return components


def build(inputs: ArtifactInputs) -> Bom:
    name, version = inputs.project
    dists = sorted(inputs.distributions, key=lambda d: (d.kind != "sdist", d.filename))
    described = next(d for d in dists if d.metadata is not None)
    files = [
        Component(
            name=dist.filename, type=ComponentType.FILE, bom_ref=f"file-{dist.filename}",
            hashes=[_sha256(dist.sha256)], purl=_purl(name, version, dist.filename),
            properties=[Property(name="deploypack:distribution:kind", value=dist.kind)],
        )
        for dist in dists
    ]
    metadata = described.metadata
    assert metadata is not None
    main = Component(
        name=canonicalize_name(name), version=version, type=ComponentType.LIBRARY,
        bom_ref=f"pkg:pypi/{canonicalize_name(name)}@{version}", purl=_purl(name, version),
        description=(metadata.summary or None), licenses=licenses_of(described),
        hashes=[_sha256(dists[0].sha256)], components=files,
    )
    requirements = requirement_components(metadata.requires_dist or ())
    epoch = epoch_seconds(inputs.source.source_date_epoch)
    timestamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) if epoch is not None else None
    tools = ToolRepository(
        components=[Component(type=ComponentType.APPLICATION, name="deploypack", version=__version__)]
    )
    serial = uuid.uuid5(_NAMESPACE, "\n".join([name, version, *(d.sha256 for d in dists)]))
    bom = Bom(
        serial_number=serial,
        metadata=BomMetaData(component=main, tools=tools, timestamp=timestamp),
        components=requirements,
    )
    bom.dependencies.add(Dependency(ref=main.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in requirements]))
    for component in requirements:
        bom.dependencies.add(Dependency(ref=component.bom_ref))
    return bom


def render(inputs: ArtifactInputs) -> str:
    outputter = make_outputter(build(inputs), OutputFormat.JSON, SCHEMA_VERSION)
    return outputter.output_as_string(indent=2) + "\n"
