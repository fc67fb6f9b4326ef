"""Pictures of the real workbook's pages for the street office's guide (docs/zh/report-guide.md).

    python tools/screenshots.py            # rewrite docs/zh/img/*.png

Runs ``finmodel run --pdf`` on the packaged base case (Chinese, as a street office gets it) in a
scratch folder, has LibreOffice print it to PDF (``finmodel.report.recalc``), finds each page by
the heading printed on it and renders it with ``pdftoppm`` (poppler-utils) to a PNG 1,000 pixels
wide. Needs ``soffice`` and ``pdftoppm``; the PNGs are committed, so the docs build without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "zh" / "img"

#: picture -> the first words of the printed page it shows (the first page that starts so).
PAGES = {
    "summary-verdict": "J社区(劲松)老旧小区改造运营 基准情景",     # Summary page 1: the verdict
    "summary-indicators": "主要指标",                              # Summary page 2: indicators, corridor
    "summary-mix": "收入结构",                                     # Summary page 3: mix, master check, charts
    "summary-public": "财政支出责任",                              # Summary page 4: the public side's chart
    "statements": "财务评价报表",                                  # Statements, the first years
    "government": "政府视角",                                      # Government view, the first years
    "checks": "校验",                                              # Checks, the first years
}
WIDTH = 1000


def _page_text(pdf: Path, page: int) -> str:
    r = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                       capture_output=True, text=True, check=True)
    return r.stdout


def pages(pdf: Path) -> dict[str, int]:
    """Each picture's page number in ``pdf``."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    found: dict[str, int] = {}
    for page in range(1, n + 1):
        lines = [ln.strip() for ln in _page_text(pdf, page).splitlines() if ln.strip()]
        first = lines[0] if lines else ""
        for name, words in PAGES.items():
            if name not in found and first.replace(" ", "").startswith(words.replace(" ", "")):
                found[name] = page
    missing = set(PAGES) - set(found)
    if missing:
        raise SystemExit(f"pages not found in {pdf}: {', '.join(sorted(missing))}")
    return found


def main() -> int:
    for tool in ("soffice", "pdftoppm", "pdftotext"):
        if not shutil.which(tool):
            print(f"error: {tool} is not installed (LibreOffice, poppler-utils)", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
        subprocess.run([sys.executable, "-m", "finmodel", "run", "--pdf", "-o", tmp], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        pdf = Path(tmp) / "j_community.pdf"
        OUT.mkdir(parents=True, exist_ok=True)
        for name, page in pages(pdf).items():
            subprocess.run(["pdftoppm", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                            "-scale-to-x", str(WIDTH), "-scale-to-y", "-1", str(pdf), str(OUT / name)], check=True)
            print(f"docs/zh/img/{name}.png: page {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
