"""`dpdemo NAME`: the greeting of dpdemo-core on the command line."""

import sys

from dpdemo_core import greeting

__version__ = "1.0.0"


def main() -> None:
    print(greeting(sys.argv[1] if len(sys.argv) > 1 else "world"))
