"""Regenerate the generated parts of README.md: the YAML reference (from the schema).

    python tools/update_readme.py          # rewrite README.md in place
    python tools/update_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finmodel.schema_doc import markdown  # noqa: E402


def render(text: str) -> str:
    block = "<!-- schema:begin -->\n" + markdown() + "<!-- schema:end -->"
    return re.sub(r"<!-- schema:begin -->.*?<!-- schema:end -->", lambda _: block, text, flags=re.S)


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
