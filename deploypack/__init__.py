"""deploypack: build, validate and gate a Python release."""

__version__ = "0.1.0"
