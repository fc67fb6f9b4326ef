"""Benchmarks of the sensitivity studies on the J-community base case.

Run:  PYTHONPATH=. python benchmarks/bench_sensitivity.py [--n 1000000] [--workers 2] [--sample 200]

Targets (issue 4): Monte Carlo of 1,000,000 draws with all metrics <= 10 s (aim 5 s) and peak
memory < 2 GiB; a 101 x 101 grid <= 1 s; a tornado over 15 drivers <= 0.5 s; and the speed-up of
the grid against the same grid evaluated one scenario at a time, measured in the same run (the
one-at-a-time figure is extrapolated from a timed sample of cells, and says so).

Peak memory is the process's maximum resident set size (``ru_maxrss``), read right after the
Monte Carlo run (which runs first, so the figure is its own); with worker processes the largest
child's peak is printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from finmodel import engine  # noqa: E402
from finmodel.scenarios import load, with_values  # noqa: E402
from finmodel.sensitivity import run_grid, run_montecarlo, run_tornado, sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GRID = ["space.tiers.2.rent_cny_per_m2_day=-20%:+20%:101", "support.subsidy_annual_cny=0:2e6:101"]
NO_IRR = tuple(m for m in engine.METRIC_NAMES if "irr" not in m)


def peak_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0   # KiB on Linux


def best_of(k: int, f):
    times = []
    out = None
    for _ in range(k):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def line(label: str, seconds: float, target: float | None = None, extra: str = "") -> None:
    verdict = "" if target is None else ("  ok" if seconds <= target else f"  MISSED (target {target:g} s)")
    print(f"  {label:<58} {seconds:9.3f} s{verdict}{('  ' + extra) if extra else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="Monte Carlo draws")
    ap.add_argument("--workers", type=int, default=2, help="processes for the parallel Monte Carlo run")
    ap.add_argument("--sample", type=int, default=200, help="grid cells timed one at a time")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the Monte Carlo breakdown runs")
    args = ap.parse_args()

    a = load(ROOT / "assumptions" / "j_community.yaml").assumptions
    print(f"finmodel sensitivity benchmarks: J community, {os.cpu_count()} CPUs, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.2f} at start")

    # ---------------------------------------------------------------- Monte Carlo (first: its own memory peak)
    n = args.n
    print(f"\nMonte Carlo, {n:,} draws of {len(a.uncertainty.inputs)} inputs, all {len(engine.METRIC_NAMES)} metrics")
    t = time.perf_counter()
    res = run_montecarlo(a, n, seed=1)
    t_mc = time.perf_counter() - t
    mem = peak_mib()
    line("1 process", t_mc, 10.0, f"peak memory {mem:,.0f} MiB" + ("  ok" if mem < 2048 else "  MISSED (2 GiB)"))
    if args.workers > 1:
        t = time.perf_counter()
        res2 = run_montecarlo(a, n, seed=1, workers=args.workers)
        t_mc2 = time.perf_counter() - t
        same = all(np.array_equal(res.values[m], res2.values[m], equal_nan=True) for m in engine.METRIC_NAMES)
        line(f"{args.workers} worker processes (same result: {same})", t_mc2, 10.0,
             f"parent peak {peak_mib():,.0f} MiB, largest child {peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB")
    p = res.probabilities
    print(f"  (P(npv < 0) = {p['npv_below_zero']['p']:.4f}, mean npv = {res.metrics['npv']['mean'] / 1e4:,.2f} 万元)")
    if not args.no_breakdown:
        d = sample.montecarlo(a, n, 1)
        t = time.perf_counter()
        for b in range(d.n_blocks):
            d.block(b)
        t_draw = time.perf_counter() - t
        t = time.perf_counter()
        run_montecarlo(a, n, seed=1, metrics=NO_IRR)
        t_noirr = time.perf_counter() - t
        print("  breakdown (separate runs, 1 process):")
        line("  drawing the inputs (inverse CDFs, Iman-Conover)", t_draw)
        line("  everything but the two IRRs (draws, engine, statistics)", t_noirr)
        line("  so the IRR (computed once: no debt, equity = project) takes", max(t_mc - t_noirr, 0.0))

    # ---------------------------------------------------------------- grid
    print("\nGrid 101 x 101 of npv (rent of the commercial tier x annual subsidy)")
    t_grid, g = best_of(3, lambda: run_grid(a, GRID, "npv"))
    line("vectorised: one engine call for 10,202 scenarios (best of 3)", t_grid, 1.0)
    t_grid_irr, _ = best_of(1, lambda: run_grid(a, GRID, "project_irr"))
    line("the same grid of project_irr (for reference)", t_grid_irr)
    rows = np.repeat(g.axes[0].values, 101)
    cols = np.tile(g.axes[1].values, 101)
    idx = np.linspace(0, rows.size - 1, min(args.sample, rows.size)).astype(int)
    r_path, c_path = g.axes[0].path, g.axes[1].path

    def one_at_a_time_engine():
        for i in idx:
            engine.evaluate(a, {r_path: [rows[i]], c_path: [cols[i]]}, metrics=("npv",))

    def one_at_a_time_validated():
        for i in idx:
            b = with_values(a, {r_path: float(rows[i]), c_path: float(cols[i])})
            engine.evaluate(b, metrics=("npv",))

    t_s1, _ = best_of(1, one_at_a_time_engine)
    t_s2, _ = best_of(1, one_at_a_time_validated)
    per1, per2 = t_s1 / idx.size, t_s2 / idx.size
    ext1, ext2 = per1 * rows.size, per2 * rows.size
    print(f"  one scenario at a time, extrapolated to 10,201 cells from a timed sample of {idx.size}:")
    line(f"  engine.evaluate per cell ({per1 * 1e3:.2f} ms each)", ext1, extra=f"speed-up {ext1 / t_grid:,.0f}x")
    line(f"  re-validated assumptions + evaluate per cell ({per2 * 1e3:.2f} ms each)", ext2,
         extra=f"speed-up {ext2 / t_grid:,.0f}x")
    chk = [float(engine.evaluate(a, {r_path: [rows[i]], c_path: [cols[i]]}, metrics=("npv",))["npv"][0]) for i in idx[:5]]
    assert np.allclose(chk, g.values.reshape(-1)[idx[:5]], rtol=1e-12), "one-at-a-time and grid disagree"

    # ---------------------------------------------------------------- tornado
    print(f"\nTornado over {len(a.sensitivity.drivers)} drivers (the scenario's sensitivity.drivers)")
    t_tor, tor = best_of(5, lambda: run_tornado(a, "npv"))
    line(f"npv, {len(tor.drivers)} drivers, 31 scenarios (best of 5)", t_tor, 0.5)
    t_tor_all, _ = best_of(3, lambda: [run_tornado(a, m) for m in ("npv", "project_irr", "payback_years")])
    line("npv, project_irr and payback_years (best of 3)", t_tor_all)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (other processes share the 2 cores)")


if __name__ == "__main__":
    main()
