"""BLAS threads: one per process where finmodel runs its own parallel work.

finmodel parallelises over scenarios itself (worker processes, or the compiled kernel's
threads). OpenBLAS's threads on top of that only wait for one another on a 2-core machine: a
worker process and the Monte Carlo's correlation step (a matrix product over a block of draws)
cap them at one. ``threadpoolctl`` sets the limit at run time (environment variables such as
``OPENBLAS_NUM_THREADS`` only act before NumPy is imported).
"""

from __future__ import annotations

import contextlib


def single_threaded_blas() -> None:
    """Cap BLAS at one thread in this process, for good (a worker process calls it at start)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def blas_threads(n: int = 1):
    """A context in which BLAS uses at most ``n`` threads."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")
