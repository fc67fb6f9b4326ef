"""Break-even benchmark: the full default table plus the subsidy corridor, J-community base case.

Measured in one process after imports: the first (cold) call, then the median of ``--repeat``
warm runs of ``breakeven_table(a)`` + ``subsidy_corridor(a)``. The baseline, measured in the
same run, solves the same problems one at a time as a Goal Seek would: for each driver, the
metric at both ends of the same range (one engine call each) and, where the sign differs,
``scipy.optimize.brentq`` with one engine call per function value; the concession length is
scanned one length per call (as finmodel does: the time axis changes); the corridor's conditions
are each a brentq over the same subsidy range. The baseline is given the brackets finmodel's grid
would find on a monotonic metric, so it does less work than a robust solver must; the two
answers are compared.

    python benchmarks/bench_breakeven.py                 # target: under 2 s for table + corridor
    python benchmarks/bench_breakeven.py --repeat 9 --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finmodel import breakeven as B  # noqa: E402
from finmodel.breakeven.conditions import _corridor_assumptions, _corridor_targets  # noqa: E402
from finmodel import engine  # noqa: E402
from finmodel.scenarios import load, with_values  # noqa: E402


def finmodel_run(a):
    t0 = time.perf_counter()
    df = B.breakeven_table(a)
    c = B.subsidy_corridor(a)
    return time.perf_counter() - t0, df, c


def finmodel_parts(a) -> dict[str, float]:
    """The same work split: the continuous drivers, the concession scan, the corridor."""
    keys = [k for k, _, _ in B.table_drivers(a)]
    out = {}
    t0 = time.perf_counter()
    B.breakeven_table(a, drivers=[k for k in keys if k != "concession"])
    out["drivers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    B.breakeven_table(a, drivers=["concession"])
    out["concession"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    B.subsidy_corridor(a)
    out["corridor"] = time.perf_counter() - t0
    return out


def baseline(a) -> tuple[float, dict[str, float], dict[str, float], int, dict[str, float]]:
    """One problem at a time: brentq per driver, a scan per length, brentq per corridor condition."""
    calls = 0
    parts = {"drivers": 0.0, "concession": 0.0, "corridor": 0.0}

    def f_of(driver, metric, target, fixed=None, at=None):
        def f(x):
            nonlocal calls
            calls += 1
            vary = {p: np.asarray(v, dtype=float).reshape(1) for p, v in driver.leaves(np.asarray(x)).items()}
            vary.update({k: np.array([v]) for k, v in (fixed or {}).items()})
            return float(engine.evaluate(at or a, vary, metrics=(metric,))[metric][0]) - target
        return f

    t0 = time.perf_counter()
    table: dict[str, float] = {}
    for key, _label, spec in B.table_drivers(a):
        t1 = time.perf_counter()
        d = B.resolve_driver(a, spec)
        lo, hi = B.default_range(d)
        if d.kind == "whole":                      # the concession: one length per call, first with NPV >= 0
            table[key] = math.nan
            for n in range(int(lo), int(hi) + 1):
                calls += 1
                try:
                    a_n = with_values(a, {"scenario.concession_years": n,
                                          "scenario.calibration_year": min(a.scenario.calibration_year, n)})
                except Exception:
                    continue
                if engine.evaluate(a_n, metrics=("npv",))["npv"][0] >= 0:
                    table[key] = float(n)
                    break
            parts["concession"] += time.perf_counter() - t1
            continue
        f = f_of(d, "npv", 0.0)
        f_lo, f_hi = f(lo), f(hi)
        table[key] = brentq(f, lo, hi, xtol=1e-12 * (hi - lo), rtol=4 * np.finfo(float).eps) \
            if f_lo * f_hi < 0 else math.nan
        parts["drivers"] += time.perf_counter() - t1
    t1 = time.perf_counter()
    ac = _corridor_assumptions(a)
    d = B.resolve_driver(ac, B.SUBSIDY)
    lo, hi = B.corridor_range(a)
    corridor: dict[str, float] = {}
    floors, caps = _corridor_targets(ac)
    for t in floors + caps:
        f = f_of(d, t.metric, t.value, at=ac)
        f_lo, f_hi = f(lo), f(hi)
        corridor[str(t)] = brentq(f, lo, hi, xtol=1e-12 * (hi - lo), rtol=4 * np.finfo(float).eps) \
            if f_lo * f_hi < 0 else math.nan
    parts["corridor"] = time.perf_counter() - t1
    return time.perf_counter() - t0, table, corridor, calls, parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="warm runs to take the median of")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()

    a = load().assumptions
    cold, df, c = finmodel_run(a)
    warm = [finmodel_run(a)[0] for _ in range(args.repeat)]
    ours_parts = [finmodel_parts(a) for _ in range(args.repeat)]
    ours_parts = {k: statistics.median(p[k] for p in ours_parts) for k in ours_parts[0]}
    base_times, base_parts, base = [], [], None
    for _ in range(max(1, args.repeat // 2)):
        t, table, corr, calls, parts = baseline(a)
        base_times.append(t)
        base_parts.append(parts)
        base = (table, corr, calls)
    base_parts = {k: statistics.median(p[k] for p in base_parts) for k in base_parts[0]}
    table, corr, calls = base
    # agreement: relative difference of the values both found
    diffs = []
    for key, row in df.iterrows():
        v, w = row["value"], table[key]
        if math.isfinite(v) and math.isfinite(w):
            diffs.append(abs(v - w) / max(abs(w), 1e-12))
        elif math.isfinite(v) != math.isfinite(w):
            diffs.append(math.inf)
    ours = {str(k["target"]): k["bound"] for k in c.constraints}
    for k, w in corr.items():
        if math.isfinite(w):
            diffs.append(abs(ours[k] - w) / abs(w))
    med, bmed = statistics.median(warm), statistics.median(base_times)
    # the other branch: no corridor (a 10 % margin cap), where the lever search runs too
    a_gap = load(None, ["corridor.max_margin_avg=0.1"]).assumptions
    gap_runs = [finmodel_run(a_gap)[0] for _ in range(max(1, args.repeat // 2))]
    figures = {
        "cpus": os.cpu_count(), "cold_seconds": cold, "median_seconds": med, "runs": warm,
        "baseline_brentq_seconds": bmed, "baseline_engine_calls": calls, "speedup": bmed / med,
        "parts_seconds": ours_parts, "baseline_parts_seconds": base_parts,
        "max_relative_difference": max(diffs) if diffs else 0.0,
        "target_seconds": 2.0, "within_target": med < 2.0 and cold < 2.0,
        "no_corridor_with_levers_seconds": statistics.median(gap_runs),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"break-even table ({len(df)} drivers) + subsidy corridor, J community, {os.cpu_count()} CPUs")
    print(f"  finmodel (vectorised)   cold {cold:.3f} s, warm median {med:.3f} s over {len(warm)} runs "
          f"(target < 2 s: {'met' if figures['within_target'] else 'MISSED'})")
    print(f"  baseline (brentq, one problem at a time)   median {bmed:.3f} s, {calls} engine calls per run")
    for k in ours_parts:
        print(f"    {k:<11} finmodel {ours_parts[k]:.3f} s   baseline {base_parts[k]:.3f} s   "
              f"({base_parts[k] / ours_parts[k]:.1f}x)")
    print(f"  speed-up {bmed / med:.1f}x; largest relative difference between the answers: "
          f"{figures['max_relative_difference']:.1e}")
    print(f"  with --set corridor.max_margin_avg=0.1 (no corridor, lever search): "
          f"{statistics.median(gap_runs):.3f} s")


if __name__ == "__main__":
    main()
