"""Benchmark: finmodel.metrics.irr on whole arrays vs a loop of numpy_financial.irr.

Three kinds of cash flows, ``--years`` long (21: year 0 and a 20-year concession):

- conventional: one outlay, then inflows (one sign change);
- multi-sign: random normal flows of mixed size, most with several sign changes;
- engine: the engine's own flows over the Monte Carlo spread of ``bench_engine.py`` -- the base
  case's project FCF (a late refit and a hand-back cost: most rows have 3-4 sign changes and two
  IRRs) and the loan case's equity FCF (which differs from its project FCF).

``irr`` is timed on ``--sizes`` series at once (``--engine-sizes`` for the engine flows), the
numpy_financial loop on ``--baseline`` series of the same kind; each figure is the median of
``--repeats`` runs. Throughput is series per second; the ratio is irr's throughput over the
loop's. On the baseline series irr is also checked (within 1e-9, NaN where NaN): against
numpy_financial.irr where there is one sign change; with several, against the rule of
docs/model.md section 5 (tests/irr_rule.py) on numpy_financial's own roots, since numpy_financial
returns the root nearest 0 and irr the investment root (the count of rows where the two
differ is printed too).

    python benchmarks/bench_irr.py
    python benchmarks/bench_irr.py --sizes 10000 100000 1000000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy_financial as npf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from finmodel.metrics import irr, irr_roots  # noqa: E402
from tests.irr_rule import rule  # noqa: E402

LOAN_CASE = HERE.parent / "assumptions" / "j_community_loan.yaml"


def conventional_series(rng: np.random.Generator, n_series: int, n_years: int) -> np.ndarray:
    """Year 0: an outlay of 50..150; years 1..n-1: inflows of 0..30 [any currency]."""
    flows = rng.uniform(0.0, 30.0, (n_series, n_years))
    flows[:, 0] = -rng.uniform(50.0, 150.0, n_series)
    return flows


def multi_sign_series(rng: np.random.Generator, n_series: int, n_years: int) -> np.ndarray:
    """Normal flows of mixed size (1, 10 or 100 per year): mostly several sign changes."""
    return rng.normal(0.0, 1.0, (n_series, n_years)) * rng.choice(
        [1.0, 10.0, 100.0], (n_series, n_years)
    )


def engine_series(n_series: int, seed: int) -> dict[str, np.ndarray]:
    """Project FCF of the base case and equity FCF of the loan case, (n_series, years) each."""
    from bench_engine import draws

    from finmodel import engine
    from finmodel.scenarios import load

    base = engine.project(load().assumptions, draws(n_series, seed), detail=False)
    loan = engine.project(load(LOAN_CASE).assumptions, draws(n_series, seed), detail=False)
    return {
        "engine, base project FCF": np.ascontiguousarray(base["project_fcf"]),
        "engine, loan equity FCF": np.ascontiguousarray(loan["equity_fcf"]),
    }


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def agreement(flows: np.ndarray) -> tuple[float, int, int]:
    """Largest |irr - expected| and the number of rows where only one is NaN; expected is
    numpy_financial.irr with one sign change, the rule on its roots with several. Also the
    number of rows where irr and numpy_financial.irr differ (by more than 1e-9, or NaN)."""
    res = irr(flows, return_details=True)
    ours = res.rate
    theirs = np.array([npf.irr(row) for row in flows])
    expected = theirs.copy()
    for k in np.flatnonzero(res.n_sign_changes >= 2):
        expected[k] = rule(flows[k], irr_roots(flows[k]))[0]
    nan_mismatch = int((np.isnan(ours) != np.isnan(expected)).sum())
    both = ~np.isnan(ours) & ~np.isnan(expected)
    diff = float(np.max(np.abs(ours[both] - expected[both]), initial=0.0))
    same = (np.isnan(ours) & np.isnan(theirs)) | (np.abs(ours - theirs) <= 1e-9)
    return diff, nan_mismatch, int((~same).sum())


def report(kind: str, flows: np.ndarray, sizes: list[int], baseline: int, repeats: int) -> None:
    base = flows[:baseline]
    t_loop = median_seconds(lambda: [npf.irr(row) for row in base], repeats)
    loop_rate = baseline / t_loop
    row = "{:<28}{:>10,}{:>12.4f}{:>14,.0f}{:>9.1f}"
    print(f"{kind}:")
    print(row.format("  numpy_financial.irr loop", baseline, t_loop, loop_rate, 1.0))
    for size in sizes:
        block = np.ascontiguousarray(flows[:size])
        irr(block[: min(size, 5000)])  # warm-up (builds the cells used, once per process)
        seconds = median_seconds(lambda block=block: irr(block), repeats)
        rate = size / seconds
        print(row.format("  finmodel.metrics.irr", size, seconds, rate, rate / loop_rate))
    diff, nan_mismatch, other_root = agreement(base)
    print(
        f"  max |irr - expected| on the {baseline:,} baseline series: {diff:.2e}"
        f"; NaN in one only: {nan_mismatch}; another root than numpy_financial: {other_root}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="numbers of random series for the vectorised irr (default: 10000 100000)",
    )
    parser.add_argument(
        "--engine-sizes",
        type=int,
        nargs="*",
        default=[20_000, 100_000],
        help="numbers of engine series for the vectorised irr (default: 20000 100000; none: skip)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=1_000,
        help="number of series in the numpy_financial.irr loop (default: 1000)",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=21,
        help="years per random series, year 0 included (default: 21)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per figure; the median is shown (default: 3)"
    )
    parser.add_argument(
        "--seed", type=int, default=12345, help="seed of the random series (default: 12345)"
    )
    args = parser.parse_args(argv)
    if min(args.sizes + args.engine_sizes + [args.baseline, args.years, args.repeats]) < 1:
        parser.error("sizes, baseline, years and repeats must be positive")

    rng = np.random.default_rng(args.seed)
    n_random = max(args.sizes + [args.baseline])
    print(f"IRR of {args.years}-year series; median of {args.repeats} runs")
    print(f"numpy {np.__version__}, numpy-financial {npf.__version__}")
    print()
    header = f"{'method':<28}{'series':>10}{'median s':>12}{'series/s':>14}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    kinds = {
        "random conventional (1 sign change)": conventional_series(rng, n_random, args.years),
        "random multi-sign": multi_sign_series(rng, n_random, args.years),
    }
    for kind, flows in kinds.items():
        report(kind, flows, args.sizes, args.baseline, args.repeats)
    if args.engine_sizes:
        n_engine = max(args.engine_sizes + [args.baseline])
        for kind, flows in engine_series(n_engine, seed=1).items():
            report(kind, flows, args.engine_sizes, args.baseline, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
