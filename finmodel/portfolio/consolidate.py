"""The firm and the district: the communities' figures on one calendar, consolidated.

Inputs are sums over the communities, already placed on the portfolio's calendar (year 0 =
the earliest renovation year), as (draws, years) arrays; the functions here are vectorised over
draws and loop over years only where a figure carries from one year to the next (losses, the
VAT credit), as the model's rows do.

One entity (``firm.legal_structure: one_entity``, docs/model.md section 4 applied to the entity):

* **one VAT position**: output VAT of every community less their input VAT and the credit
  brought forward; the surcharges on that payable, with the entity's reliefs;
* **one income tax**: taxable profit = the communities' taxable profit before losses (per
  community from the engine: ``tax_base``) + their stand-alone surcharges - the entity's
  surcharges - head-office costs - the corporate loan's interest; losses carried forward
  ``tax.loss_carryforward_years`` years, oldest first (a loss in one community offsets profit in
  another); the small low-profit enterprise bands of the year while the entity qualifies
  (taxable income <= the threshold, staff <= 300, total assets <= 50 million; above the
  threshold the whole income pays the standard rate: the cliff);
* the firm's cash: the communities' cash flows with their stand-alone income tax and
  surcharges replaced by the entity's, less head office, plus the corporate loan.

Project companies: each community is taxed stand-alone (the engine's figures); the head office
and the corporate loan sit in a holding with no taxable income, so they save no tax.

The verdict at firm level is the same four NPV tests (:mod:`finmodel.model.verdict`) on the
firm's equity cash flow, discounted from the calendar's first year; survivability is every
community's own financial plan (the firm's plan beyond them is not modelled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assumptions import Tax

#: Community rows summed over the communities (yearly, CNY), in the order they are added.
SUM_ROWS = ("tax_base", "tax_base_unlevered", "income_tax", "income_tax_unlevered", "equity_fcf", "project_fcf",
            "vat_output", "vat_input_opex", "vat_input_capex", "vat_payable", "vat_credit_refund", "surcharges",
            "b_assets", "gov_district_commitment", "revenue", "support", "ebitda", "net_income", "capex_paid",
            "taxable_income", "debt_service", "interest")
#: Rows summed only over the communities in the portfolio's district (their name: ``district_`` + the row).
DISTRICT_ROWS = ("gov_district_commitment",)
#: Community scalar rows kept per community (KPI table, per draw).
KPI_ROWS = ("npv", "equity_npv", "project_irr", "equity_irr", "payback_years", "min_cumulative_equity_cash",
            "equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "verdict_tier", "survivable",
            "min_cumulative_surplus", "gov_district_commitment_pv")


# --------------------------------------------------------------------------- tax tables by calendar year
@dataclass(frozen=True)
class TaxTables:
    """The entity's tax rules by calendar year (as the Time sheet's rows, finmodel.model.time)."""

    years: np.ndarray                   # (Y,) calendar years
    std_rate: float
    relief: bool
    threshold: float
    se_any: np.ndarray                  # (Y,) a small-enterprise period in force
    bands: list[tuple[np.ndarray, np.ndarray]]   # per band: (upper end (Y,), rate (Y,))
    relief_small_scale: np.ndarray      # (Y,) flag
    relief_small_enterprise: np.ndarray  # (Y,) flag (times the relief switch)
    factor_small_scale: float
    factor_small_enterprise: float
    surcharge_rate: float
    loss_years: int
    refund_year: int | None


def tax_tables(tax: Tax, years: np.ndarray) -> TaxTables:
    cal = np.asarray(years, dtype=float)
    periods = tax.small_enterprise_periods
    in_force = []
    for p, per in enumerate(periods):
        cond = (cal >= per.from_year) & (cal <= per.to_year)
        for q in range(p):                                     # the first listed wins
            cond &= ~((cal >= periods[q].from_year) & (cal <= periods[q].to_year))
        in_force.append(cond.astype(float))
    se_any = np.sum(in_force, axis=0) if in_force else np.zeros_like(cal)
    bands = []
    for b in range(max((len(p.bands) for p in periods), default=0)):
        up = np.zeros_like(cal)
        rate = np.zeros_like(cal)
        for p, per in enumerate(periods):
            up = up + in_force[p] * per.bands[min(b, len(per.bands) - 1)].upto_cny
            if b < len(per.bands):
                rate = rate + in_force[p] * per.bands[b].rate
        bands.append((up, rate))
    rss, rse = tax.surcharge_relief_small_scale, tax.surcharge_relief_small_enterprise
    return TaxTables(
        years=np.asarray(years), std_rate=tax.income_tax_rate, relief=bool(tax.small_enterprise_relief),
        threshold=tax.small_enterprise_threshold_cny, se_any=se_any, bands=bands,
        relief_small_scale=((cal >= rss.from_year) & (cal <= rss.to_year)).astype(float),
        relief_small_enterprise=((cal >= rse.from_year) & (cal <= rse.to_year)).astype(float) * float(tax.small_enterprise_relief),
        factor_small_scale=rss.factor, factor_small_enterprise=rse.factor, surcharge_rate=tax.surcharge_rate,
        loss_years=tax.loss_carryforward_years, refund_year=tax.vat_credit_refund_year)


def band_tax(x: np.ndarray, bands, y: int) -> np.ndarray:
    """Income tax at the small-enterprise bands of year index ``y`` (as finmodel.model.tax._band_tax)."""
    total = np.zeros_like(x)
    lo = None
    for up, rate in bands:
        if lo is None:
            term = rate[y] * np.minimum(np.maximum(x, 0), max(up[y], 0))
        else:
            term = rate[y] * np.minimum(np.maximum(x - lo, 0), max(up[y] - lo, 0))
        total = total + term
        lo = up[y]
    return total


# --------------------------------------------------------------------------- the entity's taxes
@dataclass
class EntityTax:
    vat_payable: np.ndarray          # (D, Y)
    vat_credit: np.ndarray
    vat_credit_refund: np.ndarray
    surcharges: np.ndarray
    surcharge_factor: np.ndarray     # share of the surcharges payable after relief
    tax_base: np.ndarray             # taxable profit before losses
    taxable_income: np.ndarray       # after losses
    losses_used: np.ndarray
    small_enterprise: np.ndarray     # (D, Y) 1 = taxed at the small-enterprise bands
    qualifies_size: np.ndarray       # (D, Y) staff and assets within the limits
    income_tax: np.ndarray
    income_tax_unlevered: np.ndarray


def _losses_step(x: np.ndarray, ages: np.ndarray, Y: int):
    """One year of FIFO losses. ``ages[:, a]`` = loss a+1 years old brought forward (a = 0..Y-1).
    Returns (taxable, losses used, the ages carried into next year)."""
    profit = np.maximum(x, 0)
    room = profit
    left = np.zeros_like(ages)
    for a in range(Y - 1, -1, -1):                     # oldest first
        loss = ages[:, a]
        used = np.minimum(loss, room)
        left[:, a] = loss - used
        room = np.maximum(room - loss, 0)
    nxt = np.zeros_like(ages)
    if Y:
        nxt[:, 0] = np.maximum(0 - x, 0)
        nxt[:, 1:] = left[:, :-1]                      # the oldest left expires
    return room, profit - room, nxt


def entity_taxes(s: dict[str, np.ndarray], tt: TaxTables, *, general: bool, staff_ok: bool, max_assets: float,
                 head_office: np.ndarray, corp_interest: np.ndarray, levered_only: bool) -> EntityTax:
    """One entity's VAT, surcharges and income tax over the years (``s``: the communities' sums)."""
    D, Yn = s["tax_base"].shape
    vat_out = s["vat_output"]
    vat_in = s["vat_input_opex"] + s["vat_input_capex"]
    credit = np.zeros((D, Yn))
    refund = np.zeros((D, Yn))
    payable = np.zeros((D, Yn))
    surch = np.zeros((D, Yn))
    factors = np.zeros((D, Yn))
    base = np.zeros((D, Yn))
    base_u = np.zeros((D, Yn))
    taxable = np.zeros((D, Yn))
    taxable_u = np.zeros((D, Yn))
    used = np.zeros((D, Yn))
    small = np.zeros((D, Yn))
    tax = np.zeros((D, Yn))
    tax_u = np.zeros((D, Yn))
    size_ok = (s["b_assets"] <= max_assets) & staff_ok
    Yl = tt.loss_years
    ages = np.zeros((D, Yl))
    ages_u = np.zeros((D, Yl))
    prev_credit = np.zeros(D)
    prev_ok = np.ones(D, dtype=bool)          # year 0's last year: no income, within the limits
    for y in range(Yn):
        before = np.maximum(prev_credit + vat_in[:, y] - vat_out[:, y], 0)
        refund[:, y] = before * (tt.refund_year is not None and tt.years[y] == tt.refund_year)
        credit[:, y] = before - refund[:, y]
        payable[:, y] = np.maximum(vat_out[:, y] - vat_in[:, y] - prev_credit, 0)
        factor_a = tt.factor_small_scale if (tt.relief_small_scale[y] and not general) else 1.0
        se_relief = tt.relief_small_enterprise[y] * general * prev_ok
        factor = np.where(se_relief > 0, min(factor_a, tt.factor_small_enterprise), factor_a)
        factors[:, y] = factor
        surch[:, y] = tt.surcharge_rate * payable[:, y] * factor
        adj = s["surcharges"][:, y] - surch[:, y] - head_office[y]
        base[:, y] = s["tax_base"][:, y] + adj - corp_interest[y]
        base_u[:, y] = s["tax_base_unlevered"][:, y] + adj
        taxable[:, y], used[:, y], ages = _losses_step(base[:, y], ages, Yl)
        taxable_u[:, y], _, ages_u = _losses_step(base_u[:, y], ages_u, Yl)
        ok = size_ok[:, y]
        sm = tt.relief * tt.se_any[y] * (taxable[:, y] <= tt.threshold) * ok
        small[:, y] = sm
        tax[:, y] = np.where(sm > 0, band_tax(taxable[:, y], tt.bands, y), tt.std_rate * taxable[:, y])
        if levered_only:
            tax_u[:, y] = tax[:, y]
        else:
            sm_u = tt.relief * tt.se_any[y] * (taxable_u[:, y] <= tt.threshold) * ok
            tax_u[:, y] = np.where(sm_u > 0, band_tax(taxable_u[:, y], tt.bands, y), tt.std_rate * taxable_u[:, y])
        prev_credit = credit[:, y]
        prev_ok = (taxable[:, y] <= tt.threshold) & ok
    return EntityTax(payable, credit, refund, surch, factors, base, taxable, used, small, size_ok.astype(float), tax, tax_u)


# --------------------------------------------------------------------------- the firm's own lines
def head_office(firm, years: np.ndarray, first_operating: int) -> np.ndarray:
    """Head-office costs by calendar year (CNY, positive), escalated from the first calendar year."""
    start = firm.head_office_from_year if firm.head_office_from_year is not None else first_operating
    k = years - years[0]
    return firm.head_office_cny_per_year * (1 + firm.head_office_escalation) ** k * (years >= start)


def corporate_loan(loan, years: np.ndarray) -> dict[str, np.ndarray]:
    """Draw, interest, principal and balance of the firm's loan by calendar year (end-of-year flows)."""
    Yn = years.size
    draw, interest, principal, balance = (np.zeros(Yn) for _ in range(4))
    if loan.amount_cny <= 0:
        return {"draw": draw, "interest": interest, "principal": principal, "balance": balance}
    y0 = loan.draw_year if loan.draw_year is not None else int(years[0])
    bal = 0.0
    n_rep = loan.tenor_years - loan.grace_years
    r = loan.rate
    annuity = loan.amount_cny * (r / (1 - (1 + r) ** -n_rep) if r > 0 else 1 / n_rep)
    for i, y in enumerate(years):
        k = int(y) - y0                                   # years since the draw
        if k == 0:
            draw[i] = loan.amount_cny
        elif 1 <= k <= loan.tenor_years:
            interest[i] = bal * r
            if k > loan.grace_years:
                if loan.repayment == "annuity":
                    principal[i] = min(bal, annuity - interest[i]) if k < loan.tenor_years else bal
                else:
                    principal[i] = min(bal, loan.amount_cny / n_rep) if k < loan.tenor_years else bal
        bal = bal + draw[i] - principal[i]
        balance[i] = bal
    return {"draw": draw, "interest": interest, "principal": principal, "balance": balance}


# --------------------------------------------------------------------------- the firm
def _npv(rate: float, flows: np.ndarray) -> np.ndarray:
    t = np.arange(flows.shape[-1])
    return np.sum(flows / (1 + rate) ** t, axis=-1)


def firm_figures(s: dict[str, np.ndarray], standalone_max_taxable: np.ndarray, survivable_all: np.ndarray,
                 pf, years: np.ndarray, tt: TaxTables, *, general: bool, first_operating: int,
                 rates: dict[str, float | None], any_loan: bool) -> dict[str, np.ndarray]:
    """Every figure of the firm by year (D, Y) and its metrics (D,), from the communities' sums."""
    firm = pf.firm
    ho = head_office(firm, years, first_operating)
    loan = corporate_loan(firm.corporate_loan, years)
    one = firm.legal_structure == "one_entity"
    D = s["tax_base"].shape[0]
    out: dict[str, np.ndarray] = {"head_office": np.broadcast_to(ho, (D, years.size)).copy()}
    for k, v in loan.items():
        out[f"corp_loan_{k}"] = np.broadcast_to(v, (D, years.size)).copy()
    if one:
        et = entity_taxes(s, tt, general=general, staff_ok=firm.staff <= firm.small_enterprise_max_staff,
                          max_assets=firm.small_enterprise_max_assets_cny, head_office=ho,
                          corp_interest=loan["interest"],
                          levered_only=not any_loan and firm.corporate_loan.amount_cny == 0)
        tax, tax_u, surch, vat = et.income_tax, et.income_tax_unlevered, et.surcharges, et.vat_payable
        out.update(surcharge_factor=et.surcharge_factor, vat_credit=et.vat_credit, vat_credit_refund=et.vat_credit_refund, tax_base=et.tax_base,
                   taxable_income=et.taxable_income, losses_used=et.losses_used, small_enterprise=et.small_enterprise,
                   qualifies_size=et.qualifies_size)
        cliff = (et.taxable_income > tt.threshold) & (standalone_max_taxable <= tt.threshold) & (tt.se_any > 0) \
            & (et.qualifies_size > 0) & tt.relief
    else:
        tax, tax_u, surch, vat = s["income_tax"], s["income_tax_unlevered"], s["surcharges"], s["vat_payable"]
        out.update(taxable_income=s["taxable_income"])
        cliff = np.zeros_like(tax, dtype=bool)
    out.update(income_tax=tax, income_tax_unlevered=tax_u, surcharges=surch, vat_payable=vat,
               income_tax_standalone=s["income_tax"], cliff_crossed=cliff.astype(float))
    adj = s["income_tax"] - tax + s["surcharges"] - surch - ho
    adj_u = s["income_tax_unlevered"] - tax_u + s["surcharges"] - surch - ho
    equity = s["equity_fcf"] + adj + loan["draw"] - loan["interest"] - loan["principal"]
    project = s["project_fcf"] + adj_u
    cum = np.cumsum(equity, axis=-1)
    out.update(equity_fcf=equity, project_fcf=project, cum_equity_fcf=cum,
               revenue=s["revenue"], support=s["support"], ebitda=s["ebitda"] - (surch - s["surcharges"]) - ho,
               net_income=s["net_income"] + adj - loan["interest"], capex_paid=s["capex_paid"])
    trough = np.argmin(cum, axis=-1)
    peak = np.maximum(0, -np.min(cum, axis=-1))
    pay = np.argmax(cum >= 0, axis=-1).astype(float)
    pay[~np.any(cum >= 0, axis=-1)] = np.nan
    zero = np.sum(equity, axis=-1)
    at_h = _npv(rates["hurdle"], equity)
    at_c = _npv(rates["cap"], equity) if rates["cap"] is not None else np.full(D, np.nan)
    recovered = (zero >= 0) & survivable_all
    viable = recovered & (at_h >= 0)
    excess = (at_c > 0) if rates["cap"] is not None else np.zeros(D, dtype=bool)
    metrics = {
        "npv": _npv(rates["project"], project),
        "equity_npv": at_h,
        "equity_npv_zero": zero, "equity_npv_hurdle": at_h, "equity_npv_cap": at_c,
        "verdict_tier": (1 + recovered + viable + (viable & excess)).astype(float),
        "survivable": survivable_all.astype(float),
        "peak_funding": peak,
        "peak_funding_year": years[trough].astype(float),
        "self_financing_year": np.where(trough + 1 < years.size, years[np.minimum(trough + 1, years.size - 1)], np.nan),
        "equity_payback_year": np.where(np.isnan(pay), np.nan, years[0] + np.nan_to_num(pay)),
        "income_tax_total": np.sum(tax, axis=-1),
        "income_tax_standalone_total": np.sum(s["income_tax"], axis=-1),
        "tax_saved_by_consolidation": np.sum(s["income_tax"] - tax, axis=-1),
        "surcharges_saved": np.sum(s["surcharges"] - surch, axis=-1),
        "cliff_years": np.sum(cliff, axis=-1).astype(float),
        "head_office_total": np.full(D, float(np.sum(ho))),
    }
    return {"years": out, "metrics": metrics}


def district_figures(s: dict[str, np.ndarray], district, years: np.ndarray) -> dict[str, np.ndarray]:
    """The district's commitments to every deal by year against its budget and the red line."""
    base = district.budget_base_year if district.budget_base_year is not None else int(years[0])
    budget = district.budget_expenditure_cny_per_year * (1 + district.budget_growth) ** (years - base)
    commit = s["district_gov_district_commitment"]
    deals = commit / budget
    share = deals + district.existing_commitments_share
    peak = np.max(share, axis=-1)
    return {"years": {"district_commitment": commit, "budget_expenditure": np.broadcast_to(budget, commit.shape).copy(),
                      "deals_share": deals, "budget_share": share},
            "metrics": {"budget_share_peak": peak, "budget_share_peak_year": years[np.argmax(share, axis=-1)].astype(float),
                        "deals_share_peak": np.max(deals, axis=-1),
                        "red_line_ok": (peak <= district.red_line * (1 + 1e-12)).astype(float),
                        "above_warning": (peak > district.warning_level * (1 + 1e-12)).astype(float),
                        "commitments_total": np.sum(commit, axis=-1)}}
