"""The Government view (政府视角) sheet: its rows are finmodel.government.compute's numbers.

Python only: the sheet's rows, evaluated as the workbook's formulas are, equal
``government.compute`` (amounts in 万元) over scenarios that take each branch (a null or set
comparator rate and paying share, capital grants, a loan, a breached red line); the written
workbook has the sheet after Statements with every row, the defined names, FAST rows and the
one static row with its note. LibreOffice's recalculation of the sheet is in test_report.py
(it compares every formula cell of every sheet).
"""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl import load_workbook

from finmodel import engine, government
from finmodel.report import audit
from finmodel.report.formulas import build
from finmodel.report.layout import HEADER_ROWS
from finmodel.scenarios import load

from .conftest import BASE_YAML, ROOT
from .test_report import _write

LOAN_YAML = ROOT / "assumptions" / "j_community_loan.yaml"

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

VARIANTS = [
    (BASE_YAML, []),
    (LOAN_YAML, []),
    (BASE_YAML, ["government.comparator.discount_rate=0.05", "government.paying_household_share=0.8",
                 "support.capital_grant_cny=5e6", "support.capital_grant_year=2", "government.formal_ppp=true"]),
    (BASE_YAML, ["government.existing_commitments_share=0.0999", "tax.taxpayer_status=small_scale",
                 "support.income_tax_holiday_years=3", "support.subsidy_vat=purchased_service"]),
]
SCALARS = {  # sheet row -> compute key (CNY scaled to 万元 where the row is in 万元)
    "gov_commitment_pv_per_household": ("commitment_pv_per_household", 1.0),
    "gov_net_cost_pv_per_household": ("net_cost_pv_per_household", 1.0),
    "gov_budget_share_peak": ("budget_share_peak", 1.0),
    "gov_red_line_ok": ("red_line_ok", 1.0),
    "gov_above_warning": ("above_warning", 1.0),
    "gov_psc_net_cost_pv": ("psc_net_cost_pv", 1e4),
    "gov_concession_net_cost_pv": ("pv_net_cost", 1e4),
    "gov_vfm": ("vfm", 1e4),
}
LINES = ("co_investment", "subsidy_paid", "capital_grant", "cash_outlay", "tax_relief", "commitment",
         "taxes_paid_back", "net_cost", "foregone_rent")


@pytest.mark.parametrize("yaml,sets", VARIANTS, ids=[" ".join(s) or y.stem for y, s in VARIANTS])
def test_government_rows_equal_compute(yaml, sets):
    a = load(yaml, sets).assumptions
    c = government.compute(engine.project(a), a)
    m = build(a)
    m.evaluate()
    for key, _en, _zh, unit in government.GOV_ROWS:
        got = np.array(m[f"gov_{key}"].values, dtype=float)
        want = c[key][0] / (1e4 if unit == "CNY" else 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(m["gov_psc_discount_factor"].values, c["psc_discount_factor"][0], rtol=1e-9)
    for line in LINES:
        assert m[f"gov_pv_{line}"].const_value == pytest.approx(c[f"pv_{line}"][0] / 1e4, rel=1e-9, abs=1e-12), line
        assert m[f"gov_{line}"].total_value == pytest.approx(c[f"total_{line}"][0] / 1e4, rel=1e-9, abs=1e-12), line
    for row, (key, scale) in SCALARS.items():
        assert m[row].const_value == pytest.approx(float(c[key][0]) / scale, rel=1e-9, abs=1e-12), row


def test_red_line_flag_follows_compute():
    for share, ok in ((0.0, 1.0), (0.2, 0.0)):
        a = load(BASE_YAML, [f"government.existing_commitments_share={share}"]).assumptions
        m = build(a)
        m.evaluate()
        assert m["gov_red_line_ok"].const_value == ok
        assert bool(government.compute(engine.project(a), a)["red_line_ok"][0]) == bool(ok)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("gov"))


def test_government_sheet_in_place_with_rows_names_and_cached_values(book):
    wb = load_workbook(book)
    names = wb.sheetnames
    assert names.index("政府视角") == names.index("报表") + 1 and names.index("政府视角") < names.index("校验")
    ws = wb["政府视角"]
    labels = [ws.cell(r, 1).value for r in range(HEADER_ROWS + 1, ws.max_row + 1)]
    for _key, _en, zh, _unit in government.GOV_ROWS:
        assert zh in labels, zh
    assert any(isinstance(x, str) and x.startswith("税费减免: 静态数值") for x in labels)
    # the static row holds numbers, every other year row formulas
    relief = HEADER_ROWS + 1 + labels.index("税费减免")
    assert all(isinstance(ws.cell(relief, 5 + j).value, (int, float)) for j in range(21))
    commit = HEADER_ROWS + 1 + labels.index("财政支出责任")
    assert all(str(ws.cell(commit, 5 + j).value).startswith("=") for j in range(21))
    assert "NPV(" not in "".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert audit.fast_violations(book, ("government",)) == []
    # the headline names: cached values are government.compute's
    a = load(BASE_YAML).assumptions
    c = government.compute(engine.project(a), a)
    assert audit.defined_value(book, "out_gov_commitment_pv") == pytest.approx(c["pv_commitment"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_vfm") == pytest.approx(c["vfm"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_budget_share_peak") == pytest.approx(c["budget_share_peak"][0], rel=1e-9)
    for n in ("in_government_discount_rate", "in_government_comparator_discount_rate", "in_government_red_line",
              "in_government_paying_household_share", "k_line_rtol"):
        assert n in wb.defined_names, n
    # cached year values of the written sheet (万元) against compute
    wv = load_workbook(book, data_only=True)["政府视角"]
    for key, _en, zh, unit in government.GOV_ROWS:
        r = HEADER_ROWS + 1 + labels.index(zh)
        got = np.array([wv.cell(r, 5 + j).value for j in range(21)], dtype=float)
        np.testing.assert_allclose(got, c[key][0] / (1e4 if unit == "CNY" else 1.0), rtol=1e-9, atol=1e-12, err_msg=key)
