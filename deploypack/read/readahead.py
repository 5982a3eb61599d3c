"""Produce an iterator's items on a thread, a bounded number ahead of the consumer.

Decompressing an archive releases the GIL, parsing it does not: with the inflating on its own
thread the two overlap on a machine with a second core. The queue is bounded, so the producer
never holds more than `depth` items the consumer has not asked for (a decompression bomb stays
a few chunks of memory), and closing the consumer's iterator stops the producer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_END = object()
_POLL_SECONDS = 0.05


def readahead(items: Iterable[T], depth: int = 4) -> Generator[T, None, None]:
    """`items`, in order; an exception raised by `items` is raised to the consumer where it happened."""
    pending: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            offer(_Raised(error))
            return
        offer(_END)

    thread = threading.Thread(target=produce, name="deploypack-readahead", daemon=True)
    thread.start()
    try:
        while True:
            item = pending.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]  # the queue holds T, _END and _Raised; both are handled above
    finally:
        stop.set()
        thread.join()


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error
