"""An in-tree PEP 517 backend: setuptools, re-exported (backend-path)."""

from setuptools import build_meta as _orig
from setuptools.build_meta import *  # noqa: F403

get_requires_for_build_wheel = _orig.get_requires_for_build_wheel
