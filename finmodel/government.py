"""The street office's view of the deal: fiscal commitments, affordability, value for money, residents' burden.

The operator's cash flows are half of the deal; this module computes the other half, what the
public purse gives up and pays, from the same projection and the ``government`` section of the
assumptions. Every function is vectorised over scenarios: line items come in as (S, N+1) arrays
(years 0..N on the last axis), results go out as (S, N+1) arrays by year or (S,) arrays.

Definitions (year t = 0..N; ``op`` = 1 in operating years; CNY unless stated):

* **Cash outlays** ``cash_outlay_t = co_investment_t + subsidy_paid_t + capital_grant_t``:
  the government's own renovation spending (``government.co_investment_cny``, year 0), the
  subsidy as the government pays it (``subsidy_received``, VAT included when it is a purchased
  service) and capital grants (``capital_grant``).
* **Tax relief** ``tax_relief_t = taxes_t(reliefs off) - taxes_t``, taxes = VAT payable +
  surcharges + income tax, from a second projection with the small low-profit enterprise
  relief, the income-tax holiday and the small-scale surcharge relief switched off
  (:data:`RELIEF_OFF`). Forgone tax revenue, not an outlay.
* **Fiscal commitments** ``commitment_t = cash_outlay_t + tax_relief_t``.
* **Taxes paid back** ``taxes_paid_back_t = vat_payable_t + surcharges_t + income_tax_t``, all
  of them, for the public purse as a whole (not only the district's share of them).
* **Net cost** ``net_cost_t = cash_outlay_t - taxes_paid_back_t``: what the public purse is out
  of pocket. The relief is not subtracted again: the taxes paid are already lower by it.
* **Foregone rent** ``foregone_rent_t = market_rent x space.total_area_m2 x 365 x (1+g)^(t-1) x
  op``: the opportunity cost of handing over the space free; a memo line, not cash, outside
  the totals above.
* **Present values** at ``government.discount_rate``, ``PV = sum_t x_t / (1+r)^t`` with year 0
  undiscounted (the NPV convention of MODEL.md section 5); per household = PV /
  ``scenario.households``.
* **Affordability** ``share_t = cash_outlay_t / (budget x (1+growth)^(t-1)) +
  existing_commitments_share``; the peak over years 0..N against ``red_line`` (10 %) and
  ``warning_level``. Budget outlays only: the rule counts expenditure responsibilities paid from
  the general public budget, which tax relief is not.
* **Value for money** ``vfm = PV_psc(comparator net cost) - PV_gov(net_cost)``, positive when the
  concession costs the government less. The comparator: ``psc_net_t = capex x [t=0] + opex x
  (1+e)^(t-1) x op - revenue_factor x (rent_gross + parking_gross + other_gross)_t -
  collection_rate x property_fees_billed_t``; no taxes. The foregone rent stays out of the test:
  the comparator earns the space's rent itself, so the concession's side already lacks it.
* **Residents' burden** property fee per household per month = the fee step's price x floor area
  per household (``property_service.base_area_m2 / scenario.households``: the households are
  those of the base area, so the expanded area does not inflate the figure); parking fee per
  space per month = fee x (1+escalation)^(k-1); the share of households paying
  (``government.paying_household_share``, or the year's collection rate when null).

Entry points: :func:`compute` (all arrays), :func:`government_view` (one scenario, JSON-ready),
:func:`government_metrics` (the (S,) metrics for break-even and sensitivity) and
:func:`evaluate` (chunked metrics of many scenarios, like ``engine.evaluate``).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from . import engine
from .assumptions import Assumptions
from .engine import Projection
from .errors import InputError
from .scenarios import with_values

#: The reliefs switched off to measure the tax relief granted.
RELIEF_OFF: dict[str, Any] = {
    "tax.small_enterprise_relief": False,
    "support.income_tax_holiday_years": 0,
    "tax.surcharge_relief_small_scale.factor": 1.0,
}

#: Metrics for break-even targets and sensitivity studies, each an (S,) array.
GOV_METRIC_NAMES = (
    "gov_commitment_pv", "gov_commitment_pv_per_household", "gov_net_cost_pv", "gov_tax_relief_pv",
    "gov_foregone_rent_pv", "gov_budget_share_peak", "gov_vfm",
)

#: Unit of each metric (as ``breakeven.METRIC_UNITS``).
GOV_METRIC_UNITS = {
    "gov_commitment_pv": "CNY", "gov_commitment_pv_per_household": "CNY/household", "gov_net_cost_pv": "CNY",
    "gov_tax_relief_pv": "CNY", "gov_foregone_rent_pv": "CNY", "gov_budget_share_peak": "fraction", "gov_vfm": "CNY",
}

#: What each metric is (for docs, --help and the workbook).
GOV_METRIC_DOC = {
    "gov_commitment_pv": "PV at the government rate of co-investment + subsidy paid + capital grants + tax relief",
    "gov_commitment_pv_per_household": "gov_commitment_pv / scenario.households",
    "gov_net_cost_pv": "PV of cash outlays - taxes paid back (VAT, surcharges, income tax)",
    "gov_tax_relief_pv": "PV of the taxes forgone through the small-enterprise relief, tax holiday and surcharge relief",
    "gov_foregone_rent_pv": "PV of the market rent of the space handed over free (opportunity cost, not cash)",
    "gov_budget_share_peak": "peak over years of outlays / district budget expenditure + existing commitments share",
    "gov_vfm": "PV of the comparator's net cost - gov_net_cost_pv; positive = the concession is better value",
}

#: The rows of the Government view (key, en, zh, unit): the order of the workbook sheet.
GOV_ROWS = (
    ("co_investment", "Government co-investment (renovation)", "政府配套投资(改造)", "CNY"),
    ("subsidy_paid", "Subsidy paid", "运营补贴支出", "CNY"),
    ("capital_grant", "Capital grant", "资本金补助", "CNY"),
    ("cash_outlay", "Budget outlays", "财政支出", "CNY"),
    ("tax_relief", "Tax relief granted", "税费减免", "CNY"),
    ("commitment", "Fiscal commitments", "财政支出责任", "CNY"),
    ("taxes_paid_back", "Taxes paid by the deal (VAT, surcharges, income tax)", "项目缴纳税费", "CNY"),
    ("net_cost", "Net cost to government (outlays - taxes)", "政府净支出(支出-税费)", "CNY"),
    ("foregone_rent", "Foregone rent on the space (memo, not cash)", "让渡空间的租金(机会成本,备忘)", "CNY"),
    ("discount_factor", "Discount factor at the government rate", "折现系数(政府折现率)", "index"),
    ("budget_expenditure", "District general public budget expenditure", "区一般公共预算支出", "CNY"),
    ("budget_share", "Share of budget expenditure (existing commitments included)", "占一般公共预算支出比例(含已有支出责任)", "fraction"),
    ("psc_capex", "Comparator: renovation capex", "公共部门比较值: 建设投资", "CNY"),
    ("psc_opex", "Comparator: operating costs", "公共部门比较值: 运营成本", "CNY"),
    ("psc_revenue", "Comparator: receipts", "公共部门比较值: 收入", "CNY"),
    ("psc_net_cost", "Comparator: net cost", "公共部门比较值: 净成本", "CNY"),
    ("property_fee_per_household_month", "Property fee per household per month", "户均月物业费", "CNY/household/month"),
    ("paying_household_share", "Share of households paying", "缴费户比例", "fraction"),
    ("average_fee_per_household_month", "Average fee paid per household per month", "户均月实缴物业费", "CNY/household/month"),
    ("parking_fee_per_space_month", "Parking fee per space per month", "每车位月停车费", "CNY/space/month"),
)

#: Relative tolerance of the red-line and warning tests: a share that is 10 % on paper is not
#: failed by the rounding of a sum such as 0.07 + 0.03.
LINE_RTOL = 1e-12

NOTE_INDICATIVE = ("A grant of use rights over the space, not a formal PPP (as at Jinsong): the 10 % "
                   "fiscal-affordability test is indicative.")
NOTE_FORMAL = "A formal PPP: the 10 % fiscal-affordability test applies to the district's outlays each year."
NOTE_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                     "{amount:,.0f} CNY of the support here pays for construction (co-investment {co:,.0f}, "
                     "capital grants {grant:,.0f}).")
NOTE_NO_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                        "no support here pays for construction.")


# --------------------------------------------------------------------------- inputs
def _param(a: Assumptions, vary: Mapping[str, np.ndarray], path: str):
    """An assumption as a float, or an (S, 1) column when ``vary`` gives it per scenario."""
    if path in vary:
        arr = np.asarray(vary[path], dtype=float).reshape(-1)
        return arr.reshape(-1, 1) if arr.size > 1 else float(arr[0])
    node: Any = a
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else getattr(node, part)
    return node


def _checked_vary(a: Assumptions, vary, S: int) -> dict[str, np.ndarray]:
    checked, size = engine.check_vary(a, vary)
    if size not in (1, S):
        raise InputError(f"vary has {size} scenarios but the projection has {S}", source="government", key="vary")
    return checked


def _has_relief(a: Assumptions, vary: Mapping[str, np.ndarray]) -> bool:
    """Whether any relief of RELIEF_OFF can change the taxes of these scenarios."""
    if a.tax.small_enterprise_relief:
        return True
    if np.any(np.asarray(_param(a, vary, "support.income_tax_holiday_years")) > 0):
        return True
    small_scale_possible = a.tax.taxpayer_status != "general"
    return small_scale_possible and bool(np.any(np.asarray(_param(a, vary, "tax.surcharge_relief_small_scale.factor")) < 1))


def relief_free_projection(a: Assumptions, vary: Mapping[str, Any] | None = None) -> Projection:
    """The same scenarios with the reliefs of :data:`RELIEF_OFF` switched off (``detail=False``)."""
    a_off = with_values(a, RELIEF_OFF)
    rest = {k: v for k, v in (vary or {}).items() if k not in RELIEF_OFF}
    return engine.project(a_off, rest or None, detail=False)


def _taxes(pj: Projection) -> np.ndarray:
    return pj["vat_payable"] + pj["surcharges"] + pj["income_tax"]


# --------------------------------------------------------------------------- the arrays
def compute(pj: Projection, a: Assumptions | None = None, *, vary: Mapping[str, Any] | None = None,
            relief_free: Projection | None = None) -> dict[str, Any]:
    """Every figure of the government view as arrays: (S, N+1) by year, (S,) per scenario.

    Parameters
    ----------
    pj : Projection
        The projection of S scenarios.
    a : Assumptions, optional
        The scenario (default ``pj.assumptions``); its ``government`` section is read here.
    vary : mapping, optional
        The same ``{dotted.path: array over scenarios}`` the projection was made with. Needed to
        build the relief-free projection of S > 1 scenarios, and to vary ``government.*`` inputs
        (which the engine does not read) across scenarios.
    relief_free : Projection, optional
        The same scenarios with the reliefs switched off (:func:`relief_free_projection`); built
        here when not given and some relief is on.

    Returns
    -------
    dict
        By year (S, N+1) [CNY unless stated]: ``co_investment``, ``subsidy_paid``,
        ``capital_grant``, ``cash_outlay``, ``tax_relief``, ``commitment``, ``taxes_paid_back``,
        ``net_cost``, ``foregone_rent``, ``discount_factor`` [-], ``budget_expenditure``,
        ``budget_share`` [fraction], ``psc_capex``, ``psc_opex``, ``psc_revenue``,
        ``psc_net_cost``, ``psc_discount_factor`` [-], ``property_fee_per_household_month``
        [CNY/household/month], ``paying_household_share`` [fraction],
        ``average_fee_per_household_month``, ``parking_fee_per_space_month`` [CNY/space/month].
        Per scenario (S,): ``total_<line>`` and ``pv_<line>`` for each CNY line above but the
        comparator's, ``commitment_pv_per_household``, ``net_cost_pv_per_household``
        [CNY/household], ``budget_share_peak`` [fraction], ``budget_share_peak_year`` [calendar
        year], ``red_line_ok``, ``above_warning`` [bool], ``construction_support`` [CNY],
        ``psc_net_cost_pv``, ``vfm`` [CNY], ``floor_area_per_household_m2`` [m²],
        ``property_fee_change``, ``property_fee_change_vs_wages``, ``parking_fee_change``
        [fraction, last operating year against year 1]. Plus ``years`` (T,) and ``rates`` (the
        discount rates used, (S,)).
    """
    a = pj.assumptions if a is None else a
    S, T = pj.n_scenarios, pj.T
    v = _checked_vary(a, vary, S)
    N = T - 1
    t = np.arange(T, dtype=float).reshape(1, -1)
    op = (t >= 1).astype(float)
    first = (t == 0).astype(float)

    def full(x) -> np.ndarray:
        return np.array(np.broadcast_to(np.asarray(x, dtype=float), (S, T)))

    def g(path):
        return _param(a, v, path)

    def each(x) -> np.ndarray:
        """A parameter as an (S,) vector."""
        return np.broadcast_to(np.asarray(x, dtype=float).reshape(-1), (S,))

    gv = "government."
    r_gov = g(gv + "discount_rate")
    df = full((1.0 + np.asarray(r_gov, dtype=float)) ** -t)
    r_psc = g(gv + "comparator.discount_rate")
    r_psc = r_gov if r_psc is None else r_psc
    df_psc = full((1.0 + np.asarray(r_psc, dtype=float)) ** -t)
    households = each(g("scenario.households"))

    # ------------------------------------------------------------ fiscal commitments
    co_investment = full(g(gv + "co_investment_cny") * first)
    subsidy_paid = full(pj["subsidy_received"])
    capital_grant = full(pj["capital_grant"])
    cash_outlay = co_investment + subsidy_paid + capital_grant
    taxes_paid_back = full(_taxes(pj))
    if relief_free is None and _has_relief(a, v):
        if S > 1 and not v:
            raise InputError("pass vary= (the overrides the projection was made with) or relief_free= "
                             "to measure the tax relief of several scenarios", source="government", key="relief_free")
        relief_free = relief_free_projection(a, v)
    if relief_free is not None:
        if relief_free.n_scenarios not in (1, S) or relief_free.T != T:
            raise InputError(f"relief_free has shape ({relief_free.n_scenarios}, {relief_free.T}), "
                             f"the projection ({S}, {T})", source="government", key="relief_free")
        tax_relief = full(_taxes(relief_free)) - taxes_paid_back
    else:
        tax_relief = np.zeros((S, T))
    commitment = cash_outlay + tax_relief
    net_cost = cash_outlay - taxes_paid_back
    rent_growth = (1.0 + np.asarray(g(gv + "market_rent_escalation"), dtype=float)) ** (t - 1)
    foregone_rent = full(g(gv + "market_rent_cny_per_m2_day") * g("space.total_area_m2") * 365.0 * rent_growth * op)

    # ------------------------------------------------------------ affordability
    budget = full(g(gv + "budget_expenditure_cny_per_year")
                  * (1.0 + np.asarray(g(gv + "budget_growth"), dtype=float)) ** (t - 1))
    existing = full(g(gv + "existing_commitments_share"))
    budget_share = cash_outlay / budget + existing
    peak_i = np.argmax(budget_share, axis=-1)
    peak = budget_share[np.arange(S), peak_i]
    red_line = each(g(gv + "red_line"))
    warning = each(g(gv + "warning_level"))

    # ------------------------------------------------------------ value for money
    psc = gv + "comparator."
    psc_capex = full(g(psc + "capex_cny") * first)
    psc_opex = full(g(psc + "opex_cny_per_year")
                    * (1.0 + np.asarray(g(psc + "opex_escalation"), dtype=float)) ** (t - 1) * op)
    psc_revenue = full(g(psc + "revenue_factor") * (pj["rent_gross"] + pj["parking_gross"] + pj["other_gross"])
                       + g(psc + "collection_rate") * pj["property_fees_billed"])
    psc_net_cost = psc_capex + psc_opex - psc_revenue
    psc_net_cost_pv = (psc_net_cost * df_psc).sum(axis=-1)

    # ------------------------------------------------------------ residents' burden
    safe_hh = np.where(households > 0, households, 1.0)
    area_hh = np.where(households > 0, each(g("property_service.base_area_m2")) / safe_hh, np.nan)
    fee_hh = full(pj["property_fee_cny_per_m2_month"]) * area_hh[:, None]
    share_paying = g(gv + "paying_household_share")
    paying = full(pj["collection_rate"] if share_paying is None else np.asarray(share_paying) * op)
    parking_fee = full(g("parking.fee_cny_per_space_month")
                       * (1.0 + np.asarray(g("parking.escalation"), dtype=float)) ** (t - 1) * op)
    wages = full(pj["wage_index"])

    def change(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x[:, 1] != 0, x[:, N] / np.where(x[:, 1] != 0, x[:, 1], 1.0) - 1.0, np.nan)

    out: dict[str, Any] = {
        "years": np.asarray(pj.years), "rates": {"government": each(r_gov), "comparator": each(r_psc)},
        "co_investment": co_investment, "subsidy_paid": subsidy_paid, "capital_grant": capital_grant,
        "cash_outlay": cash_outlay, "tax_relief": tax_relief, "commitment": commitment,
        "taxes_paid_back": taxes_paid_back, "net_cost": net_cost, "foregone_rent": foregone_rent,
        "discount_factor": df, "budget_expenditure": budget, "budget_share": budget_share,
        "psc_capex": psc_capex, "psc_opex": psc_opex, "psc_revenue": psc_revenue, "psc_net_cost": psc_net_cost,
        "psc_discount_factor": df_psc,
        "property_fee_per_household_month": fee_hh, "paying_household_share": paying,
        "average_fee_per_household_month": fee_hh * paying, "parking_fee_per_space_month": parking_fee,
    }
    for line in ("co_investment", "subsidy_paid", "capital_grant", "cash_outlay", "tax_relief", "commitment",
                 "taxes_paid_back", "net_cost", "foregone_rent"):
        out[f"total_{line}"] = out[line].sum(axis=-1)
        out[f"pv_{line}"] = (out[line] * df).sum(axis=-1)
    out["commitment_pv_per_household"] = np.where(households > 0, out["pv_commitment"] / safe_hh, np.nan)
    out["net_cost_pv_per_household"] = np.where(households > 0, out["pv_net_cost"] / safe_hh, np.nan)
    out.update({
        "budget_share_peak": peak,
        "budget_share_peak_year": np.asarray(pj.years)[peak_i],
        "red_line_ok": peak <= red_line * (1.0 + LINE_RTOL),
        "above_warning": peak > warning * (1.0 + LINE_RTOL),
        "red_line": red_line, "warning_level": warning, "existing_commitments_share": existing[:, 0],
        "comparator": {k: each(x) for k, x in (
            ("capex_cny", g(psc + "capex_cny")), ("opex_cny_per_year", g(psc + "opex_cny_per_year")),
            ("opex_escalation", g(psc + "opex_escalation")), ("collection_rate", g(psc + "collection_rate")),
            ("revenue_factor", g(psc + "revenue_factor")), ("discount_rate", r_psc))},
        "construction_support": (co_investment + capital_grant).sum(axis=-1),
        "psc_net_cost_pv": psc_net_cost_pv,
        "vfm": psc_net_cost_pv - out["pv_net_cost"],
        "floor_area_per_household_m2": area_hh,
        "property_fee_change": change(fee_hh),
        "property_fee_change_vs_wages": change(fee_hh / np.where(wages != 0, wages, 1.0)),
        "parking_fee_change": change(parking_fee),
    })
    return out


# --------------------------------------------------------------------------- metrics
def government_metrics(pj: Projection, a: Assumptions | None = None, *, vary: Mapping[str, Any] | None = None,
                       relief_free: Projection | None = None, names: tuple[str, ...] | None = None,
                       ) -> dict[str, np.ndarray]:
    """The government metrics of S scenarios, each an (S,) array, for break-even and sensitivity.

    Names (:data:`GOV_METRIC_NAMES`): ``gov_commitment_pv``, ``gov_commitment_pv_per_household``,
    ``gov_net_cost_pv``, ``gov_tax_relief_pv``, ``gov_foregone_rent_pv`` [CNY, CNY/household],
    ``gov_budget_share_peak`` [fraction], ``gov_vfm`` [CNY]. ``names`` limits the output.
    """
    want = GOV_METRIC_NAMES if names is None else tuple(names)
    unknown = set(want) - set(GOV_METRIC_NAMES)
    if unknown:
        raise InputError(f"unknown metric(s): {', '.join(sorted(unknown))}; known: {', '.join(GOV_METRIC_NAMES)}",
                         source="government")
    need_relief = {"gov_commitment_pv", "gov_commitment_pv_per_household", "gov_tax_relief_pv"} & set(want)
    if not need_relief and relief_free is None:
        relief_free = pj          # the relief is not asked for: skip the second projection
    c = compute(pj, a, vary=vary, relief_free=relief_free)
    full = {
        "gov_commitment_pv": c["pv_commitment"],
        "gov_commitment_pv_per_household": c["commitment_pv_per_household"],
        "gov_net_cost_pv": c["pv_net_cost"],
        "gov_tax_relief_pv": c["pv_tax_relief"],
        "gov_foregone_rent_pv": c["pv_foregone_rent"],
        "gov_budget_share_peak": c["budget_share_peak"],
        "gov_vfm": c["vfm"],
    }
    return {k: np.asarray(full[k], dtype=float) for k in GOV_METRIC_NAMES if k in want}


def evaluate(a: Assumptions, vary: Mapping[str, Any] | None = None, *, chunk_size: int = engine.DEFAULT_CHUNK,
             metrics: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Engine and government metrics of S scenarios in chunks, like :func:`engine.evaluate`.

    ``metrics`` may mix names of ``engine.METRIC_NAMES`` and :data:`GOV_METRIC_NAMES` (default:
    all of the government's). Each result is an (S,) array. Without government names this is
    exactly ``engine.evaluate``; with them, the engine's chunk loop scores them too.
    """
    names = GOV_METRIC_NAMES if metrics is None else tuple(dict.fromkeys(metrics))
    gov = tuple(n for n in names if n in GOV_METRIC_NAMES)
    if not gov:
        return engine.evaluate(a, vary, chunk_size=chunk_size, metrics=names)

    def score(pj, part):
        return government_metrics(pj, a, vary=part, names=gov)

    out = engine.evaluate(a, vary, chunk_size=chunk_size, metrics=names, extra=score)
    return {k: out[k] for k in names}


#: Every metric a study can ask for: the engine's and the government's.
ALL_METRIC_NAMES = engine.METRIC_NAMES + GOV_METRIC_NAMES


# --------------------------------------------------------------------------- one scenario, JSON-ready
def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _list(x) -> list[float | None]:
    return [_f(y) for y in np.asarray(x).reshape(-1)]


def government_view(pj: Projection, a: Assumptions | None = None, *, relief_free: Projection | None = None,
                    vary: Mapping[str, Any] | None = None, scenario: int = 0,
                    arrays: dict[str, Any] | None = None) -> dict:
    """The government view of one scenario as plain Python (floats, lists, bools; NaN as None).

    The object ``finmodel run --json`` holds under ``government``. Top-level keys:
    ``commitment_by_year``, ``commitment_pv``, ``commitment_pv_per_household``,
    ``net_cost_pv``, ``foregone_rent_pv``, ``budget_share_peak`` (a fraction),
    ``budget_share_peak_year``, ``red_line_ok``, ``vfm``, then the detail: ``by_year`` (every
    line, CNY), ``totals`` and ``pv`` (per line), ``affordability``, ``value_for_money`` (with
    every comparator assumption), ``residents`` and ``notes``. ``arrays`` reuses a
    :func:`compute` result.
    """
    a = pj.assumptions if a is None else a
    c = compute(pj, a, vary=vary, relief_free=relief_free) if arrays is None else arrays
    i = scenario
    gov = a.government
    lines = ("co_investment", "subsidy_paid", "capital_grant", "cash_outlay", "tax_relief", "commitment",
             "taxes_paid_back", "net_cost", "foregone_rent")
    co, grant = float(c["total_co_investment"][i]), float(c["total_capital_grant"][i])
    construction = float(c["construction_support"][i])
    notes = [NOTE_FORMAL if gov.formal_ppp else NOTE_INDICATIVE,
             NOTE_CONSTRUCTION.format(amount=construction, co=co, grant=grant) if construction > 0 else NOTE_NO_CONSTRUCTION,
             "Commitments include tax relief (forgone revenue); the affordability test counts budget outlays only; "
             "the foregone rent is an opportunity cost shown apart, not cash.",
             "Taxes are counted in full for the public purse as a whole, not only the district's share of them."]
    vfm = float(c["vfm"][i])
    peak = float(c["budget_share_peak"][i])
    return {
        "discount_rate": float(c["rates"]["government"][i]),
        "households": _f(a.scenario.households),
        "years": [int(y) for y in c["years"]],
        "commitment_by_year": _list(c["commitment"][i]),
        "commitment_total": _f(c["total_commitment"][i]),
        "commitment_pv": _f(c["pv_commitment"][i]),
        "commitment_pv_per_household": _f(c["commitment_pv_per_household"][i]),
        "net_cost_by_year": _list(c["net_cost"][i]),
        "net_cost_total": _f(c["total_net_cost"][i]),
        "net_cost_pv": _f(c["pv_net_cost"][i]),
        "net_cost_pv_per_household": _f(c["net_cost_pv_per_household"][i]),
        "foregone_rent_pv": _f(c["pv_foregone_rent"][i]),
        "budget_share_peak": _f(peak),
        "budget_share_peak_year": int(c["budget_share_peak_year"][i]),
        "red_line_ok": bool(c["red_line_ok"][i]),
        "vfm": _f(vfm),
        "by_year": {k: _list(c[k][i]) for k in lines},
        "totals": {k: _f(c[f"total_{k}"][i]) for k in lines},
        "pv": {k: _f(c[f"pv_{k}"][i]) for k in lines},
        "affordability": {
            "budget_expenditure_by_year": _list(c["budget_expenditure"][i]),
            "share_by_year": _list(c["budget_share"][i]),
            "existing_commitments_share": _f(c["existing_commitments_share"][i]),
            "peak_share": _f(peak),
            "peak_year": int(c["budget_share_peak_year"][i]),
            "red_line": _f(c["red_line"][i]),
            "warning_level": _f(c["warning_level"][i]),
            "red_line_ok": bool(c["red_line_ok"][i]),
            "above_warning": bool(c["above_warning"][i]),
            "formal_ppp": bool(gov.formal_ppp),
            "indicative": not gov.formal_ppp,
            "construction_support": _f(construction),
            "construction_support_flag": construction > 0,
            "numerator": "cash outlays: co-investment + subsidy paid + capital grants (tax relief excluded)",
        },
        "value_for_money": {
            "vfm": _f(vfm),
            "better_value": "concession" if vfm > 0 else ("comparator" if vfm < 0 else "equal"),
            "comparator_net_cost_pv": _f(c["psc_net_cost_pv"][i]),
            "concession_net_cost_pv": _f(c["pv_net_cost"][i]),
            "comparator": {
                "definition": ("the street office renovates and runs the same services itself: capex in year 0, "
                               "operating costs escalated from year 1, the concession's rent, parking and other "
                               "receipts x revenue_factor, the fees billed x its collection rate; no taxes"),
                **{k: _f(x[i]) for k, x in c["comparator"].items()},
                "taxes": "none",
            },
            "comparator_by_year": {k[4:]: _list(c[k][i]) for k in ("psc_capex", "psc_opex", "psc_revenue", "psc_net_cost")},
            "note": "The foregone rent is outside the test: the comparator earns the space's rent itself.",
        },
        "residents": {
            "floor_area_per_household_m2": _f(c["floor_area_per_household_m2"][i]),
            "property_fee_per_household_month": _list(c["property_fee_per_household_month"][i]),
            "paying_household_share": _list(c["paying_household_share"][i]),
            "paying_household_share_source": ("government.paying_household_share" if gov.paying_household_share is not None
                                              else "the year's fee collection rate"),
            "average_fee_per_household_month": _list(c["average_fee_per_household_month"][i]),
            "parking_fee_per_space_month": _list(c["parking_fee_per_space_month"][i]),
            "property_fee_change": _f(c["property_fee_change"][i]),
            "property_fee_change_vs_wages": _f(c["property_fee_change_vs_wages"][i]),
            "parking_fee_change": _f(c["parking_fee_change"][i]),
        },
        "notes": notes,
    }


# --------------------------------------------------------------------------- terminal
def summary_lines(v: dict) -> list[str]:
    """The government view of :func:`government_view` as terminal lines, amounts in 万元."""
    def wan(x):
        return "n/a" if x is None else f"{x / 1e4:,.2f} 万元"

    def pct(x):
        return "n/a" if x is None else f"{100 * x:.2f} %"

    aff, vf, res, tot = v["affordability"], v["value_for_money"], v["residents"], v["totals"]
    per_hh = v["commitment_pv_per_household"]
    per_hh = "" if per_hh is None else f"  ({per_hh:,.0f} CNY per household)"
    line = f"red line {pct(aff['red_line'])}: {'ok' if v['red_line_ok'] else 'OVER'}"
    if aff["above_warning"]:
        line += f", above the warning level {pct(aff['warning_level'])}"
    if aff["indicative"]:
        line += "; indicative"
    fee = [x for x in res["property_fee_per_household_month"][1:] if x is not None]
    park = [x for x in res["parking_fee_per_space_month"][1:] if x is not None]
    residents = "n/a"
    if fee and park:
        residents = (f"property fee {min(fee):,.2f}-{max(fee):,.2f} CNY/household/month, "
                     f"parking {min(park):,.2f}-{max(park):,.2f} CNY/space/month")
    return [
        f"Government rate         {pct(v['discount_rate'])}",
        f"Commitments             {wan(v['commitment_total'])}  PV {wan(v['commitment_pv'])}{per_hh}",
        f"  co-investment {wan(tot['co_investment'])}, subsidy {wan(tot['subsidy_paid'])}, "
        f"capital grants {wan(tot['capital_grant'])}, tax relief {wan(tot['tax_relief'])}",
        f"Taxes paid back         {wan(tot['taxes_paid_back'])}  PV {wan(v['pv']['taxes_paid_back'])}",
        f"Net cost                {wan(v['net_cost_total'])}  PV {wan(v['net_cost_pv'])}",
        f"Foregone rent (memo)    {wan(tot['foregone_rent'])}  PV {wan(v['foregone_rent_pv'])}",
        f"Budget share, peak      {pct(v['budget_share_peak'])} in {v['budget_share_peak_year']}  ({line})",
        f"Value for money         {wan(v['vfm'])}  (comparator PV {wan(vf['comparator_net_cost_pv'])} - "
        f"concession PV {wan(vf['concession_net_cost_pv'])}: {vf['better_value']} better)",
        f"Residents               {residents}",
        *[f"Note: {n}" for n in v["notes"][:2]],
    ]
