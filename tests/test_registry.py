"""One definition per line item: a row added in one place reaches the engine, the workbook and the docs.

The rows of ``finmodel.model`` are the only definition of a line item's arithmetic, labels and
unit; the engine's kernel, the workbook's formulas and the docs' reference are rendered from
them. These tests add a throw-away row through the model's plug-in list (``model.BUILDERS``,
one function with one ``m.row(...)`` call) and look for it everywhere; and they keep the
generated references of docs/ current.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from openpyxl import load_workbook

from finmodel import engine, model, registry
from finmodel.verdict import verdict
from finmodel.report import ReportOptions, Studies, audit, write_report
from finmodel.scenarios import load
from finmodel.summary import summarise

from .conftest import BASE_YAML, ROOT

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


def _extra_row(m):
    """The throw-away line item: a year's revenue times 12, less the subsidy received (one row definition)."""
    m.row("calcs", "test_extra_item", "CNY", "Test line item", "测试行", m["revenue"] * 12 - m["subsidy_received"],
          role="item")


@pytest.fixture
def extra_row():
    model.BUILDERS.append(_extra_row)
    try:
        yield
    finally:
        model.BUILDERS.remove(_extra_row)


def test_a_row_defined_once_is_in_the_engine_the_workbook_and_the_docs(extra_row, tmp_path):
    ld = load(BASE_YAML)
    pj = engine.project(ld.assumptions)
    # the engine: revenue x 12 - subsidy received, by hand from the engine's own two line items
    want = 12 * pj["revenue"][0] - pj["subsidy_received"][0]
    np.testing.assert_array_equal(pj["test_extra_item"][0], want)
    assert "test_extra_item" in pj.to_frame().index
    # the workbook: a live formula row on Calcs with its label, unit and cached value (万元)
    path = tmp_path / "book.xlsx"
    s = summarise(pj)
    write_report(pj, s, path, ld, options=ReportOptions(language="zh"), studies=Studies(), verdict=verdict(pj))
    ws = load_workbook(path)["计算"]
    wv = load_workbook(path, data_only=True)["计算"]
    r = next(i for i in range(1, ws.max_row + 1) if ws.cell(i, 1).value == "测试行")
    assert ws.cell(r, 2).value == "万元"
    formulas = [ws.cell(r, 5 + j).value for j in range(21)]
    assert all(isinstance(f, str) and f.startswith("=") for f in formulas)
    assert formulas[3].count("*12-") == 1                             # e.g. =H88*12-H95
    np.testing.assert_allclose([wv.cell(r, 5 + j).value for j in range(21)], want / 1e4, rtol=1e-12)
    assert audit.fast_violations(path, ("calcs",)) == []
    # the docs: the generated line-item reference lists it with its formula
    ref = registry.line_item_reference()
    assert "| `test_extra_item` | 测试行 | Test line item | CNY | `revenue*12 - subsidy_received` |" in ref


def test_without_the_plug_in_the_row_is_gone():
    pj = engine.project(load(BASE_YAML).assumptions)
    assert "test_extra_item" not in pj.items
    assert "test_extra_item" not in registry.line_item_reference()


def test_generated_references_are_current():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "update_docs.py"), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout


def test_every_metric_has_labels_units_and_a_definition():
    ms = registry.metrics()
    from finmodel.government import ALL_METRIC_NAMES
    assert set(ALL_METRIC_NAMES) == set(ms)          # the default metric sets name every metric row
    for k, mi in ms.items():
        assert mi.zh and mi.en and mi.short_zh and mi.short_en and mi.formula, k
        assert registry.fmt(k, 1.0)                              # a unit the terminal can print
    assert registry.fmt("npv", -12_435_699.48, zh=True) == "-1,243.57 万元"
    assert registry.label("npv", zh=True, short=True) == "财务净现值"


@pytest.mark.parametrize("name", ["j_community", "j_community_loan"])
def test_every_input_the_model_reads_has_a_chinese_label(name):
    # the Inputs sheet of a zh workbook shows each input the rows read by its Chinese label
    # (finmodel/data/input_labels.csv); a new input without one would show English
    a = load(f"assumptions/{name}.yaml").assumptions
    m = registry._model(a)
    missing = sorted({registry.generic(p) for p in m.inputs if registry.generic(p) not in registry._input_zh()})
    assert missing == []
