"""The workbook writer's core: what it is given, its formats and helpers, the order of the sheets, print set-up.

:class:`WriterBase` holds the state every sheet shares (the assumptions, the options, the
study results and, for the live report, the projection, its summary and the verdict; the
positions of the model's rows, the cell formats, the defined names) and writes the workbook
in order. The sheets are written by the mixins of :mod:`.sheets` (Inputs and the time-based
sheets), :mod:`.summary`, :mod:`.breakeven_sheet`, :mod:`.study_sheets` and :mod:`.about`;
:class:`finmodel.report.workbook.Writer` puts them together.

Text from YAML (names, titles, notes, sources) is always written with ``write_string``: a name
that starts with ``=`` stays text.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .. import __version__
from .. import model as model_pkg
from .. import registry, units
from .inputs import input_rows, unit_text
from . import printing
from .layout import (COL_UNIT, COL_Y0, COLORS, DEFAULT_COL_W, FONT_EN, FONT_ZH, HEADER_ROWS, MARGINS,
                     MONEY, NA, PAPER, SHEET_TITLES, STUDY_UNIT_ZH, T, auto_number_format, metric_unit_of,
                     workbook_options)
from .render import Values, XlCtx
from .studies import ReportOptions, Studies, finite

#: The live report's sheets: the results first (what a reader prints and reads), the study sheets,
#: then the model in FAST order (inputs, time, calculations) with its checks, then About.
REPORT_HEAD = ["summary", "statements", "government"]
REPORT_MODEL = ["inputs", "time", "calcs", "checks"]
TIME_SHEETS = ("time", "calcs", "statements", "government", "checks")


def report_date() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
    return datetime.now().replace(microsecond=0)


def assumptions_hash(a) -> str:
    text = json.dumps(a.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def display_width(text: str) -> float:
    """Display width in Excel character units (a CJK character is about 1.7 at the default font)."""
    return sum(1.7 if ord(ch) > 0x2E7F else 1.0 for ch in str(text))


def fast_formulas(ws) -> None:
    """Skip XlsxWriter's per-formula scan for Excel 365 functions (about 30 regular expressions a
    formula): finmodel writes only Excel 2010 functions, which the FAST test checks."""
    if hasattr(ws, "_prepare_formula"):
        def prepare(formula, expand_future_functions=False):
            return formula[1:] if formula.startswith("=") else formula
        ws._prepare_formula = prepare


def watch_numbers(ws, red_formats: dict, seen: dict) -> None:
    """Note every number or formula written to ``ws`` in one of ``red_formats`` (a format object's
    id -> its number format): ``seen[number format][row]`` -> columns. The rounding-noise rule
    (:meth:`WriterBase.zero_noise`) covers those cells."""
    for name in ("_write_number", "_write_formula"):
        write = getattr(ws, name, None)
        if write is None:                     # pragma: no cover - an XlsxWriter without these
            continue

        def watched(row, col, value, cell_format=None, *rest, _write=write):
            nf = red_formats.get(id(cell_format)) if cell_format is not None else None
            if nf is not None:
                seen.setdefault(nf, {}).setdefault(row, []).append(col)
            return _write(row, col, value, cell_format, *rest)
        setattr(ws, name, watched)


class WriterBase:
    """What every sheet shares. ``pj``, ``summary`` and ``verdict`` are the live report's (the
    projection, :func:`finmodel.summary.summarise` of it and :func:`finmodel.verdict.verdict`);
    a study workbook (``write(studies_only=True)``) needs none of them."""

    def __init__(self, a, path: Path, loaded=None, opts: ReportOptions | None = None, studies: Studies | None = None,
                 *, pj=None, summary: dict | None = None, verdict: dict | None = None):
        self.a = a
        self.pj = pj
        self.s = summary
        self.verdict = verdict
        self.path = Path(path)
        self.loaded = loaded
        self.opts = opts or ReportOptions.from_assumptions(a)
        self.studies = studies or Studies()
        self.zh = self.opts.language == "zh"
        self.N = a.scenario.concession_years
        self.T = self.N + 1
        self.last_col = COL_Y0 + self.N
        self.model = model_pkg.build(a) if pj is not None else None
        self.vals = Values(pj, 0, self.zh) if pj is not None else None
        self.pos: dict[str, tuple[str, int]] = {}
        self.titles = {k: (v[0] if self.zh else v[1]) for k, v in SHEET_TITLES.items()}
        self.fmts: dict = {}
        self.red_formats: dict[int, str] = {}                    # id of a format with a [Red] section -> its number format
        self.noise_cells: dict[str, dict[str, dict[int, list[int]]]] = {}   # sheet -> number format -> row -> columns
        self.colw: dict[str, dict[int, float]] = {}
        # printing: the last printed column and row of a sheet (default: all written), its label
        # columns repeated on every page across, and the plan made of them (print_setup)
        self.print_cols: dict[str, int] = {}
        self.print_rows: dict[str, int] = {}
        self.print_repeat: dict[str, int] = {}
        self.print_keep: dict[str, int] = {}
        self.plans: dict[str, printing.PagePlan] = {}
        self.chart_rows: dict[str, int] = {}
        self.row_breaks: dict[str, list[int]] = {}
        self.names: dict[str, str] = {}
        self.input_rows = input_rows(a)
        self.path_labels = {ir.path: (ir.zh if self.zh else ir.en) for ir in self.input_rows}
        self.path_pct = {ir.path for ir in self.input_rows if ir.percent}
        self.path_units = {ir.path: ("%" if ir.percent else unit_text(ir.unit, self.zh)) for ir in self.input_rows}

    # ------------------------------------------------------------------ helpers
    def na(self, key: str) -> str:
        return NA[key][0] if self.zh else NA[key][1]

    def note(self, text) -> str:
        """A source note from the YAML in the report's language (:func:`finmodel.registry.source_note`;
        as written with ``report.english_sources``)."""
        return registry.source_note(str(text or ""), self.zh and not self.opts.english_sources)

    def path_label(self, path: str) -> str:
        return self.path_labels.get(path, path)

    def t(self, zh_text, en_text):
        return T(self.zh, zh_text, en_text)

    def F(self, **props):
        key = tuple(sorted(props.items()))
        f = self.fmts.get(key)
        if f is None:
            f = self.wb.add_format(props)
            self.fmts[key] = f
            if units.noise_threshold(props.get("num_format", "")) is not None:
                self.red_formats[id(f)] = props["num_format"]
        return f

    def zero_noise(self, ws) -> None:
        """Rounding noise shows as zero, never in red: every cell written in a format with a red
        negative section gets a conditional format that, below half its last digit
        (:func:`finmodel.units.noise_threshold`: |x| < 0.005 万元), shows the format's zero ('-')."""
        for nf, rows in sorted(self.noise_cells.get(ws.name, {}).items()):
            ranges = []
            for r in sorted(rows):
                cols = sorted(set(rows[r]))
                start = prev = cols[0]
                for c in cols[1:] + [None]:
                    if c is not None and c == prev + 1:
                        prev = c
                        continue
                    ranges.append((r, start, prev))
                    if c is not None:
                        start = prev = c
            t = units.noise_threshold(nf) * (1 - 1e-9)
            key = ("zero", nf)
            if key not in self.fmts:
                self.fmts[key] = self.wb.add_format({"num_format": units.zero_format(nf)})
            r0, c0, c1 = ranges[0]
            multi = " ".join(xl_rowcol_to_cell(r, a) + (":" + xl_rowcol_to_cell(r, b) if b > a else "") for r, a, b in ranges)
            ws.conditional_format(r0, c0, r0, c1, {"type": "cell", "criteria": "between", "minimum": -t, "maximum": t,
                                                   "format": self.fmts[key], "multi_range": multi})

    def qs(self, sheet_key: str) -> str:
        return "'" + self.titles[sheet_key].replace("'", "''") + "'"

    def define(self, name: str, sheet_key: str, row: int, col: int, row2=None, col2=None):
        ref = f"={self.qs(sheet_key)}!{xl_rowcol_to_cell(row, col, True, True)}"
        if row2 is not None:
            ref += ":" + xl_rowcol_to_cell(row2, col2, True, True)
        self.wb.define_name(name, ref)
        self.names[name] = ref

    def ctx(self, sheet: str, j: int = 0) -> XlCtx:
        return XlCtx(sheet, j, self.titles, self.pos, self.T, self.zh)

    def r(self, key: str) -> int:
        """The 0-based sheet row of a model row."""
        return self.pos[key][1]

    def rng(self, key: str, sheet: str, first: int = 0) -> str:
        """A model row's year columns as an absolute range, seen from ``sheet``."""
        return self.ctx(sheet).range(self.model[key], first)

    def cached(self, row, j):
        """The value shown before recalculation: the engine's, scaled for display."""
        return self.vals.year(row, j)

    # ------------------------------------------------------------------ formats
    def setup_formats(self):
        font = FONT_ZH if self.zh else FONT_EN
        self.font = font
        F = self.F
        self.f_title = F(bold=True, font_size=14, font_color=COLORS["title_font"])
        self.f_sub = F(italic=True, font_color=COLORS["helper_font"])
        self.f_head = F(bold=True, bg_color=COLORS["heading_fill"], border=1, align="center", valign="vcenter",
                        text_wrap=True)
        self.f_head_left = F(bold=True, bg_color=COLORS["heading_fill"], border=1, valign="vcenter", text_wrap=True)
        self.f_year = F(bold=True, bg_color=COLORS["heading_fill"], border=1, align="center", num_format="0")
        self.f_yearno = F(italic=True, font_color=COLORS["helper_font"], align="center", num_format="0", bottom=1)
        self.f_section = F(bold=True, bg_color="#EDEDED", font_color=COLORS["title_font"])
        self.f_label = self.label_fmt()
        self.f_label_helper = self.label_fmt(helper=True)
        self.f_label_total = self.label_fmt(total=True)
        self.f_unit = F(font_color=COLORS["helper_font"], align="center")
        self.f_text = F(text_wrap=True, valign="top")
        self.f_wrap = F(text_wrap=True, valign="top")
        self.f_bold = F(bold=True)

    def label_fmt(self, total: bool = False, helper: bool = False, wrap: bool = False):
        """A row label of a year sheet: bold with a rule above for a total, grey italic for a helper."""
        props = {"bold": True, "top": 1} if total else (
            {"font_color": COLORS["helper_font"], "italic": True} if helper else {})
        if wrap:
            props.update(text_wrap=True, valign="top")
        return self.F(**props)

    def num(self, unit_code: str, *, total=False, helper=False, inp=False, structural=False, big=False):
        """The number format of a :mod:`finmodel.units` code, with the row's emphasis."""
        props = {"num_format": units.excel_format(unit_code)}
        if total:
            props.update(bold=True, top=1)
        if helper:
            props.update(font_color=COLORS["helper_font"])
        if inp:
            props.update(bg_color=COLORS["structural_fill"] if structural else COLORS["input_fill"],
                         font_color=COLORS["input_font"], border=1, border_color="#BFBFBF")
        if big:
            props.update(bold=True, font_size=12)
        return self.F(**props)

    def h2(self):
        return self.F(bold=True, font_size=12, font_color=COLORS["title_font"])

    def setcol(self, ws, first: int, last: int, width: float) -> None:
        """``set_column`` that remembers the widths (heading rows grow to fit their wrapped text)."""
        ws.set_column(first, last, width)
        w = self.colw.setdefault(ws.name, {})
        for c in range(first, last + 1):
            w[c] = width

    def page_one_px(self, ws, key: str, start: int = 0) -> int:
        """The width in pixels of the columns from ``start`` that the first printed page always holds
        (``print_keep``): room for a chart there."""
        w = self.colw.get(ws.name, {})
        return sum(printing.col_pixels(w.get(c, DEFAULT_COL_W)) for c in range(start, self.print_keep[key]))

    def place_chart(self, ws, row: int, col: int, chart, width: int, height: int, x_offset: int = 0,
                    page_at: int | None = -1) -> int:
        """Insert ``chart`` (``width`` x ``height`` pixels) at a cell and extend the sheet's printed
        rows over it; a printed page starts at row ``page_at`` (default: the chart's; None: no break)
        so that no page cuts the chart. The rows it covers (at the default 20 pixels a row)."""
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(row, col, chart, {"x_offset": x_offset})
        rows = math.ceil(height / 20)
        self.chart_rows[ws.name] = max(self.chart_rows.get(ws.name, 0), row + rows)
        if page_at is not None:
            self.row_breaks.setdefault(ws.name, []).append(row if page_at == -1 else page_at)
        return rows

    def head_row(self, ws, r, heads) -> None:
        """A heading row of a study table: as tall as its most wrapped heading."""
        w = self.colw.get(ws.name, {})
        lines = 1
        for col, h in enumerate(heads):
            ws.write_string(r, col, h, self.f_head_left)
            lines = max(lines, math.ceil(display_width(h) / max(1.0, w.get(col, DEFAULT_COL_W) - 1)))
        if lines > 1:
            ws.set_row(r, 13.5 * min(lines, 4))

    # ------------------------------------------------------------------ static values (study sheets)
    def static_note(self, ws, r, text):
        ws.write_string(r, 0, text, self.f_sub)
        return r + 1

    def put_num(self, ws, r, col, x, scale=1.0, fmt=None, na="na"):
        """A number divided by ``scale`` (its 'not defined' text when it is not finite)."""
        if finite(x):
            val = float(x) / scale
            ws.write_number(r, col, val, fmt or self.F(num_format=auto_number_format(val)))
        else:
            ws.write_string(r, col, self.na(na), self.F(align="right", font_color=COLORS["helper_font"]))

    def put_input(self, ws, r, col, path, x):
        """An input's value in its own unit (percent for rates)."""
        fmt = self.F(num_format="0.00%") if path in self.path_pct else None
        self.put_num(ws, r, col, x, 1.0, fmt)

    def study_unit(self, unit: str) -> str:
        return STUDY_UNIT_ZH.get(unit, unit) if self.zh else unit

    def money_fmt(self):
        """(divisor, format) of an amount in CNY, shown in 万元."""
        return units.display_scale(MONEY), self.num(MONEY)

    def metric_fmt(self, metric: str):
        """(divisor, format) of a metric on the study sheets, from its row's unit: money in 万元, rates in %."""
        u = metric_unit_of(metric)
        if u is None:
            return 1.0, self.F(num_format="0.00")
        return u.scale, self.num(u.code)

    @staticmethod
    def metric_na(metric: str) -> str:
        u = metric_unit_of(metric)
        return "never" if u is not None and u.kind == "years" else "na"

    # ------------------------------------------------------------------ layout and order
    def layout(self):
        for key, rows in self.model.sheets.items():
            for i, row in enumerate(rows):
                if row.kind == "row":
                    self.pos[row.key] = (key, HEADER_ROWS + i)

    def sheet_order(self, studies_only: bool) -> list[str]:
        """The sheets, by key: the live report's, with a sheet for each kind of study result."""
        st = self.studies
        order = [] if studies_only else list(REPORT_HEAD)
        # the full report shows the corridor on Summary: its sheet only for conditions and levers
        if st.breakeven is not None or st.solves or (st.corridor is not None and (
                studies_only or st.corridor.constraints or st.corridor.levers)):
            order.append("breakeven")
        if st.has_sensitivity():
            order.append("sensitivity")
        if st.montecarlo is not None:
            order.append("montecarlo")
        if st.compare is not None:
            order.append("compare")
        return order + (["about"] if studies_only else REPORT_MODEL + ["about"])

    # ------------------------------------------------------------------ write
    def open_workbook(self):
        self.wb = wb = xlsxwriter.Workbook(str(self.path), workbook_options(self.zh))
        self.when = report_date()
        wb.set_properties({"title": f"finmodel: {self.a.scenario.name}", "subject": self.a.scenario.title,
                           "author": "finmodel", "creator": f"finmodel {__version__}", "company": "",
                           "created": self.when, "comments": "Generated by finmodel; formulas are live."})
        wb.set_calc_mode("auto")
        self.setup_formats()

    def write(self, *, studies_only: bool = False):
        """Write the workbook; ``studies_only`` writes just the study sheets and About (study commands)."""
        if not studies_only and (self.pj is None or self.s is None or self.verdict is None):
            raise TypeError("the live report needs the projection, its summary and the verdict (pj=, summary=, "
                            "verdict=); a study workbook is write(studies_only=True)")
        self.open_workbook()
        self.studies_only = studies_only
        if not studies_only:
            self.layout()
        self.order = order = self.sheet_order(studies_only)
        self.ws = {k: self.wb.add_worksheet(self.titles[k]) for k in order}
        for ws in self.ws.values():
            fast_formulas(ws)
            watch_numbers(ws, self.red_formats, self.noise_cells.setdefault(ws.name, {}))
        if not studies_only:
            self.write_model_sheets()
        self.write_study_sheets()
        if not studies_only:
            self.write_summary()
        self.write_about()
        for key, ws in self.ws.items():
            self.zero_noise(ws)
            self.print_setup(key, ws)
        self.ws[order[0]].activate()
        if "inputs" in self.ws:
            self.ws["inputs"].set_tab_color(COLORS["input_fill"])
        self.wb.close()

    def write_model_sheets(self):
        """Inputs, the time-based sheets, the checks' flags and the Government view's names."""
        self.write_inputs()
        for key in TIME_SHEETS:
            self.write_time_sheet(key)
        self.write_checks_flags()
        self.define_government_names()

    def write_study_sheets(self):
        for key, write in (("breakeven", self.write_breakeven), ("sensitivity", self.write_sensitivity),
                           ("montecarlo", self.write_montecarlo), ("compare", self.write_compare)):
            if key in self.ws:
                write()

    def print_setup(self, key, ws):
        """A4 landscape at the scale of the sheet's page plan (:mod:`.printing`): its printed columns
        (``print_cols``, else every column written), cut into pages across with the label columns
        repeated, printed across then down; the footer names the scenario, the sheet and the page."""
        ws.set_landscape()
        ws.set_paper(PAPER["code"])
        ws.set_margins(**MARGINS)
        name = self.a.scenario.name.replace("&", "&&")
        page = self.t("第 &P 页 / 共 &N 页", "Page &P of &N")
        ws.set_footer(f"&L{name}  {self.titles[key]}&R{page}")
        last = self.print_cols.get(key, ws.dim_colmax or 0)
        w = self.colw.get(ws.name, {})
        repeat = COL_UNIT + 1 if key in TIME_SHEETS else self.print_repeat.get(key, 0)
        p = printing.plan([w.get(c, DEFAULT_COL_W) for c in range(last + 1)], repeat, self.print_keep.get(key, 0))
        self.plans[key] = p
        ws.set_print_scale(p.scale)
        ws.print_area(0, 0, self.print_rows.get(key, max(ws.dim_rowmax or 0, self.chart_rows.get(ws.name, 0))), last)
        if p.breaks:
            ws.set_v_pagebreaks(p.breaks)
            ws.print_across()
            if repeat:
                ws.repeat_columns(0, repeat - 1)
        if key in TIME_SHEETS:
            ws.repeat_rows(0, HEADER_ROWS - 1)
            self.page_breaks(ws, self.model.sheets[key], p.scale)
        elif self.row_breaks.get(ws.name):
            ws.set_h_pagebreaks(sorted(set(b for b in self.row_breaks[ws.name] if b > 0)))
        if key == "inputs":
            ws.repeat_rows(0, 1)
