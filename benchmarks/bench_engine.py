"""Engine benchmark: projection plus all metrics for 10^4, 10^5 and 10^6 scenarios.

Each size runs in a fresh process (so its peak memory, ru_maxrss, is its own) through the
chunked batch path ``engine.evaluate``; the baseline, measured in the same run, is the same
engine called one scenario at a time with numpy_financial.irr for the two IRRs, over 1,000
scenarios, median of 3 runs.

    python benchmarks/bench_engine.py            # all sizes
    python benchmarks/bench_engine.py --sizes 10000 100000 --baseline 1000
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finmodel import engine  # noqa: E402
from finmodel.scenarios import load  # noqa: E402

# a Monte-Carlo-like spread over the inputs that move the whole projection (tests/conftest.py
# keeps a copy, ENGINE_RANGES: tests do not import benchmarks)
RANGES = {
    "support.subsidy_annual_cny": (0.0, 3e6),
    "space.tiers.2.rent_cny_per_m2_day": (4.0, 12.0),
    "space.tiers.1.occupancy.target": (0.6, 1.0),
    "property_service.collection.target": (0.6, 0.95),
    "property_service.fee_steps.0.fee_cny_per_m2_month": (0.3, 0.8),
    "parking.fee_cny_per_space_month": (80.0, 250.0),
    "macro.wage_inflation": (0.02, 0.07),
    "capex.renovation_cny": (2.5e7, 3.5e7),
}


def draws(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(lo, hi, n) for k, (lo, hi) in RANGES.items()}


def run_size(n: int, chunk: int, workers: int) -> dict:
    a = load().assumptions
    v = draws(n)
    t0 = time.perf_counter()
    m = engine.evaluate(a, v, chunk_size=chunk, workers=workers)
    dt = time.perf_counter() - t0
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024   # parent + largest worker
    return {"n": n, "seconds": dt, "per_s": n / dt, "peak_bytes": peak,
            "npv_mean": float(np.mean(m["npv"])), "irr_defined": float(np.mean(np.isfinite(m["project_irr"])))}


def baseline(n: int) -> float:
    """One scenario at a time through the same engine, IRRs by numpy_financial.irr: scenarios/s."""
    import numpy_financial as npf

    a = load().assumptions
    v = draws(n, seed=2)
    names = tuple(k for k in engine.METRIC_NAMES if k not in ("project_irr", "equity_irr"))
    t0 = time.perf_counter()
    for i in range(n):
        pj = engine.project(a, {k: x[i:i + 1] for k, x in v.items()})
        engine.compute_metrics(pj, names=names)
        npf.irr(pj["project_fcf"][0])
        npf.irr(pj["equity_fcf"][0])
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--chunk", type=int, default=engine.DEFAULT_CHUNK)
    ap.add_argument("--baseline", type=int, default=1_000)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2],
                    help="processes for engine.evaluate (the machine has 2 cores)")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(run_size(args.worker, args.chunk, args.workers[0])))
        return
    base_rates = [baseline(args.baseline) for _ in range(3)]
    base = statistics.median(base_rates)
    print(f"baseline: one scenario at a time + numpy_financial.irr, {args.baseline} scenarios, median of 3: "
          f"{base:,.0f} scenarios/s")
    print(f"{'scenarios':>10} {'workers':>7} {'seconds':>8} {'scenarios/s':>12} {'x baseline':>10} {'peak MiB':>9}")
    for w in args.workers:
        for n in args.sizes:
            out = subprocess.run([sys.executable, __file__, "--worker", str(n), "--chunk", str(args.chunk),
                                  "--workers", str(w)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{n:>10,} {w:>7} {r['seconds']:>8.2f} {r['per_s']:>12,.0f} {r['per_s'] / base:>10.0f} "
                  f"{r['peak_bytes'] / 2**20:>9.0f}")


if __name__ == "__main__":
    main()
