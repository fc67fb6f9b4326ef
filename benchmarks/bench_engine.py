"""The benchmark suite behind the docs' performance page (docs/performance.md): engine, Monte Carlo, break-even, CLI.

Everything is written to ONE file, ``benchmarks/results.json``; ``python tools/update_docs.py``
renders docs/performance.md's benchmark section from it (nothing else in the README or the docs quotes
a timing).

- **Engine plus all metrics** (``engine.evaluate``, the operator's metrics and flags) for 10^4,
  10^5 and 10^6 scenarios, one and two workers (the compiled kernel's threads; the NumPy path's
  processes), eight inputs drawn across the projection. Each figure is the median of ``--pairs``
  *pairs* run in this process: the baseline (the same engine one scenario at a time, with
  numpy_financial.irr for the two IRRs, over ``--baseline`` scenarios) and then the engine, back
  to back, so the ratio of each pair is measured under the same load; the ratio is printed with
  its spread (min and max over the pairs). Peak memory: a fresh process per configuration
  (its VmHWM; the largest worker's ``ru_maxrss`` where the NumPy path forks workers).
- **Monte Carlo**, 10^6 draws of the J case's ``uncertainty`` inputs, all metrics, sampling
  included: median of ``--repeat`` runs, one and two workers; peak memory in a fresh process.
- **Break-even**: the default table (12 drivers) plus the subsidy corridor, warm median and first call.
- **CLI**: ``finmodel run --no-report`` as a fresh process, imports included, median of 7.

    python benchmarks/bench_engine.py                  # everything (about 3 minutes), writes results.json
    python benchmarks/bench_engine.py --quick          # smaller and fewer, for a try (not written)
    python tools/update_docs.py                        # then the docs' performance page

The load average (other processes on the machine) is recorded at the start and the end. The
process keeps the memory it frees (finmodel._memory.keep_heap), as the CLI's batch commands do.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
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

RESULTS = ROOT / "benchmarks" / "results.json"

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


def spread(xs) -> dict:
    xs = [float(x) for x in xs]
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def baseline_rate(a, n: int, seed: int) -> float:
    """One scenario at a time through the same engine, IRRs by numpy_financial.irr: scenarios/s."""
    import numpy_financial as npf

    v = draws(n, seed=seed)
    names = tuple(k for k in engine.METRIC_NAMES if k not in ("project_irr", "equity_irr"))
    t0 = time.perf_counter()
    for i in range(n):
        pj = engine.project(a, {k: x[i:i + 1] for k, x in v.items()})
        engine.compute_metrics(pj, names=names)
        npf.irr(pj["project_fcf"][0])
        npf.irr(pj["equity_fcf"][0])
    return n / (time.perf_counter() - t0)


def engine_seconds(a, v, workers: int, backend: str = "auto") -> float:
    t0 = time.perf_counter()
    engine.evaluate(a, v, workers=workers, backend=backend)
    return time.perf_counter() - t0


def keep_memory() -> None:
    """As the CLI's batch commands do (cli.options.tune_memory): freed memory stays in the process.
    On a virtual machine whose host takes back the pages a guest frees (this one: about 5 ms a MB
    to fault them in again after a second idle), this is the difference between a run right after
    the baseline and a run right after another run (docs/performance.md)."""
    from finmodel._memory import keep_heap

    keep_heap()


def child(kind: str, n: int, workers: int, backend: str) -> dict:
    """One run in this (fresh) process: its seconds and peak memory."""
    keep_memory()
    a = load().assumptions
    if kind == "engine":
        v = draws(n)
        warm = engine._backend(backend, n)          # the kernel loaded (a smaller batch could take NumPy's path)
        engine.evaluate(a, {k: x[:1000] for k, x in v.items()}, workers=workers, backend=warm)
        t = engine_seconds(a, v, workers, backend)
    else:
        from finmodel.sensitivity import run_montecarlo

        t0 = time.perf_counter()
        run_montecarlo(a, n, seed=1, workers=workers)
        t = time.perf_counter() - t0
    return {"seconds": t, "peak_mib": peak_mib()}


def peak_mib() -> float:
    """This process's peak resident memory, and its largest child's. VmHWM, not ru_maxrss: Linux
    keeps ru_maxrss across exec, so a child started by a big parent would report the parent's."""
    try:
        with open("/proc/self/status") as f:
            own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024.0


def fresh(kind: str, n: int, workers: int, backend: str = "auto") -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n), str(workers), backend],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_engine(a, sizes, workers_list, pairs: int, base_n: int) -> list[dict]:
    rows = []
    configs = [(n, w, "auto") for w in workers_list for n in sizes] + [(100_000, 1, "numpy")]
    for n, w, backend in configs:
        v = draws(n)
        engine.evaluate(a, {k: x[:2000] for k, x in v.items()}, workers=w, backend=engine._backend(backend, n))  # loaded
        rates, bases, ratios = [], [], []
        for i in range(pairs if n < 1_000_000 else max(2, pairs - 2)):
            b = baseline_rate(a, base_n, seed=100 + i)
            t = engine_seconds(a, v, w, backend)
            rates.append(n / t)
            bases.append(b)
            ratios.append(n / t / b)
        mem = fresh("engine", n, w, backend)
        used = engine._backend(backend, n)
        row = {"scenarios": n, "workers": w, "backend": used, "per_s": spread(rates), "baseline_per_s": spread(bases),
               "ratio": spread(ratios), "peak_mib": mem["peak_mib"]}
        rows.append(row)
        print(f"{n:>10,} {w:>2} {used:>8} {row['per_s']['median']:>12,.0f}/s "
              f"[{row['per_s']['min']:,.0f}-{row['per_s']['max']:,.0f}]  x{row['ratio']['median']:,.0f} "
              f"[{row['ratio']['min']:,.0f}-{row['ratio']['max']:,.0f}] baseline {row['baseline_per_s']['median']:,.0f}/s  "
              f"peak {row['peak_mib']:,.0f} MiB", flush=True)
    return rows


def bench_montecarlo(a, n: int, workers_list, repeat: int) -> list[dict]:
    from finmodel.sensitivity import run_montecarlo

    out = []
    run_montecarlo(a, 70_000, seed=1)             # kernels ready (compiled on first use, then cached)
    for w in workers_list:
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            run_montecarlo(a, n, seed=1, workers=w)
            ts.append(time.perf_counter() - t0)
        mem = fresh("montecarlo", n, w)
        out.append({"draws": n, "inputs": len(a.uncertainty.inputs), "workers": w, "seconds": spread(ts),
                    "peak_mib": mem["peak_mib"]})
        print(f"Monte Carlo {n:,} draws, {w} worker(s): {statistics.median(ts):.2f} s "
              f"[{min(ts):.2f}-{max(ts):.2f}], peak {mem['peak_mib']:,.0f} MiB", flush=True)
    return out


def bench_breakeven(repeat: int) -> dict:
    code = ("import time;t=time.perf_counter();from finmodel import breakeven as B;from finmodel.scenarios import load;"
            "a=load().assumptions;t1=time.perf_counter();B.breakeven_table(a);B.subsidy_corridor(a);"
            "print(time.perf_counter()-t1)")
    cold = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout.split()[-1]) for _ in range(3)]
    from finmodel import breakeven as B

    a = load().assumptions
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        B.breakeven_table(a)
        B.subsidy_corridor(a)
        warm.append(time.perf_counter() - t0)
    print(f"break-even table + corridor: warm {statistics.median(warm):.3f} s, first call {statistics.median(cold):.3f} s",
          flush=True)
    return {"warm_seconds": spread(warm), "first_call_seconds": spread(cold)}


def bench_cli(repeat: int) -> dict:
    exe = Path(sys.executable).with_name("finmodel")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "finmodel"]
    # caches warm: the kernels' and, as after an installation (pip compiles the package), finmodel's
    # bytecode: this first run may write it even where PYTHONDONTWRITEBYTECODE is set (a sandbox
    # that sets it would otherwise have every timed run compile the package's sources, ~0.1 s)
    warm_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd + ["run", "--no-report"], capture_output=True, check=True, env=warm_env)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd + ["run", "--no-report"], capture_output=True, check=True)
        ts.append(time.perf_counter() - t0)
    print(f"finmodel run --no-report: {statistics.median(ts):.3f} s [{min(ts):.3f}-{max(ts):.3f}]", flush=True)
    return {"seconds": spread(ts)}


def machine() -> dict:
    import numpy

    try:
        import numba
        nb = numba.__version__
    except ImportError:
        nb = None
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__, "numba": nb,
            "date": datetime.date.today().isoformat(), "load_average_start": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--pairs", type=int, default=5, help="interleaved baseline/engine pairs per configuration")
    ap.add_argument("--baseline", type=int, default=200, help="scenarios of each baseline run")
    ap.add_argument("--repeat", type=int, default=3, help="Monte Carlo runs per configuration")
    ap.add_argument("--quick", action="store_true", help="a short try; results.json is not written")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, n, w, backend = args.child
        print(json.dumps(child(kind, int(n), int(w), backend)))
        return
    if args.quick:
        args.sizes, args.pairs, args.baseline, args.repeat = [10_000, 100_000], 2, 50, 1
    keep_memory()
    a = load().assumptions
    res = {"machine": machine()}
    print(f"{res['machine']}", flush=True)
    res["engine"] = bench_engine(a, args.sizes, args.workers, args.pairs, args.baseline)
    res["montecarlo"] = bench_montecarlo(a, 1_000_000 if not args.quick else 100_000, args.workers, args.repeat)
    res["breakeven"] = bench_breakeven(5 if not args.quick else 2)
    res["cli"] = bench_cli(7 if not args.quick else 3)
    res["machine"]["load_average_end"] = os.getloadavg()[0]
    if not args.quick:
        RESULTS.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}; now: python tools/update_docs.py")


if __name__ == "__main__":
    main()
