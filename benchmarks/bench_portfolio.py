"""Benchmark of ``finmodel portfolio``: a synthetic district screened with Monte Carlo, locally and
on a local Dask cluster. Writes ``benchmarks/portfolio_results.json`` (docs/portfolio.md quotes it;
the README quotes no timing).

- **local**: the portfolio evaluated in one process (the default of ``finmodel portfolio``);
- **cluster**: the same on a ``dask.distributed`` LocalCluster of ``--workers`` worker processes
  (one thread each), the client in this process.

Each mode runs in a fresh process: the time includes sampling the draws and consolidating the
firm and the district, not making the synthetic district (reported apart); the peak memory is the
process's ``ru_maxrss`` (local) or each worker's (cluster). The two runs' results are compared bit
for bit (a checksum of every array).

    python benchmarks/bench_portfolio.py                        # 1,000 communities x 1,000 draws
    python benchmarks/bench_portfolio.py --communities 100 --draws 100 --no-write   # a quick try
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "portfolio_results.json"


def _checksum(r) -> str:
    h = hashlib.sha256()
    for part in (r.sums, r.kpi, r.firm["years"], r.firm["metrics"], r.district["years"], r.district["metrics"]):
        for k in sorted(part):
            h.update(k.encode())
            h.update(np.ascontiguousarray(part[k]).tobytes())
    return h.hexdigest()[:16]


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one(mode: str, n: int, draws: int, seed: int, workers: int, chunk: int) -> dict:
    from finmodel.portfolio import run_portfolio
    from finmodel.portfolio.synthetic import synthetic_district

    t0 = time.perf_counter()
    lp = synthetic_district(n, seed=seed)
    made = time.perf_counter() - t0
    out = {"mode": mode, "communities": n, "draws": draws, "chunk": chunk, "make_district_s": made}
    if mode == "local":
        t0 = time.perf_counter()
        r = run_portfolio(lp, draws=draws, seed=seed, chunk=chunk)
        out["seconds"] = time.perf_counter() - t0
        out["peak_rss_mib"] = {"process": _maxrss_mib()}
    else:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
        client.run(lambda: __import__("finmodel.portfolio.run"))          # workers warm (imports), as a cluster would be
        t0 = time.perf_counter()
        r = run_portfolio(lp, draws=draws, seed=seed, chunk=chunk, client=client)
        out["seconds"] = time.perf_counter() - t0
        out["workers"] = workers
        out["peak_rss_mib"] = {"client": _maxrss_mib(),
                               **{f"worker {i}": v / 1024.0 for i, v in
                                  enumerate(client.run(lambda: __import__("resource").getrusage(
                                      __import__("resource").RUSAGE_SELF).ru_maxrss).values())}}
        client.close()
        cluster.close()
    out["community_draws_per_s"] = n * draws / out["seconds"]
    out["checksum"] = _checksum(r)
    out["firm_tier_shares"] = {str(k): float(np.mean(r.firm["metrics"]["verdict_tier"] == k)) for k in (1, 2, 3, 4)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--communities", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--mode", choices=["local", "cluster"], default=None, help="(internal) one mode in this process")
    ap.add_argument("--no-write", action="store_true", help="print, do not write portfolio_results.json")
    a = ap.parse_args()
    if a.mode:
        print(json.dumps(one(a.mode, a.communities, a.draws, a.seed, a.workers, a.chunk)))
        return
    load0 = os.getloadavg()
    runs = []
    for mode in ("local", "cluster"):
        cmd = [sys.executable, __file__, "--mode", mode, "--communities", str(a.communities), "--draws", str(a.draws),
               "--seed", str(a.seed), "--workers", str(a.workers), "--chunk", str(a.chunk)]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            sys.exit(p.stderr)
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1], indent=1))
    local, cl = runs
    per_worker = cl["community_draws_per_s"] / a.workers
    res = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "loadavg_start": load0, "loadavg_end": os.getloadavg()},
        "local": local, "cluster": cl,
        "identical": local["checksum"] == cl["checksum"],
        "extrapolation_1e8": {
            "community_draws": 1e8,
            "per_worker_per_s": per_worker,
            "worker_hours": 1e8 / per_worker / 3600,
            "workers_for_one_hour": 1e8 / per_worker / 3600,
            "note": "linear in community-draws: tasks are independent (one group of 16 communities x one chunk of draws); "
                    "the client adds the groups' sums in order, a few MB per task",
        },
    }
    print(json.dumps(res["extrapolation_1e8"], indent=1), "identical:", res["identical"])
    if not a.no_write:
        RESULTS.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
