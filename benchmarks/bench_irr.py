"""Benchmark: finmodel.metrics.irr on whole arrays vs a loop of numpy_financial.irr.

Random conventional series (one outlay, then inflows; one sign change), ``--years`` long.
``irr`` is timed on ``--sizes`` series at once, the numpy_financial loop on ``--baseline`` series;
each figure is the median of ``--repeats`` runs. Throughput is series per second; the ratio is
irr's throughput over the loop's. The two are also checked to agree on the baseline series.

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finmodel.metrics import irr  # noqa: E402


def conventional_series(rng: np.random.Generator, n_series: int, n_years: int) -> np.ndarray:
    """Year 0: an outlay of 50..150; years 1..n-1: inflows of 0..30 [any currency]."""
    flows = rng.uniform(0.0, 30.0, (n_series, n_years))
    flows[:, 0] = -rng.uniform(50.0, 150.0, n_series)
    return flows


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="numbers of series for the vectorised irr (default: 10000 100000)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=1_000,
        help="number of series in the numpy_financial.irr loop (default: 1000)",
    )
    parser.add_argument(
        "--years", type=int, default=21, help="years per series, year 0 included (default: 21)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per figure; the median is shown (default: 3)"
    )
    parser.add_argument(
        "--seed", type=int, default=12345, help="seed of the random series (default: 12345)"
    )
    args = parser.parse_args(argv)
    if min(args.sizes + [args.baseline, args.years, args.repeats]) < 1:
        parser.error("sizes, baseline, years and repeats must be positive")

    rng = np.random.default_rng(args.seed)
    flows = conventional_series(rng, max(args.sizes + [args.baseline]), args.years)

    base = flows[: args.baseline]
    t_loop = median_seconds(lambda: [npf.irr(row) for row in base], args.repeats)
    loop_rate = args.baseline / t_loop
    diff = np.max(np.abs(irr(base) - np.array([npf.irr(row) for row in base])))

    print(f"IRR of random conventional series, {args.years} years; median of {args.repeats} runs")
    print(f"numpy {np.__version__}, numpy-financial {npf.__version__}")
    print()
    header = f"{'method':<28}{'series':>10}{'median s':>12}{'series/s':>14}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    row = "{:<28}{:>10,}{:>12.4f}{:>14,.0f}{:>9.1f}"
    print(row.format("numpy_financial.irr loop", args.baseline, t_loop, loop_rate, 1.0))
    for size in args.sizes:
        block = flows[:size]
        irr(block[:10])  # warm-up
        seconds = median_seconds(lambda block=block: irr(block), args.repeats)
        rate = size / seconds
        print(row.format("finmodel.metrics.irr", size, seconds, rate, rate / loop_rate))
    print()
    print(f"max |irr - numpy_financial.irr| on the {args.baseline:,} baseline series: {diff:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
