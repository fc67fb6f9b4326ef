"""Rows on sheets: where each row sits, its formulas and the values shown before recalculation.

The workbook lays the model's rows out (one sheet per ``row.sheet``, in model order) and asks
each row's expression for its formula (:func:`finmodel.model.expr.formula`) in the context of
a year column (:class:`XlCtx`). The cached values are the engine's, scaled for display
(:mod:`finmodel.units`): the formula a reviewer reads and the number a viewer sees come from
the same row.
"""

from __future__ import annotations

import math

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from .. import units
from ..model.expr import formula, walk
from ..model.nodes import NA, Counterfactual

#: Column layout shared by every time-based sheet: label, unit, constant (or total), a blank
#: pre-model column, then one column per year.
COL_LABEL, COL_UNIT, COL_CONST, COL_PRE, COL_Y0 = 0, 1, 2, 3, 4
#: Rows above the first data row of a time-based sheet: title, calendar years, year index.
HEADER_ROWS = 3

#: Texts that stand for "not defined" in a cell (NaN in the engine).
NA_TEXT = {"na": ("不适用", "n/a"), "never": ("期内未回收", "not reached"), "no_irr": ("无解", "none"),
           "none": ("无", "none"), "not_computed": ("未计算", "not computed"), "blank": ("", "")}


def display_unit(row) -> str:
    return row.fmt or row.unit


class XlCtx:
    """What a formula needs: the sheet it sits on, the year column, where every row is."""

    def __init__(self, sheet: str, j: int, titles: dict[str, str], pos: dict[str, tuple[str, int]], n_years: int,
                 zh: bool):
        self.sheet, self.j, self.titles, self.pos, self.zh = sheet, j, titles, pos, zh
        self.last_col = COL_Y0 + n_years - 1

    def _prefix(self, sheet: str) -> str:
        if sheet == self.sheet:
            return ""
        return "'" + self.titles[sheet].replace("'", "''") + "'!"

    def _where(self, row):
        try:
            return self.pos[row.key]
        except KeyError:
            raise KeyError(f"row {row.key} is not on any sheet") from None

    def cell(self, row, lag: int = 0) -> str:
        sheet, r = self._where(row)
        return f"{self._prefix(sheet)}{xl_col_to_name(COL_Y0 + self.j - lag)}{r + 1}"

    def range(self, row, first: int = 0) -> str:
        sheet, r = self._where(row)
        a, b = xl_col_to_name(COL_Y0 + first), xl_col_to_name(self.last_col)
        return f"{self._prefix(sheet)}${a}${r + 1}:${b}${r + 1}"

    def const_cell(self, row) -> str:
        sheet, r = self._where(row)
        return f"{self._prefix(sheet)}$C${r + 1}"

    def scale(self, row) -> float:
        return units.display_scale(display_unit(row))

    def na(self, key: str) -> str:
        pair = NA_TEXT[key]
        return pair[0] if self.zh else pair[1]


def year_formula(row, ctx: XlCtx) -> str:
    return "=" + formula(row.expr, ctx, ctx.scale(row))


def const_formula(row, ctx: XlCtx) -> str:
    return "=" + formula(row.const, ctx, ctx.scale(row))


def is_static(row) -> bool:
    """A row written as values: its expression holds a second complete computation (a counterfactual)."""
    return row.expr is not None and any(isinstance(n, Counterfactual) for n in walk(row.expr))


def na_key(expr) -> str:
    """The 'not defined' text of an expression: its NA node's, its metric's, or the row it copies."""
    from ..model.core import Row
    from ..model.expr import Ref
    from ..model.nodes import Metric

    target = expr.row if isinstance(expr, Ref) else expr
    if isinstance(target, Row) and target.expr is not None and target.expr is not expr:
        return na_key(target.expr)
    for n in walk(expr):
        if isinstance(n, NA):
            return n.key
        if isinstance(n, Metric):
            return n.na
    return "na"


def shown(value, row, expr, zh: bool):
    """An engine value as a cell shows it: scaled for display; NaN as the row's 'not defined' text."""
    v = float(value)
    if math.isnan(v):
        pair = NA_TEXT[na_key(expr)]
        return pair[0] if zh else pair[1]
    return v / units.display_scale(display_unit(row))


class Values:
    """The engine's values of one scenario of a projection, as the workbook shows them."""

    def __init__(self, pj, scenario: int, zh: bool):
        self.pj, self.i, self.zh = pj, scenario, zh

    def year(self, row, j: int):
        return shown(self.pj.items[row.key][self.i, j], row, row.expr, self.zh)

    def years(self, row) -> list:
        return [self.year(row, j) for j in range(self.pj.T)]

    def const(self, row):
        return shown(np.broadcast_to(self.pj.scalars[row.key], (self.pj.n_scenarios,))[self.i], row, row.const, self.zh)

    def total(self, row) -> float:
        vals = [v for v in self.years(row) if isinstance(v, float)]
        return math.fsum(vals)
