"""The street office's workbook: live formulas that agree with the engine, FAST rows, safe writing.

Two kinds of test:

* Python only (fast): every line item of the engine is a row of the workbook carrying the
  engine's values (in 万元); FAST row consistency; names, languages, safe text, reproducible
  bytes, errors.
* LibreOffice (one soffice start for all recalculations): each workbook recalculated by a real
  spreadsheet engine agrees with its cached values cell by cell, over a set of scenarios that
  exercise every branch of the row definitions (VAT status, stream modes, loans, grants, tax
  holidays, carry-forward lengths, refits in the last year); it has no error values, follows a
  changed input like ``finmodel run --set``, and prints to PDF cleanly. Skipped with the reason
  where soffice is missing; a failure under CI=true.

The formulas and the engine's arithmetic are renderings of the same row definitions
(``finmodel.model``); only a spreadsheet can tell whether the Excel rendering means what the
NumPy one computes, hence LibreOffice over the branch scenarios.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from finmodel import engine
from finmodel.cli import main
from finmodel import units
from finmodel.model.expr import ALLOWED_NUMBERS
from finmodel.report import ReportOptions, Studies, audit, write_report
from finmodel.report.recalc import convert, find_soffice
from finmodel.scenarios import load
from finmodel.summary import summarise
from finmodel.verdict import verdict

from .conftest import BASE_YAML, ROOT

LOAN_YAML = ROOT / "assumptions" / "j_community_loan.yaml"

# openpyxl reads XlsxWriter's data bars (an x14 extension) and says it drops them: irrelevant here
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

# Scenarios that take every branch of the formulas (each checked against the engine).
VARIANTS = [
    (BASE_YAML, []),
    (LOAN_YAML, []),
    (BASE_YAML, ["tax.taxpayer_status=auto"]),
    (BASE_YAML, ["tax.taxpayer_status=small_scale"]),
    (BASE_YAML, ["tax.taxpayer_status=auto", "tax.general_threshold_cny=2e6"]),
    (BASE_YAML, ["property_service.mode=share", "property_service.share_of_revenue=0.26", "parking.mode=share",
                 "parking.share_of_revenue=0.19", "other.mode=share", "other.share_of_revenue=0.09"]),
    (BASE_YAML, ["support.subsidy_vat=purchased_service", "support.subsidy_taxable=false",
                 "support.capital_grant_cny=5e6", "support.capital_grant_year=2"]),
    (BASE_YAML, ["support.capital_grant_cny=5e6", "support.capital_grant_taxable=true"]),
    (BASE_YAML, ["support.capital_grant_cny=5e6", "support.capital_grant_year=20"]),
    (BASE_YAML, ["support.income_tax_holiday_years=3", "tax.loss_carryforward_years=0"]),
    (BASE_YAML, ["tax.loss_carryforward_years=2", "support.subsidy_annual_cny=0"]),
    (BASE_YAML, ["tax.small_enterprise_relief=false", "capex.life_years=7.5", "capex.periodic_refit_life_years=3.3"]),
    (BASE_YAML, ["capex.refits.0.year=20", "capex.periodic_refit_every_years=0"]),
    (BASE_YAML, ["space.tiers.0.vat_category=exempt", "space.tiers.1.vat_category=service"]),
    (BASE_YAML, ["support.subsidy_annual_cny=3e7", "scenario.start_year=2021"]),
    (LOAN_YAML, ["financing.loan.repayment=equal_principal", "financing.loan.grace_years=2"]),
    (LOAN_YAML, ["financing.loan.rate=0"]),
    (BASE_YAML, ["scenario.concession_years=12", "support.subsidy_last_year=12", "capex.refits.0.year=12"]),
    (BASE_YAML, ["space.tiers.2.rent_free_months=15", "space.tiers.2.lease_years=1", "macro.cpi_inflation=-0.02",
                 "owners.common_area_income_share=0.5", "parking.common_land_share=0.3"]),
    # the Government view's branches: a set comparator rate and paying share, a formal PPP, no pensioner's
    # income, a stated existing share; a breached line, works shared with the programmes, fees above the
    # comparator's service price (it pays 0), a VAT refund
    (BASE_YAML, ["government.comparator.discount_rate=0.05", "government.paying_household_share=0.8",
                 "support.capital_grant_cny=5e6", "support.capital_grant_year=2", "government.formal_ppp=true",
                 "government.pensioner_income_cny_per_month=null", "government.existing_commitments_placeholder=false"]),
    (BASE_YAML, ["government.existing_commitments_share=0.0999", "tax.taxpayer_status=small_scale",
                 "support.income_tax_holiday_years=3", "support.subsidy_vat=purchased_service",
                 "government.public_works_district_share=0.4", "government.comparator.service_price_cny_per_m2_month=0.1",
                 "tax.vat_credit_refund_year=2022"]),
]

EXCEL_2010_FUNCTIONS = {"SUM", "SUMPRODUCT", "CHOOSE", "MIRR", "MIN", "MAX", "ABS", "MOD", "IF", "LOOKUP", "INDEX", "IRR", "IFERROR",
                        "ISNUMBER", "AND", "OR", "NOT", "COUNT", "COUNTIF", "AVERAGE"}


def _write(tmp_path: Path, yaml=BASE_YAML, sets=(), name="book.xlsx", opts: ReportOptions | None = None,
           studies: Studies | None = None) -> Path:
    ld = load(yaml, list(sets))
    pj = engine.project(ld.assumptions)
    s = summarise(pj)
    path = tmp_path / name
    studies = studies if studies is not None else Studies()
    write_report(pj, s, path, ld, options=opts or ReportOptions.from_assumptions(ld.assumptions, ),
                 studies=studies, verdict=verdict(pj))
    return path


@pytest.fixture(scope="module")
def base_book(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("book"))


# ------------------------------------------------------------------ every line item on its sheet, with the engine's values
def test_every_engine_line_item_is_a_row_with_the_engine_values(base_book):
    """Each year row of the projection is on its sheet with its label, unit and the engine's cached values."""
    a = load(BASE_YAML).assumptions
    pj = engine.project(a)
    wb = load_workbook(base_book, data_only=True)
    titles = {"time": "时间轴", "calcs": "计算", "statements": "报表", "government": "政府视角", "checks": "校验"}
    for sheet, rows in pj.model.sheets.items():
        ws = wb[titles[sheet]]
        for i, row in enumerate(rows):
            if row.kind != "row" or row.expr is None:
                continue
            r = 4 + i
            assert ws.cell(r, 1).value == row.zh, (sheet, row.key)
            assert ws.cell(r, 2).value == units.label(row.fmt or row.unit, True), (sheet, row.key)
            want = pj[row.key][0] / units.display_scale(row.fmt or row.unit)
            got = [ws.cell(r, 5 + j).value for j in range(pj.T)]
            for g, w in zip(got, want):
                if np.isnan(w):
                    assert g is None or isinstance(g, str), (row.key, g)    # the "not defined" text (blank for DSCR)
                else:
                    assert g == pytest.approx(w, rel=1e-12, abs=1e-12), row.key


def test_workbook_sheets_names_and_inputs(base_book):
    wb = load_workbook(base_book)
    assert wb.sheetnames == ["摘要", "报表", "政府视角", "假设", "时间轴", "计算", "校验", "说明"]
    names = set(wb.defined_names.keys())
    for n in ("out_npv", "out_project_irr", "out_equity_irr", "out_payback_years", "out_min_cumulative_cash",
              "out_master_check", "out_verdict", "in_support_subsidy_annual_cny", "in_space_tiers_2_rent_cny_per_m2_day",
              "in_tax_vat_small_service_4_rate", "in_scenario_name"):
        assert n in names, n
    a = load(BASE_YAML).assumptions
    wbv = load_workbook(base_book, data_only=True)
    # every numeric assumption of the deal has a named input cell holding its YAML value
    from finmodel.report.inputs import input_rows
    for ir in input_rows(a):
        assert ir.name in names, ir.name
        (title, ref), = list(wb.defined_names[ir.name].destinations)
        v = wbv[title][ref.replace("$", "")].value
        if ir.kind == "number":
            assert v == pytest.approx(float(ir.value)), ir.path
        elif ir.kind == "none":
            assert v is None
        else:
            assert v == ir.value, ir.path
    # cached KPI values are the engine's (in 万元), readable without recalculation
    s = summarise(engine.project(a))
    assert audit.defined_value(base_book, "out_npv") == pytest.approx(s["metrics"]["npv"] / 1e4, rel=1e-12)
    assert audit.defined_value(base_book, "out_payback_years") == pytest.approx(s["metrics"]["payback_years"], rel=1e-12)
    assert audit.defined_value(base_book, "out_master_check") == 0


def test_units_in_every_unit_cell_and_calendar_years(base_book):
    wb = load_workbook(base_book, data_only=True)
    ws = wb["计算"]
    assert [ws.cell(2, 5 + j).value for j in range(21)] == list(range(2019, 2040))
    units = {ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 5).value is not None}
    assert None not in units and "万元" in units
    st = wb["报表"]
    assert any(st.cell(r, 1).value == "项目投资现金流量表" for r in range(1, 200))
    for title in ("项目资本金现金流量表", "利润与利润分配表", "财务计划现金流量表", "资金来源与运用表"):
        assert any(st.cell(r, 1).value == title for r in range(1, 300)), title


# ------------------------------------------------------------------ FAST
def test_fast_rows_one_formula_per_row_no_constants(base_book):
    assert audit.fast_violations(base_book, ("time", "calcs", "statements", "government", "checks")) == []


def test_fast_check_catches_a_broken_row(base_book, tmp_path):
    """The FAST audit is not vacuous: a row whose formula changes mid-way, or that embeds 0.9, fails."""
    wb = load_workbook(base_book)
    ws = wb["计算"]
    row = next(r for r in range(4, ws.max_row) if ws.cell(r, 1).value == "营业收入(不含税)")
    ws.cell(row, 10).value = ws.cell(row, 10).value + "*1"          # same value, a different formula
    ws.cell(row + 1, 5).value = "=0.9*" + ws.cell(row + 1, 5).value[1:]
    broken = tmp_path / "broken.xlsx"
    wb.save(broken)
    problems = audit.fast_violations(broken)
    assert any(f"!J{row}:" in p and "translated" in p for p in problems), problems
    assert any("constant 0.9" in p for p in problems), problems


def test_only_excel_2010_functions_and_no_numbers_in_calcs(base_book):
    from openpyxl.formula.tokenizer import Token, Tokenizer

    wb = load_workbook(base_book)
    used = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert "_xlfn" not in c.value and "NPV(" not in c.value, c.coordinate
                    for t in Tokenizer(c.value).items:
                        if t.type == Token.FUNC and t.subtype == Token.OPEN:
                            used.add(t.value.rstrip("(").upper())
    assert used <= EXCEL_2010_FUNCTIONS, used - EXCEL_2010_FUNCTIONS
    assert {"SUMPRODUCT", "IRR"} <= used
    assert ALLOWED_NUMBERS == {0, 1, 12, 365, 10000}


# ------------------------------------------------------------------ safe text, languages, reproducibility
def _summary_text(path) -> str:
    ws = load_workbook(path)["摘要"]
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_summary_compares_with_the_paper_only_for_the_paper_case(base_book, tmp_path):
    """The 46/19/26/9 mix and the paper's words are the case study's: a new community gets its own mix only."""
    assert "论文" in _summary_text(base_book)
    other = _write(tmp_path, sets=["scenario.paper_case=false"], name="other.xlsx")
    assert "论文" not in _summary_text(other)
    en = _write(tmp_path, sets=["scenario.paper_case=false"], name="other_en.xlsx", opts=ReportOptions(language="en"))
    ws = load_workbook(en)["Summary"]
    assert not any("paper" in str(c.value).lower() for row in ws.iter_rows() for c in row if c.value is not None)


def test_summary_helper_rows_are_hidden(base_book):
    """A row with values but no label (the payback point the chart marks) is hidden."""
    ws = load_workbook(base_book)["摘要"]
    for row in ws.iter_rows():
        if row[0].value is None and any(c.value is not None for c in row[1:]):
            assert ws.row_dimensions[row[0].row].hidden, row[0].row


def test_yes_no_inputs_print_as_shi_fou(base_book):
    """A yes/no input is a live 1/0 shown as 是/否 (a number format), typed as 1 or 0 (data validation)."""
    from finmodel.report.inputs import input_rows
    wb = load_workbook(base_book)
    bools = [ir for ir in input_rows(load(BASE_YAML).assumptions) if ir.kind == "bool"]
    assert bools
    for ir in bools:
        (title, ref), = list(wb.defined_names[ir.name].destinations)
        cell = wb[title][ref.replace("$", "")]
        assert cell.value == (1 if ir.value else 0) and cell.number_format == units.yes_no_format(True), ir.path
        assert any(cell.coordinate in dv.sqref and dv.type == "whole" for dv in wb[title].data_validations.dataValidation)


def _source_cell(path, name="in_scenario_households"):
    wb = load_workbook(path)
    (title, ref), = list(wb.defined_names[name].destinations)
    row = int(re.sub(r"[^0-9]", "", ref))
    heads = [c.value for c in wb[title][2]]
    return wb[title].cell(row, heads.index("来源" if "来源" in heads else "Source") + 1).value


def test_source_notes_in_the_report_language(base_book, tmp_path):
    """The zh report shows the Chinese of the packaged notes (data/source_notes_zh.csv); English on
    request (report.english_sources) and in the en report; a note the user wrote stays as written."""
    from finmodel.registry import _source_notes_zh

    assert _source_cell(base_book) == "论文: 改造1-2区的户数"
    assert _source_cell(_write(tmp_path, name="en.xlsx", opts=ReportOptions(language="en"))) == \
        "paper: households in renovated zones 1-2"
    kept = _write(tmp_path, sets=["report.english_sources=true"], name="kept.xlsx")
    assert _source_cell(kept) == "paper: households in renovated zones 1-2"
    # every note of the packaged scenarios has its Chinese
    notes = set(load(BASE_YAML).assumptions.sources.values()) | set(load(LOAN_YAML).assumptions.sources.values())
    a = load(BASE_YAML).assumptions
    notes |= {d.source for d in a.sensitivity.drivers if d.source} | {d.source for d in a.uncertainty.inputs if d.source}
    assert notes <= set(_source_notes_zh()), sorted(notes - set(_source_notes_zh()))
    own = tmp_path / "own.yaml"
    own.write_text(BASE_YAML.read_text(encoding="utf-8").replace(
        'source: "paper: households in renovated zones 1-2"', 'source: "街道统计 2024"'), encoding="utf-8")
    assert _source_cell(_write(tmp_path, own, name="own.xlsx")) == "街道统计 2024"


def _about(path) -> dict:
    wb = load_workbook(path)
    ws = wb["说明"] if "说明" in wb.sheetnames else wb["About"]
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 20)}


def test_about_names_the_scenario_as_the_user_did(tmp_path, monkeypatch):
    """A packaged scenario by its name (not site-packages/.../data/j_community.yaml); a file by the path typed."""
    monkeypatch.chdir(tmp_path)                    # no assumptions/ here: the name is the packaged scenario
    CliRunner().invoke(main, ["run", "j_community_loan", "-o", "a", "--no-corridor"], catch_exceptions=False)
    assert _about(tmp_path / "a" / "j_community_loan.xlsx")["情景文件"] == "j_community_loan(finmodel 自带的情景)"
    CliRunner().invoke(main, ["run", "-o", "b", "--no-corridor", "--lang", "en"], catch_exceptions=False)
    assert _about(tmp_path / "b" / "j_community.xlsx")["Scenario file"] == "j_community (shipped with finmodel)"
    monkeypatch.chdir(ROOT)
    CliRunner().invoke(main, ["run", "assumptions/j_community.yaml", "-o", str(tmp_path / "c"), "--no-corridor"],
                       catch_exceptions=False)
    assert _about(tmp_path / "c" / "j_community.xlsx")["情景文件"] == "assumptions/j_community.yaml"


def test_text_from_yaml_stays_text(tmp_path):
    y = tmp_path / "evil.yaml"
    y.write_text(f"extends: {BASE_YAML}\nscenario:\n  name: '=1+1'\n  title: '=HYPERLINK(\"http://x\",\"x\")'\n"
                 "sources:\n  capex.renovation_cny: '=cmd|'' /c calc''!A1'\n", encoding="utf-8")
    path = _write(tmp_path, y)
    wb = load_workbook(path)
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and (c.value.startswith("=1+1") or "HYPERLINK" in c.value or "cmd|" in c.value)]
    assert texts, "the YAML text is in the workbook"
    for c in texts:
        assert c.data_type == "s", (c.parent.title, c.coordinate, c.value)


def test_english_workbook(tmp_path):
    ld = load(BASE_YAML)
    opts = ReportOptions.from_assumptions(ld.assumptions, language="en")
    path = _write(tmp_path, opts=opts)
    wb = load_workbook(path, data_only=True)
    assert wb.sheetnames == ["Summary", "Statements", "Government view", "Inputs", "Time", "Calcs", "Checks", "About"]
    units = {wb["Calcs"].cell(r, 2).value for r in range(4, 60)}
    assert "CNY 10,000" in units


def test_same_inputs_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = _write(tmp_path, name="a.xlsx").read_bytes()
    b = _write(tmp_path, name="b.xlsx").read_bytes()
    assert a == b
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()
    wb = load_workbook(tmp_path / "a.xlsx")
    assert any(c.value == "2023-11-14" for row in wb["摘要"].iter_rows(max_row=10) for c in row)


def test_report_section_adds_study_sheets(tmp_path):
    """The YAML report: section chooses the study sheets (here through --set); --lang overrides the language."""
    r = CliRunner().invoke(main, ["run", "-o", str(tmp_path), "--no-corridor", "--lang", "en",
                                  "--set", "report.tornado=true", "--set", "report.montecarlo_draws=300",
                                  "--set", 'report.grids=[["support.subsidy_annual_cny=0:2e6:3"]]'], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "j_community.xlsx")
    assert wb.sheetnames == ["Summary", "Statements", "Government view", "Sensitivity", "Monte Carlo", "Inputs", "Time",
                             "Calcs", "Checks", "About"]
    with zipfile.ZipFile(tmp_path / "j_community.xlsx") as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 5   # revenue, cash, government, tornado, histogram


def test_study_workbook_for_the_study_commands(tmp_path):
    from finmodel import breakeven
    from finmodel.report import write_study_workbook
    from finmodel.sensitivity import run_grid, run_tornado

    a = load(BASE_YAML).assumptions
    st = Studies(breakeven=breakeven.breakeven_table(a, drivers=["subsidy", "capex"]), tornado=run_tornado(a),
                 grids=[run_grid(a, ["support.subsidy_annual_cny=0:2e6:3"])])
    p = write_study_workbook(a, tmp_path / "study.xlsx", st, language="en", command="finmodel sensitivity -o out")
    wb = load_workbook(p, data_only=True)
    assert wb.sheetnames == ["Break-even", "Sensitivity", "About"]
    values = [c.value for row in wb["About"].iter_rows(max_row=8) for c in row]
    assert "finmodel sensitivity -o out" in values


def test_run_prints_verdict_and_corridor(tmp_path):
    r = CliRunner().invoke(main, ["run", "--json", "-o", str(tmp_path)], catch_exceptions=False)
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    v = data["verdict"]
    assert set(v) >= {"tier", "key", "zh", "en", "rule", "survivable", "least_support_to_next_tier"}
    assert v["tier"] == 2 and v["key"] == "capital_recovered" and v["survivable"] is True
    assert data["corridor"] is not None and "least" in data["corridor"]
    assert audit.defined_value(data["report"], "out_verdict") == v["zh"]          # the live formula's cached text
    # the least support to the next tier, put back through --set, reaches tier 3 (the next)
    least = v["least_support_to_next_tier"]
    r2 = CliRunner().invoke(main, ["run", "--json", "--no-report", "--no-corridor", "--set",
                                   f"support.subsidy_annual_cny={least!r}"], catch_exceptions=False)
    assert json.loads(r2.stdout)["verdict"]["tier"] == 3
    # and so does the --set line the terminal prints (whole CNY rounded up: 6,271,650.31 -> 6271651;
    # rounded to nearest it printed 6271650, which stays at tier 2: equity NPV at the hurdle -0.77 CNY)
    r3 = CliRunner().invoke(main, ["run", "--no-report"], catch_exceptions=False)
    line = next(x for x in r3.stdout.splitlines() if x.startswith("To tier 3"))
    sets = re.findall(r"--set (\S+?)\)?$", line)
    assert sets == [f"support.subsidy_annual_cny={math.ceil(least)}"], line
    r4 = CliRunner().invoke(main, ["run", "--json", "--no-report", "--no-corridor", "--set", sets[0]],
                            catch_exceptions=False)
    assert json.loads(r4.stdout)["verdict"]["tier"] == 3
    # the Summary's note gives the same line
    texts = [c.value for row in load_workbook(data["report"])["摘要"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(x.endswith(f"--set {sets[0]}") for x in texts), [x for x in texts if "--set" in x]


def test_verdict_keys_and_the_case_of_the_issue():
    def v(sets):
        return verdict(engine.project(load(BASE_YAML, sets).assumptions))

    assert v(["support.subsidy_annual_cny=0"])["key"] == "not_sustainable"
    assert v([])["key"] == "capital_recovered" and v([])["paper"] is not None
    assert v(["support.subsidy_annual_cny=5.6e6", "support.subsidy_step_down=0"])["key"] == "micro_profit"
    # the reviewer's case (issue 11): roots -9.9 % and 13.4 %; NPV at the 10 % cap > 0: returns above the cap
    case = v(["capex.handback_cost_cny=10e6", "support.subsidy_annual_cny=8e6", "support.subsidy_step_down=0"])
    assert case["key"] == "excess" and case["equity_npv_cap"] > 0
    pj = engine.project(load(BASE_YAML, ["capex.handback_cost_cny=10e6", "support.subsidy_annual_cny=8e6",
                                         "support.subsidy_step_down=0"]).assumptions)
    assert pj.scalar("project_irr")[0] == pytest.approx(0.1339, abs=1e-4)     # the investment root, not -9.9 %


def test_locked_report_gives_a_clear_error(tmp_path):
    (tmp_path / "~$j_community.xlsx").write_text("lock", encoding="utf-8")
    r = CliRunner().invoke(main, ["run", "-o", str(tmp_path), "--no-corridor"])
    assert r.exit_code == 1 and "open in a spreadsheet" in r.stderr
    assert not (tmp_path / "j_community.xlsx").exists()


def test_pdf_without_libreoffice_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("FINMODEL_SOFFICE", str(tmp_path / "no-such-soffice"))
    r = CliRunner().invoke(main, ["run", "--pdf", "-o", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "LibreOffice" in r.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ LibreOffice
def _need_soffice():
    if find_soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required under CI=true: install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: the recalculation and PDF tests need it "
                    "(apt-get install libreoffice-calc-nogui fonts-noto-cjk)")


def _sheet_xml(z: zipfile.ZipFile, title: str) -> str:
    wbx = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet name="%s" sheetId="\d+" r:id="(rId\d+)"' % re.escape(title), wbx).group(1)
    target = re.search(r'Id="%s" Type="[^"]+" Target="([^"]+)"' % rid, rels).group(1)
    return "xl/" + target.split("xl/")[-1].lstrip("/")


def corrupt_cached_value(src: Path, dst: Path, title: str, cell: str, value: float) -> None:
    """Copy ``src`` with one formula cell's cached value replaced (the formula is untouched)."""
    with zipfile.ZipFile(src) as z:
        name = _sheet_xml(z, title)
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            if info.filename == name:
                xml, n = re.subn(r'(<c r="%s"[^>]*><f>[^<]*</f>)<v>[^<]*</v>' % cell,
                                 lambda m: m.group(1) + f"<v>{value}</v>", data.decode())
                assert n == 1
                data = xml.encode()
            out.writestr(info, data)


SUBSIDY = 2_000_000.0


@pytest.fixture(scope="session")
def recalculated(tmp_path_factory):
    """Write the workbooks, edit and corrupt copies, and recalculate them all in one LibreOffice call."""
    _need_soffice()
    d = tmp_path_factory.mktemp("lo")
    base = d / "base.xlsx"
    r = CliRunner().invoke(main, ["run", "-o", str(d / "run"), "--tornado", "--montecarlo", "500", "--breakeven-table",
                                  "--grid", "support.subsidy_annual_cny=0:3e6:4", "--grid", "capex.renovation_cny=-20%:+20%:3"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    shutil.copy(d / "run" / "j_community.xlsx", base)
    loan = _write(d, LOAN_YAML, name="loan.xlsx", opts=ReportOptions(language="en"))
    variant = _write(d, BASE_YAML, ["tax.taxpayer_status=auto", "tax.general_threshold_cny=2e6", "parking.mode=share",
                                    "parking.share_of_revenue=0.19", "support.capital_grant_cny=5e6",
                                    "support.subsidy_taxable=false", "tax.loss_carryforward_years=3"], name="variant.xlsx")
    # the subsidy typed into the Inputs sheet, as a reviewer would
    wb = load_workbook(base)
    (title, ref), = list(wb.defined_names["in_support_subsidy_annual_cny"].destinations)
    wb[title][ref.replace("$", "")].value = SUBSIDY
    edited = d / "edited.xlsx"
    wb.save(edited)
    # one cached value made wrong (revenue, year 2024), formula untouched
    wbf = load_workbook(base)
    ws = wbf["计算"]
    row = next(r for r in range(4, ws.max_row) if ws.cell(r, 1).value == "营业收入(不含税)")
    cell = f"J{row}"
    corrupted = d / "corrupted.xlsx"
    corrupt_cached_value(base, corrupted, "计算", cell, 12345.678)
    names = ["base", "loan", "variant", "edited", "corrupted"]
    files = [base, loan, variant, edited, corrupted]
    for k, (yaml, sets) in enumerate(VARIANTS):
        names.append(f"branch_{k}")
        files.append(_write(d, yaml, sets, name=f"branch_{k}.xlsx"))
    res = convert(files, "xlsx", d / "out")
    assert res.returncode == 0, res.stderr
    out = dict(zip(names, res.outputs))
    return {"src": dict(zip(out, files)), "out": out, "corrupted_cell": cell, "dir": d, "stderr": res.stderr}


@pytest.mark.parametrize("which", ["base", "loan", "variant"] + [f"branch_{k}" for k in range(len(VARIANTS))],
                         ids=["base", "loan", "variant"] + [" ".join(s) or Path(y).stem for y, s in VARIANTS])
def test_libreoffice_recalculation_agrees_with_cached_values(recalculated, which):
    """Every formula cell recalculated by LibreOffice equals the engine's cached value (1e-6)."""
    src, out = recalculated["src"][which], recalculated["out"][which]
    n, bad = audit.compare_values(src, out, rtol=1e-6)
    assert n > 4000
    assert not bad, "\n".join(map(str, bad[:20]))
    assert audit.error_cells(out) == []


def test_changed_input_matches_finmodel_run_set(recalculated):
    r = CliRunner().invoke(main, ["run", "--json", "--no-report", "--no-corridor", "--set",
                                  f"support.subsidy_annual_cny={SUBSIDY}"], catch_exceptions=False)
    want = json.loads(r.stdout)["metrics"]
    out = recalculated["out"]["edited"]
    assert audit.defined_value(out, "out_npv") == pytest.approx(want["npv"] / 1e4, rel=1e-6)
    assert audit.defined_value(out, "out_project_irr") == pytest.approx(want["project_irr"], rel=1e-6)
    assert audit.defined_value(out, "out_payback_years") == pytest.approx(want["payback_years"], rel=1e-6)
    base_npv = audit.defined_value(recalculated["out"]["base"], "out_npv")
    assert audit.defined_value(out, "out_npv") > base_npv            # the input really moved the model
    assert audit.error_cells(out) == []


def test_wrong_cached_value_is_caught(recalculated):
    """The comparison can fail: LibreOffice recalculates the corrupted cell and the audit reports it."""
    src, out = recalculated["src"]["corrupted"], recalculated["out"]["corrupted"]
    n, bad = audit.compare_values(src, out, rtol=1e-6)
    assert [(b.sheet, b.cell) for b in bad] == [("计算", recalculated["corrupted_cell"])]
    assert bad[0].cached == 12345.678
    good = load_workbook(recalculated["src"]["base"], data_only=True)["计算"][recalculated["corrupted_cell"]].value
    assert bad[0].recalculated == pytest.approx(good, rel=1e-9)


def test_libreoffice_prints_the_workbook_to_pdf(recalculated):
    res = convert([recalculated["src"]["base"]], "pdf", recalculated["dir"] / "pdf")
    assert res.returncode == 0
    assert res.stderr == ""
    pdf = res.outputs[0]
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        for word in ("项目投资现金流量表", "万元", "保本微利", "财务净现值", "资产负债表"):
            assert word in text, word


def test_irr_targets_read_as_the_npv_tests_they_are():
    """A cap or floor on an IRR is solved as an NPV test (docs/model.md section 5) and the workbook says
    so first: the corridor's micro-profit cap printed '资本金财务内部收益率 ≤ 10.00%' alone."""
    from finmodel.report.layout import target_label

    assert target_label("equity_irr<=0.1", True) == "资本金财务净现值(按 10.00% 折现)≤ 0(相当于资本金财务内部收益率 ≤ 10.00%)"
    assert target_label("equity_irr>=0.08", False) == "equity NPV at 8.00% >= 0 (read as equity IRR >= 8.00%)"
    assert target_label("npv>=0", False) == "NPV >= 0.00"
