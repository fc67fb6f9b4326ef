"""Regenerate the generated parts of README.md: the YAML reference (from the schema) and the
benchmark section (from benchmarks/results.json, written by benchmarks/bench_engine.py).

    python tools/update_readme.py          # rewrite README.md in place
    python tools/update_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import benchdoc as _benchdoc  # noqa: E402 - tools/benchdoc.py, beside this script
from finmodel.schema_doc import markdown  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.json"


def render(text: str) -> str:
    block = "<!-- schema:begin -->\n" + markdown() + "<!-- schema:end -->"
    text = re.sub(r"<!-- schema:begin -->.*?<!-- schema:end -->", lambda _: block, text, flags=re.S)
    if RESULTS.exists():
        bench = "<!-- bench:begin -->\n" + _benchdoc.markdown(json.loads(RESULTS.read_text(encoding="utf-8"))) + \
            "<!-- bench:end -->"
        text = re.sub(r"<!-- bench:begin -->.*?<!-- bench:end -->", lambda _: bench, text, flags=re.S)
    return text


def main() -> int:
    unknown = [a for a in sys.argv[1:] if a != "--check"]
    if unknown:
        print(__doc__.strip())
        return 0 if unknown in (["-h"], ["--help"]) else 2
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in sys.argv:
        if new != old:
            print("README.md is out of date: run python tools/update_readme.py")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
