from setuptools import setup

with open("README.rst", encoding="utf-8") as handle:
    long_description = handle.read()

setup(
    name="setuppy-only",
    version="0.3.0",
    description="A setup.py-only project (no pyproject.toml).",
    long_description=long_description,
    long_description_content_type="text/x-rst",
    py_modules=["setuppy_only"],
    python_requires=">=3.8",
    classifiers=["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"],
)
