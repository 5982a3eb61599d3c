"""TOML reading on every supported Python: tomllib from 3.11, its tomli backport before."""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI job
    import tomli as tomllib

__all__ = ["tomllib"]
