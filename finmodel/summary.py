"""One scenario's results as a plain dict: the shape of ``finmodel run --json``.

The metric names here are the names every command uses (break-even targets, sensitivity
metrics, Monte Carlo summaries).
"""

from __future__ import annotations

import math

import numpy as np

from . import metrics as M
from .engine import METRIC_NAMES, Projection, compute_metrics, revenue_mix


def _f(x) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def irr_note(flows: np.ndarray, hurdle: float | None = None) -> dict:
    d = M.irr(flows, hurdle=hurdle, return_details=True)
    return {"reason": str(d.reason), "multiple": bool(d.multiple), "roots": [float(r) for r in (d.roots or [])]}


def summarise(pj: Projection, scenario: int = 0, metrics: dict | None = None, *, government: bool = True) -> dict:
    """KPIs, revenue mix, cash flows and flags of one scenario of a projection, and the street
    office's view (``government``: commitments, affordability, value for money, residents)."""
    m = metrics if metrics is not None else compute_metrics(pj)
    a = pj.assumptions
    mix = revenue_mix(pj)
    i = scenario
    pf = pj["project_fcf"][i]
    ef = pj["equity_fcf"][i]
    out = {
        "scenario": a.scenario.name,
        "title": a.scenario.title,
        "paper_case": a.scenario.paper_case,
        "discount_rate": float(pj.project_rate[i]),
        "equity_hurdle_rate": float(pj.equity_rate[i]),
        "start_year": a.scenario.start_year,
        "concession_years": a.scenario.concession_years,
        "metrics": {name: _f(m[name][i]) for name in METRIC_NAMES},
        "checks": {
            "balance_sheet_max_abs_cny": _f(pj.scalar("chk_balance_sheet_max_abs")[i]),
            "plan_vs_balance_cash_max_abs_cny": _f(pj.scalar("chk_plan_cash_max_abs")[i]),
            "min_cumulative_surplus_cny": _f(pj.scalar("min_cumulative_surplus")[i]),
            "master_check": _f(pj.scalar("master_check")[i]),
        },
        "revenue_mix": {k: _f(v[i]) for k, v in mix.items()},
        "revenue_mix_year": int(pj.years[pj.calibration_year]),
        "revenue_mix_reference": dict(a.mix.reference),
        "flags": {
            "project_irr": irr_note(pf, float(pj.project_rate[i])),
            "equity_irr": irr_note(ef, float(pj.equity_rate[i])),
            "payback_never": not math.isfinite(float(m["payback_years"][i])),
            "payback_refit_negative": bool(m["payback_refit_negative"][i]),
            "has_debt": bool(pj["debt_service"][i].sum() > 0),
            "cash_reconciles": bool(np.allclose(pj["equity_fcf_direct"][i], pj["equity_fcf_indirect"][i],
                                                rtol=0, atol=1e-6 * max(1.0, float(np.abs(pj["equity_fcf"][i]).max())))),
        },
        "totals": {
            "revenue": float(pj["revenue"][i, 1:].sum()),
            "support": float((pj["subsidy"][i] + pj["capital_grant"][i]).sum()),
            "net_income": float(pj["net_income"][i].sum()),
            "capex_paid": float(pj["capex_paid"][i].sum()),
            "taxes_paid": float((pj["vat_payable"][i] + pj["surcharges"][i] + pj["income_tax"][i]).sum()),
        },
        "cash_flows": {
            "years": [int(y) for y in pj.years],
            "project": [float(x) for x in pf],
            "equity": [float(x) for x in ef],
        },
    }
    if government:
        from .government import government_view
        out["government"] = government_view(pj, a, scenario=i)
    return out
