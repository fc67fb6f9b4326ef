"""How a sheet goes on paper: its print scale and where the pages across break.

The workbook prints on A4 landscape (:data:`finmodel.report.layout.PAPER`). A sheet whose printed
columns fit one page width at :data:`~finmodel.report.layout.MIN_SCALE` or more prints on one page
across, as large as fits (at most 100 %). A wider sheet (the year sheets: 21 or more year columns)
is cut into pages across with its label columns repeated on each (print titles): as few pages as
the smallest allowed scale needs, the columns shared out so that the widest page is as narrow as
possible, then the scale raised as far as that page allows. One scale per sheet, fitted to its
widest page, not to the whole sheet: the text stays legible (the smallest font of the house style,
:data:`~finmodel.report.layout.SMALL_PT`, x the scale is at least
:data:`~finmodel.report.layout.MIN_PRINTED_PT`).

Column widths are in characters of the default font's widest digit, as stored in the file (the
width given to ``set_column`` plus 5 pixels of padding, in 7-pixel characters: XlsxWriter's
conversion). How wide a character prints depends on the font the spreadsheet finds: 5.25 pt
with Calibri in Excel, 6.36 pt in LibreOffice when it falls back to DejaVu Sans (its digits
0.636 em; measured: a column of width 10 prints 68 pt wide). Pages are planned with the wider,
:data:`~finmodel.report.layout.CHAR_PT`, so that they fit in either; a narrower font leaves room
at the right. :data:`~finmodel.report.layout.PRINT_SLACK` keeps a margin besides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .layout import CHAR_PT, MARGINS, MIN_SCALE, PAPER, PRINT_SLACK

#: XlsxWriter's conversion of widths: 7 pixels a character plus 5 of padding.
MDW_PX, PAD_PX = 7, 5


def col_pixels(width: float) -> int:
    """A column ``width`` (characters, as given to ``set_column``) in pixels, as XlsxWriter stores it."""
    if width < 1:
        return int(width * (MDW_PX + PAD_PX) + 0.5)
    return int(width * MDW_PX + 0.5) + PAD_PX


def stored_width(width: float) -> float:
    """A column ``width`` as the file stores it: characters with the padding."""
    return col_pixels(width) / MDW_PX


def col_points(width: float) -> float:
    """A column ``width`` as printed, points (at the wider font, see the module)."""
    return stored_width(width) * CHAR_PT


def printable_width() -> float:
    """The width a page prints on, points (A4 landscape less the side margins)."""
    return PAPER["width_pt"] - 72.0 * (MARGINS["left"] + MARGINS["right"])


def printable_height() -> float:
    return PAPER["height_pt"] - 72.0 * (MARGINS["top"] + MARGINS["bottom"])


@dataclass
class PagePlan:
    """A sheet's print set-up: the scale (percent), the first column of each page across after the
    first (0-based, for ``set_v_pagebreaks``) and the number of label columns repeated on each."""

    scale: int
    breaks: list[int] = field(default_factory=list)
    repeat: int = 0
    page_widths: list[float] = field(default_factory=list)     # points at 100 %

    @property
    def pages_across(self) -> int:
        return len(self.breaks) + 1


def _pages(pts: list[float], repeat: int, cap: float, keep: int = 0) -> list[tuple[int, int]] | None:
    """Columns cut greedily into pages no wider than ``cap`` (the repeated columns on each page, the
    first ``keep`` together on the first); (first, last) column of each page, or None when they cannot be."""
    rep = sum(pts[:repeat])
    pages: list[tuple[int, int]] = []
    start, width = 0, 0.0
    for c, w in enumerate(pts):
        if width + w <= cap:
            width += w
            continue
        if c <= max(repeat, keep - 1) or c == start:   # a break among the repeated or kept columns
            return None
        pages.append((start, c - 1))
        start, width = c, rep + w
        if width > cap:
            return None
    pages.append((start, len(pts) - 1))
    return pages


def plan(widths: list[float], repeat: int = 0, keep: int = 0) -> PagePlan:
    """The print plan of columns of these ``widths`` (characters), ``repeat`` label columns on each
    page, the first ``keep`` columns together on the first (a table, a chart above them)."""
    pts = [col_points(w) for w in widths]
    room = printable_width() * PRINT_SLACK
    total = sum(pts)
    rep = sum(pts[:repeat])
    if total * MIN_SCALE <= room:
        return PagePlan(scale=min(100, math.floor(100 * room / total)), repeat=repeat, page_widths=[total])
    # the fewest pages across at the smallest allowed scale ...
    fewest = _pages(pts, repeat, room / MIN_SCALE, keep)
    if fewest is None:                 # a single column wider than a page: print it as small as allowed
        return PagePlan(scale=round(100 * MIN_SCALE), repeat=repeat, page_widths=[total])
    k = len(fewest)
    # ... then the narrowest widest page with that many (a binary search on the page width)
    lo, hi = max(max(pts[repeat:] + [0.0]) + rep, sum(pts[:keep])), room / MIN_SCALE
    for _ in range(40):
        mid = (lo + hi) / 2
        got = _pages(pts, repeat, mid, keep)
        if got is not None and len(got) <= k:
            hi = mid
        else:
            lo = mid
    pages = _pages(pts, repeat, hi, keep)
    widths_pt = [sum(pts[a:b + 1]) + (rep if a > 0 else 0.0) for a, b in pages]
    scale = min(100, math.floor(100 * room / max(widths_pt)))
    return PagePlan(scale=scale, breaks=[a for a, _ in pages[1:]], repeat=repeat, page_widths=widths_pt)


def rows_per_page(scale: int, row_pt: float, reserved_rows: int = 0) -> int:
    """How many rows of ``row_pt`` points a page holds at ``scale`` percent, less ``reserved_rows``
    (the repeated heading rows, a taller title, one row to spare)."""
    return max(1, int(printable_height() * 100 / scale / row_pt) - reserved_rows)
