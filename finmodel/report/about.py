"""The About sheet: how the workbook was made (version, file, command line, date, hash), how to read
it, and the resolved assumptions as YAML (on screen, not printed)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .. import __version__
from .layout import SMALL_PT
from .writer import assumptions_hash, display_width


class AboutMixin:
    """The About sheet (methods of the writer)."""

    def write_about(self):
        ws = self.ws["about"]
        self.setcol(ws, 0, 0, 30)
        self.setcol(ws, 1, 1, 96)
        ws.write_string(0, 0, self.t("说明", "About"), self.f_title)
        rows = self.about_rows()
        if self.studies_only:
            rows = self.study_about_rows(rows)
        r = 2
        for k, v in rows:
            ws.write_string(r, 0, k, self.F(bold=True, valign="top"))
            ws.write_string(r, 1, str(v), self.f_wrap)
            lines = math.ceil(display_width(str(v)) / 92)
            if lines > 1:
                ws.set_row(r, 13.5 * lines)
            r += 1
        self.print_rows["about"] = r           # the resolved YAML below is for the screen
        self.write_resolved_yaml(ws, r + 1)
        ws.hide_gridlines(2)

    def about_rows(self) -> list[tuple[str, str]]:
        """(label, text) of the live report's About: provenance, then how to read the workbook."""
        ld = self.loaded
        cmd = self.opts.command or "finmodel " + " ".join(sys.argv[1:])
        return [
            (self.t("finmodel 版本", "finmodel version"), __version__),
            (self.t("情景文件", "Scenario file"), self.scenario_file()),
            (self.t("命令行", "Command line"), cmd),
            (self.t("覆盖参数(--set)", "Overrides (--set)"), "; ".join(getattr(ld, "overrides", ()) or ()) or self.t("无", "none")),
            (self.t("生成日期", "Generated"), self.when.strftime("%Y-%m-%d %H:%M:%S")),
            (self.t("假设哈希", "Assumptions hash"), assumptions_hash(self.a)),
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

    def scenario_file(self) -> str:
        """The scenario as the user named it: a file by the path given on the command line, a
        scenario shipped with finmodel by its name (not the folder it is installed in)."""
        path = getattr(self.loaded, "path", None)
        if path is None:
            return ""
        from ..scenarios import packaged_dir
        path = Path(path)
        try:
            packaged = path.resolve().parent == packaged_dir().resolve()
        except OSError:                    # pragma: no cover - an unreadable path
            packaged = False
        if packaged:
            return self.t(f"{path.stem}(finmodel 自带的情景)", f"{path.stem} (shipped with finmodel)")
        return str(path)

    def study_about_rows(self, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A study workbook holds static results: no formulas to check, no Inputs to colour."""
        a = self.a
        title = a.scenario.title or ""
        return rows[:1] + [(self.t("情景", "Scenario"), a.scenario.name + (f"  ({title})" if title else ""))] + rows[1:6] + [
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

    def write_resolved_yaml(self, ws, r):
        ws.write_string(r, 0, self.t("已解析的全部假设(YAML)", "Resolved assumptions (YAML)"), self.F(bold=True, font_size=12))
        ws.write_string(r, 1, self.t("(供审阅,不打印)", "(for review on screen; not printed)"), self.f_sub)
        r += 1
        mono = self.F(font_name="Consolas" if not self.zh else self.font, font_size=SMALL_PT)
        for line in resolved_yaml(self.a).splitlines():
            ws.write_string(r, 1, line, mono)
            r += 1


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
