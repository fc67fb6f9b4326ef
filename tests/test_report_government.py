"""The Government view (政府视角) sheet: its rows are the model's government rows.

The written workbook has the sheet after Statements with every government row of the model,
the defined names, FAST rows and the one static row (the tax relief) with its note; cached
values are the engine's. Whether the formulas mean what the engine computes is LibreOffice's
recalculation in test_report.py, over scenarios that take each branch of these rows
(:data:`VARIANTS`, added to test_report's branch scenarios).
"""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl import load_workbook

from finmodel import engine, government
from finmodel.report import audit
from finmodel.report.layout import HEADER_ROWS
from finmodel.scenarios import load

from .conftest import BASE_YAML
from .test_report import _write

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


def test_the_chart_commitments_by_purse_against_the_red_line(book):
    """Stacked columns of the commitments by purse (万元), the shares and the red line on the right axis,
    every series a range of the sheet's own rows."""
    import re
    import zipfile

    with zipfile.ZipFile(book) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        sheet_rels = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/_rels/")}
        drawings = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/drawings/_rels/")}
    gov = [c for c in charts if "财政承受能力红线" in c]
    assert len(gov) == 1
    xml = gov[0]
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml and 'val="stacked"' in xml
    refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
    wb = load_workbook(book)
    ws = wb["政府视角"]
    label_of = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    for zh in ("向运营方支付的支持合计", "区级承担的公共改造工程(非支付给运营方)", "中央及市级改造资金承担的公共改造工程",
               "国家及市级税费减免(放弃的收入)",
               "占一般公共预算支出比例(含已有支出责任)", "财政承受能力红线", "预警线"):
        assert any(f"$A${label_of[zh]}" in f or f"${label_of[zh]}:" in f for f in refs), zh
    assert sheet_rels and drawings


def test_red_line_flag_follows_the_share():
    for share, ok in ((0.0, 1.0), (0.2, 0.0)):
        a = load(BASE_YAML, [f"government.existing_commitments_share={share}"]).assumptions
        pj = engine.project(a)
        assert pj.scalars["gov_red_line_ok"][0] == ok
        assert bool(government.compute(pj, a)["red_line_ok"][0]) == bool(ok)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("gov"))


def test_government_sheet_in_place_with_rows_names_and_cached_values(book):
    wb = load_workbook(book)
    names = wb.sheetnames
    assert names.index("政府视角") == names.index("报表") + 1 and names.index("政府视角") < names.index("校验")
    ws = wb["政府视角"]
    labels = [ws.cell(r, 1).value for r in range(HEADER_ROWS + 1, ws.max_row + 1)]
    a = load(BASE_YAML).assumptions
    pj = engine.project(a)
    gov_rows = [r for r in pj.model.sheets["government"] if r.kind == "row"]
    assert len(gov_rows) > 30
    for row in gov_rows:
        assert row.zh in labels, row.zh
    assert len({r.zh for r in gov_rows}) == len(gov_rows)             # each label once: a reader finds a row by it
    assert any(isinstance(x, str) and x.startswith("税费减免(国家及市级政策,属上级财政): 静态数值") for x in labels)
    assert any(isinstance(x, str) and x.startswith("警告: 已有财政支出责任占比为占位假设") for x in labels)
    # the static row holds numbers, every other year row formulas
    relief = HEADER_ROWS + 1 + labels.index("国家及市级税费减免(放弃的收入)")
    assert all(isinstance(ws.cell(relief, 5 + j).value, (int, float)) for j in range(21))
    commit = HEADER_ROWS + 1 + labels.index("区级财政支出责任: 向运营方支付的支持+区级承担的公共改造工程")
    assert all(str(ws.cell(commit, 5 + j).value).startswith("=") for j in range(21))
    assert "NPV(" not in "".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert audit.fast_violations(book, ("government",)) == []
    # the headline names: cached values are the engine's
    c = government.compute(pj, a)
    assert audit.defined_value(book, "out_gov_district_commitment_pv") == pytest.approx(
        c["pv_district_commitment"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_net_cost_pv") == pytest.approx(c["pv_net_cost"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_deal_budget_share_peak") == pytest.approx(
        c["deal_budget_share_peak"][0], rel=1e-9)
    assert audit.defined_value(book, "out_gov_vfm") == pytest.approx(c["vfm"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_budget_share_peak") == pytest.approx(c["budget_share_peak"][0], rel=1e-9)
    for n in ("in_government_discount_rate", "in_government_comparator_discount_rate", "in_government_red_line",
              "in_government_paying_household_share", "in_government_district_tax_share_vat",
              "in_government_pensioner_income_cny_per_month", "in_government_comparator_delay_months", "k_line_rtol"):
        assert n in wb.defined_names, n
    # cached year values of the written sheet (万元) against the engine
    wv = load_workbook(book, data_only=True)["政府视角"]
    for row in gov_rows:
        if row.expr is None:
            continue
        r = HEADER_ROWS + 1 + labels.index(row.zh)
        cells = [wv.cell(r, 5 + j).value for j in range(21)]
        assert all(not isinstance(x, str) or x == "不适用" for x in cells), row.key     # "not defined" as text
        got = np.array([np.nan if isinstance(x, str) else x for x in cells], dtype=float)
        scale = 1e4 if row.unit == "CNY" else 1.0
        np.testing.assert_allclose(got, pj[row.key][0] / scale, rtol=1e-12, atol=1e-12, err_msg=row.key)
