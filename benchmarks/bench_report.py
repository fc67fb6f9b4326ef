"""Report benchmark: the default ``finmodel run`` end to end, as the user runs it.

Each run is a fresh ``python -m finmodel run -o DIR`` process (imports, YAML loading, the
projection, the subsidy corridor and verdict, the workbook with every formula and its cached
value), timed from outside; the figure is the median of ``--repeat`` runs after one warm-up
run (which fills the OS file cache). ``--pdf`` also times ``run --pdf`` (LibreOffice).

    python benchmarks/bench_report.py              # median of 7 runs; target <= 3 s
    python benchmarks/bench_report.py --repeat 15 --pdf
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def one_run(extra: list[str], out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "finmodel", "run", "-o", str(out), *extra],
                       capture_output=True, text=True, env=env, cwd=str(ROOT))
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"finmodel run failed ({p.returncode}): {p.stderr.strip()}")
    return dt


def bench(extra: list[str], repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        one_run(extra, Path(tmp))                       # warm-up
        return [one_run(extra, Path(tmp)) for _ in range(repeat)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7, help="timed runs (default 7)")
    ap.add_argument("--pdf", action="store_true", help="also time run --pdf (needs LibreOffice)")
    args = ap.parse_args()
    cases = [("finmodel run (default: corridor, verdict, workbook)", [])]
    if args.pdf:
        if not (shutil.which("soffice") or shutil.which("libreoffice")):
            raise SystemExit("--pdf: LibreOffice (soffice) is not installed")
        cases.append(("finmodel run --pdf", ["--pdf"]))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.repeat} runs after a warm-up\n")
    print("| command | median | min | max |")
    print("|---|---:|---:|---:|")
    worst = 0.0
    for label, extra in cases:
        ts = bench(extra, args.repeat)
        med = statistics.median(ts)
        if not extra:
            worst = med
        print(f"| `{label}` | {med:.2f} s | {min(ts):.2f} s | {max(ts):.2f} s |")
    verdict = "within" if worst <= TARGET_S else "ABOVE"
    print(f"\ndefault run: median {worst:.2f} s, {verdict} the {TARGET_S:.0f} s target")
    if worst > TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
