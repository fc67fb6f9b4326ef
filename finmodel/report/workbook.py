"""Write the workbook: live formulas with cached values, defined names, charts, print set-up.

Sheets, in order: Summary, Inputs, Time, Calcs, Statements, Government view, [Break-even],
[Sensitivity], [Monte Carlo], Checks, About. Time, Calcs, Statements, Government view and Checks
share one column layout:
label, unit, constant (or total), a blank pre-model column, then one column per year (calendar
years in the header). Every formula also carries its value (XlsxWriter ``write_formula(...,
value=)``): the engine's value for the engine's line items, the row's own evaluation for the
rest, so viewers that do not recalculate show the numbers.

Text from YAML (names, titles, notes, sources) is always written with ``write_string``: a name
that starts with ``=`` stays text.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .. import __version__
from .. import model as model_pkg
from .. import units
from .. import verdict as V
from ..units import WAN
from ..model.expr import FormulaError
from .render import (XlCtx, Values, const_formula, display_unit, is_static, year_formula)
from .inputs import SECTION_EN, SECTION_ZH, input_rows, unit_text
from .layout import (BREAKEVEN_DRIVERS_ZH, COL_CONST, COL_LABEL, COL_PRE, COL_UNIT, COL_Y0, COLORS, FONT_EN, FONT_ZH,
                     HEADER_ROWS, MONEY_METRICS, NA, PCT_METRICS, PROBABILITY_LABELS, SHEET_TITLES, STUDY_UNIT_ZH,
                     YEAR_METRICS, MONEY, T, auto_number_format, metric_label, metric_unit, metric_with_unit,
                     money_per_year, money_text, target_label)
from .studies import ReportOptions, Studies, finite, mc_histogram

#: The statuses of a break-even solve (finmodel.breakeven.BreakEven.status) in Chinese.
SOLVE_STATUS_ZH = {"solved": "已求解", "jump": "指标在此跳变越过目标", "always": "整个范围内均满足目标",
                   "unreachable": "范围内无法达到", "undefined": "指标无定义"}
SHARE_TOLERANCE = 1e-9


def report_date() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
    return datetime.now().replace(microsecond=0)


def assumptions_hash(a) -> str:
    text = json.dumps(a.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _width(text: str) -> float:
    """Display width in Excel character units (a CJK character is about 1.7 at the default font)."""
    return sum(1.7 if ord(ch) > 0x2E7F else 1.0 for ch in str(text))


def _finite_or(v, alt):
    return v if isinstance(v, (int, float)) and math.isfinite(v) else alt


class Writer:
    def __init__(self, pj, summary: dict, path: Path, loaded=None, opts: ReportOptions | None = None,
                 studies: Studies | None = None, verdict: dict | None = None):
        self.pj = pj
        self.s = summary
        self.verdict = verdict
        self.path = Path(path)
        self.loaded = loaded
        self.a = pj.assumptions
        self.opts = opts or ReportOptions.from_assumptions(self.a)
        self.studies = studies or Studies()
        self.zh = self.opts.language == "zh"
        self.N = self.a.scenario.concession_years
        self.T = self.N + 1
        self.last_col = COL_Y0 + self.N
        self.model = model_pkg.build(self.a)
        self.vals = Values(pj, 0, self.zh)
        self.pos: dict[str, tuple[str, int]] = {}
        self.titles = {k: (v[0] if self.zh else v[1]) for k, v in SHEET_TITLES.items()}
        self.fmts: dict = {}
        self.colw: dict[str, dict[int, float]] = {}
        self.names: dict[str, str] = {}
        self.input_rows = input_rows(self.a)
        self.path_labels = {ir.path: (ir.zh if self.zh else ir.en) for ir in self.input_rows}
        self.path_pct = {ir.path for ir in self.input_rows if ir.percent}
        self.path_units = {ir.path: ("%" if ir.percent else unit_text(ir.unit, self.zh)) for ir in self.input_rows}

    def na(self, key: str) -> str:
        return NA[key][0] if self.zh else NA[key][1]

    def path_label(self, path: str) -> str:
        return self.path_labels.get(path, path)

    # ------------------------------------------------------------------ helpers
    def t(self, zh_text, en_text):
        return T(self.zh, zh_text, en_text)

    def F(self, **props):
        key = tuple(sorted(props.items()))
        f = self.fmts.get(key)
        if f is None:
            f = self.wb.add_format(props)
            self.fmts[key] = f
        return f

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
        self.f_label = F()
        self.f_label_helper = F(font_color=COLORS["helper_font"], italic=True)
        self.f_label_total = F(bold=True, top=1)
        self.f_unit = F(font_color=COLORS["helper_font"], align="center")
        self.f_text = F(text_wrap=True, valign="top")
        self.f_wrap = F(text_wrap=True, valign="top")
        self.f_bold = F(bold=True)

    def num(self, unit_code: str, *, total=False, helper=False, inp=False, structural=False, big=False):
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

    # ------------------------------------------------------------------ layout
    def layout(self):
        for key, rows in self.model.sheets.items():
            for i, row in enumerate(rows):
                if row.kind == "row":
                    self.pos[row.key] = (key, HEADER_ROWS + i)

    # ------------------------------------------------------------------ write
    def write(self, *, studies_only: bool = False):
        """Write the workbook; ``studies_only`` writes just the study sheets and About (study commands)."""
        opts = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True,
                "default_format_properties": {"font_name": FONT_ZH if self.zh else FONT_EN, "font_size": 10}}
        self.wb = wb = xlsxwriter.Workbook(str(self.path), opts)
        when = report_date()
        self.when = when
        wb.set_properties({"title": f"finmodel: {self.a.scenario.name}", "subject": self.a.scenario.title,
                           "author": "finmodel", "creator": f"finmodel {__version__}", "company": "",
                           "created": when, "comments": "Generated by finmodel; formulas are live."})
        wb.set_calc_mode("auto")
        self.setup_formats()
        self.layout()
        st = self.studies
        self.studies_only = studies_only
        order = [] if studies_only else ["summary", "inputs", "time", "calcs", "statements", "government"]
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
        order += ["about"] if studies_only else ["checks", "about"]
        self.order = order
        self.ws = {k: wb.add_worksheet(self.titles[k]) for k in order}
        for ws in self.ws.values():
            _fast_formulas(ws)
        if not studies_only:
            self.write_inputs()
            for key in ("time", "calcs", "statements", "government", "checks"):
                self.write_time_sheet(key)
            self.write_checks_flags()
            self.define_government_names()
        if "breakeven" in self.ws:
            self.write_breakeven()
        if "sensitivity" in self.ws:
            self.write_sensitivity()
        if "montecarlo" in self.ws:
            self.write_montecarlo()
        if "compare" in self.ws:
            self.write_compare()
        if not studies_only:
            self.write_summary()
        self.write_about()
        for key, ws in self.ws.items():
            self.print_setup(key, ws)
        self.ws[order[0]].activate()
        if "inputs" in self.ws:
            self.ws["inputs"].set_tab_color(COLORS["input_fill"])
        wb.close()

    def print_setup(self, key, ws):
        ws.set_landscape()
        ws.set_paper(9)                    # A4
        ws.fit_to_pages(1, 0)              # fit to width
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        name = self.a.scenario.name.replace("&", "&&")
        page = self.t("第 &P 页 / 共 &N 页", "Page &P of &N")
        ws.set_footer(f"&L{name}  {self.titles[key]}&R{page}")
        if key in ("time", "calcs", "statements", "government", "checks"):
            ws.repeat_rows(0, HEADER_ROWS - 1)
            ws.repeat_columns(0, COL_UNIT)
        elif key == "inputs":
            ws.repeat_rows(0, 1)

    # ------------------------------------------------------------------ Inputs
    def write_inputs(self):
        ws = self.ws["inputs"]
        zh = self.zh
        ws.write_string(0, 0, self.t("假设(输入)", "Inputs"), self.f_title)
        ws.write_string(0, 2, self.t("黄色单元格为输入项,可直接修改,全表随之重算;灰色为结构性输入(需修改YAML后重新运行)。金额单位为元(与YAML一致)。",
                                     "Yellow cells are inputs: change one and the whole workbook recalculates. Grey cells "
                                     "are structural (change the YAML and run again). Amounts in CNY, as in the YAML."),
                        self.f_sub)
        heads = [self.t("项目", "Assumption"), self.t("单位", "Unit"), self.t("数值", "Value"),
                 self.t("名称(in_ + YAML 路径)", "Name (in_ + YAML path)"), self.t("来源", "Source")]
        for c, h in enumerate(heads):
            ws.write_string(1, c, h, self.f_head_left)
        rows = self.input_rows
        r = 2
        section = None
        label_w = 20.0
        tables: dict[tuple[str, str], list[int]] = {}
        for ir in rows:
            if ir.section != section:
                section = ir.section
                r += 1 if r > 2 else 0
                ws.write_string(r, 0, SECTION_ZH.get(section, section) if zh else SECTION_EN.get(section, section),
                                self.f_section)
                for c in range(1, 5):
                    ws.write_blank(r, c, None, self.f_section)
                r += 1
            label = ir.zh if zh else ir.en
            label_w = max(label_w, _width(label))
            ws.write_string(r, 0, label, self.F(valign="top"))
            ws.write_string(r, 1, unit_text(ir.unit, zh), self.F(font_color=COLORS["helper_font"], align="center", valign="top"))
            self.write_input_value(ws, r, ir)
            ws.write_string(r, 3, ir.name, self.F(font_color=COLORS["helper_font"], font_size=8, valign="top"))
            lines = 1
            if ir.source:
                ws.write_string(r, 4, ir.source, self.F(font_size=8, text_wrap=True, valign="top"))
                lines = max(lines, math.ceil(len(ir.source) / 95))
            if ir.kind == "text":
                lines = max(lines, math.ceil(_width(str(ir.value)) / 17))
            if lines > 1:
                ws.set_row(r, 13.5 * min(lines, 20))
            ir.cell = (r, 2)
            self.define(ir.name, "inputs", r, 2)
            if ir.table is not None:
                tables.setdefault((ir.table, ir.path.rsplit(".", 1)[1]), []).append(r)
            r += 1
        for (table, fld), rws in tables.items():
            self.define("tbl_" + table.replace(".", "_") + "_" + fld, "inputs", rws[0], 2, rws[-1], 2)
        # model constants (not from the YAML)
        r += 1
        ws.write_string(r, 0, self.t("模型常数(非YAML输入)", "Model constants (not from the YAML)"), self.f_section)
        for c in range(1, 5):
            ws.write_blank(r, c, None, self.f_section)
        r += 1
        consts = [(k.name, k.value, k.unit, self.t(k.zh, k.en),
                   self.t(k.note_zh, k.note_en)) for k in self.model.constants()]
        for name, value, u, label, note in consts:
            ws.write_string(r, 0, label)
            ws.write_string(r, 1, units.label(u, zh), self.f_unit)
            ws.write_number(r, 2, value, self.F(num_format="0.00000" if value >= 1e-6 else "0.0E+00",
                                                bg_color=COLORS["structural_fill"], border=1, border_color="#BFBFBF"))
            ws.write_string(r, 3, name, self.F(font_color=COLORS["helper_font"], font_size=9))
            ws.write_string(r, 4, note, self.F(font_size=9))
            self.define(name, "inputs", r, 2)
            r += 1
        ws.set_column(0, 0, min(48, label_w + 1))
        ws.set_column(1, 1, 11)
        ws.set_column(2, 2, 18)
        ws.set_column(3, 3, 40)
        ws.set_column(4, 4, 62)
        ws.freeze_panes(2, 1)

    def write_input_value(self, ws, r, ir):
        fmt_props = {"bg_color": COLORS["structural_fill"] if ir.structural else COLORS["input_fill"],
                     "font_color": COLORS["input_font"], "border": 1, "border_color": "#BFBFBF", "valign": "top"}
        v = ir.value
        if ir.kind == "bool":
            ws.write_boolean(r, 2, bool(v), self.F(align="center", **fmt_props))
        elif ir.kind in ("choice", "text"):
            wrap = {"text_wrap": True} if ir.kind == "text" else {"align": "center"}
            ws.write_string(r, 2, str(v), self.F(**wrap, **fmt_props))
            if ir.kind == "choice":
                ws.data_validation(r, 2, r, 2, {"validate": "list", "source": [str(c) for c in ir.choices]})
        elif ir.kind == "none":
            ws.write_blank(r, 2, None, self.F(**fmt_props))
        else:
            if ir.percent:
                nf = "0.00%"
            elif ir.unit in ("calendar year", "operating year", "year"):
                nf = "0"
            elif isinstance(v, int) or float(v).is_integer():
                nf = "#,##0" if abs(float(v)) >= 1000 else "0"
            else:
                nf = "#,##0.00##" if abs(float(v)) >= 1000 else "0.00##"
            ws.write_number(r, 2, float(v), self.F(num_format=nf, **fmt_props))

    # ------------------------------------------------------------------ time-based sheets
    def year_headers(self, key, ws, third: str):
        title = {"time": self.t("时间轴", "Time axis"), "calcs": self.t("计算(与Python引擎逐行对应)", "Calculations (line by line as the Python engine)"),
                 "statements": self.t("财务评价报表", "Financial statements"),
                 "government": self.t("政府视角", "Government view"),
                 "checks": self.t("校验", "Checks")}[key]
        ws.write_string(0, 0, title, self.f_title)
        ws.write_string(0, 2, self.t("金额单位: 万元", "Amounts in CNY 10,000"), self.f_sub)
        ws.write_string(1, COL_LABEL, self.t("项目", "Line item"), self.f_head_left)
        ws.write_string(1, COL_UNIT, self.t("单位", "Unit"), self.f_head)
        ws.write_string(1, COL_CONST, third, self.f_head)
        ws.write_blank(1, COL_PRE, None, self.f_head)
        ws.write_string(2, COL_LABEL, self.t("年序(0=改造年)", "Year no. (0 = renovation)"), self.f_yearno)
        ws.write_blank(2, COL_UNIT, None, self.f_yearno)
        ws.write_blank(2, COL_CONST, None, self.f_yearno)
        ws.write_blank(2, COL_PRE, None, self.f_yearno)
        cal = self.model["calendar_year"]
        tt = self.model["t"]
        for j in range(self.T):
            c = COL_Y0 + j
            ctx = self.ctx(key, j)
            ws.write_formula(1, c, "=" + ctx.cell(cal), self.f_year, int(self.cached(cal, j)))
            ws.write_formula(2, c, "=" + ctx.cell(tt), self.f_yearno, int(self.cached(tt, j)))

    def write_time_sheet(self, key):
        ws = self.ws[key]
        third = {"time": self.t("常数", "Constant"), "calcs": self.t("常数", "Constant"),
                 "statements": self.t("合计", "Total"), "government": self.t("合计/数值", "Total / value"),
                 "checks": self.t("校验(0=正常)", "Flag (0 = ok)")}[key]
        self.year_headers(key, ws, third)
        label_w = 24.0
        last = self.last_col
        for row in self.model.sheets[key]:
            label_w = max(label_w, self.write_sheet_row(key, ws, row))
        self.page_breaks(ws, self.model.sheets[key], label_w)
        ws.set_column(COL_LABEL, COL_LABEL, min(62, label_w + 1))
        ws.set_column(COL_UNIT, COL_UNIT, 11 if self.zh else 13)
        ws.set_column(COL_CONST, COL_CONST, 11)
        ws.set_column(COL_PRE, COL_PRE, 1.5)
        ws.set_column(COL_Y0, last, 10.5)
        ws.freeze_panes(HEADER_ROWS, COL_Y0)
        if key == "checks":
            red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"])
            ws.conditional_format(HEADER_ROWS, COL_Y0, HEADER_ROWS + len(self.model.sheets[key]), last,
                                  {"type": "formula", "criteria": f"=ABS({xl_rowcol_to_cell(HEADER_ROWS, COL_Y0)})>k_check_tolerance/10000",
                                   "format": red})

    def write_sheet_row(self, key, ws, row) -> float:
        """One row of a time-based sheet: label, unit, constant or total, a formula per year; its label width."""
        i = self.model.sheets[key].index(row)
        r = HEADER_ROWS + i
        last = self.last_col
        if row.kind == "heading":
            ws.write_string(r, COL_LABEL, row.label(self.zh), self.f_section)
            for c in range(1, last + 1):
                ws.write_blank(r, c, None, self.f_section)
            return 0.0
        if row.kind == "blank":
            return 0.0
        if row.kind == "note":
            ws.write_string(r, COL_LABEL, row.label(self.zh), self.F(italic=True, font_color=COLORS["helper_font"],
                                                                  font_size=9))
            return 0.0
        label = row.label(self.zh)
        helper = row.role != "item" and key == "calcs"
        total = row.style == "total"
        lf = self.f_label_total if total else (self.f_label_helper if helper else self.f_label)
        ws.write_string(r, COL_LABEL, label, lf)
        code = display_unit(row)
        ws.write_string(r, COL_UNIT, units.label(code, self.zh), self.f_unit)
        nf = self.num(code, total=total, helper=helper)
        if row.const is not None:
            ws.write_formula(r, COL_CONST, const_formula(row, self.ctx(key)), nf, self.vals.const(row))
        elif row.total:
            rng = self.ctx(key).range(row)
            ws.write_formula(r, COL_CONST, f"=SUM({rng})", nf, self.vals.total(row))
        if row.expr is None:               # a scalar row: column C only
            return _width(label)
        # the pre-model column holds the opening value 0 that year 0 reads as "last year" (a blank
        # cell would be skipped by MIN and MAX instead of counting as 0)
        ws.write_number(r, COL_PRE, 0, self.F(num_format=";;;"))
        if is_static(row):                 # values from a second computation (a note says why)
            sf = self.F(num_format=units.excel_format(code), bg_color=COLORS["structural_fill"], italic=True)
            for j in range(self.T):
                ws.write(r, COL_Y0 + j, self.cached(row, j), sf)
            return _width(label)
        for j in range(self.T):
            try:
                text = year_formula(row, self.ctx(key, j))
            except FormulaError as exc:  # pragma: no cover - a bug in a row definition
                raise FormulaError(f"{key} row {row.key}: {exc}") from None
            ws.write_formula(r, COL_Y0 + j, text, nf, self.cached(row, j))
        return _width(label)

    def page_breaks(self, ws, rows, label_w: float):
        """Start a printed page at a section heading rather than in the middle of a table.

        The rows a landscape A4 page holds follow from the fit-to-width scale (the sheet's width
        in character units against the page's); sections are packed greedily.
        """
        width_chars = min(62, label_w + 1) + 11 + 11 + 1.5 + 10.5 * self.T
        scale = min(1.0, 760.0 / (width_chars * 6.2))          # about 6.2 pt per character unit at 10 pt
        capacity = int(500.0 / (15.0 * scale)) - HEADER_ROWS - 2
        breaks, used = [], 0
        sections: list[tuple[int, int]] = []                   # (first row, size)
        for row in rows:
            if row.kind == "heading" or not sections:
                sections.append((HEADER_ROWS + rows.index(row), 0))
            first, size = sections[-1]
            sections[-1] = (first, size + 1)
        for first, size in sections:
            if used and used + size > capacity:
                breaks.append(first)
                used = 0
            used += size
        if breaks:
            ws.set_h_pagebreaks(breaks)

    def define_government_names(self):
        """out_gov_*: the Government view's headline figures (万元, fraction)."""
        for name in ("gov_commitment_pv", "gov_vfm", "gov_budget_share_peak"):
            self.define(f"out_{name}", "government", self.r(name), COL_CONST)
        ws = self.ws["government"]
        red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        green = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        for key, good in (("gov_red_line_ok", 1), ("gov_above_warning", 0)):
            r = self.r(key)
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "==", "value": good, "format": green})
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "!=", "value": good, "format": red})

    # ------------------------------------------------------------------ Checks: flags and master check
    def write_checks_flags(self):
        """The flags (column C of each check row) and the master check are rows of the model; here
        their colours and the name ``out_master_check``."""
        ws = self.ws["checks"]
        ok = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        bad = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        rows = [r for r in self.model.sheets["checks"] if r.kind == "row" and r.const is not None]
        for row in rows:
            r = self.r(row.key)
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "!=", "value": 0, "format": bad})
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "==", "value": 0, "format": ok})
        self.define("out_master_check", "checks", self.r("master_check"), COL_CONST)
        self.master_cached = self.vals.const(self.model["master_check"])

    # ------------------------------------------------------------------ Summary
    def write_summary(self):
        ws = self.ws["summary"]
        a, s, zh = self.a, self.s, self.zh
        m = s["metrics"]
        c = self.model.by_key
        ctx = self.ctx("summary")
        ws.set_column(0, 0, 34 if zh else 40)
        ws.set_column(1, 1, 16)
        ws.set_column(2, 2, 12)
        ws.set_column(3, 3, 62)
        f_val = self.F(num_format="@", bold=True)
        f_h2 = self.F(bold=True, font_size=13, font_color=COLORS["title_font"])
        note = self.F(font_size=9, font_color=COLORS["helper_font"], text_wrap=True, valign="top")
        title = a.scenario.title or a.scenario.name
        ws.write_string(0, 0, title, self.F(bold=True, font_size=16, font_color=COLORS["title_font"]))
        ws.write_string(1, 0, self.t("老旧小区改造运营项目财务可持续性评价(finmodel)",
                                     "Financial sustainability of an old-community renovation and operation (finmodel)"),
                        self.f_sub)
        info = [
            (self.t("情景", "Scenario"), a.scenario.name),
            (self.t("日期", "Date"), self.when.strftime("%Y-%m-%d")),
            (self.t("finmodel 版本", "finmodel version"), __version__),
            (self.t("假设哈希(SHA-256 前16位)", "Assumptions hash (SHA-256, first 16)"), assumptions_hash(a)),
            (self.t("运营期", "Concession"), self.t(f"{a.scenario.start_year + 1}-{a.scenario.start_year + self.N} 年(共 {self.N} 年),改造年 {a.scenario.start_year}",
                                                     f"{a.scenario.start_year + 1}-{a.scenario.start_year + self.N} ({self.N} years), renovation in {a.scenario.start_year}")),
        ]
        r = 3
        for k, v in info:
            ws.write_string(r, 0, k, self.f_label)
            ws.write_string(r, 1, str(v), f_val)
            r += 1
        # ---------------------------------------------------------------- verdict: the box, then the rule's inputs
        r += 1
        v = self.verdict
        vr = r
        ws.write_string(vr, 0, self.t("结论", "Verdict"), self.F(bold=True, font_size=15, valign="vcenter",
                                                                font_color=COLORS["title_font"]))
        r += 1
        rows = {}
        ws.write_string(r, 0, self.t("可持续判定的基准收益率", "Viability hurdle rate"))
        ws.write_formula(r, 1, V.excel_hurdle_rate(), self.F(num_format="0.00%"), v["hurdle_rate"])
        ws.write_string(r, 2, "%", self.f_unit)
        ws.write_string(r, 3, self.t("判定输入(随「假设」表实时重算)", "inputs of the rule (live)"), note)
        rows["hurdle"] = r
        r += 1
        hcell = xl_rowcol_to_cell(rows["hurdle"], 1, True, True)
        ws.write_string(r, 0, self.t("资本金净现值(按该基准收益率)", "Equity NPV at that hurdle"))
        ws.write_formula(r, 1, V.excel_npv_at_hurdle(self.rng('equity_fcf', 'summary'), self.rng('t', 'summary'), hcell),
                         self.num(MONEY), v["equity_npv_at_hurdle"] / WAN)
        ws.write_string(r, 2, units.label(MONEY, zh), self.f_unit)
        rows["npv_h"] = r
        r += 1
        least = v["corridor_least"]
        none_text, nc_text = self.na("none"), self.na("not_computed")
        ws.write_string(r, 0, self.t("最低可持续补贴(补贴区间下限)", "Least viable subsidy (corridor)"))
        if isinstance(least, float):
            ws.write_number(r, 1, least / WAN, self.num(MONEY))
        else:
            ws.write_string(r, 1, none_text if least == V.NO_LEAST else nc_text, self.F(align="right"))
        ws.write_string(r, 2, money_per_year(self.zh), self.f_unit)
        ws.write_string(r, 3, self.t("由 finmodel 按当前假设求解(静态值,修改输入后需重新运行)",
                                     "solved by finmodel at these inputs (static: run again after changing inputs)"), note)
        self.define("out_corridor_least", "summary", r, 1)
        r += 2
        # ---------------------------------------------------------------- KPIs
        ws.write_string(r, 0, self.t("主要指标", "Key indicators"), f_h2)
        r += 1
        for col, h in enumerate([self.t("指标", "Indicator"), self.t("数值", "Value"), self.t("单位", "Unit"),
                                 self.t("说明", "Note")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        irr_notes = {}
        for which in ("project_irr", "equity_irr"):
            fl = s["flags"][which]
            if fl["multiple"]:
                roots = ", ".join(f"{x * 100:.2f} %" for x in fl["roots"])
                irr_notes[which] = self.t(f"有多个内部收益率({roots}),显示最接近0的一个",
                                          f"several IRRs ({roots}); the one nearest zero is shown")
            elif fl["reason"] != "ok":
                irr_notes[which] = self.t(f"无内部收益率({fl['reason']})", f"no IRR ({fl['reason']})")
        pay_note = ""
        if s["flags"]["payback_refit_negative"]:
            pay_note = self.t("回收后累计净现金流量再次为负(更新改造或移交)", "cumulative cash turns negative again later (refit or hand-back)")
        na, never, noirr = self.na("na"), self.na("never"), self.na("no_irr")
        notes = {
            "npv": self.t(f"按项目折现率 {a.discount.project_rate:.2%};第0年(改造年)不折现", f"at the project rate {a.discount.project_rate:.2%}; year 0 undiscounted"),
            "equity_npv": self.t(f"按资本金基准收益率 {a.discount.equity_hurdle_rate:.2%}", f"at the equity hurdle {a.discount.equity_hurdle_rate:.2%}"),
            "project_irr": irr_notes.get("project_irr", ""), "equity_irr": irr_notes.get("equity_irr", ""),
            "payback_years": pay_note,
            "min_cumulative_cash": self.t("项目投资现金流量,融资前", "project cash flow, before financing"),
            "dscr_min": "" if s["flags"]["has_debt"] else self.t("无贷款,不适用", "no debt"),
            "margin_avg": self.t("运营期净利润合计 / 营业收入合计(不含税,不含补贴)", "sum of net income / sum of revenue net of VAT (support excluded)"),
            "subsidy_dependence": self.t("政府支持 / (营业收入 + 政府支持),运营期合计", "support / (revenue + support), over the operating years"),
        }
        kpis = [(name, notes.get(name, "")) for name in ("npv", "equity_npv", "project_irr", "equity_irr", "payback_years",
                                                         "discounted_payback_years", "min_cumulative_cash",
                                                         "min_cumulative_equity_cash", "dscr_min", "dscr_avg", "margin_avg",
                                                         "subsidy_dependence")]
        self.kpi_cells = {}
        for name, text in kpis:
            row = c[name]
            u = display_unit(row)
            key = name in ("npv", "project_irr", "payback_years")
            ws.write_string(r, 0, row.label(zh), self.F(bold=key))
            ws.write_formula(r, 1, "=" + ctx.const_cell(row), self.F(num_format=units.excel_format(u), align="right", bold=key),
                             self.vals.const(row))
            ws.write_string(r, 2, units.label(u, zh), self.f_unit)
            if text:
                ws.write_string(r, 3, text, note)
                if len(text) > 60:
                    ws.set_row(r, 24)
            self.define(f"out_{name}", "summary", r, 1)
            self.kpi_cells[name] = r
            r += 1
        ws.write_string(r, 0, self.t("回收时点(日历年,用于图表)", "Payback point (calendar year, for the chart)"), self.f_label_helper)
        pb = m.get("payback_years")
        ws.write_formula(r, 1, '=IF(ISNUMBER(out_payback_years),in_scenario_start_year+out_payback_years,"-")',
                         self.F(num_format="0.00", font_color=COLORS["helper_font"], align="right"),
                         (a.scenario.start_year + pb) if pb is not None else "-")
        ws.write_number(r, 2, 0, self.F(num_format=";;;"))       # the point's height (hidden): on the zero line
        self.payback_point_row = r
        r += 2
        # ---------------------------------------------------------------- the verdict formula (the names now exist)
        vk = {k: V.label(k, zh) for k in V.VERDICTS}
        formula = V.excel_formula(V.ExcelRefs(npv_at_hurdle=xl_rowcol_to_cell(rows["npv_h"], 1)), zh=zh, none_text=none_text)
        big = self.F(bold=True, font_size=15, border=2, align="center", valign="vcenter", text_wrap=True)
        ws.merge_range(vr, 1, vr, 2, "", big)
        ws.write_formula(vr, 1, formula, big, v["zh"] if zh else v["en"])
        self.define("out_verdict", "summary", vr, 1)
        ws.write_string(vr, 3, V.rule_text(zh), self.F(font_size=8, text_wrap=True, valign="vcenter",
                                                              font_color=COLORS["helper_font"]))
        ws.set_row(vr, 84 if zh else 100)
        fills = {"micro": (COLORS["ok_fill"], COLORS["ok_font"]), "above": (COLORS["warn_fill"], COLORS["warn_font"]),
                 "more": (COLORS["warn_fill"], COLORS["warn_font"]), "not": (COLORS["bad_fill"], COLORS["bad_font"]),
                 "unknown": (COLORS["bad_fill"], COLORS["bad_font"])}
        for k, (bg, fg) in fills.items():
            ws.conditional_format(vr, 1, vr, 2, {"type": "cell", "criteria": "==", "value": f'"{vk[k]}"',
                                                 "format": self.F(bg_color=bg, font_color=fg, bold=True)})
        # ---------------------------------------------------------------- corridor
        r = self.write_corridor(ws, r)
        # ---------------------------------------------------------------- revenue mix
        r += 1
        ws.write_string(r, 0, self.t(f"收入结构({s['revenue_mix_year']}年,不含税)与论文对比",
                                     f"Revenue mix in {s['revenue_mix_year']} (net of VAT) against the paper"), f_h2)
        r += 1
        for col, h in enumerate([self.t("收入", "Stream"), self.t("模型", "Model"), self.t("论文", "Paper"),
                                 self.t("差(百分点)", "Difference (points)")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        names = {"rent": self.t("租金", "Rent"), "parking": self.t("停车费", "Parking"),
                 "property_fees": self.t("物业费", "Property fees"), "other": self.t("其他", "Other")}
        mix_first = r
        for k in ("rent", "parking", "property_fees", "other"):
            ws.write_string(r, 0, names[k])
            row = c.get(f"mix_{k}")
            val = s["revenue_mix"].get(k)
            if row is not None:
                formula = f"=INDEX({ctx.range(row)},in_scenario_calibration_year+1)"
            else:
                formula = (f"=INDEX({ctx.range(c['rev_' + k])},in_scenario_calibration_year+1)/"
                           f"INDEX({ctx.range(c['revenue'])},in_scenario_calibration_year+1)")
            ws.write_formula(r, 1, formula, self.F(num_format="0.00%"), val if val is not None else na)
            ws.write_formula(r, 2, f"=in_mix_reference_{k}", self.F(num_format="0.00%"), s["revenue_mix_reference"][k])
            diff = (val - s["revenue_mix_reference"][k]) * 100 if val is not None else na
            ws.write_formula(r, 3, f'=IFERROR(({xl_rowcol_to_cell(r, 1)}-{xl_rowcol_to_cell(r, 2)})*100,"{na}")',
                             self.F(num_format='+0.00;-0.00;0.00', align="left", indent=2), diff)
            r += 1
        ws.write_string(r, 0, self.t("合计", "Total"), self.f_label_total)
        tot = sum(x for x in s["revenue_mix"].values() if x is not None)
        ws.write_formula(r, 1, f"=SUM({xl_rowcol_to_cell(mix_first, 1)}:{xl_rowcol_to_cell(r - 1, 1)})",
                         self.F(num_format="0.00%", bold=True, top=1), tot)
        ws.write_formula(r, 2, f"=SUM({xl_rowcol_to_cell(mix_first, 2)}:{xl_rowcol_to_cell(r - 1, 2)})",
                         self.F(num_format="0.00%", bold=True, top=1), sum(s["revenue_mix_reference"].values()))
        ws.write_blank(r, 3, None, self.F(top=1))
        r += 2
        # ---------------------------------------------------------------- master check
        ws.write_string(r, 0, self.t("总校验(0=正常,详见「校验」表)", "Master check (0 = ok; see Checks)"), self.F(bold=True, font_size=12))
        ws.write_formula(r, 1, "=out_master_check", self.F(bold=True, num_format="0", align="center", border=2, font_size=12),
                         self.master_cached)
        red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        green = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        ws.conditional_format(r, 1, r, 1, {"type": "cell", "criteria": "!=", "value": 0, "format": red})
        ws.conditional_format(r, 1, r, 1, {"type": "cell", "criteria": "==", "value": 0, "format": green})
        r += 2
        ws.merge_range(r, 0, r, 3, self.t("说明: 本工作簿为可重算模型。修改「假设」表中的黄色单元格,计算、报表、指标与结论随之更新;"
                                          "补贴区间、盈亏平衡、敏感性与蒙特卡洛结果为运行时的静态值。",
                                          "This workbook is a live model: change a yellow cell on Inputs and Calcs, Statements, "
                                          "the indicators and the verdict recalculate; the corridor, break-even, sensitivity and "
                                          "Monte Carlo results are static values from the run."),
                       self.F(italic=True, font_size=9, font_color=COLORS["helper_font"], text_wrap=True, valign="top"))
        ws.set_row(r, 26)
        self.summary_end = r
        self.summary_charts(ws)
        ws.hide_gridlines(2)

    def corridor_message_zh(self, c) -> str:
        y0, y1 = c.years
        least, most = c.least, c.most
        lb, mb = target_label(c.least_binding, True), target_label(c.most_binding, True)
        if c.exists:
            return (f"补贴区间: 每年至少 {money_text(least, True)}({lb})、至多 {money_text(most, True)}({mb}),"
                    f"运营第{y0}-{y1}年按固定金额支付。")
        if not finite(most):
            return "无补贴区间: 即使不给补贴,企业收益也已超过微利上限;按微利标准无需补贴。"
        if not finite(least):
            return f"无补贴区间: 在搜索范围内(至 {money_text(c.hi, True)}/年)任何补贴都不能使企业可持续({lb} 无法达到)。"
        return (f"无补贴区间: 使企业可持续的最低补贴 {money_text(least, True)}/年({lb})高于微利上限 {money_text(most, True)}/年"
                f"({mb}),相差 {money_text(least - most, True)}/年;缩小缺口的杠杆见「盈亏平衡」表。")

    def write_corridor(self, ws, r, last_col: int = 3, text_width: float = 100):
        """The corridor box (Summary; the Break-even sheet of a study workbook): notes and texts span
        columns 3 (1) to ``last_col``, about ``text_width`` characters wide."""
        c = self.studies.corridor
        ws.write_string(r, 0, self.t("补贴区间(最低可持续补贴 ~ 微利上限补贴)", "Subsidy corridor (least viable to most at a micro profit)"),
                        self.F(bold=True, font_size=13, font_color=COLORS["title_font"]))
        r += 1
        note = self.F(font_size=9, font_color=COLORS["helper_font"], text_wrap=True, valign="top")
        if c is None:
            msg = self.studies.corridor_error or self.t("未计算(本次运行关闭了补贴区间)", "not computed (corridor turned off for this run)")
            ws.write_string(r, 0, msg, self.f_sub)
            return r + 1
        wanfmt = self.num(MONEY)
        y0, y1 = c.years
        rows = [
            (self.t("最低可持续补贴", "Least viable subsidy"), c.least, self.t("约束: ", "binding: ") + target_label(c.least_binding, self.zh)),
            (self.t("微利上限补贴", "Most at a micro profit"), c.most, self.t("约束: ", "binding: ") + target_label(c.most_binding, self.zh)),
            (self.t("当前补贴(首年)", "Current subsidy (first year)"), c.base_subsidy,
             self.t(f"补贴区间按运营第{y0}-{y1}年固定金额计算(不递减)", f"the corridor pays it flat in operating years {y0}-{y1}")),
        ]
        for label, val, text in rows:
            ws.write_string(r, 0, label)
            if finite(val):
                ws.write_number(r, 1, float(val) / WAN, wanfmt)
            else:
                ws.write_string(r, 1, self.na("none"), self.F(align="right"))
            ws.write_string(r, 2, money_per_year(self.zh), self.f_unit)
            if last_col > 3:
                ws.merge_range(r, 3, r, last_col, text, note)
            else:
                ws.write_string(r, 3, text, note)
            r += 1
        ws.write_string(r, 0, self.t("补贴区间是否存在", "Corridor exists"))
        ws.write_string(r, 1, self.t("存在", "yes") if c.exists else self.t("不存在", "no"), self.F(bold=True, align="right"))
        r += 1
        msg = self.corridor_message_zh(c) if self.zh else c.message
        ws.write_string(r, 0, self.t("结论说明", "In words"), self.F(valign="top"))
        ws.merge_range(r, 1, r, last_col, msg, self.F(font_size=9, text_wrap=True, valign="top"))
        ws.set_row(r, 13 * max(2, math.ceil(_width(msg) / text_width)))
        r += 1
        caps = ", ".join(target_label(f"{k}<={v}", self.zh) for k, v in c.caps.items())
        text = self.t(f"可持续: 资本金净现值(基准收益率 {c.hurdle_rate:.2%})≥ 0" + (f",偿债备付率 ≥ {c.dscr_floor}" if c.dscr_floor else "")
                      + f";微利: {caps}。按当前假设求解的静态值,共计算 {c.evaluations:,} 个情景。",
                      f"viable: equity NPV at {c.hurdle_rate:.2%} >= 0" + (f", DSCR >= {c.dscr_floor}" if c.dscr_floor else "")
                      + f"; micro profit: {caps}. Static, solved at these inputs ({c.evaluations:,} scenarios).")
        ws.write_string(r, 0, self.t("判定口径", "Tests"), self.F(valign="top"))
        ws.merge_range(r, 1, r, last_col, text, self.F(font_size=9, text_wrap=True, valign="top"))
        ws.set_row(r, 13 * max(2, math.ceil(_width(text) / text_width)))
        return r + 1

    def summary_charts(self, ws):
        c = self.model.by_key
        wb = self.wb
        calc = self.titles["calcs"]
        timet = self.titles["time"]
        cal = self.r("calendar_year")
        font = {"name": self.font, "size": 9}
        ch = wb.add_chart({"type": "column", "subtype": "stacked"})
        series = [("rev_rent", self.t("租金", "Rent")), ("rev_parking", self.t("停车费", "Parking")),
                  ("rev_property_fees", self.t("物业费", "Property fees")), ("rev_other", self.t("其他", "Other")),
                  ("subsidy", self.t("财政补贴", "Subsidy"))]
        for i, (key, name) in enumerate(series):
            ch.add_series({"name": name, "categories": [timet, cal, COL_Y0 + 1, cal, self.last_col],
                           "values": [calc, self.r(key), COL_Y0 + 1, self.r(key), self.last_col],
                           "fill": {"color": COLORS["chart"][i]}, "gap": 40})
        ch.set_title({"name": self.t("营业收入(不含税)与财政补贴(万元)", "Revenue by stream (net of VAT) and subsidy, CNY 10,000"),
                      "name_font": {"name": self.font, "size": 11, "bold": True}})
        ch.set_x_axis({"num_font": {**font, "rotation": -45}})
        ch.set_y_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ch.set_legend({"position": "bottom", "font": font})
        ch.set_size({"width": 640, "height": 320})
        ws.insert_chart(2, 5, ch)
        sc = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        sc.add_series({"name": self.t("累计净现金流量(项目投资)", "Cumulative project cash flow"),
                       "categories": [timet, cal, COL_Y0, cal, self.last_col],
                       "values": [calc, self.r("cum_project_fcf"), COL_Y0, self.r("cum_project_fcf"), self.last_col],
                       "line": {"color": COLORS["chart"][0], "width": 2},
                       "marker": {"type": "circle", "size": 4, "fill": {"color": COLORS["chart"][0]},
                                  "border": {"color": COLORS["chart"][0]}}})
        if self.s["flags"]["has_debt"]:
            sc.add_series({"name": self.t("累计资本金净现金流量", "Cumulative equity cash flow"),
                           "categories": [timet, cal, COL_Y0, cal, self.last_col],
                           "values": [calc, self.r("cum_equity_fcf"), COL_Y0, self.r("cum_equity_fcf"), self.last_col],
                           "line": {"color": COLORS["chart"][1], "width": 1.5, "dash_type": "dash"},
                           "marker": {"type": "none"}})
        pr = self.payback_point_row
        pb = self.s["metrics"].get("payback_years")
        label = self.t(f"回收期 {pb:.2f} 年", f"payback {pb:.2f} years") if pb is not None else ""
        sc.add_series({"name": self.t("投资回收点", "Payback point"),
                       "categories": [self.titles["summary"], pr, 1, pr, 1],
                       "values": [self.titles["summary"], pr, 2, pr, 2],
                       "line": {"none": True},
                       "marker": {"type": "diamond", "size": 11, "fill": {"color": "#C00000"}, "border": {"color": "#C00000"}},
                       "data_labels": {"custom": [{"value": label}], "position": "above",
                                       "font": {**font, "bold": True, "color": "#C00000"}}})
        sc.set_title({"name": self.t("累计净现金流量与投资回收点(万元)", "Cumulative cash flow and payback, CNY 10,000"),
                      "name_font": {"name": self.font, "size": 11, "bold": True}})
        y0 = self.a.scenario.start_year
        sc.set_x_axis({"min": y0, "max": y0 + self.N, "major_unit": 2, "num_format": "0", "num_font": font,
                       "label_position": "low", "major_gridlines": {"visible": False}})
        sc.set_y_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        sc.set_legend({"position": "bottom", "font": font})
        sc.set_size({"width": 640, "height": 320})
        ws.insert_chart(19, 5, sc)

    # ------------------------------------------------------------------ study sheets (static values)
    def _static_note(self, ws, r, text):
        ws.write_string(r, 0, text, self.f_sub)
        return r + 1

    def _num(self, ws, r, col, x, scale=1.0, fmt=None, na="na"):
        if finite(x):
            val = float(x) / scale
            ws.write_number(r, col, val, fmt or self.F(num_format=auto_number_format(val)))
        else:
            ws.write_string(r, col, self.na(na), self.F(align="right", font_color=COLORS["helper_font"]))

    def _input_value(self, ws, r, col, path, x):
        """An input's value in its own unit (percent for rates)."""
        fmt = self.F(num_format="0.00%") if path in self.path_pct else None
        self._num(ws, r, col, x, 1.0, fmt)

    def _unit_study(self, unit: str) -> str:
        return STUDY_UNIT_ZH.get(unit, unit) if self.zh else unit

    def write_breakeven(self):
        ws = self.ws["breakeven"]
        st = self.studies
        ws.write_string(0, 0, self.t("盈亏平衡分析(临界值)", "Break-even analysis (switching values)"), self.f_title)
        r = self._static_note(ws, 1, self.t("静态值: finmodel 按当前假设求解;修改输入后请重新运行。",
                                            "Static values solved by finmodel at these inputs; run again after changing inputs."))
        self.setcol(ws, 0, 0, 30)
        self.setcol(ws, 1, 1, 16 if st.solves and st.breakeven is None else 12)
        self.setcol(ws, 2, 6, 14)
        self.setcol(ws, 7, 7, 34)
        self.setcol(ws, 8, 8, 60)
        r += 1
        for b in st.solves:
            r = self.write_solve(ws, r, b) + 1
        df = st.breakeven
        if df is not None:
            target = df.attrs.get("target", "npv=0")
            ws.write_string(r, 0, self.t(f"盈亏平衡表(目标: {target_label(target, True)})", f"Break-even table (target: {target})"),
                            self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
            r += 1
            heads = [self.t("驱动因素", "Driver"), self.t("单位", "Unit"), self.t("基准值", "Base"), self.t("临界值", "Switching value"),
                     self.t("变动", "Change"), self.t("变动率", "Change %"), self.t("可达", "Feasible"), self.t("YAML 路径", "YAML path"),
                     self.t("说明", "Note")]
            self.head_row(ws, r, heads)
            r += 1
            first = r
            for key, row in df.iterrows():
                unit = str(row.get("unit", ""))
                pct = unit.startswith("fraction")
                label = BREAKEVEN_DRIVERS_ZH.get(str(key), str(row.get("label", key))) if self.zh else str(row.get("label", key))
                ws.write_string(r, 0, label)
                ws.write_string(r, 1, self._unit_study(unit), self.f_unit)
                for col, fld in ((2, "base"), (3, "value"), (4, "change")):
                    self._num(ws, r, col, row.get(fld), fmt=self.F(num_format="0.00%") if pct else None,
                              na="no_irr")
                x = row.get("change_pct")
                self._num(ws, r, 5, (float(x) / 100.0) if finite(x) else None, fmt=self.F(num_format="+0.0%;-0.0%;0.0%"),
                          na="no_irr")
                ws.write_string(r, 6, self.t("是", "yes") if bool(row.get("feasible")) else self.t("否", "no"), self.f_unit)
                ws.write_string(r, 7, str(row.get("vary", "")), self.F(font_size=8, font_color=COLORS["helper_font"]))
                note = str(row.get("note", "") or "")
                if self.zh:
                    note = re.sub(r"\beach of (\d+) lines x", r"全部 \1 项 ×", note)
                if self.zh and not bool(row.get("feasible")):       # the library's note is English
                    metric = str(target).split("<")[0].split(">")[0].split("=")[0]
                    note = f"在 {self._value_text(row.get('lo'), unit)} 至 {self._value_text(row.get('hi'), unit)} 内未达到目标"
                    if finite(row.get("closest_value")):
                        note += (f";最接近: {metric_label(metric, True)} {self._metric_text(metric, row.get('closest_metric'))}"
                                 f",于 {self._value_text(row.get('closest_value'), unit)}")
                ws.write_string(r, 8, note, self.F(font_size=8, text_wrap=True))
                r += 1
            if r > first:
                ws.conditional_format(first, 5, r - 1, 5, {"type": "data_bar", "bar_color": "#5B9BD5"})
            r += 1
        c = st.corridor
        if c is not None:
            if self.studies_only:           # no Summary here: the corridor itself first
                r = self.write_corridor(ws, r, last_col=5, text_width=72) + 1
            ws.write_string(r, 0, self.t("补贴区间: 各项条件", "Subsidy corridor: the conditions"),
                            self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
            r += 1
            heads = [self.t("条件", "Condition"), self.t("作用", "Role"), self.t("补贴临界值", "Subsidy bound"), self.t("单位", "Unit"),
                     self.t("当前补贴下的指标", "Metric at the current subsidy"), self.t("求解", "How")]
            self.head_row(ws, r, heads)
            r += 1
            for con in c.constraints:
                tgt = str(con.get("target"))
                metric = tgt.split("<")[0].split(">")[0].split("=")[0]
                ws.write_string(r, 0, target_label(tgt, self.zh))
                role = con.get("role", "")
                ws.write_string(r, 1, {"viability": self.t("可持续", "viability"), "micro_profit": self.t("微利", "micro profit")}.get(role, role))
                self._num(ws, r, 2, con.get("bound"), WAN, self.num(MONEY))
                ws.write_string(r, 3, money_per_year(self.zh), self.f_unit)
                x = con.get("metric_at_base")
                if metric in MONEY_METRICS:
                    self._num(ws, r, 4, x, WAN, self.num(MONEY))
                elif metric in PCT_METRICS:
                    self._num(ws, r, 4, x, 1.0, self.F(num_format="0.00%"))
                else:
                    self._num(ws, r, 4, x)
                ws.write_string(r, 5, str(con.get("how", "")), self.F(font_size=8))
                r += 1
            if c.levers:
                r += 1
                ws.write_string(r, 0, self.t("缩小缺口的杠杆(每次只动一项)", "Levers that narrow the gap (one at a time)"),
                                self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
                r += 1
                r = self.write_levers(ws, r, c.levers)
        ws.hide_gridlines(2)

    def write_levers(self, ws, r, levers) -> int:
        """The levers of a corridor with a gap: each driver moved alone, the gap left at the least subsidy."""
        heads = [self.t("驱动因素", "Driver"), self.t("单位", "Unit"), self.t("基准值", "Base"), self.t("调整到", "Moved to"),
                 self.t("变动率", "Change %"), self.t(f"剩余缺口({money_per_year(True)})", f"Gap left ({money_per_year(False)})"),
                 self.t("缩小缺口", "Narrows"), self.t("YAML 路径", "YAML path"), self.t("说明", "Note")]
        self.head_row(ws, r, heads)
        r += 1
        yes_no = {True: self.t("是", "yes"), False: self.t("否", "no")}
        for lv in levers:
            unit = str(lv.get("unit", ""))
            pct = unit.startswith("fraction")
            key = str(lv.get("driver", ""))
            label = BREAKEVEN_DRIVERS_ZH.get(key, str(lv.get("label", key))) if self.zh else str(lv.get("label", key))
            ws.write_string(r, 0, label)
            ws.write_string(r, 1, self._unit_study(unit), self.f_unit)
            for col, fld in ((2, "base"), (3, "value")):
                self._num(ws, r, col, lv.get(fld), fmt=self.F(num_format="0.00%") if pct else None)
            x = lv.get("change_pct")
            self._num(ws, r, 4, float(x) / 100.0 if finite(x) else None, fmt=self.F(num_format="+0.0%;-0.0%;0.0%"))
            closes = bool(lv.get("closes"))
            self._num(ws, r, 5, 0.0 if closes else lv.get("gap"), WAN, self.num(MONEY))
            ws.write_string(r, 6, self.t("消除缺口", "closes it") if closes else yes_no[bool(lv.get("narrows"))], self.f_unit)
            ws.write_string(r, 7, str(lv.get("vary", "")), self.F(font_size=8, font_color=COLORS["helper_font"]))
            ws.write_string(r, 8, self._lever_note(lv), self.F(font_size=8, text_wrap=True))
            r += 1
        return r

    def _lever_note(self, lv) -> str:
        """The library's note on a lever (English), in Chinese for a zh workbook."""
        note = str(lv.get("note", "") or "")
        if not self.zh:
            return note
        m = re.match(r"does not narrow it: ([+-]\d+) % leaves", note)
        if m:
            g = lv.get("gap_after_10pct")
            left = f",缺口仍为 {money_text(g, True)}/年" if finite(g) else ""
            return f"不能缩小缺口: 变动 {m.group(1)}%{left}"
        m = re.match(r"by ([+-][\d.]+) % the operator earns more than a micro profit", note)
        if m:
            return f"变动 {m.group(1)}% 时,即使没有补贴企业收益也超过微利上限"
        return {"closes the gap": "消除缺口", "moving it further widens the gap again": "继续调整反而扩大缺口",
                "it reaches the end of its valid range": "已到有效范围的端点",
                "cannot move: at the end of its valid range": "无法调整: 已在有效范围的端点"}.get(note, note)

    # ------------------------------------------------------------------ a single break-even solve
    def _driver_label(self, b) -> str:
        if not self.zh:
            return str(b.label)
        from ..breakeven import TABLE_DRIVERS
        key = {label: k for k, label, _ in TABLE_DRIVERS}.get(str(b.label))
        if key in BREAKEVEN_DRIVERS_ZH:                 # a name of the break-even table (--vary capex)
            return BREAKEVEN_DRIVERS_ZH[key]
        if b.vary in self.path_labels:
            return self.path_labels[b.vary]
        return f"{b.vary}(各项同比例)" if b.kind == "scale" else str(b.label)

    def _input_fmt(self, unit: str):
        if unit.startswith("fraction"):
            return self.F(num_format="0.00%")
        if unit == "x base":
            return self.F(num_format="0.0000")
        return None

    def _value_text(self, v, unit: str) -> str:
        if not finite(v):
            return self.na("na")
        v = float(v)
        if unit.startswith("fraction"):
            return f"{v:.2%}"
        if unit == "x base":
            return self.t(f"基准值的 {v:.4g} 倍", f"x{v:.6g} of base")
        u = self._unit_study(unit)
        return (f"{v:,.0f} {u}" if abs(v) >= 1e4 else f"{v:.6g} {u}").rstrip()

    def _metric_text(self, metric: str, v) -> str:
        if not finite(v):
            return self.na(self.metric_na(metric))
        v = float(v)
        if metric in MONEY_METRICS:
            return money_text(v, self.zh)
        if metric in PCT_METRICS:
            return f"{v:.2%}"
        return f"{v:.2f} {metric_unit(metric, self.zh)}"

    def _solve_note_zh(self, b) -> str:
        tl = target_label(str(b.target), True)
        val = self._value_text(b.value, b.unit)
        if b.status == "always":
            return f"在整个搜索范围内 {tl} 均成立"
        if not b.feasible:
            return (f"在搜索范围({self._value_text(b.lo, b.unit)} 至 {self._value_text(b.hi, b.unit)})内"
                    f"无法达到 {tl};两端的指标见上")
        if b.status == "jump":
            return f"{metric_label(b.target.metric, True)} 在 {val} 处跳变越过目标(无精确解,报告跳变点)"
        if b.direction == "floor":
            return f"{tl} 在 {val} 及以上成立(下限: 至少需要这么多)"
        if b.direction == "ceiling":
            return f"{tl} 在 {val} 及以下成立(上限: 至多这么多)"
        return f"{tl} 于 {val}"

    def write_solve(self, ws, r, b) -> int:
        """One break-even solve (``finmodel breakeven --vary ... --target ...``) as a labelled column."""
        t = b.target
        m = t.metric
        sc, mfmt = self.metric_fmt(m)
        ifmt = self._input_fmt(b.unit)
        unit = self._unit_study(b.unit) if not b.unit.startswith("fraction") else "%"
        munit = metric_unit(m, self.zh)
        ws.write_string(r, 0, self.t(f"临界值求解: {self._driver_label(b)}", f"Break-even: {self._driver_label(b)}"),
                        self.h2())
        r += 1
        for col, h in enumerate([self.t("项目", "Item"), self.t("数值", "Value"), self.t("单位", "Unit"),
                                 self.t("说明", "Note")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        mlab = metric_label(m, self.zh)
        note = self.F(font_size=8, font_color=COLORS["helper_font"])
        direction = {"floor": self.t("下限: 目标在该值及以上成立", "floor: the target holds at and above it"),
                     "ceiling": self.t("上限: 目标在该值及以下成立", "ceiling: the target holds at and below it")}
        rows = [
            (self.t("求解的输入", "Input solved for"), self._driver_label(b), "", ", ".join(b.paths)),
            (self.t("目标", "Target"), target_label(str(t), self.zh), "", str(t)),
            (self.t("临界值", "Break-even value"), ("in", b.value) if b.feasible else self.t("未达到", "not reached"), unit, ""),
            (self.t("基准值", "Base value"), ("in", b.base_value), unit, ""),
            (self.t("变动", "Change"), ("in", b.change if b.feasible else None), unit, ""),
            (self.t("变动率", "Change %"), ("rel", b.change_rel if b.feasible else None), "%",
             self.t("基准值为0,无变动率", "the base is 0: no relative change") if b.feasible and b.change_rel is None else ""),
            (self.t("方向", "Direction"), direction.get(b.direction, self.t("等式目标", "an equality target")), "", ""),
            (self.t(f"临界值处的{mlab}", f"{mlab} there"), ("m", b.achieved if b.feasible else None), munit, ""),
            (self.t(f"基准情景的{mlab}", f"{mlab} at base"), ("m", b.base_metric), munit, ""),
            (self.t("搜索范围下限", "Search range: low"), ("in", b.lo), unit, ""),
            (self.t("搜索范围上限", "Search range: high"), ("in", b.hi), unit, ""),
            (self.t(f"下限处的{mlab}", f"{mlab} at the low end"), ("m", b.metric_at_lo), munit, ""),
            (self.t(f"上限处的{mlab}", f"{mlab} at the high end"), ("m", b.metric_at_hi), munit, ""),
        ]
        if b.other_values:
            rows.append((self.t("其他满足目标的值", "Other values meeting the target"),
                         "; ".join(self._value_text(x, b.unit) for x in b.other_values), "", ""))
        if not b.feasible and finite(b.closest_value):
            rows.append((self.t("最接近目标的值", "Closest value"), ("in", b.closest_value), unit, ""))
            rows.append((self.t(f"该值处的{mlab}", f"{mlab} there"), ("m", b.closest_metric), munit, ""))
        rows += [
            (self.t("可达", "Feasible"), self.t("是", "yes") if b.feasible else self.t("否", "no"), "",
             self.t(SOLVE_STATUS_ZH.get(b.status, b.status), b.status)),
            (self.t("计算量", "Work"), self.t(f"网格后迭代 {b.iterations} 次,共计算 {b.evaluations} 个情景",
                                              f"{b.iterations} iterations after the bracketing grid, {b.evaluations} evaluations"), "", ""),
            (self.t("结论", "In words"), self._solve_note_zh(b) if self.zh else b.message, "", ""),
        ]
        if b.feasible and b.leaf_values:
            rows.append((self.t("核对命令", "Check"), "finmodel run --no-report " + " ".join(f"--set {x}" for x in b.sets()),
                         "", ""))
        for label, value, u, text in rows:
            ws.write_string(r, 0, label, self.F(bold=label == rows[2][0]))
            if isinstance(value, tuple):
                kind, x = value
                if kind == "in":
                    self._num(ws, r, 1, x, 1.0, ifmt or (self.F(num_format=auto_number_format(x)) if finite(x) else None))
                elif kind == "rel":
                    self._num(ws, r, 1, x, 1.0, self.F(num_format="+0.00%;-0.00%;0.00%"))
                else:
                    self._num(ws, r, 1, x, sc, mfmt, na=self.metric_na(m))
            else:
                ws.write_string(r, 1, str(value), self.F(bold=label == rows[2][0]))
            if u:
                ws.write_string(r, 2, u, self.f_unit)
            if text:
                ws.write_string(r, 3, text, note)
            r += 1
        return r

    # ------------------------------------------------------------------ generic results tables
    def h2(self):
        return self.F(bold=True, font_size=12, font_color=COLORS["title_font"])

    def setcol(self, ws, first: int, last: int, width: float) -> None:
        """``set_column`` that remembers the widths (heading rows grow to fit their wrapped text)."""
        ws.set_column(first, last, width)
        w = self.colw.setdefault(ws.name, {})
        for c in range(first, last + 1):
            w[c] = width

    def head_row(self, ws, r, heads) -> None:
        """A heading row of a study table: as tall as its most wrapped heading."""
        w = self.colw.get(ws.name, {})
        lines = 1
        for col, h in enumerate(heads):
            ws.write_string(r, col, h, self.f_head_left)
            lines = max(lines, math.ceil(_width(h) / max(1.0, w.get(col, 8.43) - 1)))
        if lines > 1:
            ws.set_row(r, 13.5 * min(lines, 4))

    def metric_fmt(self, metric: str):
        """(divisor, format) of a metric on the study sheets: money in 万元, rates in %."""
        if metric in MONEY_METRICS:
            return WAN, self.num(MONEY)
        if metric in PCT_METRICS:
            return 1.0, self.F(num_format="0.00%")
        if metric == "gov_commitment_pv_per_household":
            return 1.0, self.F(num_format="#,##0.00")
        return 1.0, self.F(num_format="0.00")

    @staticmethod
    def metric_na(metric: str) -> str:
        return "never" if metric in YEAR_METRICS else "na"

    def write_stated(self, ws, r, items, span: tuple[int, float] = (6, 78.0)) -> int:
        """A study's inputs stated above its table, one (label, value[, number format]) a row.

        A text longer than ``span[1]`` characters wraps in columns 1 to ``span[0]`` (about that wide),
        so that it prints whole."""
        lab = self.F(font_color=COLORS["helper_font"], valign="top")
        for item in items:
            label, value = item[0], item[1]
            fmt = item[2] if len(item) > 2 else None
            ws.write_string(r, 0, label, lab)
            if isinstance(value, bool):
                ws.write_string(r, 1, self.t("是", "yes") if value else self.t("否", "no"), self.F(align="left"))
            elif isinstance(value, (int, float)):
                if finite(value):
                    ws.write_number(r, 1, float(value), self.F(num_format=fmt or auto_number_format(value), align="left"))
                else:
                    ws.write_string(r, 1, self.na("na"), self.F(align="left"))
            elif _width(str(value)) > 13 and span[0] > 1:
                lines = math.ceil(_width(str(value)) / span[1])
                ws.merge_range(r, 1, r, span[0], str(value), self.F(align="left", valign="top", text_wrap=True))
                if lines > 1:
                    ws.set_row(r, 13.5 * lines)
            else:
                ws.write_string(r, 1, str(value), self.F(align="left"))
            r += 1
        return r

    def write_results_table(self, ws, r, frame, cols, *, index: str = "path", index_head: str | None = None,
                            metric: str | None = None, tail=None, tail_head: str | None = None, labels=None,
                            heat: bool = False):
        """One house-style table from a result's ``to_frame()``: a heading row, then a row per index entry.

        ``cols``: (frame column, heading, kind) with kind ``metric`` (the study metric, in 万元 or %),
        ``rowmetric`` (the row's own metric: the index is a metric name), ``input`` (the row's input in
        its own unit, percent for rates), ``index`` (a sensitivity index, 0.000) or ``text``. The
        index is a YAML path shown by its label (``index='path'``), a metric (``'metric'``, with its
        unit in a second column) or text; ``labels`` overrides the label of some index entries;
        ``tail(key, row)`` adds a last column of small grey text (the YAML path, a distribution);
        ``heat`` drops the red font of negative metric values (the caller colours the cells).
        Returns (next row, first data row, last data row, {column key: sheet column}).
        """
        head = index_head or (self.t("驱动因素", "Driver") if index == "path" else self.t("指标", "Indicator"))
        heads = [head] + ([self.t("单位", "Unit")] if index == "metric" else []) + [h for _, h, _ in cols]
        if tail is not None:
            heads.append(tail_head or self.t("YAML 路径", "YAML path"))
        self.head_row(ws, r, heads)
        r += 1
        first = r
        c0 = 2 if index == "metric" else 1
        where = {key: c0 + j for j, (key, _, _) in enumerate(cols)}
        sc, mfmt = self.metric_fmt(metric) if metric else (1.0, None)
        if heat and metric:
            mfmt = self.F(num_format="0.00%;-0.00%" if metric in PCT_METRICS else
                          ("#,##0.00;-#,##0.00" if metric in MONEY_METRICS else "0.00;-0.00"))
        small = self.F(font_size=8, font_color=COLORS["helper_font"])
        for key, row in frame.iterrows():
            key_s = str(key)
            if labels and key_s in labels:
                label = labels[key_s]
            elif index == "path":
                label = self.path_label(key_s)
            elif index == "metric":
                label = metric_label(key_s, self.zh)
            else:
                label = key_s
            ws.write_string(r, 0, label, self.F(bold=bool(labels and key_s in labels)))
            if index == "metric":
                ws.write_string(r, 1, metric_unit(key_s, self.zh), self.f_unit)
            for key_c, _, kind in cols:
                col = where[key_c]
                x = row.get(key_c) if hasattr(row, "get") else row[key_c]
                if kind == "metric":
                    self._num(ws, r, col, x, sc, mfmt, na=self.metric_na(metric))
                elif kind == "rowmetric":
                    rsc, rfmt = self.metric_fmt(key_s)
                    self._num(ws, r, col, x, rsc, rfmt, na=self.metric_na(key_s))
                elif kind == "input":
                    if isinstance(x, str):
                        ws.write_string(r, col, x, self.F(align="right"))
                    elif x is None or (isinstance(x, float) and math.isnan(x)):
                        ws.write_blank(r, col, None)
                    else:
                        self._input_value(ws, r, col, key_s, x)
                elif kind == "index":
                    self._num(ws, r, col, x, 1.0, self.F(num_format="0.000"))
                elif x is not None and not (isinstance(x, float) and math.isnan(x)) and str(x) != "":
                    ws.write_string(r, col, str(x), self.F(font_size=8, text_wrap=False))
            if tail is not None:
                ws.write_string(r, c0 + len(cols), tail(key_s, row), small)
            r += 1
        return r, first, r - 1, where

    @staticmethod
    def _dist_text(d) -> str:
        """A declared distribution in a line: 'triangular: min 5.5, mode 7.5, max 10'."""
        if not isinstance(d, dict):
            return "" if d is None else str(d)
        parts = []
        for k, v in d.items():
            if k in ("dist", "path", "source"):
                continue
            if isinstance(v, (list, tuple)):
                v = "[" + ", ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in v) + "]"
            elif isinstance(v, float):
                v = f"{v:g}"
            parts.append(f"{k} {v}")
        text = f"{d.get('dist', '')}: " + ", ".join(parts)
        return text + (f"  ({d['source']})" if d.get("source") else "")

    def write_sensitivity(self):
        ws = self.ws["sensitivity"]
        st = self.studies
        ws.write_string(0, 0, self.t("敏感性分析", "Sensitivity analysis"), self.f_title)
        r = self._static_note(ws, 1, self.t("静态值: finmodel 运行时计算;修改输入后请重新运行。金额单位: 万元。",
                                            "Static values computed by finmodel; run again after changing inputs. Amounts in CNY 10,000."))
        self.setcol(ws, 0, 0, 36)
        self.setcol(ws, 1, 30, 13)
        if st.tornado is not None:
            self.setcol(ws, 9, 9, 70)
        r += 1
        tr = st.tornado
        if tr is not None:
            money = tr.metric in MONEY_METRICS
            sc = WAN if money else 1.0
            mfmt = self.num(MONEY) if money else self.F(num_format="0.00%" if tr.metric in PCT_METRICS else "0.00")
            base_txt = money_text(tr.base, self.zh) if money else f"{tr.base:,.2f}"
            ws.write_string(r, 0, self.t(f"龙卷风图: {metric_label(tr.metric, True)}(基准值 {base_txt})",
                                         f"Tornado: {metric_label(tr.metric, False)} (base {base_txt})"),
                            self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
            r += 1
            ws.write_string(r, 0, self.t(f"未给出区间的驱动因素按基准值 ±{tr.swing:.0%} 变动;按影响幅度排序",
                                         f"drivers without a range move by ±{tr.swing:.0%} of base; sorted by impact"), self.f_sub)
            r += 1
            heads = [self.t("驱动因素", "Driver"), self.t("基准值", "Base value"), self.t("低值", "Low"),
                     self.t("高值", "High"), self.t("低值时指标", "Metric at low"), self.t("高值时指标", "Metric at high"),
                     self.t("低值-基准", "Low - base"), self.t("高值-基准", "High - base"), self.t("影响幅度", "Impact"),
                     self.t("YAML 路径 / 区间来源", "YAML path / range")]
            for col, h in enumerate(heads):
                ws.write_string(r, col, h, self.f_head_left)
            r += 1
            first = r
            drivers = tr.drivers
            for d in drivers:
                ws.write_string(r, 0, self.path_label(d["path"]))
                for col, k in ((1, "base_value"), (2, "low"), (3, "high")):
                    self._input_value(ws, r, col, d["path"], d[k])
                for col, k in ((4, "metric_low"), (5, "metric_high"), (8, "impact")):
                    self._num(ws, r, col, d[k], sc, mfmt)
                for col, k in ((6, "metric_low"), (7, "metric_high")):
                    x = d[k]
                    self._num(ws, r, col, (float(x) - tr.base) if finite(x) and finite(tr.base) else None, sc, mfmt)
                ws.write_string(r, 9, d["path"] + "  " + d.get("range", "") + (f" ({d['source']})" if d.get("source") else ""),
                                self.F(font_size=8, font_color=COLORS["helper_font"]))
                r += 1
            last = r - 1
            if drivers:
                ch = self.wb.add_chart({"type": "bar"})
                title = self.titles["sensitivity"]
                n = len(drivers)
                ch.add_series({"name": self.t("低值", "Low"), "categories": [title, first, 0, last, 0],
                               "values": [title, first, 6, last, 6], "fill": {"color": COLORS["chart"][1]}, "overlap": 100, "gap": 40})
                ch.add_series({"name": self.t("高值", "High"), "categories": [title, first, 0, last, 0],
                               "values": [title, first, 7, last, 7], "fill": {"color": COLORS["chart"][0]}})
                font = {"name": self.font, "size": 8}
                unit = self.t("(万元)", ", CNY 10,000") if money else ""
                ch.set_title({"name": self.t(f"龙卷风图: {metric_label(tr.metric, True)}相对基准的变化{unit}",
                                             f"Tornado: change of {metric_label(tr.metric, False)} from base{unit}"),
                              "name_font": {"name": self.font, "size": 11, "bold": True}})
                ch.set_y_axis({"reverse": True, "num_font": font, "label_position": "low"})
                ch.set_x_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
                ch.set_legend({"position": "bottom", "font": font})
                height = max(300, 24 * n + 100)
                ch.set_size({"width": 820, "height": height})
                ws.insert_chart(r + 1, 0, ch)
                r += int(height / 20) + 3
        for g in st.grids:
            r = self.write_grid(ws, r + 1, g)
        if st.spider is not None:
            r = self.write_spider(ws, r + 1, st.spider)
        for res in (st.sobol, st.morris):
            if res is not None:
                r = self.write_global(ws, r + 1, res)
        ws.hide_gridlines(2)

    def write_spider(self, ws, r, sp) -> int:
        """The spider: the metric at relative steps of each driver, a table and a line chart."""
        m = sp.metric
        sc, _ = self.metric_fmt(m)
        ws.write_string(r, 0, self.t(f"蜘蛛图: {metric_with_unit(m, True)}", f"Spider: {metric_with_unit(m, False)}"), self.h2())
        r += 1
        steps = list(sp.steps)
        r = self.write_stated(ws, r, [
            (self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
            (self.t("基准值", "Base"), sp.base / sc if finite(sp.base) else sp.base, "#,##0.00" if m not in PCT_METRICS else "0.00%"),
            (self.t("变动步长(相对基准值)", "Steps (relative to each driver's base)"),
             ", ".join(f"{x:+.0%}" for x in steps)),
            (self.t("驱动因素个数", "Drivers"), len(sp.drivers), "0"),
        ])
        frame = sp.to_frame()
        frame.insert(0, "_base", [d["base_value"] for d in sp.drivers])
        cols = [("_base", self.t("基准值", "Base value"), "input")]
        cols += [(x, f"{x:+.0%}", "metric") for x in steps]
        clipped = {d["path"]: [f"{x:+.0%}" for x, c in zip(steps, d["clipped"]) if c] for d in sp.drivers}

        def tail(path, row):
            c = clipped.get(path) or []
            return path + (self.t(f"  (超出有效范围,截断于 {', '.join(c)})", f"  (clipped to the valid range at {', '.join(c)})") if c else "")

        r, first, last, where = self.write_results_table(ws, r, frame, cols, metric=m, tail=tail, heat=True)
        c1, c2 = where[steps[0]], where[steps[-1]]
        if last >= first:
            ws.conditional_format(first, c1, last, c2, {"type": "3_color_scale", "min_color": "#F8696B",
                                                        "mid_color": "#FFEB84", "max_color": "#63BE7B"})
            # the chart: the drivers with the widest spread (all of them up to eight)
            spread = []
            for i, d in enumerate(sp.drivers):
                vals = [v for v in d["metric"] if finite(v)]
                spread.append((max(vals) - min(vals) if vals else -1.0, i))
            show = sorted(i for _, i in sorted(spread, reverse=True)[:8])
            title = self.titles["sensitivity"]
            ch = self.wb.add_chart({"type": "line"})
            for k, i in enumerate(show):
                ch.add_series({"name": [title, first + i, 0], "categories": [title, first - 1, c1, first - 1, c2],
                               "values": [title, first + i, c1, first + i, c2],
                               "line": {"color": COLORS["chart"][k % len(COLORS["chart"])] if k < 6 else None, "width": 1.75},
                               "marker": {"type": "circle", "size": 4}})
            font = {"name": self.font, "size": 8}
            extra = self.t(f"(影响最大的 {len(show)} 项)", f" (the {len(show)} widest)") if len(show) < len(sp.drivers) else ""
            ch.set_title({"name": self.t(f"蜘蛛图: {metric_with_unit(m, True)}{extra}", f"Spider: {metric_with_unit(m, False)}{extra}"),
                          "name_font": {"name": self.font, "size": 11, "bold": True}})
            ch.set_x_axis({"num_font": font, "label_position": "low", "name": self.t("相对基准值的变动", "change from the base value"),
                           "name_font": {"name": self.font, "size": 9, "bold": False}})
            ch.set_y_axis({"num_font": font, "num_format": "#,##0" if m in MONEY_METRICS else ("0%" if m in PCT_METRICS else "0.0"),
                           "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
            ch.set_legend({"position": "right", "font": font})
            ch.set_size({"width": 900, "height": 360})
            ws.insert_chart(r + 1, 0, ch)
            r += 20
        return r + 1

    def write_global(self, ws, r, g) -> int:
        """Sobol indices or Morris screening: the design stated, one row per uncertain input."""
        m = g.metric
        sobol = g.method == "sobol"
        src = (self.t("已声明的分布(uncertainty)", "declared distributions (uncertainty)") if g.inputs_from == "distributions"
               else self.t("驱动因素区间上的均匀分布", "uniform over the driver ranges"))
        if sobol:
            ws.write_string(r, 0, self.t(f"Sobol 全局敏感性指数: {metric_label(m, True)}", f"Sobol indices: {metric_label(m, False)}"), self.h2())
            stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                      (self.t("基础样本量 N", "Base sample N"), g.n, "#,##0"),
                      (self.t("模型运行次数", "Model runs"), g.runs, "#,##0"),
                      (self.t("随机种子", "Seed"), g.seed, "0"),
                      (self.t("输入", "Inputs"), src),
                      (self.t("置信水平(自助法)", "Confidence level (bootstrap)"), g.conf_level, "0%")]
            cols = [("S1", self.t("一阶指数 S1", "First order S1"), "index"), ("S1_conf", "± S1", "index"),
                    ("ST", self.t("总效应指数 ST", "Total ST"), "index"), ("ST_conf", "± ST", "index")]
            bar = "ST"
            metric = None
        else:
            ws.write_string(r, 0, self.t(f"Morris 筛选: {metric_with_unit(m, True)}", f"Morris screening: {metric_with_unit(m, False)}"), self.h2())
            stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                      (self.t("轨迹数", "Trajectories"), g.n, "#,##0"),
                      (self.t("网格水平数", "Levels"), g.levels, "0"),
                      (self.t("模型运行次数", "Model runs"), g.runs, "#,##0"),
                      (self.t("随机种子", "Seed"), g.seed, "0"),
                      (self.t("输入", "Inputs"), src),
                      (self.t("置信水平", "Confidence level"), g.conf_level, "0%")]
            cols = [("mu_star", "μ*", "metric"), ("mu_star_conf", "± μ*", "metric"), ("mu", "μ", "metric"),
                    ("sigma", "σ", "metric")]
            bar = "mu_star"
            metric = m
        r += 1
        r = self.write_stated(ws, r, stated)
        ws.write_string(r, 0, self.t("± 为置信区间的半宽;按影响从大到小排序。" + (
            "μ* 为输入在其整个范围内变动的平均绝对效应;σ 相对 μ* 较大表示交互作用或非线性。" if not sobol else
            "S1: 单独贡献的方差份额;ST: 含交互作用的总份额。"),
            "± is the half-width of the confidence interval; sorted by impact. " + (
            "mu*: mean absolute effect of moving an input across its whole range; sigma large against mu*: "
            "interactions or non-linearity." if not sobol else
            "S1: the share of variance an input explains alone; ST: with its interactions."),
            ), self.f_sub)
        r += 1
        frame = g.to_frame()
        dists = {row["path"]: row.get("input") for row in g.rows}
        r, first, last, where = self.write_results_table(
            ws, r, frame, cols, metric=metric, tail=lambda path, row: f"{path}  {self._dist_text(dists.get(path))}",
            tail_head=self.t("YAML 路径 / 分布", "YAML path / distribution"), index_head=self.t("不确定输入", "Uncertain input"))
        if last >= first:
            ws.conditional_format(first, where[bar], last, where[bar], {"type": "data_bar", "bar_color": "#5B9BD5"})
        return r + 1

    # ------------------------------------------------------------------ Compare
    def write_compare(self):
        ws = self.ws["compare"]
        cr = self.studies.compare
        ws.write_string(0, 0, self.t("情景比较与差异归因", "Scenario comparison and attribution"), self.f_title)
        r = self._static_note(ws, 1, self.t("静态值: finmodel 运行时计算;修改输入后请重新运行。金额单位: 万元。",
                                            "Static values computed by finmodel; run again after changing inputs. Amounts in CNY 10,000."))
        names = [sc["name"] for sc in cr.scenarios]
        n = len(names)
        # scenario names head the columns: wide enough for the longest (with "(reference)") on one line
        wide = max([_width(x) for x in names] + [0.0]) + _width(self.t("(基准)", " (reference)")) + 2
        self.setcol(ws, 0, 0, 40)
        self.setcol(ws, 1, 1, 11)
        self.setcol(ws, 2, 1 + n, min(32.0, max(15.0, wide)))
        self.setcol(ws, 2 + n, 2 + n, 50)
        r += 1
        ws.write_string(r, 0, self.t("情景", "Scenarios"), self.h2())
        r += 1
        heads = {0: self.t("情景", "Scenario"), 1: self.t("基准", "Reference"), 2: self.t("说明", "Title"),
                 2 + n: self.t("来源", "Source")}
        for col in range(3 + n):
            if col in heads:
                ws.write_string(r, col, heads[col], self.f_head_left)
            else:
                ws.write_blank(r, col, None, self.f_head_left)
        r += 1
        for sc in cr.scenarios:
            ref = sc["name"] == cr.reference
            ws.write_string(r, 0, str(sc["name"]), self.F(bold=ref))
            ws.write_string(r, 1, self.t("是", "yes") if ref else "", self.f_unit)
            ws.write_string(r, 2, str(sc.get("title") or ""))
            ws.write_string(r, 2 + n, str(sc.get("source") or ""), self.F(font_size=8, font_color=COLORS["helper_font"]))
            r += 1
        r += 1
        ws.write_string(r, 0, self.t("主要指标对比", "Key indicators side by side"), self.h2())
        r += 1
        frame = cr.to_frame()
        heads = [(name, name + (self.t("(基准)", " (reference)") if name == cr.reference else ""), "rowmetric")
                 for name in names]
        r, first, last, where = self.write_results_table(ws, r, frame, heads, index="metric")
        r += 1
        for att in cr.attributions:
            r = self.write_attribution(ws, r, att)
        ws.hide_gridlines(2)

    def write_attribution(self, ws, r, att) -> int:
        m = att.metric
        sc, mfmt = self.metric_fmt(m)
        ws.write_string(r, 0, self.t(f"{metric_label(m, True)}的变化归因: {att.from_name} → {att.to_name}",
                                     f"Change in {metric_label(m, False)}: {att.from_name} -> {att.to_name}"), self.h2())
        r += 1
        fmt = "#,##0.00" if m not in PCT_METRICS else "0.00%"
        unit = metric_unit(m, self.zh)
        r = self.write_stated(ws, r, [
            (self.t(f"{att.from_name} 的{metric_label(m, True)}({unit})", f"{metric_label(m, False)} of {att.from_name} ({unit})"),
             att.from_value / sc, fmt),
            (self.t(f"{att.to_name} 的{metric_label(m, True)}({unit})", f"{metric_label(m, False)} of {att.to_name} ({unit})"),
             att.to_value / sc, fmt),
            (self.t(f"变化合计({unit})", f"Total change ({unit})"), att.total / sc, fmt),
        ])
        ws.write_string(r, 0, self.t("每次只把一项假设换成对方情景的值;交互作用余项使各部分之和等于总变化。",
                                     "Each differing assumption taken from the other scenario one at a time; the "
                                     "interaction remainder makes the parts add up to the total."), self.f_sub)
        r += 1
        frame = att.to_frame()
        rem, tot = "(interaction remainder)", "(total)"
        labels = {rem: self.t("交互作用余项", "Interaction remainder"), tot: self.t("合计", "Total")}
        cols = [("from", self.t(f"{att.from_name} 的值", f"In {att.from_name}"), "input"),
                ("to", self.t(f"{att.to_name} 的值", f"In {att.to_name}"), "input"),
                ("change", self.t(f"变化({unit})", f"Change ({unit})"), "metric")]

        def tail(path, row):
            if path in labels:
                return ""
            note = row.get("note")
            return path + (f"  ({note})" if isinstance(note, str) and note else "")

        r, first, last, where = self.write_results_table(ws, r, frame, cols, metric=m, labels=labels, tail=tail,
                                                         index_head=self.t("假设", "Assumption"))
        if last - 2 >= first:
            ws.conditional_format(first, where["change"], last - 2, where["change"],
                                  {"type": "data_bar", "bar_color": "#5B9BD5", "bar_negative_color": "#F8696B"})
        return r + 1

    def _axis_text(self, ax) -> str:
        """'support.subsidy_annual_cny = 0:2e6:5: 5 values, base 1,000,000 元/年 (on the grid)'."""
        n = len(ax.values)
        u = "" if ax.path in self.path_pct else self.path_units.get(ax.path, "")
        base = f"{ax.base:.2%}" if ax.path in self.path_pct else (f"{ax.base:,.0f}" if abs(ax.base) >= 1e4 else f"{ax.base:g}")
        on = self.t("在网格上,加粗框", "on the grid, boxed") if ax.base_index is not None else self.t("不在网格上", "not on the grid")
        base = f"{base} {u}".strip()
        return self.t(f"{self.path_label(ax.path)} ─ {ax.spec}: {n} 个值,基准值 {base}({on})",
                      f"{self.path_label(ax.path)} - {ax.spec}: {n} values, base {base} ({on})")

    def write_grid(self, ws, r, g):
        """A one- or two-way grid as a heat map, its axes and the base point stated."""
        m = g.metric
        sc, _ = self.metric_fmt(m)
        axes = g.axes
        ws.write_string(r, 0, self.t(f"网格: {metric_with_unit(m, True)}", f"Grid: {metric_with_unit(m, False)}"), self.h2())
        r += 1
        stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                  (self.t("基准情景的指标值", "Metric at base"), g.base / sc if finite(g.base) else g.base,
                   "0.00%" if m in PCT_METRICS else "#,##0.00")]
        if len(axes) == 1:
            stated.append((self.t("输入", "Input"), self._axis_text(axes[0])))
        else:
            stated.append((self.t("行", "Rows"), self._axis_text(axes[0])))
            stated.append((self.t("列", "Columns"), self._axis_text(axes[1])))
        r = self.write_stated(ws, r, stated)
        vals = g.values
        # a heat map reads by its colours: no red font on a red fill
        plain = '0.00%;-0.00%' if m in PCT_METRICS else ('#,##0.00;-#,##0.00' if m in MONEY_METRICS else '0.00;-0.00')
        nf = self.F(num_format=plain)
        nf_base = self.F(num_format=plain, bold=True, border=2)
        scale = {"min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B", "type": "3_color_scale"}
        na = self.metric_na(m)

        def axis_fmt(ax, **extra):
            nfm = "0.00%" if ax.path in self.path_pct else "#,##0.####"
            return self.F(bold=True, bg_color=COLORS["heading_fill"], border=1, num_format=nfm, **extra)

        if len(axes) == 1:
            ax = axes[0]
            u = self.path_units.get(ax.path, "")
            ws.write_string(r, 0, self.t("输入取值", "Input value") + (self.t(f"({u})", f" ({u})") if u else ""), self.f_head_left)
            ws.write_string(r, 1, metric_label(m, self.zh), self.f_head)
            r += 1
            first = r
            for i, (x, y) in enumerate(zip(ax.values, vals)):
                ws.write_number(r, 0, float(x), axis_fmt(ax, align="left"))
                self._num(ws, r, 1, y, sc, nf_base if i == ax.base_index else nf, na=na)
                r += 1
            ws.conditional_format(first, 1, r - 1, 1, scale)
            return r + 1
        rax, cax = axes
        ws.write_string(r, 0, self.t("行 \\ 列", "rows \\ columns"), self.F(bold=True, bg_color=COLORS["heading_fill"], border=1,
                                                                          align="right", font_size=8))
        for j, x in enumerate(cax.values):
            ws.write_number(r, 1 + j, float(x), axis_fmt(cax, align="center"))
        r += 1
        first = r
        for i, x in enumerate(rax.values):
            ws.write_number(r, 0, float(x), axis_fmt(rax, align="left"))
            for j in range(len(cax.values)):
                on_base = i == rax.base_index and j == cax.base_index
                self._num(ws, r, 1 + j, vals[i][j], sc, nf_base if on_base else nf, na=na)
            r += 1
        ws.conditional_format(first, 1, r - 1, len(cax.values), scale)
        return r + 1

    def write_montecarlo(self):
        ws = self.ws["montecarlo"]
        mc = self.studies.montecarlo
        title = self.titles["montecarlo"]
        ws.write_string(0, 0, self.t("蒙特卡洛模拟(概率分析)", "Monte Carlo simulation (probability analysis)"), self.f_title)
        method = {"iman_conover": "Iman-Conover", "gaussian_copula": self.t("高斯 Copula", "Gaussian copula")}.get(mc.method, mc.method)
        r = self._static_note(ws, 1, self.t(f"静态值: {mc.n:,} 次抽样,随机种子 {mc.seed},秩相关方法 {method},"
                                            f"{mc.truncated:,} 次抽样截断到有效范围。金额单位: 万元。",
                                            f"Static values: {mc.n:,} draws, seed {mc.seed}, rank correlation {method}; "
                                            f"{mc.truncated:,} draws truncated to valid ranges. Amounts in CNY 10,000."))
        ws.set_column(0, 0, 36)
        ws.set_column(1, 1, 11)
        ws.set_column(2, 9, 12)
        ws.set_column(10, 10, 40)
        h2 = self.F(bold=True, font_size=12, font_color=COLORS["title_font"])
        r += 1
        ws.write_string(r, 0, self.t("不确定输入", "Uncertain inputs"), h2)
        r += 1
        for col, h in enumerate([self.t("输入", "Input"), self.t("分布", "Distribution"), self.t("最小值", "min"),
                                 self.t("最可能值", "mode"), self.t("最大值", "max"), self.t("均值", "mean"), self.t("标准差", "sd"),
                                 self.t("抽样均值", "Draws: mean"), self.t("截断次数", "Truncated"), "", self.t("YAML 路径 / 来源", "YAML path / source")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        for inp in mc.inputs:
            ws.write_string(r, 0, self.path_label(str(inp.get("path"))))
            ws.write_string(r, 1, str(inp.get("dist")))
            path = str(inp.get("path"))
            pct = path in self.path_pct
            for col, k in ((2, "min"), (3, "mode"), (4, "max"), (5, "mean"), (6, "sd")):
                x = inp.get(k)
                if finite(x):
                    ws.write_number(r, col, float(x), self.F(num_format="0.00%" if pct else auto_number_format(x)))
            dm = (inp.get("draws") or {}).get("mean")
            if finite(dm):
                ws.write_number(r, 7, float(dm), self.F(num_format="0.00%" if pct else auto_number_format(dm)))
            ws.write_number(r, 8, int(inp.get("truncated", 0)))
            extra = ""
            if inp.get("values") is not None:
                extra = f"values {inp.get('values')}" + (f" p {inp.get('probs')}" if inp.get("probs") is not None else "") + "  "
            ws.write_string(r, 10, f"{extra}{path}  {inp.get('source', '')}", self.F(font_size=8, font_color=COLORS["helper_font"]))
            r += 1
        r += 1
        ws.write_string(r, 0, self.t("指标的概率分布", "Distribution of the indicators"), h2)
        r += 1
        pcts = ["p5", "p10", "p50", "p90", "p95"]
        for col, h in enumerate([self.t("指标", "Indicator"), self.t("单位", "Unit"), self.t("均值", "Mean"), self.t("标准差", "SD")]
                                + [p.upper() for p in pcts] + [self.t("有定义次数", "Defined")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        for name, st in mc.metrics.items():
            money = name in MONEY_METRICS
            pct = name in PCT_METRICS
            sc = WAN if money else 1.0
            nf = self.num(MONEY) if money else self.F(num_format="0.00%" if pct else "0.00")
            ws.write_string(r, 0, metric_label(name, self.zh))
            unit = units.label(MONEY, self.zh) if money else (
                "%" if pct else (units.label("years", self.zh) if "payback" in name else ""))
            ws.write_string(r, 1, unit, self.f_unit)
            for col, k in enumerate(["mean", "sd"] + pcts, start=2):
                self._num(ws, r, col, st.get(k), sc, nf)
            ws.write_number(r, 9, int(st.get("n_defined", 0)))
            r += 1
        r += 1
        ws.write_string(r, 0, self.t("风险概率", "Risk probabilities"), h2)
        r += 1
        for k, p in mc.probabilities.items():
            lab = PROBABILITY_LABELS.get(k)
            ws.write_string(r, 0, (lab[0] if self.zh else lab[1]) if lab else k)
            if finite(p.get("p")):
                ws.write_number(r, 1, float(p["p"]), self.F(num_format="0.00%"))
            if finite(p.get("se")):
                ws.write_string(r, 2, self.t(f"标准误 ±{float(p['se']):.2%}", f"s.e. ±{float(p['se']):.2%}"), self.F(font_size=8))
            event = ""
            if k == "npv_below_zero":
                event = self.t("事件: 财务净现值 < 0", "event: NPV < 0")
            elif k == "payback_beyond" and finite(p.get("years")):
                event = self.t(f"事件: 静态投资回收期晚于 {float(p['years']):g} 年或期内未回收",
                               f"event: payback later than {float(p['years']):g} years, or never")
            elif k == "min_cash_below" and finite(p.get("limit")):
                limit = float(p["limit"])
                event = self.t(f"事件: 最低累计净现金流量 < {money_text(limit, True)}",
                               f"event: lowest cumulative cash < {money_text(limit, False, unit=False)} "
                               f"({units.label(MONEY, False)})")
            if event:
                ws.write_string(r, 3, event, self.F(font_size=8, font_color=COLORS["helper_font"]))
            r += 1
        hist_metric = "npv" if "npv" in mc.metrics else next(iter(mc.metrics), "npv")
        edges, counts = mc_histogram(mc, hist_metric)
        if counts:
            hsc, _ = self.metric_fmt(hist_metric)
            hunit = metric_unit(hist_metric, self.zh)
            hfmt = "#,##0" if hist_metric in MONEY_METRICS else ("0.0%" if hist_metric in PCT_METRICS else "0.00")
            r += 1
            ws.write_string(r, 0, self.t(f"{metric_label(hist_metric, True)}直方图数据", f"{metric_label(hist_metric, False)} histogram"), h2)
            r += 1
            ws.write_string(r, 0, self.t(f"区间中点({hunit})", f"Bin centre ({hunit})"), self.f_head_left)
            ws.write_string(r, 1, self.t("次数", "Count"), self.f_head_left)
            r += 1
            first = r
            for i, n in enumerate(counts):
                ws.write_number(r, 0, (edges[i] + edges[i + 1]) / 2 / hsc, self.F(num_format=hfmt, align="left"))
                ws.write_number(r, 1, int(n))
                r += 1
            ch = self.wb.add_chart({"type": "column"})
            ch.add_series({"name": self.t("次数", "Count"), "categories": [title, first, 0, r - 1, 0],
                           "values": [title, first, 1, r - 1, 1], "fill": {"color": COLORS["chart"][0]}, "gap": 5})
            font = {"name": self.font, "size": 8}
            ch.set_title({"name": self.t(f"{metric_label(hist_metric, True)}的分布({mc.n:,} 次抽样,{hunit})",
                                         f"{metric_label(hist_metric, False)} distribution ({mc.n:,} draws), {hunit}"),
                          "name_font": {"name": self.font, "size": 11, "bold": True}})
            ch.set_x_axis({"num_font": {**font, "rotation": -45}, "num_format": hfmt})
            ch.set_y_axis({"num_font": font})
            ch.set_legend({"none": True})
            ch.set_size({"width": 640, "height": 320})
            ws.insert_chart(first, 3, ch)
        ws.hide_gridlines(2)

    # ------------------------------------------------------------------ About
    def write_about(self):
        ws = self.ws["about"]
        a = self.a
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 110)
        ws.write_string(0, 0, self.t("说明", "About"), self.f_title)
        ld = self.loaded
        cmd = self.opts.command or "finmodel " + " ".join(sys.argv[1:])
        rows = [
            (self.t("finmodel 版本", "finmodel version"), __version__),
            (self.t("情景文件", "Scenario file"), str(getattr(ld, "path", "")) if ld is not None else ""),
            (self.t("命令行", "Command line"), cmd),
            (self.t("覆盖参数(--set)", "Overrides (--set)"), "; ".join(getattr(ld, "overrides", ()) or ()) or self.t("无", "none")),
            (self.t("生成日期", "Generated"), self.when.strftime("%Y-%m-%d %H:%M:%S")),
            (self.t("假设哈希", "Assumptions hash"), assumptions_hash(a)),
            (self.t("公式与引擎", "Formulas and the engine"),
             self.t("每行公式与引擎的计算来自同一行定义(finmodel.model);缓存值为引擎结果",
                    "each row's formula and the engine's computation come from one row definition (finmodel.model); "
                    "cached values are the engine's")),
            (self.t("单位", "Units"), self.t("报表金额单位为万元;「假设」表金额单位为元(与YAML一致);比率以百分数显示。",
                                             "Amounts in CNY 10,000 (万元); Inputs in CNY as in the YAML; rates shown as percentages.")),
            (self.t("时间", "Time"), self.t("年度期间,现金流量发生在期末;第0年为改造年,运营第k年为日历年 起始年+k。",
                                            "Annual periods, flows at period end; year 0 is the renovation year, operating year k is calendar year start_year + k.")),
            (self.t("表结构(FAST)", "Layout (FAST)"),
             self.t("输入、时间、计算、报表与校验分表;时间类各表列结构相同: 项目、单位、常数/合计、期前列、逐年列;每行一个公式,各年相同;公式中除0、1、12、365、10000外不含常数。",
                    "Inputs, time, calculations, outputs and checks apart; the same columns on every time-based sheet: label, unit, "
                    "constant/total, a pre-model column, one column per year; one formula per row, the same in every year; no "
                    "constants in formulas other than 0, 1, 12, 365 and 10000.")),
            (self.t("颜色", "Colours"), self.t("黄色: 输入;灰色: 结构性输入或常数;灰色斜体行: 中间计算;校验: 绿色=0正常,红色=异常。",
                                               "Yellow: inputs; grey: structural inputs and constants; grey italic rows: intermediate steps; checks: green 0 = ok, red = a problem.")),
        ]
        if self.studies_only:
            # a study workbook holds static results: no formulas to check, no Inputs to colour
            title = a.scenario.title or ""
            rows = rows[:1] + [(self.t("情景", "Scenario"), a.scenario.name + (f"  ({title})" if title else ""))] + rows[1:6] + [
                (self.t("单位", "Units"), self.t("指标的金额单位为万元;输入(驱动因素)的值按其在YAML中的单位(如元);比率以百分数显示。",
                                                 "Money metrics in CNY 10,000 (万元); input values in their YAML unit (e.g. CNY); "
                                                 "rates shown as percentages.")),
                (self.t("内容", "Contents"),
                 self.t("研究结果(静态值),由上述命令按当前假设计算;修改假设后请重新运行该命令。可重算的完整模型(摘要、假设、计算、报表、校验)"
                        "由 finmodel run 生成。",
                        "Study results (static values) computed by the command above at these assumptions; run it again "
                        "after changing them. The live model (Summary, Inputs, Calcs, Statements, Checks) is what "
                        "finmodel run writes.")),
            ]
        r = 2
        for k, v in rows:
            ws.write_string(r, 0, k, self.F(bold=True, valign="top"))
            ws.write_string(r, 1, str(v), self.f_wrap)
            lines = math.ceil(_width(str(v)) / 105)
            if lines > 1:
                ws.set_row(r, 13.5 * lines)
            r += 1
        ws.print_area(0, 0, r, 1)
        r += 1
        ws.write_string(r, 0, self.t("已解析的全部假设(YAML)", "Resolved assumptions (YAML)"), self.F(bold=True, font_size=12))
        ws.write_string(r, 1, self.t("(供审阅,不打印)", "(for review on screen; not printed)"), self.f_sub)
        r += 1
        mono = self.F(font_name="Consolas" if not self.zh else self.font, font_size=9)
        for line in resolved_yaml(a).splitlines():
            ws.write_string(r, 1, line, mono)
            r += 1
        ws.hide_gridlines(2)


def _fast_formulas(ws) -> None:
    """Skip XlsxWriter's per-formula scan for Excel 365 functions (about 30 regular expressions a
    formula): finmodel writes only Excel 2010 functions, which the FAST test checks."""
    if hasattr(ws, "_prepare_formula"):
        def prepare(formula, expand_future_functions=False):
            return formula[1:] if formula.startswith("=") else formula
        ws._prepare_formula = prepare


def _yaml_scalar(v) -> str:
    from ..starter import yaml_scalar
    return yaml_scalar(v)


def _yaml_lines(x, indent: int = 0) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(x, dict):
        for k, v in x.items():
            key = _yaml_scalar(k) if not str(k).replace("_", "").isalnum() else str(k)
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{key}:")
                out.extend(_yaml_lines(v, indent + 1))
            else:
                out.append(f"{pad}{key}: {_yaml_scalar(v) if not isinstance(v, (dict, list)) else ('{}' if isinstance(v, dict) else '[]')}")
    elif isinstance(x, list):
        for v in x:
            if isinstance(v, (dict, list)) and v:
                sub = _yaml_lines(v, indent + 1)
                out.append(f"{pad}- {sub[0].strip()}")
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_yaml_scalar(v)}")
    return out


def resolved_yaml(a) -> str:
    """The resolved assumptions as YAML (block style; strings double-quoted, as JSON)."""
    return "\n".join(_yaml_lines(a.model_dump(mode="json"))) + "\n"


def write_workbook(pj, summary: dict, path: Path, loaded=None, opts: ReportOptions | None = None,
                   studies: Studies | None = None, *, verdict: dict) -> Writer:
    w = Writer(pj, summary, path, loaded, opts, studies, verdict)
    w.write()
    return w


def write_study_workbook(a, path: Path, studies: Studies, *, language: str | None = None, loaded=None,
                         command: str | None = None) -> Path:
    """The results of the study commands as a workbook in the house style: their sheets and About,
    static values with their inputs stated (seed, N, ranges, metric).

    Break-even (single solves, the table, the corridor with its levers), Sensitivity (tornado,
    grids as heat maps, spider, Sobol, Morris), Monte Carlo and Compare (KPIs side by side and the
    attribution), whichever ``studies`` holds. ``language`` 'zh' or 'en' (default: the scenario's
    ``report.language``); ``command`` is shown on About. For ``finmodel breakeven/sensitivity/
    montecarlo/compare -o``: call it inside ``finmodel.io.atomic_write``.
    """
    from ..engine import project
    from ..summary import summarise

    if studies.empty():
        raise ValueError("no study results to write")
    pj = project(a)
    opts = ReportOptions.from_assumptions(a, language=language)
    opts.command = command
    w = Writer(pj, summarise(pj), Path(path), loaded, opts, studies)
    w.write(studies_only=True)
    return Path(path)
