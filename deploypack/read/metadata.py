"""Core metadata (PKG-INFO, METADATA) parsed once per text, without validation, so that a
check sees a value even when it is wrong."""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=64)
def parse_metadata(data: bytes) -> tuple[dict[str, Any], frozenset[str]]:
    """(the raw fields, the names packaging could not parse), by `packaging.metadata.parse_email`."""
    from packaging.metadata import parse_email

    raw, unparsed = parse_email(data)
    return dict(raw), frozenset(unparsed)
