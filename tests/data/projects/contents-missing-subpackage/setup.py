from setuptools import find_packages, setup

setup(
    name="contents-missing-subpackage",
    version="1.0.0",
    description="find_packages() skips a subpackage that has no __init__.py",
    long_description="A subpackage without ``__init__.py`` is left out of the wheel.",
    long_description_content_type="text/x-rst",
    packages=find_packages(exclude=["tests", "tests.*"]),
    python_requires=">=3.8",
)
