"""A plain workbook of the annual projection (values only), written with XlsxWriter.

Sheets: KPIs (the metrics of ``run --json``) and Projection (every line item by year,
amounts in 万元 / CNY 10,000). Text from YAML is written with ``write_string``, never as a
formula.
"""

from __future__ import annotations

import math
import os
from datetime import datetime, timezone
from pathlib import Path

import xlsxwriter

from .. import __version__
from ..engine import Projection
from ..lineitems import label, ordered_keys, unit

WAN = 10_000.0


def _created() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
    return datetime.now().replace(microsecond=0)


def write_plain(pj: Projection, summary: dict, path: Path, language: str = "zh") -> None:
    zh = language == "zh"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True})
    wb.set_properties({"title": summary["scenario"], "creator": f"finmodel {__version__}",
                       "created": _created()})
    bold = wb.add_format({"bold": True})
    num = wb.add_format({"num_format": "#,##0.00"})
    pct = wb.add_format({"num_format": "0.00%"})
    ks = wb.add_worksheet("KPIs" if not zh else "指标")
    ks.write_string(0, 0, "情景" if zh else "Scenario", bold)
    ks.write_string(0, 1, summary["scenario"])
    ks.write_string(1, 0, "finmodel")
    ks.write_string(1, 1, __version__)
    row = 3
    for name, value in summary["metrics"].items():
        ks.write_string(row, 0, name)
        if value is None:
            ks.write_string(row, 1, "n/a")
        elif name.endswith("irr") or name in ("margin_avg", "subsidy_dependence"):
            ks.write_number(row, 1, value, pct)
        elif name.startswith(("npv", "equity_npv", "min_cumulative")):
            ks.write_number(row, 1, value / WAN, num)
            ks.write_string(row, 2, "万元" if zh else "CNY 10,000")
        else:
            ks.write_number(row, 1, value, num)
        row += 1
    row += 1
    ks.write_string(row, 0, "revenue mix" if not zh else "收入结构", bold)
    for name, value in summary["revenue_mix"].items():
        row += 1
        ks.write_string(row, 0, name)
        if value is not None:
            ks.write_number(row, 1, value, pct)
        ks.write_number(row, 2, summary["revenue_mix_reference"][name], pct)
    ks.set_column(0, 0, 30)
    ks.set_column(1, 2, 16)

    ws = wb.add_worksheet("Projection" if not zh else "预测")
    ws.write_string(0, 0, "项目" if zh else "Line item", bold)
    ws.write_string(0, 1, "单位" if zh else "Unit", bold)
    for j, y in enumerate(pj.years):
        ws.write_number(0, 2 + j, int(y), bold)
    for i, key in enumerate(ordered_keys(pj.items), start=1):
        u = unit(key)
        money = u == "CNY"
        ws.write_string(i, 0, label(key, language))
        ws.write_string(i, 1, ("万元" if zh else "CNY 10,000") if money else u)
        for j in range(pj.T):
            v = float(pj.items[key][0, j])
            if not math.isfinite(v):
                ws.write_string(i, 2 + j, "n/a")
            else:
                ws.write_number(i, 2 + j, v / WAN if money else v, num)
    ws.freeze_panes(1, 2)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2 + pj.T, 11)
    wb.close()
