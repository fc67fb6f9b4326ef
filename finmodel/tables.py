"""The standard tables and the line items of a scenario as DataFrames, for a terminal, CSV or Parquet.

The rows are the model's (``finmodel.model``): a standard table is the block of rows under its
heading on the Statements sheet (``m.heading(..., key=...)``), in the workbook's order; values come
from the projection, shown in the row's display unit (amounts in 万元, fractions as fractions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import units

#: The tables ``finmodel table --statement`` knows besides the Statements sheet's standard tables.
EXTRA = {"calcs": ("Line items (the Calcs sheet)", "计算表全部行项目"),
         "government": ("The street office's view (the Government view sheet)", "政府视角")}


def statement_names(model) -> dict[str, tuple[str, str]]:
    """Name -> (en, zh) title of every table: the standard ones in the workbook's order, then the extras."""
    out = {r.key[len("table_"):]: (r.en, r.zh) for r in model.sheets["statements"]
           if r.kind == "heading" and r.key.startswith("table_")}
    return {**out, **EXTRA}


def _rows(model, name: str):
    if name == "calcs":
        return [r for r in model.items()]
    if name == "government":
        return [r for r in model.sheets.get("government", []) if r.kind == "row" and r.expr is not None]
    rows, inside = [], False
    for r in model.sheets["statements"]:
        if r.kind == "heading":
            if inside:
                break
            inside = r.key == f"table_{name}"
            continue
        if inside and r.kind == "row" and r.expr is not None:
            rows.append(r)
    return rows


def statement(pj, name: str, *, scenario: int = 0, zh: bool = False, display: bool = True) -> pd.DataFrame:
    """One table of one scenario: a row per line item (key as index; label, unit), a column per
    calendar year. ``display``: amounts in 万元 and the unit as a reader sees it; else CNY and unit codes."""
    names = statement_names(pj.model)
    if name not in names:
        from .errors import UsageError
        from .i18n import t
        from .registry import suggest
        hint = suggest(name, list(names), listing=True)
        raise UsageError(t(f"unknown table '{name}'{hint}", f"没有报表 '{name}'{hint}"), param="statement")
    rows = [r for r in _rows(pj.model, name) if r.key in pj.items]
    years = [int(y) for y in pj.years]
    scale = [(0.01 if units.unit(r.unit).kind == "fraction" else units.display_scale(r.unit)) if display else 1.0
             for r in rows]
    values = np.array([pj.items[r.key][scenario] / s for r, s in zip(rows, scale)]).reshape(len(rows), len(years))
    df = pd.DataFrame(values, index=pd.Index([r.key for r in rows], name="item"), columns=years)
    df.insert(0, "unit", [units.label(r.unit, zh) if display else r.unit for r in rows])
    df.insert(0, "label", [r.zh if zh else r.en for r in rows])
    df.attrs.update(table=name, title=names[name][1 if zh else 0], display=display)
    return df


def text_lines(df: pd.DataFrame, *, zh: bool, total: int | None = None) -> list[str]:
    """A table for a terminal: label and unit repeated, the years wrapped to the width."""
    from .text import wrapped_table

    years = [c for c in df.columns if isinstance(c, (int, np.integer))]
    head = ["项目" if zh else "item", "单位" if zh else "unit"] + [str(y) for y in years]
    body = []
    for key, r in df.iterrows():
        digits = 4 if r["unit"] in (units.label("factor", zh), units.label("index", zh)) else 2
        cells = []
        for y in years:
            v = float(r[y])
            cells.append("n/a" if not np.isfinite(v) else "-" if abs(v) < 0.5 * 10 ** -digits else f"{v:,.{digits}f}")
        body.append([str(r["label"]), str(r["unit"])] + cells)
    return [df.attrs.get("title", "")] + wrapped_table(head, body, fixed=2, total=total)
