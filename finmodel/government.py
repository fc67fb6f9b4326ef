"""The street office's view of the deal as plain data: fiscal commitments, affordability, value
for money, residents' burden.

The figures are rows of the model (:mod:`finmodel.model.government`, where each is defined);
this module reads them from a projection for ``finmodel run --json`` and the terminal, and
names the government metrics for break-even targets and sensitivity studies.

Entry points: :func:`compute` (the rows of a projection as arrays), :func:`government_view`
(one scenario, JSON-ready), :func:`government_metrics` (the (S,) metrics) and :func:`evaluate`
(chunked metrics of many scenarios, as ``engine.evaluate``).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from . import engine
from .assumptions import Assumptions
from .engine import Projection
from .errors import InputError
from .model.government import NOTE_FORMAL as _FORMAL, NOTE_INDICATIVE as _INDICATIVE, PV_LINES, RELIEF_OFF

__all__ = ["compute", "government_view", "government_metrics", "evaluate", "summary_lines", "GOV_METRIC_NAMES",
           "ALL_METRIC_NAMES", "RELIEF_OFF"]

#: Metrics for break-even targets and sensitivity studies, each an (S,) array: scalar rows of the model.
GOV_METRIC_NAMES = (
    "gov_commitment_pv", "gov_commitment_pv_per_household", "gov_net_cost_pv", "gov_tax_relief_pv",
    "gov_foregone_rent_pv", "gov_budget_share_peak", "gov_vfm",
)

NOTE_INDICATIVE = _INDICATIVE[0]
NOTE_FORMAL = _FORMAL[0]
NOTE_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                     "{amount:,.0f} CNY of the support here pays for construction (co-investment {co:,.0f}, "
                     "capital grants {grant:,.0f}).")
NOTE_NO_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                        "no support here pays for construction.")

#: Rows of the view by year (the model's keys without ``gov_``).
YEAR_ROWS = PV_LINES + ("discount_factor", "budget_expenditure", "budget_share", "psc_capex", "psc_opex", "psc_revenue",
                        "psc_net_cost", "psc_discount_factor", "property_fee_per_household_month",
                        "paying_household_share", "average_fee_per_household_month", "parking_fee_per_space_month")


def _need_rows(pj: Projection) -> Projection:
    if "gov_commitment" in pj.items:
        return pj
    raise InputError("the projection has no government rows: project it with detail=True", param="pj")


def compute(pj: Projection, a: Assumptions | None = None, **_ignored) -> dict[str, Any]:
    """The government rows of a projection as arrays: (S, N+1) by year, (S,) per scenario.

    By year [CNY unless stated]: every line of :data:`YEAR_ROWS`. Per scenario: ``total_<line>``
    and ``pv_<line>`` for each line of ``PV_LINES``, ``commitment_pv_per_household``,
    ``net_cost_pv_per_household`` [CNY/household], ``budget_share_peak`` [fraction],
    ``budget_share_peak_year``, ``red_line_ok``, ``above_warning`` [bool], ``construction_support``,
    ``psc_net_cost_pv``, ``vfm`` [CNY], ``floor_area_per_household_m2``, ``property_fee_change``,
    ``property_fee_change_vs_wages``, ``parking_fee_change`` [fraction, last operating year against
    year 1]; ``years`` and the discount ``rates``.
    """
    pj = _need_rows(pj)
    a = pj.assumptions if a is None else a
    S, N = pj.n_scenarios, pj.T - 1
    out: dict[str, Any] = {k: np.array(pj[f"gov_{k}"]) for k in YEAR_ROWS}
    sc = {k: np.array(pj.scalar(k)) for k in pj.scalars if k.startswith("gov_")}
    for line in PV_LINES:
        out[f"total_{line}"] = out[line].sum(axis=-1)
        out[f"pv_{line}"] = sc[f"gov_{line}_pv"]
    hh = float(a.scenario.households or 0)
    peak_i = np.argmax(out["budget_share"], axis=-1)
    gov = a.government
    rate_psc = gov.discount_rate if gov.comparator.discount_rate is None else gov.comparator.discount_rate

    def change(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x[:, 1] != 0, x[:, N] / np.where(x[:, 1] != 0, x[:, 1], 1.0) - 1.0, np.nan)

    wages = pj["wage_index"]
    fee_hh = out["property_fee_per_household_month"]
    out.update({
        "years": np.asarray(pj.years),
        "rates": {"government": np.full(S, gov.discount_rate), "comparator": np.full(S, rate_psc)},
        "commitment_pv_per_household": sc["gov_commitment_pv_per_household"],
        "net_cost_pv_per_household": sc["gov_net_cost_pv_per_household"],
        "budget_share_peak": sc["gov_budget_share_peak"],
        "budget_share_peak_year": np.asarray(pj.years)[peak_i],
        "red_line_ok": sc["gov_red_line_ok"].astype(bool),
        "above_warning": sc["gov_above_warning"].astype(bool),
        "red_line": np.full(S, gov.red_line), "warning_level": np.full(S, gov.warning_level),
        "existing_commitments_share": np.full(S, gov.existing_commitments_share),
        "comparator": {k: np.full(S, float(v)) for k, v in (
            ("capex_cny", gov.comparator.capex_cny), ("opex_cny_per_year", gov.comparator.opex_cny_per_year),
            ("opex_escalation", gov.comparator.opex_escalation), ("collection_rate", gov.comparator.collection_rate),
            ("revenue_factor", gov.comparator.revenue_factor), ("discount_rate", rate_psc))},
        "construction_support": out["total_co_investment"] + out["total_capital_grant"],
        "psc_net_cost_pv": sc["gov_psc_net_cost_pv"],
        "vfm": sc["gov_vfm"],
        "floor_area_per_household_m2": np.full(S, a.property_service.base_area_m2 / hh if hh > 0 else np.nan),
        "property_fee_change": change(fee_hh),
        "property_fee_change_vs_wages": change(fee_hh / np.where(wages != 0, wages, 1.0)),
        "parking_fee_change": change(out["parking_fee_per_space_month"]),
    })
    return out


def government_metrics(pj: Projection, a: Assumptions | None = None, *, names: tuple[str, ...] | None = None,
                       **_ignored) -> dict[str, np.ndarray]:
    """The government metrics of a projection's S scenarios, each an (S,) array (scalar rows)."""
    want = GOV_METRIC_NAMES if names is None else tuple(names)
    unknown = set(want) - set(GOV_METRIC_NAMES)
    if unknown:
        raise InputError(f"unknown metric(s): {', '.join(sorted(unknown))}; known: {', '.join(GOV_METRIC_NAMES)}",
                         param="metrics")
    _need_rows(pj)
    return {k: np.array(pj.scalar(k), dtype=float) for k in GOV_METRIC_NAMES if k in want}


def evaluate(a: Assumptions, vary: Mapping[str, Any] | None = None, *, chunk_size: int = engine.DEFAULT_CHUNK,
             metrics: tuple[str, ...] | None = None, workers: int = 1, backend: str = "auto") -> dict[str, np.ndarray]:
    """Engine and government metrics of S scenarios in chunks: ``engine.evaluate`` (default: the government's)."""
    names = GOV_METRIC_NAMES if metrics is None else tuple(dict.fromkeys(metrics))
    return engine.evaluate(a, vary, chunk_size=chunk_size, metrics=names, workers=workers, backend=backend)


#: Every metric a study can ask for: the operator's and the government's (all of them are
#: ``finmodel.registry.metric_names()``, which a test keeps equal to this).
ALL_METRIC_NAMES = engine.METRIC_NAMES + engine.VERDICT_METRIC_NAMES + GOV_METRIC_NAMES


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
    c = compute(pj, a) if arrays is None else arrays
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
        "affordability": _affordability(c, i, gov, construction, peak),
        "value_for_money": _value_for_money(c, i, vfm),
        "residents": _residents(c, i, gov),
        "notes": notes,
    }


def _affordability(c: dict, i: int, gov, construction: float, peak: float) -> dict:
    return {
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
    }


def _value_for_money(c: dict, i: int, vfm: float) -> dict:
    return {
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
    }


def _residents(c: dict, i: int, gov) -> dict:
    return {
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
