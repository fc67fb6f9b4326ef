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
    assert any(isinstance(x, str) and x.startswith("税费减免: 静态数值") for x in labels)
    # the static row holds numbers, every other year row formulas
    relief = HEADER_ROWS + 1 + labels.index("税费减免")
    assert all(isinstance(ws.cell(relief, 5 + j).value, (int, float)) for j in range(21))
    commit = HEADER_ROWS + 1 + labels.index("财政支出责任")
    assert all(str(ws.cell(commit, 5 + j).value).startswith("=") for j in range(21))
    assert "NPV(" not in "".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert audit.fast_violations(book, ("government",)) == []
    # the headline names: cached values are the engine's
    c = government.compute(pj, a)
    assert audit.defined_value(book, "out_gov_commitment_pv") == pytest.approx(c["pv_commitment"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_vfm") == pytest.approx(c["vfm"][0] / 1e4, rel=1e-9)
    assert audit.defined_value(book, "out_gov_budget_share_peak") == pytest.approx(c["budget_share_peak"][0], rel=1e-9)
    for n in ("in_government_discount_rate", "in_government_comparator_discount_rate", "in_government_red_line",
              "in_government_paying_household_share", "k_line_rtol"):
        assert n in wb.defined_names, n
    # cached year values of the written sheet (万元) against the engine
    wv = load_workbook(book, data_only=True)["政府视角"]
    for row in gov_rows:
        if row.expr is None:
            continue
        r = HEADER_ROWS + 1 + labels.index(row.zh)
        got = np.array([wv.cell(r, 5 + j).value for j in range(21)], dtype=float)
        scale = 1e4 if row.unit == "CNY" else 1.0
        np.testing.assert_allclose(got, pj[row.key][0] / scale, rtol=1e-12, atol=1e-12, err_msg=row.key)
