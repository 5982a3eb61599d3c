from setuptools import setup


def read_version():
    # A typical mistake: parsing a file that changed format.
    parts = "1.0".split(".")
    return parts[2]


setup(
    name="broken-setup-raises",
    version=read_version(),
    py_modules=["broken_setup_raises"],
)
