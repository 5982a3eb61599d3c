"""The shared core: one function the other packages use."""

__version__ = "1.0.0"


def greeting(name: str) -> str:
    return f"Hello, {name}!"
