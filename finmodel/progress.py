"""Progress of long evaluations, for whoever wants to show it (the command line does, on a terminal).

The engine calls :func:`tick` with the number of scenarios it has just scored; nothing happens
unless a listener is installed with :func:`listening`. The library never prints.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

_listeners: list[Callable[[int], None]] = []


def tick(n: int) -> None:
    """``n`` more scenarios scored."""
    for f in _listeners:
        f(n)


@contextmanager
def listening(f: Callable[[int], None]) -> Iterator[None]:
    _listeners.append(f)
    try:
        yield
    finally:
        _listeners.remove(f)
