"""Inflating gzip and raw deflate streams: with python-isal when it is installed (about twice
as fast as zlib on the sdists and wheels measured), else with zlib. Both check the gzip
trailer's CRC and length; their errors are listed in ERRORS."""

from __future__ import annotations

import importlib
import zlib
from types import ModuleType
from typing import Any


def _load_isal() -> ModuleType | None:
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:  # the optional `fast` extra is not installed
        return None


_isal = _load_isal()
ERRORS: tuple[type[Exception], ...] = (zlib.error,) if _isal is None else (zlib.error, _isal.error)


def decompressobj(wbits: int) -> Any:
    """A decompressor with zlib's interface: decompress(data, max_length), unconsumed_tail,
    unused_data, eof."""
    return (_isal if _isal is not None else zlib).decompressobj(wbits)


def backend() -> str:
    return "isal" if _isal is not None else "zlib"
