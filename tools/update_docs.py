"""Regenerate the generated parts of docs/ from their one definition.

    python tools/update_docs.py          # rewrite them in place
    python tools/update_docs.py --check  # exit 1 if one is out of date

- docs/reference/line-items.md and docs/reference/metrics.md, whole: from the row definitions of
  ``finmodel.model`` (through ``finmodel.registry``), for the packaged base case;
- docs/reference/yaml.md, between ``<!-- schema:begin -->`` and ``<!-- schema:end -->``: the YAML
  reference, from the schema (``finmodel.schema_doc.markdown``);
- docs/performance.md, between ``<!-- bench:begin -->`` and ``<!-- bench:end -->``: the benchmark
  figures, from ``benchmarks/results.json`` (written by ``python benchmarks/bench_engine.py``), the
  only place the README and the docs keep timings;
- the verdict's four tiers, between ``<!-- tiers:begin -->`` and ``<!-- tiers:end -->``, in
  docs/report.md (English) and docs/zh/report-guide.md (Chinese): from ``finmodel.verdict`` (the
  tiers' names and the rule the workbook prints beside the verdict).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import benchdoc  # noqa: E402 - tools/benchdoc.py, beside this script
from finmodel import registry, verdict  # noqa: E402
from finmodel.schema_doc import markdown as schema_markdown  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.json"

#: Whole files: path -> its text.
WHOLE = {
    "docs/reference/line-items.md": registry.line_item_reference,
    "docs/reference/metrics.md": registry.metric_reference,
}


def _bench() -> str | None:
    if not RESULTS.exists():
        return None
    return benchdoc.markdown(json.loads(RESULTS.read_text(encoding="utf-8")))


def tiers(zh: bool) -> str:
    """The four tiers as a table: number, key, names and the rule's words for each, as the workbook
    prints them (``verdict.RULE``, cut at its numbered parts)."""
    rule = verdict.RULE[0 if zh else 1]
    parts = [s.strip().rstrip(";；。.").strip() for s in re.split(r"[①②③④]" if zh else r"\(\d\) ", rule)[1:]]
    if len(parts) != len(verdict.TIERS):
        raise SystemExit(f"verdict.RULE has {len(parts)} numbered parts for {len(verdict.TIERS)} tiers")
    head = ["| 档 | 结论 | English | 判定规则(报告原文) |", "|---|---|---|---|"] if zh else \
        ["| tier | key | 中文 | English | rule (as the workbook prints it) |", "|---|---|---|---|---|"]
    out = []
    for (tier, (key, name_zh, name_en)), part in zip(verdict.TIERS.items(), parts):
        words = part.split(":", 1)[1].strip() if ":" in part else part
        out.append(f"| {tier} | **{name_zh}** | {name_en} | {words} |" if zh else
                   f"| {tier} | `{key}` | {name_zh} | {name_en} | {words} |")
    return "\n".join(head + out) + "\n"


#: Blocks inside a hand-written page: (path, marker name, its text or None to leave it).
BLOCKS = [
    ("docs/reference/yaml.md", "schema", schema_markdown),
    ("docs/performance.md", "bench", _bench),
    ("docs/report.md", "tiers", lambda: tiers(zh=False)),
    ("docs/zh/report-guide.md", "tiers", lambda: tiers(zh=True)),
]


def fill(text: str, name: str, body: str) -> str:
    """``text`` with the block between the ``name`` markers replaced by ``body``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in text or end not in text:
        raise SystemExit(f"the markers {begin} ... {end} are missing")
    return re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{body}{end}", text, flags=re.S)


def rendered() -> dict[str, str]:
    """Every generated file's text as it should be, by path relative to the repository."""
    out = {rel: render() for rel, render in WHOLE.items()}
    for rel, name, render in BLOCKS:
        old = out.get(rel) or (ROOT / rel).read_text(encoding="utf-8")
        body = render()
        out[rel] = old if body is None else fill(old, name, body)
    return out


def main() -> int:
    unknown = [a for a in sys.argv[1:] if a != "--check"]
    if unknown:
        print(__doc__.strip())
        return 0 if unknown in (["-h"], ["--help"]) else 2
    stale = []
    for rel, new in rendered().items():
        path = ROOT / rel
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if new != old:
            stale.append(rel)
            if "--check" not in sys.argv:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new, encoding="utf-8")
    if "--check" in sys.argv and stale:
        print(f"out of date: {', '.join(stale)}: run python tools/update_docs.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
