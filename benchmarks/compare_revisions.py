"""Engine throughput of this tree against another revision, measured side by side.

The other revision is checked out into a temporary git worktree; each measurement runs in a
fresh process (its own imports, caches and peak memory), alternating between the two trees,
so that the machine's state (other load, thermal state, page cache) falls on both alike. The
result per size is the median of the repeated pairs with the spread (min-max) of each side and
the median of the per-pair ratios.

    python benchmarks/compare_revisions.py HEAD~1
    python benchmarks/compare_revisions.py afbd964 --sizes 100000 1000000 --repeats 7
    python benchmarks/compare_revisions.py afbd964 --different-models   # today's (larger) model

Each measurement first runs the same evaluation once (imports, compilation, the compiled kernel
loaded from its cache), then times the second: both trees are measured in their steady state.

Both trees score the same scenarios (seeded draws over the inputs of ``RANGES``) with
``engine.evaluate`` and every metric; glibc's heap tuning is on for both, set by the worker itself
whatever the tree does (mmap and trim thresholds raised, no mmap at all): on a virtual machine
whose host takes back freed pages, faulting them in again otherwise adds a random 0.5-1 s to a
run at 10^6 scenarios.

    python benchmarks/compare_revisions.py afbd964 --new 6141685   # two older revisions, like for like
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import ctypes, json, resource, sys, time
import numpy as np
libc = ctypes.CDLL("libc.so.6")      # both trees alike: freed memory stays in the process (see the docstring)
libc.mallopt(-3, 32 * 1024 * 1024); libc.mallopt(-1, 2**31 - 1); libc.mallopt(-4, 0)
from finmodel import engine
from finmodel.scenarios import load
RANGES = json.loads(sys.argv[3])
n, workers = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
v = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in RANGES.items()}
a = load().assumptions
kw = {"tune_memory": True} if "tune_memory" in engine.evaluate.__code__.co_varnames else {}
engine.evaluate(a, v, workers=workers, **kw)          # imports, compiles, kernels loaded: the steady state
t0 = time.perf_counter()
m = engine.evaluate(a, v, workers=workers, **kw)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"per_s": n / dt, "npv_mean": float(np.mean(m["npv"])), "peak_mib": peak / 1024}))
"""

#: A Monte-Carlo-like spread over inputs that move the whole projection.
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


def measure(tree: Path, n: int, workers: int) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, str(n), str(workers), json.dumps(RANGES)], cwd=tree,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="the other revision (a commit, tag or branch)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--different-models", action="store_true",
                    help="compare trees whose models compute different numbers (later issues changed the rows): "
                         "the mean NPVs are printed instead of being required equal")
    ap.add_argument("--new", metavar="REV", help="measure this revision instead of this tree")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.rev], check=True)
        this = ROOT
        if args.new:
            this = Path(tmp) / "new"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(this), args.new], check=True)
        try:
            print(f"{args.new or 'this tree'} against {args.rev}: scenarios/s, median of {args.repeats} interleaved pairs "
                  f"(min-max), workers={args.workers}")
            for n in args.sizes:
                pairs = []
                for _ in range(args.repeats):
                    base = measure(other, n, args.workers)
                    new = measure(this, n, args.workers)
                    if not args.different_models and abs(base["npv_mean"] - new["npv_mean"]) > 1e-6 * abs(base["npv_mean"]):
                        raise SystemExit(f"the two trees disagree: mean NPV {base['npv_mean']} vs {new['npv_mean']}")
                    pairs.append((base, new))
                b = [p[0]["per_s"] for p in pairs]
                t = [p[1]["per_s"] for p in pairs]
                r = [y / x for x, y in zip(b, t)]
                print(f"{n:>10,}  {args.rev}: {statistics.median(b):>9,.0f} ({min(b):,.0f}-{max(b):,.0f})  "
                      f"this: {statistics.median(t):>9,.0f} ({min(t):,.0f}-{max(t):,.0f})  "
                      f"ratio {statistics.median(r):.3f} ({min(r):.3f}-{max(r):.3f})  "
                      f"peak MiB {max(p[0]['peak_mib'] for p in pairs):.0f} / {max(p[1]['peak_mib'] for p in pairs):.0f}"
                      + (f"  mean NPV {pairs[0][0]['npv_mean']:,.0f} / {pairs[0][1]['npv_mean']:,.0f}"
                         if args.different_models else ""))
        finally:
            for tree in {other, this} - {ROOT}:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


if __name__ == "__main__":
    main()
