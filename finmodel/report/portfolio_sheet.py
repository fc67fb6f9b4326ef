"""The portfolio's workbook: the Portfolio sheet (communities as rows, the firm's consolidation as
live formulas), the firm's statements and the district view.

Amounts are in 万元 (the engine's CNY / 10,000), the inputs' thresholds too, so every formula
reads the same unit. The communities' rows are the engine's figures (values, blue: they come
from each community's own workbook); everything the firm and the district add up is a formula,
the same in every year column, with its cached value from :mod:`finmodel.portfolio`.
This module writes results; it computes nothing of its own.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..units import WAN
from ..verdict import TIERS
from . import printing
from .layout import MARGINS, PAPER, workbook_options

Y0 = 3            # column of the first year (D); A label, B unit, C value / total / flag


def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


class _Sheet:
    """Rows of a sheet with the calendar in columns D..: each row a label, a unit and a formula per year."""

    def __init__(self, wb, ws, years: np.ndarray, lang: str):
        self.wb, self.ws, self.years, self.lang = wb, ws, years, lang
        self.r = 0
        self.f = {
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7"}),
            "money": wb.add_format({"num_format": "#,##0.0;-#,##0.0;-"}),
            "money_in": wb.add_format({"num_format": "#,##0.0;-#,##0.0;-", "font_color": "#0000FF"}),
            "total": wb.add_format({"num_format": "#,##0.0;-#,##0.0;-", "bold": True, "top": 1}),
            "pct": wb.add_format({"num_format": "0.00%"}),
            "pct_fine": wb.add_format({"num_format": "0.000%"}),
            "pct_in": wb.add_format({"num_format": "0.00%", "font_color": "#0000FF"}),
            "flag": wb.add_format({"num_format": "0"}),
            "flag_in": wb.add_format({"num_format": "0", "font_color": "#0000FF"}),
            "num_in": wb.add_format({"font_color": "#0000FF"}),
            "year": wb.add_format({"bold": True, "num_format": "0", "bg_color": "#DDEBF7"}),
            "note": wb.add_format({"italic": True, "font_color": "#595959"}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }
        ws.set_column(0, 0, 46)
        ws.set_column(1, 1, 9)
        ws.set_column(2, 2, 13)
        ws.set_column(Y0, Y0 + years.size, 11)

    def T(self, en, zh):
        return _t(self.lang, en, zh)

    def print_setup(self, name: str) -> None:
        """A4 landscape as the report prints (:mod:`.printing`): the label, unit and value columns
        repeated on every page across, a footer naming the
        portfolio, the sheet and the page (it printed portrait, the years on pages without labels)."""
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(PAPER["code"])
        ws.set_margins(**MARGINS)
        page = self.T("Page &P of &N", "第 &P 页 / 共 &N 页")
        ws.set_footer(f"&L{name.replace('&', '&&')}  &A&R{page}")
        last = Y0 + self.years.size - 1
        p = printing.plan([46, 9, 13] + [11] * self.years.size, Y0)
        ws.set_print_scale(p.scale)
        ws.print_area(0, 0, max(self.r - 1, 0), last)
        if p.breaks:
            ws.set_v_pagebreaks(p.breaks)
            ws.print_across()
            ws.repeat_columns(0, Y0 - 1)

    def col(self, i: int) -> str:
        return xl_col_to_name(Y0 + i)

    def cell(self, row: int, i: int, absolute_row: bool = False) -> str:
        return xl_rowcol_to_cell(row, Y0 + i, row_abs=absolute_row)

    def title(self, text):
        self.ws.write(self.r, 0, text, self.f["title"])
        self.r += 1

    def note(self, text):
        self.ws.write(self.r, 0, text, self.f["note"])
        self.r += 1

    def heading(self, text, years: bool = True):
        self.r += 1
        self.ws.write(self.r, 0, text, self.f["head"])
        self.ws.write(self.r, 1, self.T("unit", "单位"), self.f["head"])
        self.ws.write(self.r, 2, "", self.f["head"])
        if years:
            for i, y in enumerate(self.years):
                self.ws.write_number(self.r, Y0 + i, int(y), self.f["year"])
        self.r += 1

    def input(self, label, unit, value, fmt="num_in") -> str:
        """One input in column C; its absolute address."""
        self.ws.write(self.r, 0, label)
        self.ws.write(self.r, 1, unit)
        if isinstance(value, str):
            self.ws.write_string(self.r, 2, value, self.f[fmt])
        else:
            self.ws.write_number(self.r, 2, float(value), self.f[fmt])
        ref = xl_rowcol_to_cell(self.r, 2, row_abs=True, col_abs=True)
        self.r += 1
        return ref

    def values(self, label, unit, arr, fmt="money_in", c=None, cfmt="flag_in") -> int:
        """A row of values (the engine's figures); its row index."""
        self.ws.write(self.r, 0, label)
        self.ws.write(self.r, 1, unit)
        if c is not None:
            self.ws.write_number(self.r, 2, float(c), self.f[cfmt])
        for i, v in enumerate(arr):
            v = float(v)
            self.ws.write_number(self.r, Y0 + i, v if np.isfinite(v) else 0.0, self.f[fmt])
        self.r += 1
        return self.r - 1

    def formula(self, label, unit, make, cached, fmt="money", total: str | None = None) -> int:
        """A row whose year column i holds ``make(i)`` (an Excel formula without '='), cached values given."""
        self.ws.write(self.r, 0, label)
        self.ws.write(self.r, 1, unit)
        for i in range(self.years.size):
            v = float(cached[i])
            self.ws.write_formula(self.r, Y0 + i, "=" + make(i), self.f[fmt], v if np.isfinite(v) else 0.0)
        if total == "sum":
            first, last = self.cell(self.r, 0), self.cell(self.r, self.years.size - 1)
            self.ws.write_formula(self.r, 2, f"=SUM({first}:{last})", self.f["total"], float(np.nansum(cached)))
        self.r += 1
        return self.r - 1

    def scalar(self, label, unit, formula, cached, fmt="money") -> str:
        self.ws.write(self.r, 0, label)
        self.ws.write(self.r, 1, unit)
        v = float(cached)
        self.ws.write_formula(self.r, 2, "=" + formula, self.f[fmt], v if np.isfinite(v) else 0.0)
        ref = xl_rowcol_to_cell(self.r, 2, row_abs=True, col_abs=True)
        self.r += 1
        return ref


def _block(sh: _Sheet, key_en, key_zh, names, arr, cached_sum, flags=None) -> tuple[int, int, int]:
    """Communities as rows (values) and their sum (a formula); (first row, last row, sum row)."""
    sh.heading(sh.T(key_en, key_zh))
    first = sh.r
    for j, n in enumerate(names):
        sh.values(n, sh.T("CNY 10k", "万元"), arr[j] / WAN, c=None if flags is None else flags[j])
    last = sh.r - 1
    total = sh.formula(sh.T("Sum", "合计"), sh.T("CNY 10k", "万元"),
                       lambda i: f"SUM({sh.cell(first, i)}:{sh.cell(last, i)})", _first(cached_sum) / WAN, "total", total="sum")
    return first, last, total


def _first(x):
    return np.asarray(x)[0] if np.ndim(x) == 2 else np.asarray(x)


def write_portfolio_report(res, summary: dict, path: str | Path, *, language: str = "zh") -> None:
    wb = xlsxwriter.Workbook(str(path), workbook_options(language == "zh"))
    try:
        name = res.loaded.portfolio.portfolio.name
        for sh in (_portfolio_sheet(wb, res, summary, language), _statements_sheet(wb, res, language),
                   _district_sheet(wb, res, language)):
            sh.print_setup(name)
    finally:
        wb.close()


def _portfolio_sheet(wb, res, s: dict, lang: str) -> _Sheet:
    """The Portfolio sheet: inputs, time, the communities' blocks, the firm, its verdict, the district."""
    pf = res.loaded.portfolio
    ws = wb.add_worksheet(_t(lang, "Portfolio", "组合"))
    ws.freeze_panes(0, Y0)
    sh = _Sheet(wb, ws, res.years, lang)
    x = SimpleNamespace(sh=sh, res=res, pf=pf, T=sh.T, W=sh.T("CNY 10k", "万元"), firm=res.firm["years"],
                        fm=res.firm["metrics"], tt=res.tax_tables, tax=pf.firm.tax or res.loaded.members[0].assumptions.tax,
                        c=lambda row, i: sh.cell(row, i),
                        p=lambda row, i: sh.cell(row, i - 1) if i > 0 else "0",      # previous year (0 before year 0)
                        rng=lambda row: f"{sh.cell(row, 0)}:{sh.cell(row, res.years.size - 1)}")
    sh.title(x.T(f"Portfolio: {pf.portfolio.name}", f"项目组合: {pf.portfolio.title or pf.portfolio.name}"))
    sh.note(x.T("Communities as rows (blue: each community's own figures from the engine); the firm's and the district's "
                "lines are live formulas. Amounts in CNY 10,000.",
                "社区逐行列示(蓝色: 引擎计算的各社区数值);运营方与区级汇总均为公式。金额单位: 万元。"))
    _inputs(x)
    _time_rows(x)
    _community_blocks(x)
    _firm_lines(x)
    if pf.firm.legal_structure == "one_entity":
        _entity_tax(x)
    else:
        x.surch = x.sum["surcharges"]
        x.tax_row = sh.formula(x.T("Income tax: the project companies' own", "企业所得税(各项目公司之和)"), x.W,
                               lambda i: x.c(x.sum["income_tax"], i), x.firm["income_tax"][0] / WAN, total="sum")
    _cash_and_verdict(x)
    _district_rows(x)
    return sh


def _inputs(x) -> None:
    sh, T, W, pf, tax, tt, res = x.sh, x.T, x.W, x.pf, x.tax, x.tt, x.res
    sh.heading(T("Inputs: the firm and the district", "输入: 运营方与区"), years=False)
    x.I = {
        "structure": sh.input(T("Legal structure", "法律结构"), "", pf.firm.legal_structure),
        "std": sh.input(T("Income tax rate", "企业所得税税率"), "%", tax.income_tax_rate, "pct_in"),
        "relief": sh.input(T("Small low-profit enterprise relief (1 = on)", "小型微利企业优惠(1=适用)"), "", float(tax.small_enterprise_relief), "flag_in"),
        "thr": sh.input(T("Small-enterprise threshold of taxable income", "小型微利企业应纳税所得额上限"), W, tax.small_enterprise_threshold_cny / WAN),
        "staff_ok": sh.input(T("Staff within the limit (1 = yes)", "从业人数符合条件(1=是)"), "",
                             float(pf.firm.staff <= pf.firm.small_enterprise_max_staff), "flag_in"),
        "max_assets": sh.input(T("Small-enterprise limit of total assets", "小型微利企业资产总额上限"), W, pf.firm.small_enterprise_max_assets_cny / WAN),
        "surch": sh.input(T("Surcharge rate on VAT", "附加税费率"), "%", tax.surcharge_rate, "pct_in"),
        "general": sh.input(T("General VAT taxpayer (1 = yes)", "一般纳税人(1=是)"), "", float(res.general), "flag_in"),
        "f_ss": sh.input(T("Surcharges payable, small-scale relief", "附加税费应缴比例(小规模纳税人减征)"), "%", tt.factor_small_scale, "pct_in"),
        "f_se": sh.input(T("Surcharges payable, small-enterprise relief", "附加税费应缴比例(小型微利企业减征)"), "%", tt.factor_small_enterprise, "pct_in"),
        "ho": sh.input(T("Head-office costs, first calendar year", "总部费用(首年价格)"), W, pf.firm.head_office_cny_per_year / WAN),
        "ho_g": sh.input(T("Head-office escalation", "总部费用年增长率"), "%", pf.firm.head_office_escalation, "pct_in"),
        "ho_from": sh.input(T("Head-office costs from", "总部费用起始年份"), T("year", "年"),
                            float(pf.firm.head_office_from_year or (res.years[min(res.offsets)] + 1))),
        "hurdle": sh.input(T("Firm's hurdle rate", "基准收益率"), "%", res.rates["hurdle"], "pct_in"),
        "cap": sh.input(T("Micro-profit cap (blank: none)", "微利上限收益率(空=不设)"), "%",
                        res.rates["cap"] if res.rates["cap"] is not None else "", "pct_in"),
        "surv": sh.input(T("Every community's financial plan survivable (1 = yes)", "各社区财务计划均可持续(1=是)"), "",
                         float(x.fm["survivable"][0]), "flag_in"),
        "budget": sh.input(T("District budget expenditure, base year", "区一般公共预算支出(基年)"), W, pf.district.budget_expenditure_cny_per_year / WAN),
        "b_year": sh.input(T("Base year of the budget", "预算基年"), T("year", "年"),
                           float(pf.district.budget_base_year or res.years[0])),
        "b_g": sh.input(T("Budget growth", "预算年增长率"), "%", pf.district.budget_growth, "pct_in"),
        "existing": sh.input(T("Existing commitments' share", "已有支出责任占比"), "%", pf.district.existing_commitments_share, "pct_in"),
        "red": sh.input(T("Red line", "财政承受能力红线"), "%", pf.district.red_line, "pct_in"),
    }


def _time_rows(x) -> None:
    sh, T, W, tt, years = x.sh, x.T, x.W, x.tt, x.res.years
    sh.heading(T("Time and tax tables by calendar year", "时间与分年度税率"))
    x.yr = sh.values(T("Calendar year", "年份"), T("year", "年"), years, "flag")
    first = xl_rowcol_to_cell(x.yr, Y0, row_abs=True, col_abs=True)
    x.t_row = sh.formula(T("Year index t (0 = the portfolio's first year)", "年序t(0=组合首年)"), "",
                         lambda i: f"{sh.cell(x.yr, i)}-{first}", years - years[0], "flag")
    x.se_any = sh.values(T("Small-enterprise period in force (the tax tables)", "小型微利企业优惠期(税率表)"), "", tt.se_any, "flag_in")
    x.band_rows = []
    for b, (up, rate) in enumerate(tt.bands):
        u = sh.values(T(f"Band {b + 1}: upper end", f"第{b + 1}档 上限"), W, up / WAN)
        rr = sh.values(T(f"Band {b + 1}: rate", f"第{b + 1}档 税负率"), "%", rate, "pct_in")
        x.band_rows.append((u, rr))
    x.rss = sh.values(T("Small-scale surcharge relief in force", "小规模纳税人附加减征期"), "", tt.relief_small_scale, "flag_in")
    x.rse = sh.values(T("Small-enterprise surcharge relief in force", "小型微利企业附加减征期"), "", tt.relief_small_enterprise, "flag_in")


#: The communities' blocks of the Portfolio sheet: key -> (rows of res.rows added, en, zh).
BLOCKS = {
    "tax_base": (("tax_base",), "Taxable profit before losses, stand-alone", "各社区弥补亏损前应纳税所得额(单独)"),
    "surcharges": (("surcharges",), "Surcharges, stand-alone", "各社区税金及附加(单独)"),
    "income_tax": (("income_tax",), "Income tax, stand-alone", "各社区企业所得税(单独)"),
    "equity_fcf": (("equity_fcf",), "Equity cash flow, stand-alone", "各社区资本金净现金流量(单独)"),
    "vat_output": (("vat_output",), "Output VAT", "销项税额"),
    "vat_input": (("vat_input_opex", "vat_input_capex"), "Input VAT (costs and capex)", "进项税额(成本与投资)"),
    "b_assets": (("b_assets",), "Total assets (year end)", "资产总额(年末)"),
    "commit": (("gov_district_commitment",), "District's commitments (column C: 1 = in this district)",
               "区级财政支出责任(C列: 1=本区项目)"),
}


def _community_blocks(x) -> None:
    res, pf = x.res, x.pf
    names = [m.name for m in res.loaded.members]
    flags = [float(pf.communities[m.index].in_district) for m in res.loaded.members]
    x.blk = {}
    for key, (rows, en, zh) in BLOCKS.items():
        x.blk[key] = _block(x.sh, en, zh, names, sum(res.rows[r] for r in rows), sum(res.sums[r][0] for r in rows),
                            flags=flags if key == "commit" else None)
    x.sum = {k: v[2] for k, v in x.blk.items()}


def _firm_lines(x) -> None:
    sh, T, W, I, c, firm = x.sh, x.T, x.W, x.I, x.c, x.firm
    one = x.pf.firm.legal_structure == "one_entity"
    sh.heading(T(f"The firm: {'one legal entity' if one else 'project companies'}",
                 f"运营方: {'同一法人' if one else '各社区项目公司'}"))
    x.ho = sh.formula(T("Head-office costs", "总部费用"), W,
                      lambda i: f"{I['ho']}*(1+{I['ho_g']})^{c(x.t_row, i)}*({c(x.yr, i)}>={I['ho_from']})",
                      firm["head_office"][0] / WAN, total="sum")
    x.draw = sh.values(T("Corporate loan: draw", "公司借款: 提款"), W, firm["corp_loan_draw"][0] / WAN)
    x.intr = sh.values(T("Corporate loan: interest", "公司借款: 利息"), W, firm["corp_loan_interest"][0] / WAN)
    x.princ = sh.values(T("Corporate loan: principal", "公司借款: 还本"), W, firm["corp_loan_principal"][0] / WAN)


def _entity_tax(x) -> None:
    """One entity: the VAT position, the surcharges, the taxable profit, FIFO losses, the bands and the cliff."""
    sh, T, W, I, c, p, firm, tt = x.sh, x.T, x.W, x.I, x.c, x.p, x.firm, x.tt
    out, vin = x.sum["vat_output"], x.sum["vat_input"]
    credit = sh.r + 1          # the credit row comes right after the payable row
    pay = sh.formula(T("VAT payable, one position", "应纳增值税(统一申报)"), W,
                     lambda i: f"MAX({c(out, i)}-{c(vin, i)}-{p(credit, i)},0)", firm["vat_payable"][0] / WAN, total="sum")
    refund = firm["vat_credit_refund"][0] / WAN
    sh.formula(T("VAT credit carried forward", "留抵税额"), W,
               lambda i: f"MAX({p(credit, i)}+{c(vin, i)}-{c(out, i)},0)" + (f"-{refund[i]!r}" if refund[i] else ""),
               firm["vat_credit"][0] / WAN)
    Yl = tt.loss_years
    size_row, fac = sh.r, sh.r + 1
    # size, factor, surcharges, base, new loss, profit, Y loss ages, Y-1 rooms, then the taxable income
    taxable_row = size_row + 6 + Yl + max(Yl - 1, 0)
    sh.formula(T("Assets within the small-enterprise limit (1 = yes)", "资产总额符合条件(1=是)"), "",
               lambda i: f"{I['staff_ok']}*({c(x.sum['b_assets'], i)}<={I['max_assets']})", firm["qualifies_size"][0], "flag")
    fa = lambda i: f"IF({c(x.rss, i)}*(1-{I['general']}),{I['f_ss']},1)"                         # noqa: E731
    prev_ok = lambda i: f"({p(taxable_row, i)}<={I['thr']})*{p(size_row, i)}" if i > 0 else "1"   # noqa: E731
    sh.formula(T("Surcharges payable after relief (small enterprise: last year's tests)", "附加税费应缴比例(小型微利企业按上年)"), "",
               lambda i: f"IF({c(x.rse, i)}*{I['general']}*{prev_ok(i)},MIN({fa(i)},{I['f_se']}),{fa(i)})",
               firm["surcharge_factor"][0], "pct")
    x.surch = sh.formula(T("Surcharges, one position", "税金及附加(统一申报)"), W,
                         lambda i: f"{I['surch']}*{c(pay, i)}*{c(fac, i)}", firm["surcharges"][0] / WAN, total="sum")
    base = sh.formula(T("Entity taxable profit before losses", "法人弥补亏损前应纳税所得额"), W,
                      lambda i: (f"{c(x.sum['tax_base'], i)}+{c(x.sum['surcharges'], i)}-{c(x.surch, i)}"
                                 f"-{c(x.ho, i)}-{c(x.intr, i)}"), firm["tax_base"][0] / WAN, total="sum")
    taxable = _losses(x, base, firm["tax_base"][0], firm["taxable_income"][0])
    if taxable != taxable_row:                    # the surcharge relief above reads this row by its position
        raise RuntimeError(f"taxable income written at row {taxable}, expected {taxable_row}")
    small = sh.formula(T("Taxed at the small-enterprise bands (1 = yes)", "按小型微利企业纳税(1=是)"), "",
                       lambda i: f"{I['relief']}*{c(x.se_any, i)}*({c(taxable, i)}<={I['thr']})*{c(size_row, i)}",
                       firm["small_enterprise"][0], "flag")

    def bands(i):
        terms, lo = [], None
        for u, rr in x.band_rows:
            if lo is None:
                terms.append(f"{c(rr, i)}*MIN(MAX({c(taxable, i)},0),MAX({c(u, i)},0))")
            else:
                terms.append(f"{c(rr, i)}*MIN(MAX({c(taxable, i)}-{c(lo, i)},0),MAX({c(u, i)}-{c(lo, i)},0))")
            lo = u
        return "+".join(terms) or "0"

    x.tax_row = sh.formula(T("Income tax, consolidated", "企业所得税(合并)"), W,
                           lambda i: f"IF({c(small, i)},{bands(i)},{I['std']}*{c(taxable, i)})", firm["income_tax"][0] / WAN,
                           total="sum")


def _losses(x, base: int, base_cached: np.ndarray, taxable_cached: np.ndarray) -> int:
    """FIFO loss rows (as finmodel.model.tax._losses): the loss and profit of the year, the loss of
    each age left after use, the profit left after the older losses, the taxable income; its row."""
    sh, T, W, c, p, Yl = x.sh, x.T, x.W, x.c, x.p, x.tt.loss_years
    new = sh.formula(T("Loss of the year", "当年亏损"), W, lambda i: f"MAX(0-{c(base, i)},0)", np.maximum(-base_cached, 0) / WAN)
    profit = sh.formula(T("Profit of the year (before losses)", "当年盈利(弥补亏损前)"), W, lambda i: f"MAX({c(base, i)},0)",
                        np.maximum(base_cached, 0) / WAN)
    avail = [new] + [profit + 1 + k for k in range(Yl)]          # age a this year = age a-1 last year
    cached = _ages_cached(base_cached, Yl)
    room_of = {Yl: profit}                                        # the profit left for the losses of age a
    for k, a in enumerate(range(Yl, 1, -1)):
        room_of[a - 1] = sh.r + Yl + k
    for a in range(1, Yl + 1):                                    # the ages, then the rooms they read
        src, rm = avail[a - 1], room_of[a]
        sh.formula(T(f"Loss {a} year(s) old left after use", f"{a}年前亏损(弥补后余额)"), W,
                   lambda i, src=src, rm=rm: f"{p(src, i)}-MIN({p(src, i)},{c(rm, i)})", cached["ages"][a - 1] / WAN)
    for a in range(Yl, 1, -1):
        src, rm = avail[a - 1], room_of[a]
        sh.formula(T(f"Profit left after losses {a}+ years old", f"弥补{a}年及以上亏损后的剩余盈利"), W,
                   lambda i, src=src, rm=rm: f"MAX({c(rm, i)}-{p(src, i)},0)", cached["room"][a] / WAN)
    last, src1 = room_of.get(1, profit), avail[0]
    return sh.formula(T("Taxable income after losses", "应纳税所得额"), W,
                      (lambda i: f"MAX({c(last, i)}-{p(src1, i)},0)") if Yl else (lambda i: c(profit, i)),
                      taxable_cached / WAN, total="sum")


def _cash_and_verdict(x) -> None:
    sh, T, W, I, c, p, rng, firm, fm, res = x.sh, x.T, x.W, x.I, x.c, x.p, x.rng, x.firm, x.fm, x.res
    years = res.years
    sh.formula(T("Income tax saved by consolidation", "合并纳税节省的所得税"), W,
               lambda i: f"{c(x.sum['income_tax'], i)}-{c(x.tax_row, i)}",
               (res.sums["income_tax"][0] - firm["income_tax"][0]) / WAN, total="sum")
    eq = sh.formula(T("Firm equity cash flow", "运营方资本金净现金流量"), W,
                    lambda i: (f"{c(x.sum['equity_fcf'], i)}+{c(x.sum['income_tax'], i)}-{c(x.tax_row, i)}"
                               f"+{c(x.sum['surcharges'], i)}-{c(x.surch, i)}-{c(x.ho, i)}+{c(x.draw, i)}"
                               f"-{c(x.intr, i)}-{c(x.princ, i)}"), firm["equity_fcf"][0] / WAN, total="sum")
    cum = sh.r
    sh.formula(T("Cumulative equity cash flow", "累计资本金净现金流量"), W,
               lambda i: f"{p(cum, i)}+{c(eq, i)}" if i else c(eq, i), firm["cum_equity_fcf"][0] / WAN)
    df_h = sh.formula(T("Discount factor at the hurdle", "折现系数(基准收益率)"), "", lambda i: f"1/(1+{I['hurdle']})^{c(x.t_row, i)}",
                      1 / (1 + res.rates["hurdle"]) ** (years - years[0]), "pct")
    cap = res.rates["cap"]
    df_c = sh.formula(T("Discount factor at the cap", "折现系数(微利上限)"), "",
                      lambda i: f"IF({I['cap']}=\"\",0,1/(1+{I['cap']})^{c(x.t_row, i)})",
                      (1 / (1 + cap) ** (years - years[0])) if cap is not None else np.zeros(years.size), "pct")
    sh.heading(T("The firm's verdict (NPV tests)", "运营方结论(净现值检验)"), years=False)
    z = sh.scalar(T("Equity NPV at 0 %", "资本金净现值(0%)"), W, f"SUM({rng(eq)})", fm["equity_npv_zero"][0] / WAN)
    h = sh.scalar(T("Equity NPV at the hurdle", "资本金净现值(基准收益率)"), W, f"SUMPRODUCT({rng(eq)},{rng(df_h)})",
                  fm["equity_npv_hurdle"][0] / WAN)
    k = sh.scalar(T("Equity NPV at the cap", "资本金净现值(微利上限)"), W,
                  f"IF({I['cap']}=\"\",0,SUMPRODUCT({rng(eq)},{rng(df_c)}))", np.nan_to_num(fm["equity_npv_cap"][0]) / WAN)
    sh.scalar(T("Peak funding", "最大资金缺口"), W, f"MAX(0,-MIN({rng(cum)}))", fm["peak_funding"][0] / WAN)
    rec = f"({z}>=0)*{I['surv']}"
    sh.scalar(T("Verdict tier (1-4)", "结论档次(1-4)"), "",
              f"1+{rec}+{rec}*({h}>=0)+{rec}*({h}>=0)*IF({I['cap']}=\"\",0,{k}>0)", fm["verdict_tier"][0], "flag")
    tier = int(fm["verdict_tier"][0])
    sh.note(T(f"Tier {tier}: {TIERS[tier][2]}", f"第{tier}档: {TIERS[tier][1]}"))


def _district_rows(x) -> None:
    sh, T, W, I, c, rng, res = x.sh, x.T, x.W, x.I, x.c, x.rng, x.res
    sh.heading(T(f"The district: {x.pf.district.name}", f"区: {x.pf.district.name}"))
    first, last, _ = x.blk["commit"]
    flags = f"$C${first + 1}:$C${last + 1}"
    d = res.district["years"]
    dc = sh.formula(T("Commitments to the deals in this district", "本区项目财政支出责任"), W,
                    lambda i: f"SUMPRODUCT({flags},{c(first, i)}:{c(last, i)})", d["district_commitment"][0] / WAN, total="sum")
    bud = sh.formula(T("Budget expenditure", "一般公共预算支出"), W,
                     lambda i: f"{I['budget']}*(1+{I['b_g']})^({c(x.yr, i)}-{I['b_year']})", d["budget_expenditure"][0] / WAN)
    share = sh.formula(T("Share, existing commitments included", "占比(含已有支出责任)"), "%",
                       lambda i: f"{c(dc, i)}/{c(bud, i)}+{I['existing']}", d["budget_share"][0], "pct_fine")
    sh.scalar(T("Peak share", "峰值占比"), "%", f"MAX({rng(share)})", res.district["metrics"]["budget_share_peak"][0], "pct_fine")
    sh.scalar(T("Within the red line (1 = yes)", "未超过红线(1=是)"), "", f"--(MAX({rng(share)})<={I['red']}*(1+1E-12))",
              res.district["metrics"]["red_line_ok"][0], "flag")


def _ages_cached(x: np.ndarray, Y: int) -> dict:
    """The loss-age rows' values (as finmodel.portfolio.consolidate._losses_step, kept per age)."""
    n = x.size
    ages = np.zeros((Y, n))
    room = {a: np.zeros(n) for a in range(2, Y + 1)}
    prev = np.zeros(Y)              # last year's [new, age1..] available by age this year
    for y in range(n):
        r = max(x[y], 0.0)
        left = np.zeros(Y)
        for a in range(Y, 0, -1):
            loss = prev[a - 1]
            left[a - 1] = loss - min(loss, r)
            r = max(r - loss, 0.0)
            if a > 1:
                room[a][y] = r
        ages[:, y] = left
        nxt = np.zeros(Y)
        if Y:
            nxt[0] = max(-x[y], 0.0)
            nxt[1:] = left[:-1]
        prev = nxt
    return {"ages": ages, "room": room}


def _statements_sheet(wb, res, lang: str) -> _Sheet:
    from ..portfolio.summary import YEAR_LABELS

    ws = wb.add_worksheet(_t(lang, "Firm statements", "运营方报表"))
    ws.freeze_panes(0, Y0)
    sh = _Sheet(wb, ws, res.years, lang)
    sh.title(sh.T("The firm's consolidated statements by year (CNY 10,000)", "运营方合并报表(万元)"))
    sh.note(sh.T("Values from the consolidation; the Portfolio sheet holds the live formulas.",
                 "数值来自合并计算;实时公式见「组合」表。"))
    sh.heading(sh.T("Line item", "项目"))
    for k, (en, zh) in YEAR_LABELS.items():
        if k not in res.firm["years"]:
            continue
        v = res.firm["years"][k][0]
        flag = k in ("small_enterprise", "qualifies_size", "cliff_crossed")
        sh.values(zh if lang == "zh" else en, "" if flag else sh.T("CNY 10k", "万元"), v if flag else v / WAN,
                  "flag" if flag else "money")
    return sh


def _district_sheet(wb, res, lang: str) -> _Sheet:
    ws = wb.add_worksheet(_t(lang, "District view", "区级视角"))
    ws.freeze_panes(0, Y0)
    pf = res.loaded.portfolio
    sh = _Sheet(wb, ws, res.years, lang)
    sh.title(sh.T(f"The district's commitments against its red line: {pf.district.name}", f"区级财政支出责任与红线: {pf.district.name}"))
    if pf.district.existing_commitments_placeholder:
        sh.note(sh.T("The existing commitments' share is a placeholder until the district's fiscal-affordability report gives it.",
                     "已有支出责任占比为占位数,待区财政承受能力论证报告给出实际数值。"))
    sh.heading(sh.T("Deal", "项目"))
    for j, m in enumerate(res.loaded.members):
        if pf.communities[m.index].in_district:
            sh.values(m.name, sh.T("CNY 10k", "万元"), res.rows["gov_district_commitment"][j] / WAN, "money")
    d = res.district["years"]
    sh.values(sh.T("Commitments, all deals", "财政支出责任合计"), sh.T("CNY 10k", "万元"), d["district_commitment"][0] / WAN, "total")
    sh.values(sh.T("Budget expenditure", "一般公共预算支出"), sh.T("CNY 10k", "万元"), d["budget_expenditure"][0] / WAN, "money")
    sh.values(sh.T("These deals' share", "本组合占比"), "%", d["deals_share"][0], "pct_fine")
    sh.values(sh.T("Share, existing commitments included", "占比(含已有支出责任)"), "%", d["budget_share"][0], "pct_fine")
    sh.values(sh.T("Red line", "红线"), "%", np.full(res.years.size, pf.district.red_line), "pct")
    sh.values(sh.T("Warning level", "预警线"), "%", np.full(res.years.size, pf.district.warning_level), "pct")
    return sh
