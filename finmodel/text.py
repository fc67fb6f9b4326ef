"""Text for a terminal: display widths of Chinese text (two columns a character) and tables that
wrap their year columns to the terminal's width."""

from __future__ import annotations

import shutil
import unicodedata
from typing import Sequence


def width(s: str) -> int:
    """Columns a string takes on a terminal: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 0 if unicodedata.combining(c) else 1
               for c in str(s))


def ljust(s: str, n: int) -> str:
    return str(s) + " " * max(0, n - width(s))


def rjust(s: str, n: int) -> str:
    return " " * max(0, n - width(s)) + str(s)


def terminal_width(default: int = 100) -> int:
    return max(60, shutil.get_terminal_size((default, 24)).columns)


def table(head: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1, gap: int = 2) -> list[str]:
    """Lines of a table: the first ``left`` columns left-aligned, the rest right-aligned, by display width."""
    cols = len(head)
    w = [max(width(r[i]) for r in [head, *rows]) for i in range(cols)]
    out = []
    for r in [head, *rows]:
        cells = [ljust(r[i], w[i]) if i < left else rjust(r[i], w[i]) for i in range(cols)]
        out.append((" " * gap).join(cells).rstrip())
    return out


def wrapped_table(head: Sequence[str], rows: Sequence[Sequence[str]], *, fixed: int, total: int | None = None,
                  gap: int = 2) -> list[str]:
    """A wide table in blocks of columns that fit ``total`` (the terminal's width): the first
    ``fixed`` columns (label, unit) are repeated in every block, the others (the years) wrap."""
    total = total or terminal_width()
    w = [max(width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    base = sum(w[:fixed]) + gap * fixed
    blocks, cur, used = [], [], base
    for i in range(fixed, len(head)):
        if cur and used + w[i] + gap > total:
            blocks.append(cur)
            cur, used = [], base
        cur.append(i)
        used += w[i] + gap
    if cur:
        blocks.append(cur)
    out: list[str] = []
    for b, idx in enumerate(blocks):
        if b:
            out.append("")
        keep = list(range(fixed)) + idx
        out += table([head[i] for i in keep], [[r[i] for i in keep] for r in rows], left=fixed, gap=gap)
    return out
