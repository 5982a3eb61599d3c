from pathlib import Path

from setuptools import setup

# version.txt is read at build time but no MANIFEST.in puts it in the sdist.
version = Path("version.txt").read_text(encoding="utf-8").strip()

setup(
    name="broken-missing-from-sdist",
    version=version,
    description="builds from the tree, not from its own sdist",
    py_modules=["broken_missing_from_sdist"],
)
