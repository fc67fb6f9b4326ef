"""Regenerate the references of docs/ from their one definition.

    python tools/update_docs.py          # rewrite docs/reference/*.md
    python tools/update_docs.py --check  # exit 1 if a reference is out of date

docs/reference/line-items.md and docs/reference/metrics.md come from the row definitions of
``finmodel.model`` (through ``finmodel.registry``), for the packaged base case.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finmodel import registry  # noqa: E402

REFERENCES = {
    "docs/reference/line-items.md": registry.line_item_reference,
    "docs/reference/metrics.md": registry.metric_reference,
}


def main() -> int:
    unknown = [a for a in sys.argv[1:] if a != "--check"]
    if unknown:
        print(__doc__.strip())
        return 0 if unknown in (["-h"], ["--help"]) else 2
    stale = []
    for rel, render in REFERENCES.items():
        path = ROOT / rel
        new = render()
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
