"""Checks: yearly differences that must be 0, their flags (1 when a check fails) and the master check.

Each check row holds a difference by year and, in its constant column, a flag: 1 when the sum
of the absolute differences exceeds the tolerance. The master check is the sum of the flags
(0 = every check passes); the workbook names it ``out_master_check``.
"""

from __future__ import annotations

from .core import Model
from .expr import ABS, SUM
from .nodes import Agg, Const

K = "checks"

#: A check difference up to this many CNY counts as 0 (the workbook shows 万元).
CHECK_TOLERANCE = Const("k_check_tolerance", 0.01, "CNY_exact", "Check tolerance, amounts", "校验容差(金额)",
                        "a check difference up to this counts as 0", "校验差额不超过此值视为0")
#: Tolerance of sums of shares (the revenue mix).
SHARE_TOLERANCE = Const("k_share_tolerance", 1e-9, "text", "Check tolerance, shares", "校验容差(比例)",
                        "tolerance of sums of shares", "收入结构等比例之和的容差")

NONNEGATIVE = ("served_area_m2", "occupied_area_m2", "parking_spaces", "collection_rate", "parking_utilisation",
               "vat_rate_leasing", "vat_rate_service", "vat_general_leasing", "vat_general_service",
               "vat_small_leasing", "vat_small_service")
AT_MOST_ONE = ("collection_rate", "parking_utilisation", "vat_rate_leasing", "vat_rate_service")


def _check(m: Model, key, unit, en, zh, diff):
    tol = SHARE_TOLERANCE if unit == "fraction" else CHECK_TOLERANCE
    row = m.row(K, key, unit, en, zh, diff, role="check", total=False)
    row.const = Agg("SUMABS", row).gt(tol)
    return row


def build(m: Model) -> None:
    m.heading(K, "Integrity checks (each 0 when fine)", "完整性校验(正常时为0)")
    flags = [
        _check(m, "chk_cash", "CNY", "Equity cash flow: direct less indirect build-up", "资本金现金流量: 直接法减间接法",
               m["equity_fcf_direct"] - m["equity_fcf_indirect"]),
        _check(m, "chk_sources_uses", "CNY", "Sources less uses of funds, less the financial plan's surplus",
               "资金来源减资金运用,再减财务计划当年盈余资金", m["s_diff"] - m["f_net"]),
        _check(m, "chk_project_table", "CNY", "Project cash flow statement less Calcs", "项目投资现金流量表减计算表",
               m["p_net"] - m["project_fcf"]),
        _check(m, "chk_equity_table", "CNY", "Equity cash flow statement less Calcs", "资本金现金流量表减计算表",
               m["e_net"] - m["equity_fcf"]),
        _check(m, "chk_plan_table", "CNY", "Financial plan's cumulative surplus: the statement less Calcs",
               "财务计划现金流量表累计盈余资金减计算表", m["f_cum"] - m["cumulative_surplus"]),
        _check(m, "chk_balance_sheet", "CNY", "Balance sheet: assets less liabilities and owner's equity",
               "资产负债表: 资产减负债和所有者权益", m["b_difference"]),
        _check(m, "chk_plan_cash", "CNY", "Cash: the financial plan's cumulative surplus less the balance sheet's cash",
               "货币资金: 财务计划累计盈余资金减资产负债表货币资金", m["cumulative_surplus"] - m["balance_cash"]),
        _check(m, "chk_taxable", "CNY", "Taxable income: the income statement's reconciliation less Calcs",
               "应纳税所得额: 利润表调整计算减计算表", m["i_taxable"] - m["taxable_income"]),
        _check(m, "chk_mix", "fraction", "Revenue mix sums to 100 % (years with revenue)", "收入结构合计为100%(有收入的年份)",
               m["revenue"].ne(0) * (SUM(*[m[f"mix_{k}"] for k in ("rent", "parking", "property_fees", "other")]) - 1)),
        _check(m, "chk_balance", "CNY", "Loan balance (repaid by hand-back)", "借款余额(移交前还清)",
               m["loan_balance"] * m["last"]),
        _check(m, "chk_purses", "CNY", "Public net cost less the district's and the wider state's",
               "全口径财政净支出减区级与上级财政净支出之和",
               m["gov_net_cost"] - (m["gov_district_net_cost"] + m["gov_state_net_cost"])),
    ]
    m.blank(K)
    refs = [m.I(f"mix.reference.{k}") for k in ("rent", "parking", "property_fees", "other")]
    flags.append(m.row(K, "chk_mix_reference", "flag", "The reference revenue mix (mix.reference) sums to 100 %", "参照收入结构(mix.reference)合计为100%",
                       None, const=ABS(SUM(*refs) - 1).gt(SHARE_TOLERANCE), role="check", total=False))
    tiers = range(len(m.a.space.tiers))
    nonneg = list(NONNEGATIVE) + [f"tier_{i}_occupancy" for i in tiers] + [f"tier_{i}_let_area" for i in tiers]
    at_most_one = list(AT_MOST_ONE) + [f"tier_{i}_occupancy" for i in tiers]
    bad = SUM(*[Agg("COUNT_NEG", m[k]) for k in nonneg], *[Agg("COUNT_ABOVE_ONE", m[k]) for k in at_most_one])
    flags.append(m.row(K, "chk_ranges", "flag", "No negative areas or rates (rates at most 100 %)",
                       "面积与比率无负值(比率不超过100%)", None, const=bad.gt(0), role="check", total=False))
    m.blank(K)
    m.row(K, "master_check", "count", "Master check (sum of the flags, 0 = ok)", "总校验(各项之和,0=正常)", None,
          const=SUM(*[f.c for f in flags]), role="check", style="total", total=False)
    m.blank(K)
    m.heading(K, "Tests of the deal (not model errors)", "项目检验(非模型错误)")
    m.row(K, "chk_survivability", "flag",
          "Cumulative surplus below 0 in some year (1 = yes: not financially survivable, verdict tier 1)",
          "某年累计盈余资金小于0(1=是: 财务不可持续,结论为第1档)", None,
          const=m["min_cumulative_surplus"].c.lt(0 - CHECK_TOLERANCE), role="check", total=False)
    m.row(K, "chk_balance_sheet_max_abs", "CNY", "Largest balance-sheet difference over the years",
          "资产负债表最大差额", None, const=Agg("MAXABS", m["b_difference"]), role="check", total=False)
    m.row(K, "chk_plan_cash_max_abs", "CNY", "Largest difference between the plan's surplus and the balance sheet's cash",
          "财务计划累计盈余资金与资产负债表货币资金的最大差额", None,
          const=Agg("MAXABS", m["chk_plan_cash"]),
          role="check", total=False)
