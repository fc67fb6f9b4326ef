"""Keep freed memory in the process heap for reuse across chunks (glibc only).

A chunked batch run allocates the same few hundred arrays for every chunk. By default glibc
serves blocks above 128 KiB with fresh mmap pages and returns them on free, so every chunk
pays a page fault per 4 KiB page touched: about ten times the arithmetic itself (measured:
590 us vs 55 us for a 5,000 x 21 addition on this machine). Raising the mmap and trim
thresholds keeps those pages in the heap after the first chunk, and no mmap at all (M_MMAP_MAX
0) keeps the larger blocks there too (a batch's results, 8 MB a metric at 10^6 scenarios). On a
virtual machine whose host takes back the pages a guest frees, this matters more: on the
development machine, touching 176 MB of fresh pages took 0.02 s right after they were freed and
0.95 s after a 3 s pause. Called by the CLI's batch commands (cli.options.tune_memory) and by
``evaluate(tune_memory=True)``, never at import; a no-op where glibc's ``mallopt`` is not
available. It is process-wide: the memory a process frees stays in it until it exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_done = {"ok": None}


def keep_heap() -> bool:
    """Ask glibc to keep freed blocks in the heap (and to take large ones from it too); True when it did."""
    if _done["ok"] is not None:
        return _done["ok"]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
            mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            ok = (bool(mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
                  and bool(mallopt(_M_MMAP_MAX, 0)))
        except (OSError, AttributeError):
            ok = False
    _done["ok"] = ok
    return ok
