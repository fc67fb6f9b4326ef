"""What a workbook looks like on paper, read back from the file: the test side of printing.

Independent of the writer's own plan (:mod:`finmodel.report.printing`): these helpers read what
the file says (page set-up, print area, print titles, column breaks, column widths, fonts of
the cells and charts) and work out the printed size of its text, and they read the fonts and
colours of a PDF that LibreOffice printed.

* :func:`printed_pages`: per sheet, the scale it prints at (its own, or the fit-to-width scale
  worked out from the widths), the width of each page across (print titles plus the columns
  between breaks) against the paper's printable width, and the smallest text in points as
  printed (font size x scale).
* :func:`pdf_text_sizes`: per PDF page, the size of every piece of text as drawn (``Tf`` size
  times the text and graphics matrices), from LibreOffice's content streams.
* :func:`red_pixels`: the pixels of a rendered page in the red of a negative number or an
  abnormal flag.

Column widths (as stored: characters of the default font's widest digit, padding included) are
converted at 6.36 pt a character: LibreOffice's width when it falls back to DejaVu Sans (a column
of width 10 prints 68 pt wide; Excel with Calibri, 52.5 pt). The PDF tests measure the real thing.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

#: Paper sizes by their OOXML code: (short side, long side) in points.
PAPER_PT = {9: (595.28, 841.89), 8: (841.89, 1190.55), None: (595.28, 841.89)}
DEFAULT_FONT_PT = 10.0          # the workbook's default font (finmodel's house style)
CHAR_PT = 6.36                  # a character of column width as LibreOffice prints it (DejaVu Sans 10 pt)


def col_points(width: float | None) -> float:
    """A column's width in points as printed (``width`` as stored, padding included)."""
    if width is None:
        width = 64 / 7              # Excel's default column: 8.43 characters, 64 pixels
    return width * CHAR_PT


@dataclass
class SheetPrint:
    title: str
    scale: float                                          # 1.0 = 100 %
    printable_w: float                                    # points
    pages_w: list[float] = field(default_factory=list)    # unscaled width of each page across, points
    min_font: float = DEFAULT_FONT_PT                     # smallest font size in the printed cells and charts
    min_where: str = ""
    cut: list[str] = field(default_factory=list)          # charts outside the print area or across a break

    @property
    def min_printed(self) -> float:
        return self.min_font * self.scale

    @property
    def overflow(self) -> list[float]:
        """The pages across that do not fit the paper at this scale (their printed widths)."""
        return [w * self.scale for w in self.pages_w if w * self.scale > self.printable_w + 0.5]


def _cols(spec: str) -> list[int]:
    """'$A:$B' -> [1, 2]."""
    a, b = spec.replace("$", "").split(":")
    return list(range(column_index_from_string(a), column_index_from_string(b) + 1))


@dataclass
class Chart:
    cols: tuple[int, int]          # first and last column it covers, 1-based
    rows: tuple[int, int]          # first and last row, 1-based
    sizes: list[float]             # its text sizes, points


def charts_of(path: Path) -> dict[str, list[Chart]]:
    """Per sheet title, its charts: where they sit and the sizes of their text."""
    out: dict[str, list[Chart]] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        wbx = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        for title, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wbx):
            target = re.search(r'Id="%s" Type="[^"]+" Target="([^"]+)"' % rid, rels).group(1)
            sheet = "xl/" + target.split("xl/")[-1].lstrip("/")
            srels = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if srels not in names:
                continue
            for drawing in re.findall(r'Target="\.\./drawings/([^"]+)"', z.read(srels).decode()):
                dx = z.read(f"xl/drawings/{drawing}").decode()
                drels = f"xl/drawings/_rels/{drawing}.rels"
                dmap = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="\.\./charts/([^"]+)"', z.read(drels).decode())) \
                    if drels in names else {}
                for anchor in re.findall(r"<xdr:twoCellAnchor.*?</xdr:twoCellAnchor>", dx, re.S):
                    m = re.search(r'<c:chart [^>]*r:id="(rId\d+)"', anchor)
                    if not m or m.group(1) not in dmap:
                        continue
                    (c1, _, r1, _), (c2, c2off, r2, r2off) = [tuple(map(int, x)) for x in re.findall(
                        r"<xdr:(?:from|to)><xdr:col>(\d+)</xdr:col><xdr:colOff>(-?\d+)</xdr:colOff>"
                        r"<xdr:row>(\d+)</xdr:row><xdr:rowOff>(-?\d+)</xdr:rowOff>", anchor)]
                    # 0-based anchors; a chart ending at offset 0 of a cell ends before it
                    c1, r1 = c1 + 1, r1 + 1
                    c2, r2 = c2 + (1 if c2off > 0 else 0), r2 + (1 if r2off > 0 else 0)
                    cx = z.read(f"xl/charts/{dmap[m.group(1)]}").decode()
                    sizes = [int(v) / 100 for v in re.findall(r'\bsz="(\d+)"', cx)] or [DEFAULT_FONT_PT]
                    out.setdefault(title, []).append(Chart((c1, c2), (r1, r2), sizes))
    return out


def print_areas(path: Path) -> dict[str, str]:
    """Per sheet title, its print area as the file defines it ('$A$1:$D$40', '$A:$D')."""
    with zipfile.ZipFile(path) as z:
        wbx = z.read("xl/workbook.xml").decode()
    titles = re.findall(r'<sheet name="([^"]+)"', wbx)
    out = {}
    for idx, ref in re.findall(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">([^<]+)<', wbx):
        out[titles[int(idx)]] = ref.split("!")[-1].split(",")[0]
    return out


def printed_pages(path: Path) -> dict[str, SheetPrint]:
    """How each visible sheet of ``path`` prints: scale, page widths, smallest font (see the module)."""
    wb = load_workbook(path)
    charts = charts_of(path)
    areas = print_areas(path)
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        ps = ws.page_setup
        short, long_ = PAPER_PT.get(int(ps.paperSize) if ps.paperSize else None, PAPER_PT[None])
        paper_w = long_ if ps.orientation == "landscape" else short
        m = ws.page_margins
        printable = paper_w - 72 * ((m.left or 0.7) + (m.right or 0.7))
        # the printed range: the print area, else the used range
        area = areas.get(ws.title)
        if area:
            ref = area.replace("$", "")
            if re.fullmatch(r"[A-Z]+:[A-Z]+", ref):
                c1, c2 = (column_index_from_string(x) for x in ref.split(":"))
                r1, r2 = 1, ws.max_row
            else:
                c1, r1, c2, r2 = range_boundaries(ref)
        else:
            c1, r1, c2, r2 = 1, 1, ws.max_column, ws.max_row
            c2 = max([c2] + [ch.cols[1] for ch in charts.get(ws.title, [])])
        widths = {}
        for c in range(c1, c2 + 1):
            d = ws.column_dimensions.get(get_column_letter(c))
            hidden, width = False, None
            for key, dim in ws.column_dimensions.items():
                if dim.min and dim.max and dim.min <= c <= dim.max:
                    hidden, width = bool(dim.hidden), dim.width
            if d is not None and d.width:
                width = d.width
            widths[c] = 0.0 if hidden else col_points(width)
        titles = _cols(ws.print_title_cols) if ws.print_title_cols else []
        breaks = sorted(int(b.id) for b in ws.col_breaks.brk) if ws.col_breaks else []
        # pages across: print titles, then the columns up to each break
        starts = [c1] + [b + 1 for b in breaks if c1 <= b < c2]
        ends = [b for b in breaks if c1 <= b < c2] + [c2]
        pages_w = []
        for s, e in zip(starts, ends):
            cols = sorted(set(c for c in titles if c < s) | set(range(s, e + 1)))
            pages_w.append(sum(widths.get(c, col_points(None)) for c in cols))
        fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
        if fit:
            across = 1 if ps.fitToWidth is None else int(ps.fitToWidth)     # OOXML default: 1 page wide
            if across == 0:          # fit to height only: the scale is not determined by the width
                scale = (int(ps.scale) if ps.scale else 100) / 100
            else:
                total = sum(widths.values()) + (across - 1) * sum(widths.get(c, 0.0) for c in titles)
                scale = min(1.0, across * printable / total)
        else:
            scale = (int(ps.scale) if ps.scale else 100) / 100
        sp = SheetPrint(ws.title, scale, printable, pages_w)
        hidden_rows = {i for i, d in ws.row_dimensions.items() if d.hidden}
        smallest = (float("inf"), "")
        for row in ws.iter_rows(min_row=r1, max_row=min(r2, ws.max_row), min_col=c1, max_col=c2):
            for cell in row:
                if cell.value is None or cell.row in hidden_rows or widths.get(cell.column, 1.0) == 0.0:
                    continue
                size = float(cell.font.sz) if cell.font is not None and cell.font.sz else DEFAULT_FONT_PT
                if size < smallest[0]:
                    smallest = (size, f"{cell.coordinate} {str(cell.value)[:40]!r}")
        for ch in charts.get(ws.title, []):
            where = f"a chart at {get_column_letter(ch.cols[0])}{ch.rows[0]}"
            if ch.cols[1] > c2 or ch.rows[1] > r2:
                sp.cut.append(f"{where} reaches beyond the print area")
            if any(ch.cols[0] <= b < ch.cols[1] for b in breaks):
                sp.cut.append(f"{where} is cut by a page break across")
            if min(ch.sizes) < smallest[0]:
                smallest = (min(ch.sizes), where)
        if smallest[0] < float("inf"):
            sp.min_font, sp.min_where = smallest
        out[ws.title] = sp
    return out


# ------------------------------------------------------------------ the PDF LibreOffice prints
def _pdf_objects(data: bytes) -> dict[int, tuple[bytes, int]]:
    """Object number -> (its dictionary text, the offset where it starts in ``data``)."""
    return {int(m.group(1)): (data[m.end():m.end() + 2000], m.end())
            for m in re.finditer(rb"(?<![0-9])(\d+) 0 obj", data)}


def _stream(data: bytes, objs: dict, n: int) -> bytes:
    head, at = objs[n]
    length = re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", head)
    size = int(length.group(1))
    if length.group(2):                                  # an indirect length
        size = int(re.match(rb"\s*(\d+)", objs[size][0]).group(1))
    start = data.index(b"stream", at) + len(b"stream")
    start += 2 if data[start:start + 2] == b"\r\n" else 1
    raw = data[start:start + size]
    dict_text = head[:head.index(b"stream")] if b"stream" in head else head
    return zlib.decompress(raw) if b"FlateDecode" in dict_text else raw


def pdf_text_sizes(path: Path) -> list[list[float]]:
    """Per page (in order), the printed size in points of each text object LibreOffice drew."""
    data = Path(path).read_bytes()
    objs = _pdf_objects(data)
    pages_obj = next(h for h, _ in objs.values() if re.match(rb"\s*<<\s*/Type\s*/Pages\b", h))
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids\s*\[([^\]]*)\]", pages_obj).group(1))]
    out = []
    for k in kids:
        ref = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", objs[k][0]).group(1)
        text = b"".join(_stream(data, objs, int(c)) for c in re.findall(rb"(\d+) 0 R", ref)).decode("latin1")
        out.append(_sizes(text))
    return out


def _sizes(text: str) -> list[float]:
    """Text sizes of one content stream: ``Tf`` size x |det(Tm x CTM)|^(1/2), tracking q/Q/cm."""
    sizes: list[float] = []
    ctm, stack, tm, nums = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], []
    for tok in re.findall(r"\[[^\]]*\]|<[^>]*>|\((?:\\.|[^\\)])*\)|/?[^\s\[\]<>()/]+", text):
        if tok == "q":
            stack.append(ctm[:])
        elif tok == "Q":
            ctm = stack.pop() if stack else ctm
        elif tok == "cm" and len(nums) >= 6:
            a, b, c, d, e, f = nums[-6:]
            m = ctm
            ctm = [a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2], c * m[1] + d * m[3],
                   e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5]]
        elif tok == "BT":
            tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        elif tok == "Tm" and len(nums) >= 6:
            tm = nums[-6:]
        elif tok == "Tf" and nums:
            a = tm[0] * ctm[0] + tm[1] * ctm[2]
            b = tm[0] * ctm[1] + tm[1] * ctm[3]
            c = tm[2] * ctm[0] + tm[3] * ctm[2]
            d = tm[2] * ctm[1] + tm[3] * ctm[3]
            sizes.append(nums[-1] * math.sqrt(abs(a * d - b * c)))
        else:
            try:
                nums.append(float(tok))
                continue
            except ValueError:
                pass
        nums = []
    return sizes


def pdf_page_texts(path: Path) -> list[str]:
    """The text of each page (pdftotext), for finding a sheet's pages by its footer."""
    n = len(pdf_text_sizes(path))
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(path), "-"], capture_output=True,
                           text=True).stdout for i in range(1, n + 1)]


def red_pixels(pdf: Path, page: int, workdir: Path, dpi: int = 60) -> int:
    """Pixels of one rendered page in a red: a [Red] number (#FF0000) or an abnormal flag's font
    (#9C0006) or fill (#FFC7CE)."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm (poppler) is needed")
    stem = workdir / f"page{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                   check=True)
    raw = (stem.with_suffix(".ppm")).read_bytes()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    w, h = int(m.group(1)), int(m.group(2))
    img = np.frombuffer(raw[m.end():m.end() + w * h * 3], dtype=np.uint8).reshape(h, w, 3).astype(int)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    font_red = (r > 130) & (g < 90) & (b < 90)
    fill_red = (r > 240) & (g > 180) & (g < 215) & (b > 190) & (b < 220) & (r - g > 35)
    return int(np.count_nonzero(font_red | fill_red))
