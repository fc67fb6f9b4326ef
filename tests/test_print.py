"""Pages that print: every sheet legible on A4 (no text under 8 pt as printed), no red where
nothing is wrong.

Two readings of the same workbooks:

* from the file (fast, no LibreOffice): each sheet's scale and page breaks against the widths of
  its columns, the font of every printed cell and chart (:func:`tests.printed.printed_pages`);
* from the PDF LibreOffice prints (needs soffice and poppler): the size of every piece of text
  on every page, and the red pixels on the Checks pages.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from finmodel.cli import main
from finmodel.report.recalc import convert, find_soffice

from .conftest import ROOT
from .printed import pdf_page_texts, pdf_text_sizes, printed_pages, red_pixels

MIN_PT = 8.0
#: LibreOffice places text in twips (1/20 pt): a size of 8 pt can come out as 7.99.
PDF_ROUNDING = 0.02

pytestmark = [pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning"),
              pytest.mark.filterwarnings("ignore:Print area cannot be set:UserWarning")]

LOAN_YAML = ROOT / "assumptions" / "j_community_loan.yaml"
#: Study workbooks (the study commands' -o), each printed too.
STUDY_BOOKS = {
    "breakeven": ["breakeven", "--table", "--corridor"],
    "spider": ["sensitivity", "--spider", "--set", "report.language=en"],
    "sobol": ["sensitivity", "--sobol", "-n", "64"],
    "compare": ["compare", str(ROOT / "assumptions" / "j_community.yaml"), str(ROOT / "assumptions" / "j_community_loan.yaml")],
}
STUDIES = ["--tornado", "--montecarlo", "500", "--breakeven-table", "--grid", "support.subsidy_annual_cny=0:3e6:4",
           "--grid", "capex.renovation_cny=-20%:+20%:3"]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """The full report with every study sheet (zh), the plain report in English, and study workbooks."""
    d = tmp_path_factory.mktemp("print")
    out = {}
    r = CliRunner().invoke(main, ["run", "-o", str(d / "zh"), *STUDIES], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out["report"] = d / "zh" / "j_community.xlsx"
    r = CliRunner().invoke(main, ["run", "-o", str(d / "en"), "--lang", "en"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out["report_en"] = d / "en" / "j_community.xlsx"
    r = CliRunner().invoke(main, ["run", str(LOAN_YAML), "-o", str(d / "loan"), "--no-corridor"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out["loan"] = d / "loan" / "j_community_loan.xlsx"
    for key, args in STUDY_BOOKS.items():
        r = CliRunner().invoke(main, [*args, "-o", str(d / "studies")], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        # the study commands print Chinese for the zh scenario: 工作簿: PATH (en: Workbook: PATH)
        out[key] = Path(re.split(r"(?:Workbook|工作簿): ", r.stdout.strip().splitlines()[-1])[-1])
    return out


def legibility_problems(path: Path) -> list[str]:
    problems = []
    for title, sp in printed_pages(path).items():
        if sp.min_printed < MIN_PT - 1e-9:
            problems.append(f"{title}: {sp.min_font:g} pt x {sp.scale:.0%} = {sp.min_printed:.2f} pt ({sp.min_where})")
        problems += [f"{title}: {c}" for c in sp.cut]
        if sp.overflow:
            problems.append(f"{title}: pages {', '.join(f'{w:.0f}' for w in sp.overflow)} pt wide on a "
                            f"{sp.printable_w:.0f} pt page at {sp.scale:.0%}")
    return problems


@pytest.mark.parametrize("which", ["report", "report_en", "loan", *STUDY_BOOKS])
def test_no_printed_text_under_8pt(books, which):
    """Each sheet's smallest text x its print scale is at least 8 pt, and each page across fits the paper."""
    problems = legibility_problems(books[which])
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ LibreOffice's PDF
def _need_soffice():
    if find_soffice() is None or shutil.which("pdftoppm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) and poppler are required under CI=true")
        pytest.skip("LibreOffice (soffice) or poppler (pdftoppm) is not installed")


@pytest.fixture(scope="module")
def pdfs(books, tmp_path_factory):
    _need_soffice()
    d = tmp_path_factory.mktemp("pdf")
    out = {"dir": d}
    for key in ("report", "report_en", "loan"):         # one folder each: the two files have the same name
        res = convert([books[key]], "pdf", d / key)
        assert res.returncode == 0, res.stderr
        out[key] = res.outputs[0]
    res = convert([books[k] for k in STUDY_BOOKS], "pdf", d / "studies")
    assert res.returncode == 0, res.stderr
    out.update(zip(STUDY_BOOKS, res.outputs))
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["report", "report_en", "loan", *STUDY_BOOKS])
def test_pdf_has_no_text_under_8pt(pdfs, which):
    pages = pdf_text_sizes(pdfs[which])
    small = [(i, round(min(s), 2)) for i, s in enumerate(pages, 1) if s and min(s) < MIN_PT - PDF_ROUNDING]
    assert not small, f"pages with text under {MIN_PT} pt (page, smallest): {small}"


@pytest.mark.libreoffice
@pytest.mark.parametrize("which, name", [("report", "j_community"), ("loan", "j_community_loan")])
def test_checks_show_no_red_in_the_base_case(pdfs, which, name):
    """The Checks pages as printed (recalculated by LibreOffice): no red number, no red flag; float
    noise shows as 0, not as a red -0.00."""
    texts = pdf_page_texts(pdfs[which])
    pages = [i for i, t in enumerate(texts, 1) if re.search(name + r"\s+校验", t)]
    assert pages, "no page of the Checks sheet found by its footer"
    red = {p: red_pixels(pdfs[which], p, pdfs["dir"]) for p in pages}
    assert all(n == 0 for n in red.values()), f"red pixels on the Checks pages: {red}"


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["report", "report_en", "loan"])
def test_no_minus_zero_anywhere(pdfs, which):
    """Rounding noise (|x| < 0.005 万元, or under half the last digit shown) prints as 0, never -0.00."""
    texts = pdf_page_texts(pdfs[which])
    hits = [(i, line.strip()[:60]) for i, t in enumerate(texts, 1) for line in t.splitlines()
            if re.search(r"(?<![\d,.])-0(\.0+)?(?![\d.,])", line)]
    assert not hits, hits


@pytest.mark.parametrize("which", ["report", "loan"])
def test_noise_is_covered_by_the_zero_rule(books, which):
    """From the file (no LibreOffice): every number whose format would print a negative in red, and
    whose value is rounding noise (|x| under half the last digit shown), sits under a conditional
    format that shows the format's zero instead."""
    from openpyxl import load_workbook

    from finmodel import units

    wb = load_workbook(books[which])
    wbv = load_workbook(books[which], data_only=True)
    uncovered, noisy = [], 0
    for ws in wb.worksheets:
        zero_rules = [(rng, rule) for rng in ws.conditional_formatting for rule in rng.rules
                      if rule.operator == "between" and rule.dxf is not None and rule.dxf.numFmt is not None
                      and "[Red]" not in rule.dxf.numFmt.formatCode]
        for row in wbv[ws.title].iter_rows():
            for cell in row:
                t = units.noise_threshold(cell.number_format or "")
                if t is None or not isinstance(cell.value, (int, float)) or abs(cell.value) >= t:
                    continue
                noisy += cell.value != 0
                if not any(cell.coordinate in rng.sqref and float(rule.formula[0]) <= cell.value <= float(rule.formula[1])
                           for rng, rule in zero_rules):
                    uncovered.append(f"{ws.title}!{cell.coordinate}={cell.value!r}")
    assert not uncovered, uncovered[:20]
    if which == "loan":
        assert noisy > 0          # the loan case has noise to cover (e.g. a closing balance of -1e-12)


# ------------------------------------------------------------------ --pdf summary
def test_pdf_takes_summary_or_nothing(tmp_path):
    r = CliRunner().invoke(main, ["run", "j_community", "--pdf", "verdict", "-o", str(tmp_path)])
    assert r.exit_code == 2 and "--pdf takes 'summary' or nothing" in r.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.libreoffice
def test_pdf_summary_prints_the_summary_and_the_government_view_only(tmp_path):
    """`run --pdf summary`: the verdict and the street office's view, a few pages, beside the workbook;
    `run --pdf SCENARIO` still means the whole workbook."""
    _need_soffice()
    r = CliRunner().invoke(main, ["run", "--pdf", "summary", "-o", str(tmp_path), "--no-corridor", "--json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    import json
    pdf = tmp_path / "j_community_summary.pdf"
    assert json.loads(r.stdout)["pdf"] == str(pdf) and pdf.exists()
    # the footers ('j_community 摘要'; a chart's axis figure may follow the scenario's name in the text)
    sheets = [[m for m in re.findall(r"j_community\s+(\S+)", t) if not re.fullmatch(r"[\d,.%]+", m)][-1]
              for t in pdf_page_texts(pdf)]
    # the Summary on 4 pages (the verdict; the indicators; the mix and charts; the public side's chart),
    # the Government view 3 pages across x 4 down (LibreOffice's PDF of the J case: 16 pages)
    assert set(sheets) == {"摘要", "政府视角"} and sheets[0] == "摘要" and len(sheets) <= 16, sheets
    assert sheets.count("摘要") <= 4, sheets
    assert "保本微利" in pdf_page_texts(pdf)[0]                  # the verdict on the first page
    assert all(min(s) >= MIN_PT - PDF_ROUNDING for s in pdf_text_sizes(pdf) if s)
    r = CliRunner().invoke(main, ["run", "--pdf", "j_community", "-o", str(tmp_path / "full"), "--no-corridor"],
                           catch_exceptions=False)
    assert r.exit_code == 0 and (tmp_path / "full" / "j_community.pdf").exists()
    assert len(pdf_page_texts(tmp_path / "full" / "j_community.pdf")) > 3 * len(sheets)
