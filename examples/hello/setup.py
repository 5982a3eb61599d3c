from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="hello-deploypack",
    version="1.0.0",
    description="A small example project that deploypack builds in its quick start.",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author="deploypack maintainers",
    license="MIT",
    url="https://github.com/deploypack/deploypack",
    package_dir={"": "src"},
    packages=find_packages("src"),
    python_requires=">=3.10",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Operating System :: OS Independent",
    ],
    entry_points={"console_scripts": ["hello-deploypack = hello:main"]},
)
