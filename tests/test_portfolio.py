"""The portfolio (issue 15): many communities, one firm's accounts, one district's budget.

Where each expected number comes from is said beside it: the engine's own figures for a single
community (``finmodel run``), the tax rules of docs/model.md section 4 applied by hand to the
communities' stand-alone taxable profits, or a hand calculation written out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from click.testing import CliRunner

from finmodel import engine
from finmodel.cli import main
from finmodel.portfolio import load_portfolio, run_portfolio
from finmodel.portfolio.consolidate import entity_taxes, tax_tables
from finmodel.assumptions import Tax

from .conftest import ROOT

PORTFOLIO = ROOT / "assumptions" / "operator_portfolio.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write(tmp_path, text: str, name: str = "p.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def close(a, b, tol=1e-9):
    """Equal to 1e-9, relative to the size of the figures (CNY amounts of millions)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b)))


# --------------------------------------------------------------------------- a portfolio of one = run
@pytest.mark.parametrize("structure", ["one_entity", "project_companies"])
def test_portfolio_of_one_equals_run(tmp_path, structure):
    p = write(tmp_path, f"""
        portfolio: {{name: one, language: en}}
        communities:
          - scenario: j_community
        firm: {{legal_structure: {structure}}}
        """)
    r = run_portfolio(load_portfolio(p))
    pj = engine.project(load_portfolio(p).members[0].assumptions)      # what `finmodel run` projects
    years = r.firm["years"]
    for k in ("income_tax", "income_tax_unlevered", "surcharges", "vat_payable", "equity_fcf", "project_fcf",
              "taxable_income"):
        if k in years:
            assert close(years[k][0], pj[k][0]), k
    m = r.firm["metrics"]
    for k in ("npv", "equity_npv", "equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "verdict_tier"):
        assert close(m[k][0], pj.scalars[k][0]), k
    # the check can fail: one yuan of head office a year moves the firm's equity NPV off the community's
    p2 = write(tmp_path, p.read_text().replace(f"legal_structure: {structure}",
                                               f"legal_structure: {structure}, head_office_cny_per_year: 1"), "p2.yaml")
    m2 = run_portfolio(load_portfolio(p2)).firm["metrics"]
    assert not close(m2["equity_npv_zero"][0], pj.scalars["equity_npv_zero"][0])


def test_portfolio_of_one_cli_equals_run_cli(tmp_path):
    p = write(tmp_path, """
        portfolio: {name: one, language: en}
        communities:
          - scenario: j_community
        """)
    pf = json.loads(invoke("portfolio", p, "--json", "--no-report").stdout)
    run = json.loads(invoke("run", "j_community", "--json", "--no-report", "--no-corridor").stdout)
    for k in ("npv", "equity_npv"):
        assert close(pf["firm"]["metrics"][k], run["metrics"][k])
        assert close(pf["communities"][0]["metrics"][k], run["metrics"][k])
    assert pf["firm"]["verdict"]["tier"] == run["verdict"]["tier"]
    assert close(pf["firm"]["by_year"]["equity_fcf"], run["cash_flows"]["equity"])


# --------------------------------------------------------------------------- one entity: offset and cliff
TWO = """
    portfolio: {name: two, language: en}
    communities:
      - name: a
        scenario: j_community
        sets: [tax.surcharge_rate=0, property_service.fee_steps.0.fee_cny_per_m2_month=0.75]
      - name: b
        scenario: j_community
        start_year: 2021
        sets: [tax.surcharge_rate=0, property_service.fee_steps.0.fee_cny_per_m2_month=0.75]
    firm:
      small_enterprise_max_assets_cny: 1.0e9     # two Js hold about 65 million: lift the asset test to isolate the income test
      tax: {surcharge_rate: 0}
    """


def test_one_entity_offsets_losses_and_crosses_the_cliff(tmp_path):
    """Two J communities (fee 0.75), b starting two years after a, one entity, no surcharges.

    The expected taxes are docs/model.md section 4's rules applied by hand to the stand-alone taxable
    profits the engine gives each community (``tax_base``, before losses).
    """
    r = run_portfolio(load_portfolio(write(tmp_path, TWO)))
    y = {int(v): i for i, v in enumerate(r.years)}
    A, B = r.rows["tax_base"]                 # stand-alone taxable profit before losses, on the calendar
    firm = r.firm["years"]
    # 2022: b's first operating year is a loss; a is in profit. Up to 2021 the entity carries no
    # loss forward (a's 2020 loss was used by a's own 2021 profit, b had no income).
    i = y[2022]
    assert A[i] > 0 > B[i]
    x = A[i] + B[i]                           # b's loss offsets a's profit in the same year
    assert 1e6 < x <= 3e6
    expected = 0.025 * 1e6 + 0.05 * (x - 1e6)         # 2022 bands: 2.5 % to 1 million, 5 % from 1 to 3 million
    assert close(firm["taxable_income"][0, i], x)
    assert close(firm["income_tax"][0, i], expected)
    standalone = r.rows["income_tax"][:, i].sum()
    assert close(standalone, 0.025 * 1e6 + 0.05 * (A[i] - 1e6))   # a alone pays on all its profit; b nothing
    assert firm["income_tax"][0, i] < standalone
    # 2023: each alone is below 3 million, together above: the whole income at 25 % (the cliff)
    i = y[2023]
    x = A[i] + B[i]
    assert A[i] <= 3e6 and B[i] <= 3e6 and x > 3e6
    assert close(firm["income_tax"][0, i], 0.25 * x)
    # stand-alone (2023-2027: 5 % up to 3 million): b still carries its own 2022 loss
    assert close(r.rows["income_tax"][:, i].sum(), 0.05 * A[i] + 0.05 * (B[i] + B[y[2022]]))
    assert firm["cliff_crossed"][0, i] == 1
    assert r.firm["metrics"]["cliff_years"][0] >= 1


def test_entity_tax_by_hand():
    """Hand numbers: a single 5 % band to 3 million, 25 % above (the cliff), losses 5 years, no surcharges.

    Year:              2023       2024        2025
    community A       2.0 m      2.5 m       0.5 m
    community B      -1.2 m      1.5 m       1.0 m
    entity            0.8 m      4.0 m       1.5 m
    tax               40,000   1,000,000     75,000      (5 % x 0.8 m; 25 % x 4.0 m; 5 % x 1.5 m)
    stand-alone: A 100,000 + 125,000 + 25,000; B 0 + 5 % x (1.5 - 1.2) m = 15,000, + 50,000.
    """
    years = np.array([2023, 2024, 2025])
    tax = Tax(surcharge_rate=0.0, small_enterprise_periods=[{"from_year": 2023, "to_year": 2200,
                                                             "bands": [{"upto_cny": 3e6, "rate": 0.05}]}])
    tt = tax_tables(tax, years)
    z = np.zeros((1, 3))
    s = {"tax_base": np.array([[0.8e6, 4.0e6, 1.5e6]]), "tax_base_unlevered": np.array([[0.8e6, 4.0e6, 1.5e6]]),
         "vat_output": z, "vat_input_opex": z, "vat_input_capex": z, "surcharges": z, "b_assets": z}
    et = entity_taxes(s, tt, general=True, staff_ok=True, max_assets=5e7, head_office=np.zeros(3),
                      corp_interest=np.zeros(3), levered_only=True)
    assert np.allclose(et.income_tax[0], [40_000, 1_000_000, 75_000], rtol=0, atol=1e-6)
    # a loss carried: entity -1 m in 2023, 4 m in 2024 -> 3 m taxable: not above the cliff, 5 %
    s["tax_base"] = np.array([[-1.0e6, 4.0e6, 0.0]])
    et = entity_taxes(s, tt, general=True, staff_ok=True, max_assets=5e7, head_office=np.zeros(3),
                      corp_interest=np.zeros(3), levered_only=True)
    assert np.allclose(et.taxable_income[0], [0, 3.0e6, 0]) and np.allclose(et.income_tax[0], [0, 150_000, 0])
    # the size tests: assets above 50 million -> no relief, 25 % on 3 m
    s["b_assets"] = np.full((1, 3), 6e7)
    et = entity_taxes(s, tt, general=True, staff_ok=True, max_assets=5e7, head_office=np.zeros(3),
                      corp_interest=np.zeros(3), levered_only=True)
    assert np.allclose(et.income_tax[0], [0, 750_000, 0])


def test_project_companies_are_stand_alone(tmp_path):
    r = run_portfolio(load_portfolio(write(tmp_path, TWO.replace("firm:\n", "firm:\n      legal_structure: project_companies\n"))))
    assert close(r.firm["years"]["income_tax"][0], r.rows["income_tax"].sum(axis=0))
    assert r.firm["metrics"]["tax_saved_by_consolidation"][0] == 0


# --------------------------------------------------------------------------- the shipped portfolio
def test_operator_portfolio_from_a_fresh_process_under_5s(tmp_path):
    """As from a fresh clone: a new process, an empty kernel cache (FINMODEL_CACHE_DIR), the workbook written."""
    import os

    env = {**os.environ, "FINMODEL_CACHE_DIR": str(tmp_path / "cache")}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "from finmodel.cli import main; main()", "portfolio", str(PORTFOLIO),
                          "-o", str(tmp_path), "--json"], capture_output=True, text=True, cwd=tmp_path, env=env)
    took = time.perf_counter() - t0
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert [c["name"] for c in s["communities"]] == ["j_community", "zaoyuan", "sanhe_nanli"]
    assert s["firm"]["legal_structure"] == "one_entity"
    assert took < 5.0, f"{took:.2f} s"


def test_operator_portfolio_marks_the_daxing_figures_low_confidence():
    lp = load_portfolio(PORTFOLIO)
    for m in lp.members[1:]:
        for key in ("scenario.households", "property_service.base_area_m2", "capex.renovation_cny"):
            assert "low confidence" in m.assumptions.sources[key], (m.name, key)


# --------------------------------------------------------------------------- bad input
def test_bad_key_in_the_portfolio_file(tmp_path):
    p = write(tmp_path, """
        portfolio: {name: bad}
        communities:
          - scenario: j_community
        firm:
          legal_structure: one_entity
          head_ofice_cny_per_year: 5
        """)
    r = CliRunner().invoke(main, ["portfolio", str(p), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{p}:7:3: firm.head_ofice_cny_per_year" in lines[0]
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_bad_inline_community_is_placed_in_the_portfolio_file(tmp_path):
    p = write(tmp_path, """
        portfolio: {name: bad}
        communities:
          - scenario: j_community
          - name: x
            scenario:
              extends: j_community
              scenario: {name: x}
              space: {leasable_ratio: 1.5}
        """)
    r = CliRunner().invoke(main, ["portfolio", str(p), "--no-report"])
    assert r.exit_code == 2
    assert f"{p}:9:15: communities.1.scenario.space.leasable_ratio" in r.stderr
    # --skip-invalid: reported, the rest complete
    r = CliRunner().invoke(main, ["portfolio", str(p), "--no-report", "--skip-invalid", "--json"])
    assert r.exit_code == 0
    s = json.loads(r.stdout)
    assert [c["name"] for c in s["communities"]] == ["j_community"] and s["failed"][0]["name"] == "x"
    assert "communities.1.scenario.space.leasable_ratio" in r.stderr


def test_duplicate_names_and_mixed_vat_status(tmp_path):
    p = write(tmp_path, """
        portfolio: {name: bad}
        communities:
          - scenario: j_community
          - scenario: j_community
        """)
    r = CliRunner().invoke(main, ["portfolio", str(p), "--no-report"])
    assert r.exit_code == 2 and "communities.1.name" in r.stderr
    p = write(tmp_path, """
        portfolio: {name: bad}
        communities:
          - scenario: j_community
          - {name: b, scenario: j_community, sets: [tax.taxpayer_status=small_scale]}
        """)
    r = CliRunner().invoke(main, ["portfolio", str(p), "--no-report"])
    assert r.exit_code == 2 and "firm.legal_structure" in r.stderr and "Traceback" not in r.output


# --------------------------------------------------------------------------- the workbook
@pytest.mark.libreoffice
def test_workbook_formulas_recalculate_to_the_engine(tmp_path):
    """Every formula of the portfolio workbooks (the shipped one; two Js crossing the cliff with a
    loss offset) recalculated by LibreOffice equals its cached value from the consolidation (1e-6)."""
    from finmodel.report import audit
    from finmodel.report.recalc import convert, find_soffice

    from .test_report import corrupt_cached_value

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    two = write(tmp_path, TWO)
    # with a head office and a corporate loan, so their formulas (and the interest deducted) recalculate too
    loaded = write(tmp_path, TWO.replace("name: two", "name: two_loan").replace(
        "firm:\n", "firm:\n      head_office_cny_per_year: 600000\n      head_office_escalation: 0.03\n"
                   "      corporate_loan: {amount_cny: 8.0e6, draw_year: 2021, rate: 0.045, tenor_years: 8, grace_years: 1}\n"),
        "two_loan.yaml")
    files = []
    for src, name in ((PORTFOLIO, "operator_portfolio"), (two, "two"), (loaded, "two_loan")):
        r = invoke("portfolio", src, "-o", tmp_path / "out", "--json")
        files.append(tmp_path / "out" / f"{name}.xlsx")
        assert json.loads(r.stdout)["report"] == str(files[-1])
    conv = convert(files, "xlsx", tmp_path / "recalc")
    for src, out in zip(files, conv.outputs):
        n, bad = audit.compare_values(src, out, rtol=1e-6)
        assert n > 800 and not bad, bad[:5]
        assert audit.error_cells(out) == []
    assert load_portfolio(loaded).portfolio.firm.corporate_loan.amount_cny == 8.0e6
    # the check can fail: a wrong cached tax on the cliff year is caught
    from openpyxl import load_workbook
    ws = load_workbook(files[1])["Portfolio"]
    row = next(c.row for c in ws["A"] if c.value == "Income tax, consolidated")
    cell = f"{ws.cell(row=1, column=4 + 2023 - 2019).column_letter}{row}"
    corrupt_cached_value(files[1], tmp_path / "bad.xlsx", "Portfolio", cell, 1.0)
    n, bad = audit.compare_values(tmp_path / "bad.xlsx", conv.outputs[1], rtol=1e-6)
    assert [b for b in bad if cell in str(b)]


# --------------------------------------------------------------------------- the terminal
def test_terminal_speaks_the_portfolio_language(monkeypatch):
    monkeypatch.delenv("FINMODEL_LANG", raising=False)
    r = invoke("portfolio", PORTFOLIO, "--no-report")
    assert "运营方结论" in r.stdout and "合并纳税节省的所得税" in r.stdout and "大兴区" in r.stdout
    r = invoke("--lang", "en", "portfolio", PORTFOLIO, "--no-report")
    assert "Firm verdict" in r.stdout and "Income tax saved by consolidation" in r.stdout


def test_draws_summarise_every_draw():
    r = invoke("portfolio", PORTFOLIO, "--draws", "16", "--seed", "2", "--json", "--no-report")
    s = json.loads(r.stdout)
    assert s["draws"] == 16 and s["seed"] == 2
    for c in s["communities"] + [s["firm"]]:
        assert abs(sum(c["tier_shares"].values()) - 1) < 1e-12          # every draw is in one tier
    st = s["firm"]["metrics"]["equity_npv_hurdle"]
    assert st["p5"] <= st["p50"] <= st["p95"]
    assert 0 <= s["district"]["share_over_red_line"] <= 1


def test_corporate_loan_schedule_by_hand():
    """10 million at 5 %, 10 years, annuity, drawn at the end of 2020: the payment is
    10e6 x 0.05 / (1 - 1.05^-10) = 1,295,045.75 a year (the annuity formula); the first year's
    interest 500,000; the balance is repaid by 2030."""
    from finmodel.portfolio.consolidate import corporate_loan
    from finmodel.portfolio.schema import CorporateLoan

    years = np.arange(2019, 2033)
    s = corporate_loan(CorporateLoan(amount_cny=1e7, draw_year=2020, rate=0.05, tenor_years=10), years)
    i = {int(y): k for k, y in enumerate(years)}
    assert s["draw"][i[2020]] == 1e7 and s["draw"].sum() == 1e7
    assert np.isclose(s["interest"][i[2021]], 500_000)
    pay = s["interest"] + s["principal"]
    assert np.allclose(pay[i[2021]:i[2030] + 1], 1_295_045.749, atol=1e-3)
    assert np.isclose(s["principal"].sum(), 1e7) and abs(s["balance"][i[2030]]) < 1e-6 and pay[i[2031]] == 0


def test_interest_and_head_office_are_deducted_in_one_entity(tmp_path):
    """One entity deducts the head office and the corporate loan's interest from its taxable profit."""
    text = TWO.replace("firm:\n", "firm:\n      head_office_cny_per_year: 500000\n"
                                   "      corporate_loan: {amount_cny: 4.0e6, draw_year: 2021, rate: 0.05, tenor_years: 5}\n")
    r = run_portfolio(load_portfolio(write(tmp_path, text)))
    y = list(r.years).index(2022)
    f = r.firm["years"]
    expected = r.sums["tax_base"][0, y] - f["head_office"][0, y] - f["corp_loan_interest"][0, y]   # no surcharges here
    assert np.isclose(f["corp_loan_interest"][0, y], 200_000)            # 4 million x 5 %, the first year after the draw
    assert close(f["tax_base"][0, y], expected)


def test_the_portfolio_workbook_prints_like_the_report(tmp_path):
    """A4 landscape at a legible scale, the label columns repeated on each page across, in the
    house font (tests/test_print.py's reading of the print set-up). It printed portrait at 100 %,
    its sheets 2,159 pt wide on a 494 pt page, the years on pages without their labels."""
    from .test_print import legibility_problems

    r = CliRunner().invoke(main, ["portfolio", str(PORTFOLIO), "-o", str(tmp_path)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    book = tmp_path / "operator_portfolio.xlsx"
    assert legibility_problems(book) == []
    from openpyxl import load_workbook
    for ws in load_workbook(book).worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.print_title_cols.replace("$", "") == "A:C", ws.title
