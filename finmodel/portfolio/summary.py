"""A portfolio's results as plain data: the shape of ``finmodel portfolio --json``, and the names
of the firm's and the district's figures (zh/en, unit), written once here for the terminal and
the workbook."""

from __future__ import annotations

import math

import numpy as np

from ..verdict import TIERS
from .run import PortfolioResult

#: The firm's and the district's figures: key -> (en, zh, unit). Community figures are the model's
#: own rows (finmodel.registry).
LABELS = {
    "npv": ("Firm project NPV", "运营方项目财务净现值", "CNY"),
    "equity_npv": ("Firm equity NPV at the hurdle", "运营方资本金净现值(基准收益率)", "CNY"),
    "equity_npv_zero": ("Firm equity NPV at 0 % (capital recovered when >= 0)", "运营方资本金净现值(折现率0)", "CNY"),
    "equity_npv_hurdle": ("Firm equity NPV at the hurdle", "运营方资本金净现值(基准收益率)", "CNY"),
    "equity_npv_cap": ("Firm equity NPV at the micro-profit cap", "运营方资本金净现值(微利上限)", "CNY"),
    "verdict_tier": ("Firm verdict tier", "运营方结论档次", "count"),
    "survivable": ("Every community's financial plan survivable (1 = yes)", "各社区财务计划均可持续(1=是)", "flag"),
    "peak_funding": ("Peak funding (deepest cumulative equity cash)", "最大资金缺口(累计资本金现金流量最低值)", "CNY"),
    "peak_funding_year": ("Year of the peak funding", "最大资金缺口年份", "year"),
    "self_financing_year": ("Self-financing from (the year after the trough)", "自我造血起始年份(资金缺口最深之后一年)", "year"),
    "equity_payback_year": ("Cumulative equity cash >= 0 from", "累计资本金现金流量转正年份", "year"),
    "income_tax_total": ("Income tax, consolidated", "企业所得税(合并)", "CNY"),
    "income_tax_standalone_total": ("Income tax, communities stand-alone", "企业所得税(各社区单独计算之和)", "CNY"),
    "tax_saved_by_consolidation": ("Income tax saved by consolidation (stand-alone - consolidated)",
                                   "合并纳税节省的所得税(单独之和-合并)", "CNY"),
    "surcharges_saved": ("Surcharges saved by one VAT position", "统一增值税申报节省的附加税费", "CNY"),
    "cliff_years": ("Years the entity crosses the small-enterprise cliff (no community alone would)",
                    "合并后超过小型微利企业临界值的年数(单独均不超过)", "count"),
    "head_office_total": ("Head-office costs, all years", "总部费用合计", "CNY"),
    "budget_share_peak": ("District: peak share of budget expenditure (existing commitments included)",
                          "区: 占一般公共预算支出比例峰值(含已有支出责任)", "fraction"),
    "budget_share_peak_year": ("District: year of the peak share", "区: 峰值年份", "year"),
    "deals_share_peak": ("District: these deals' peak share", "区: 本组合项目占比峰值", "fraction"),
    "red_line_ok": ("District: within the red line (1 = yes)", "区: 未超过财政承受能力红线(1=是)", "flag"),
    "above_warning": ("District: above the warning level (1 = yes)", "区: 超过预警线(1=是)", "flag"),
    "commitments_total": ("District: commitments to these deals, all years", "区: 本组合项目财政支出责任合计", "CNY"),
}

#: Yearly rows of the firm and the district shown in the workbook and the JSON: key -> (en, zh).
YEAR_LABELS = {
    "tax_base": ("Entity taxable profit before losses", "法人弥补亏损前应纳税所得额"),
    "losses_used": ("Losses used", "弥补以前年度亏损"),
    "taxable_income": ("Taxable income after losses", "应纳税所得额"),
    "small_enterprise": ("Taxed as a small low-profit enterprise (1 = yes)", "按小型微利企业纳税(1=是)"),
    "qualifies_size": ("Staff and assets within the small-enterprise limits (1 = yes)", "从业人数与资产总额符合小型微利企业条件(1=是)"),
    "income_tax": ("Income tax, consolidated", "企业所得税(合并)"),
    "income_tax_standalone": ("Income tax, communities stand-alone", "企业所得税(各社区单独计算之和)"),
    "cliff_crossed": ("Cliff crossed by consolidation (1 = yes)", "因合并超过小型微利企业临界值(1=是)"),
    "vat_payable": ("VAT payable (one position)", "应纳增值税(统一申报)"),
    "vat_credit": ("VAT credit carried forward", "留抵税额"),
    "surcharges": ("Surcharges", "税金及附加"),
    "head_office": ("Head-office costs", "总部费用"),
    "corp_loan_draw": ("Corporate loan: draw", "公司借款: 提款"),
    "corp_loan_interest": ("Corporate loan: interest", "公司借款: 利息"),
    "corp_loan_principal": ("Corporate loan: principal", "公司借款: 还本"),
    "corp_loan_balance": ("Corporate loan: balance", "公司借款: 余额"),
    "revenue": ("Operating revenue (net of VAT)", "营业收入(不含税)"),
    "support": ("Support received", "政府支持"),
    "ebitda": ("EBITDA", "息税折旧摊销前利润"),
    "net_income": ("Net income", "净利润"),
    "project_fcf": ("Project cash flow", "项目投资净现金流量"),
    "equity_fcf": ("Equity cash flow", "资本金净现金流量"),
    "cum_equity_fcf": ("Cumulative equity cash flow", "累计资本金净现金流量"),
    "district_commitment": ("District's commitments to these deals", "区级财政支出责任(本组合)"),
    "budget_expenditure": ("District general public budget expenditure", "区一般公共预算支出"),
    "deals_share": ("These deals' share", "本组合占比"),
    "budget_share": ("Share, existing commitments included", "占比(含已有支出责任)"),
}

#: The per-community figures of the KPI table (the model's rows; labels from the registry).
COMMUNITY_KPIS = ("verdict_tier", "equity_npv_zero", "equity_npv_hurdle", "npv", "equity_irr", "payback_years",
                  "min_cumulative_equity_cash", "gov_district_commitment_pv")


def _f(x) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def _stats(v: np.ndarray) -> dict:
    """Percentiles over all draws (NaN, an undefined figure, ordered last as in the Monte Carlo summaries)."""
    x = np.asarray(v, dtype=float)
    s = np.sort(np.where(np.isnan(x), np.inf, x))
    pick = {f"p{q}": _f(s[min(len(s) - 1, int(math.floor(q / 100 * (len(s) - 1) + 0.5)))]) for q in (5, 50, 95)}
    return {"mean": _f(np.mean(x)) if np.all(np.isfinite(x)) else None, **pick,
            "share_undefined": float(np.mean(~np.isfinite(x)))}


def summarise(r: PortfolioResult) -> dict:
    """The portfolio's results as one JSON-ready dict (base case: values; with draws: statistics)."""
    pf = r.loaded.portfolio
    base = r.draws is None

    def one(v):
        return _f(v[0]) if base else _stats(v)

    communities = []
    for j, m in enumerate(r.loaded.members):
        row = {"name": m.name, "scenario": m.assumptions.scenario.name, "origin": m.origin,
               "start_year": m.assumptions.scenario.start_year, "concession_years": m.assumptions.scenario.concession_years,
               "in_district": pf.communities[m.index].in_district,
               "metrics": {k: one(r.kpi[k][j]) for k in r.kpi}}
        if not base:
            tier = r.kpi["verdict_tier"][j]
            row["tier_shares"] = {str(k): float(np.mean(tier == k)) for k in TIERS}
        if base and r.rows is not None:
            row["income_tax_standalone"] = _f(np.sum(r.rows["income_tax"][j]))
        communities.append(row)
    fm, dm = r.firm["metrics"], r.district["metrics"]
    firm = {"name": pf.firm.name, "legal_structure": pf.firm.legal_structure, "rates": r.rates,
            "vat_status": "general" if r.general else "small_scale",
            "metrics": {k: one(v) for k, v in fm.items()}}
    tier = fm["verdict_tier"]
    if base:
        t_ = int(tier[0])
        firm["verdict"] = {"tier": t_, "key": TIERS[t_][0], "zh": TIERS[t_][1], "en": TIERS[t_][2]}
        firm["by_year"] = {k: [_f(x) for x in v[0]] for k, v in r.firm["years"].items() if k in YEAR_LABELS}
        if not r.general and bool(np.any(r.vat_general_required[0])):
            firm["vat_general_required_from"] = int(r.years[np.argmax(r.vat_general_required[0])])
    else:
        firm["tier_shares"] = {str(k): float(np.mean(tier == k)) for k in TIERS}
    district = {"name": pf.district.name, "red_line": pf.district.red_line, "warning_level": pf.district.warning_level,
                "existing_commitments_placeholder": pf.district.existing_commitments_placeholder,
                "metrics": {k: one(v) for k, v in dm.items()}}
    if base:
        district["by_year"] = {k: [_f(x) for x in v[0]] for k, v in r.district["years"].items()}
    else:
        district["share_over_red_line"] = float(np.mean(dm["red_line_ok"] < 0.5))
    return {"portfolio": pf.portfolio.name, "title": pf.portfolio.title, "years": [int(y) for y in r.years],
            "draws": r.draws, "seed": r.seed, "communities": communities,
            "failed": [{"index": i, "name": n, "errors": e.lines()} for i, n, e in r.loaded.failed],
            "firm": firm, "district": district}
