"""Capital: renovation capex, refits, their input VAT and amortisation; the policy loan.

Amortisation (docs/model.md section 6): straight-line over min(life, remaining years) from the year
after spending; a spend in the hand-back year itself is written off at once. A capital grant
that is not taxable income reduces the amortisable base (the net method).
"""

from __future__ import annotations

from .core import Model
from .expr import CLIP, IF, MIN, MAX, MOD, SUM
from .nodes import Growth, VintageAmort

C = "calcs"


def build(m: Model) -> None:
    _capex(m)
    _amortisation(m)
    _reserve(m)
    _loan(m)


def _capex(m: Model) -> None:
    I, t = m.I, m["t"]
    cx = "capex"
    m.blank(C)
    m.heading(C, "Capital spending and amortisation", "投资与摊销")
    renov = m.row(C, "renovation_paid", "CNY", "Renovation paid (VAT incl.)", "改造投资(含税)",
                  I(f"{cx}.renovation_cny") * m["first"])
    refits = []
    for i, rf in enumerate(m.a.capex.refits):
        refits.append(m.row(C, f"refit_{i}_paid", "CNY", f"Refit '{rf.label}' paid (VAT incl.)", f"更新改造 '{rf.label}'(含税)",
                            I(f"{cx}.refits.{i}.amount_cny") * m["cpi_index"] * t.eq(I(f"{cx}.refits.{i}.year"))))
    every = I(f"{cx}.periodic_refit_every_years")
    periodic = m.row(C, "periodic_refit_paid", "CNY", "Periodic refits paid (VAT incl.)", "周期性更新投资(含税)",
                     IF(every.gt(0), MOD(t, every).eq(0) * t.lt(I("scenario.concession_years"))
                        * I(f"{cx}.periodic_refit_cny") * m["cpi_index"], 0))
    refits_paid = m.row(C, "refits_paid", "CNY", "Refits paid (VAT incl.)", "更新改造投资(含税)", SUM(*refits, periodic),
                        role="item")
    paid = m.row(C, "capex_paid", "CNY", "Capex paid (VAT incl.)", "建设及更新改造投资(含税)", renov + refits_paid, role="item")
    rate = I(f"{cx}.input_vat_rate")
    inside = m.row(C, "vat_in_capex", "CNY", "VAT inside the capex (remitted by the suppliers; creditable by a general taxpayer)",
                   "投资所含增值税(由供应商缴纳;一般纳税人可抵扣)", paid * rate / (1 + rate))
    in_capex = m.row(C, "vat_input_capex", "CNY", "Input VAT on capex", "进项税额(投资)", inside * m["general_taxpayer"],
                     role="item")
    m.row(C, "capex", "CNY", "Capex (net of creditable VAT)", "建设投资(不含可抵扣进项)", paid - in_capex, role="item")


def _vintages(m: Model, key: str, en: str, zh: str, spend, life):
    """Rows that amortise a spend by the year it is made: base, years, yearly charge, amortisation."""
    I, t = m.I, m["t"]
    spend = m.row(C, f"{key}_net", "CNY", f"{en}: amortisable amount", f"{zh}: 计提摊销基数", spend)
    years = m.row(C, f"{key}_years", "years", f"{en}: amortisation years of a spend in this year",
                  f"{zh}: 当年支出的摊销年限", MIN(life, I("scenario.concession_years") - t))
    rate = m.row(C, f"{key}_charge", "CNY", f"{en}: yearly charge of a spend in this year", f"{zh}: 当年支出的年摊销额",
                 IF(years.gt(0), spend / years, 0))
    amort = m.row(C, f"{key}_amortisation", "CNY", f"{en}: amortisation", f"{zh}: 摊销", VintageAmort(rate, years, t))
    return spend, amort


def _amortisation(m: Model) -> None:
    I = m.I
    cx, su = "capex", "support"
    rate = I(f"{cx}.input_vat_rate")

    def net_of_credit(paid):
        return paid - paid * rate / (1 + rate) * m["general_taxpayer"]

    blocks = [_vintages(m, "renovation", "Renovation", "改造投资", net_of_credit(m["renovation_paid"]), I(f"{cx}.life_years"))]
    for i, rf in enumerate(m.a.capex.refits):
        blocks.append(_vintages(m, f"refit_{i}", f"Refit '{rf.label}'", f"更新改造 '{rf.label}'",
                                net_of_credit(m[f"refit_{i}_paid"]), I(f"{cx}.refits.{i}.life_years")))
    blocks.append(_vintages(m, "periodic_refit", "Periodic refits", "周期性更新", net_of_credit(m["periodic_refit_paid"]),
                            I(f"{cx}.periodic_refit_life_years")))
    blocks.append(_vintages(m, "grant", "Capital grant (net method)", "资本金补助(冲减摊销基数)",
                            -m["capital_grant"] * (1 - I(f"{su}.capital_grant_taxable")),
                            MAX(1, I(f"{cx}.life_years") - I(f"{su}.capital_grant_year"))))
    total = m.row(C, "amortisable_total", "CNY", "Amortisable spending, all", "计提摊销基数合计", SUM(*[b[0] for b in blocks]))
    amort = m.row(C, "amortisation", "CNY", "Amortisation", "摊销", SUM(*[b[1] for b in blocks]), role="item")
    # Every spend before year N is amortised by year N (its amortisation years are at most N - v);
    # only a spend in year N itself (amortisation years 0) is written off, at once.
    wo = m.row(C, "writeoff_capital", "CNY", "Unamortised balance written off at hand-back", "期末未摊销余额核销",
               m["last"] * total)
    book = m.row(C, "book_value", "CNY", "Unamortised balance (long-term prepaid expenses)", "长期待摊费用余额")
    book.expr = book.prev + total - amort - wo


def _reserve(m: Model) -> None:
    """The maintenance reserve (a lender's standard): each refit is funded from operating cash in
    the ``capex.reserve_years`` years before it (fewer when it comes earlier) and paid from the
    reserve, so the refit year's cash flow available for debt service is not hit by it."""
    I, t, op = m.I, m["t"], m["op"]
    cx = "capex"
    k = I(f"{cx}.reserve_years")
    m.blank(C)
    m.heading(C, "Maintenance reserve", "维修储备金")
    cpi = 1 + I("macro.cpi_inflation")
    funding, draws = [], []
    for i, rf in enumerate(m.a.capex.refits):
        y = I(f"{cx}.refits.{i}.year")
        n = m.row(C, f"reserve_refit_{i}_years", "years", f"Refit '{rf.label}': years of funding ahead",
                  f"更新改造 '{rf.label}': 提前计提年数", MIN(k, MAX(y - 1, 0)))
        amount = I(f"{cx}.refits.{i}.amount_cny") * cpi ** (y - 1)
        funding.append(IF(n.gt(0), amount / n * t.ge(y - n) * t.lt(y), 0) * op)
        draws.append(m[f"refit_{i}_paid"] * n.gt(0))
    every = I(f"{cx}.periodic_refit_every_years")
    n_p = m.row(C, "reserve_periodic_years", "years", "Periodic refits: years of funding ahead", "周期性更新: 提前计提年数",
                IF(every.gt(0), MIN(k, MAX(every - 1, 0)), 0))
    next_year = m.row(C, "reserve_periodic_next", "year_no", "Periodic refits: the next refit's year", "周期性更新: 下次更新年序",
                      IF(every.gt(0), t - MOD(t, every) + every, 0))
    funding.append(IF(n_p.gt(0), I(f"{cx}.periodic_refit_cny") * cpi ** (next_year - 1) / n_p
                      * (next_year - t).le(n_p) * next_year.lt(I("scenario.concession_years")), 0) * op)
    draws.append(m["periodic_refit_paid"] * n_p.gt(0))
    fund = m.row(C, "reserve_funding", "CNY", "Paid into the maintenance reserve", "计提维修储备金", SUM(*funding), role="item")
    draw = m.row(C, "reserve_draw", "CNY", "Drawn from the maintenance reserve (refits paid)", "动用维修储备金(支付更新改造)",
                 SUM(*draws), role="item")
    bal = m.row(C, "reserve_balance", "CNY", "Maintenance reserve balance", "维修储备金余额", role="item")
    bal.expr = bal.prev + fund - draw


def _loan(m: Model) -> None:
    I, t = m.I, m["t"]
    ln = "financing.loan"
    m.blank(C)
    m.heading(C, "Policy loan", "政策性贷款")
    D, r = I(f"{ln}.amount_cny"), I(f"{ln}.rate")
    n = I(f"{ln}.tenor_years") - I(f"{ln}.grace_years")
    j = m.row(C, "loan_periods_repaid", "years", "Repayment years elapsed", "已还款年数", CLIP(t - I(f"{ln}.grace_years"), 0, n))
    linear = D * (1 - j / n)
    # annuity balance after j of n payments: D ((1+r)^n - (1+r)^j) / ((1+r)^n - 1); zero rate: linear
    annuity = IF(Growth(r, n).gt(0), D * (Growth(r, n) - Growth(r, j)) / Growth(r, n), linear)
    balance = m.row(C, "loan_balance", "CNY", "Loan balance", "借款余额", role="item")
    rep = I(f"{ln}.repayment")
    # the sculpted balance is set by finish_loan, once the cash flow available for debt service exists
    balance.expr = IF(rep.eq("annuity"), annuity, IF(rep.eq("equal_principal"), linear, 0))
    m.row(C, "loan_draw", "CNY", "Loan drawn", "借款", D * m["first"], role="item")
    interest = m.row(C, "interest", "CNY", "Interest", "利息支出", r * balance.prev * m["op"], role="item")
    principal = m.row(C, "principal", "CNY", "Principal repaid", "偿还本金", (balance.prev - balance) * m["op"], role="item")
    m.row(C, "debt_service", "CNY", "Debt service", "还本付息", interest + principal, role="item")


def finish_loan(m: Model) -> None:
    """A sculpted repayment: debt service = CFADS / target DSCR in each repayment year, the rest at maturity."""
    I, t = m.I, m["t"]
    ln = "financing.loan"
    balance, interest = m["loan_balance"], m["interest"]
    grace, tenor = I(f"{ln}.grace_years"), I(f"{ln}.tenor_years")
    principal = m.row(C, "sculpted_principal", "CNY", "Sculpted repayment: principal", "按偿债备付率确定的还本额")
    sculpted = m.row(C, "sculpted_balance", "CNY", "Sculpted repayment: balance", "按偿债备付率确定的借款余额")
    principal.expr = t.gt(grace) * t.le(tenor) * IF(
        t.eq(tenor), sculpted.prev, MIN(sculpted.prev, MAX(m["cfads"] / I(f"{ln}.target_dscr") - interest, 0)))
    sculpted.expr = sculpted.prev + m["loan_draw"] - principal
    rep = I(f"{ln}.repayment")
    annuity_or_linear = balance.expr
    balance.expr = IF(rep.eq("sculpted"), sculpted, annuity_or_linear)
