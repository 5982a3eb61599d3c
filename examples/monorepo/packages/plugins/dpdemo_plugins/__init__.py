"""Greeting plugins on top of dpdemo-core."""

from dpdemo_core import greeting

__version__ = "1.0.0"


def shout(name: str) -> str:
    return greeting(name).upper()
