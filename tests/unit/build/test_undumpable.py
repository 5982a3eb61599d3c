"""deploypack is not dumpable while the hooks run (its /proc entries closed to them), and is again after."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deploypack.build.undumpable import closed_to_hooks

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")


def _owner_of_own_fd_directory() -> int:
    return Path("/proc/self/fd").stat().st_uid


def test_not_dumpable_within_the_block_only() -> None:
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    before = prctl(3, 0, 0, 0, 0)
    with closed_to_hooks() as closed:
        assert closed
        assert prctl(3, 0, 0, 0, 0) == 0
        assert _owner_of_own_fd_directory() == 0  # root's: refused to the same user's processes
    assert prctl(3, 0, 0, 0, 0) == before
