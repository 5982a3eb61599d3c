"""readahead: same items in the same order, errors where they happened, a producer that stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from deploypack.read.readahead import readahead


def test_items_arrive_in_order() -> None:
    assert list(readahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("damaged")

    seen: list[int] = []
    with pytest.raises(ValueError, match="damaged"):
        for item in readahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_closing_early_stops_the_producer_within_its_bound() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for number in range(1_000_000):
            produced.append(number)
            yield number

    stream = readahead(items(), depth=2)
    assert next(stream) == 0
    stream.close()  # joins the producer
    assert len(produced) <= 5
    assert not any(thread.name == "deploypack-readahead" for thread in threading.enumerate())
