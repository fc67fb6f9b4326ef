"""Audits of a written workbook (used by the tests; handy for anyone reviewing a file).

* :func:`fast_violations`: FAST row consistency. In the calculation sheets every year column's
  formula must be the first year's formula translated to that column (openpyxl's Translator),
  and no formula may embed a number other than 0, 1, 12, 365 and 10000.
* :func:`compare_values`: every formula cell's cached value against a recalculated copy (e.g.
  LibreOffice's), within a relative tolerance.
* :func:`error_cells`: cells holding an error value (#REF!, #DIV/0!, #NAME?, #VALUE!, #N/A, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..model.expr import ALLOWED_NUMBERS
from .render import COL_Y0
from .layout import HEADER_ROWS, SHEET_TITLES

ERRORS = ("#REF!", "#DIV/0!", "#NAME?", "#VALUE!", "#N/A", "#NUM!", "#NULL!", "Err:", "#ERR")
FAST_SHEETS = ("time", "calcs", "statements", "government", "checks")


def sheet_title(wb, key: str) -> str | None:
    for t in SHEET_TITLES[key]:
        if t in wb.sheetnames:
            return t
    return None


def _numbers(formula: str) -> list[str]:
    from openpyxl.formula.tokenizer import Token, Tokenizer

    tok = Tokenizer(formula)
    return [t.value for t in tok.items if t.type == Token.OPERAND and t.subtype == Token.NUMBER]


def fast_violations(path_or_wb, sheets=("calcs", "statements")) -> list[str]:
    """Rows whose year formulas differ once translated, and formulas with forbidden numbers."""
    from openpyxl import load_workbook
    from openpyxl.formula.translate import Translator
    from openpyxl.utils import get_column_letter

    wb = load_workbook(path_or_wb) if isinstance(path_or_wb, (str, Path)) else path_or_wb
    problems = []
    for key in sheets:
        title = sheet_title(wb, key)
        if title is None:
            problems.append(f"sheet {key} missing")
            continue
        ws = wb[title]
        first_col = COL_Y0 + 1
        for row in ws.iter_rows(min_row=HEADER_ROWS + 1):
            cells = {c.column: c for c in row if isinstance(c.value, str) and c.value.startswith("=")}
            year_cells = [cells[c] for c in sorted(cells) if c >= first_col]
            if not year_cells:
                continue
            head = year_cells[0]
            if head.column != first_col:
                problems.append(f"{title}!{head.coordinate}: the first year column has no formula")
                continue
            origin = head.coordinate
            for c in cells.values():
                for num in _numbers(c.value):
                    if float(num) not in ALLOWED_NUMBERS:
                        problems.append(f"{title}!{c.coordinate}: constant {num} in {c.value}")
            expected_cols = set(range(first_col, first_col + len(year_cells)))
            if {c.column for c in year_cells} != expected_cols:
                problems.append(f"{title} row {head.row}: a year column without a formula")
            for c in year_cells[1:]:
                want = Translator(head.value, origin=origin).translate_formula(f"{get_column_letter(c.column)}{c.row}")
                if want != c.value:
                    problems.append(f"{title}!{c.coordinate}: {c.value} is not {head.coordinate}'s formula translated ({want})")
    return problems


@dataclass
class Mismatch:
    sheet: str
    cell: str
    cached: object
    recalculated: object

    def __str__(self):
        return f"{self.sheet}!{self.cell}: cached {self.cached!r}, recalculated {self.recalculated!r}"


def _same(a, b, rtol, atol) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            return False
        return abs(a - b) <= max(atol, rtol * max(abs(a), abs(b)))
    return str(a) == str(b)


def compare_values(original, recalculated, *, rtol: float = 1e-6, atol: float = 1e-9) -> tuple[int, list[Mismatch]]:
    """Every formula cell of ``original``: its cached value against ``recalculated``'s value.

    Values agree within ``rtol`` relative, or ``atol`` absolute for values that should be zero
    (amounts are in 万元: 1e-9 is a thousandth of a fen's hundredth). Returns (cells compared,
    mismatches).
    """
    from openpyxl import load_workbook

    f = load_workbook(original, data_only=False)
    v = load_workbook(original, data_only=True)
    rc = load_workbook(recalculated, data_only=True)
    n = 0
    bad = []
    for ws in f.worksheets:
        wv, wr = v[ws.title], rc[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    n += 1
                    a = wv[c.coordinate].value
                    b = wr[c.coordinate].value
                    if not _same(a, b, rtol, atol):
                        bad.append(Mismatch(ws.title, c.coordinate, a, b))
    return n, bad


def error_cells(path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(ERRORS):
                    out.append(f"{ws.title}!{c.coordinate}: {c.value}")
    return out


def defined_value(path, name: str):
    """The value of a defined name that points to one cell (data_only)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    dn = wb.defined_names[name]
    (title, ref), = list(dn.destinations)
    return wb[title][ref.replace("$", "")].value
