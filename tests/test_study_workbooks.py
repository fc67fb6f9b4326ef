"""The study commands' workbooks: ``finmodel breakeven/sensitivity/montecarlo/compare -o DIR``.

Each command with ``-o`` writes ``<DIR>/<scenario>_<study>.xlsx`` in the house style; the numbers
on its sheet are the numbers of its ``--json`` output (money in 万元 there, in CNY in the JSON); bad
input leaves the folder as it was and exits 2; the file is written atomically (a temporary file
renamed into place: none is left behind, a failure keeps the previous workbook).
"""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from finmodel.cli import main

from .conftest import BASE_YAML, ROOT

LOAN_YAML = ROOT / "assumptions" / "j_community_loan.yaml"
SET_FILE = ROOT / "assumptions" / "j_community_scenarios.yaml"
WAN = 1e4

# openpyxl reads XlsxWriter's data bars (an x14 extension) and says it drops them: irrelevant here
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def run_json(*args) -> dict:
    r = invoke(*args, "--json")
    assert r.exit_code == 0, (r.stdout[-500:], r.stderr[-500:])
    return json.loads(r.stdout)


def snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def find(ws, pred) -> list[tuple[int, int]]:
    """(row, column) of the cells whose value satisfies ``pred``, in reading order (1-based)."""
    return [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None and pred(c.value)]


def value_right_of(ws, label: str, offset: int = 1):
    hits = find(ws, lambda v: v == label)
    assert hits, f"no cell '{label}' on {ws.title}"
    r, c = hits[0]
    return ws.cell(r, c + offset).value


def row_of_path(ws, path: str) -> int:
    """The row whose grey tail cell names this YAML path (the tail starts with the path)."""
    hits = find(ws, lambda v: isinstance(v, str) and (v == path or v.startswith(path + "  ")))
    assert hits, f"no row for {path} on {ws.title}"
    return hits[0][0]


def opened(path) -> "object":
    wb = load_workbook(path)
    for ws in wb.worksheets:        # static results: values only, no formula anywhere
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row), ws.title
    return wb


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-12)


# ------------------------------------------------------------------ each command writes its workbook
def test_breakeven_single_solve(tmp_path):
    d = run_json("breakeven", "--vary", "capex", "--target", "payback_years<=12", "--range", "-60%:0%", "-o", tmp_path)
    book = tmp_path / "j_community_breakeven.xlsx"
    assert d["workbook"] == str(book) and book.exists()
    wb = opened(book)
    assert wb.sheetnames == ["盈亏平衡", "说明"]                 # the J case's report.language is zh
    ws = wb["盈亏平衡"]
    assert value_right_of(ws, "临界值") == approx(d["value"])
    assert value_right_of(ws, "基准值") == approx(d["base_value"])
    assert value_right_of(ws, "搜索范围下限") == approx(d["range"][0])
    assert value_right_of(ws, "临界值处的静态投资回收期") == approx(d["achieved"])
    assert value_right_of(ws, "求解的输入") == "改造投资"
    assert value_right_of(ws, "核对命令").endswith(f"--set capex.renovation_cny={d['value']!r}")
    about = wb["说明"]
    cmd = value_right_of(about, "命令行")
    assert cmd.startswith("finmodel breakeven --vary capex") and "-o" in cmd


def test_breakeven_infeasible_solve_and_human_output(tmp_path):
    r = invoke("breakeven", "--vary", "collection", "-o", tmp_path)
    assert r.exit_code == 0 and r.stdout.rstrip().endswith(f"Workbook: {tmp_path / 'j_community_breakeven.xlsx'}")
    ws = opened(tmp_path / "j_community_breakeven.xlsx")["盈亏平衡"]
    assert value_right_of(ws, "临界值") == "未达到" and value_right_of(ws, "可达") == "否"


def test_each_study_has_its_own_file(tmp_path):
    """A solve, the table and the corridor do not overwrite one another."""
    books = [run_json("breakeven", *args, "-o", tmp_path)["workbook"]
             for args in ([], ["--table"], ["--corridor"])]
    assert [Path(b).name for b in books] == ["j_community_breakeven.xlsx", "j_community_breakeven_table.xlsx",
                                             "j_community_corridor.xlsx"]
    assert all(Path(b).exists() for b in books)


def test_breakeven_table_and_corridor_in_english(tmp_path):
    d = run_json("breakeven", "--table", "--corridor", "--set", "report.language=en", "-o", tmp_path)
    assert d["workbook"] == str(tmp_path / "j_community_breakeven_table_corridor.xlsx")
    wb = opened(d["workbook"])
    assert wb.sheetnames == ["Break-even", "About"]
    ws = wb["Break-even"]
    for row in d["table"]["rows"]:
        r = row_of_path(ws, row["vary"])
        assert ws.cell(r, 3).value == approx(row["base"])
        if row["feasible"]:
            assert ws.cell(r, 4).value == approx(row["value"])
    c = d["corridor"]
    assert value_right_of(ws, "Least viable subsidy") == approx(c["least"] / WAN)
    assert value_right_of(ws, "Most at a micro profit") == approx(c["most"] / WAN)
    assert value_right_of(ws, "Corridor exists") == "yes"


def test_sensitivity_tornado(tmp_path):
    d = run_json("sensitivity", "--tornado", "-o", tmp_path)
    assert d["workbook"] == str(tmp_path / "j_community_tornado.xlsx")
    ws = opened(d["workbook"])["敏感性"]
    for x in d["drivers"]:
        r = row_of_path(ws, x["path"])
        assert ws.cell(r, 9).value == approx(x["impact"] / WAN)
        assert ws.cell(r, 5).value == approx(x["metric_low"] / WAN)


def test_sensitivity_spider(tmp_path):
    d = run_json("sensitivity", "--spider", "--metric", "equity_irr", "-o", tmp_path)
    ws = opened(tmp_path / "j_community_spider.xlsx")["敏感性"]
    assert value_right_of(ws, "指标") == "资本金财务内部收益率(%)"
    head = find(ws, lambda v: v == "+30%")
    assert head
    for x in d["drivers"]:
        r = row_of_path(ws, x["path"])
        assert ws.cell(r, 2).value == approx(x["base_value"])
        for k, v in enumerate(x["metric"]):         # rates as fractions, shown as percentages
            cell = ws.cell(r, 3 + k).value
            assert cell == approx(v) if v is not None else cell == "不适用"


def test_sensitivity_two_way_grid(tmp_path):
    d = run_json("sensitivity", "--grid", "support.subsidy_annual_cny=0:8e6:9", "--grid",
                 "capex.renovation_cny=-20%:+20%:5", "-o", tmp_path)
    ws = opened(tmp_path / "j_community_grid.xlsx")["敏感性"]
    (hr, hc), = find(ws, lambda v: v == "行 \\ 列")
    assert [ws.cell(hr, hc + 1 + j).value for j in range(5)] == approx(d["cols"])
    for i, row in enumerate(d["values"]):
        assert ws.cell(hr + 1 + i, hc).value == approx(d["rows"][i])
        assert [ws.cell(hr + 1 + i, hc + 1 + j).value for j in range(5)] == approx([v / WAN for v in row])
    stated = value_right_of(ws, "行")
    assert "support.subsidy_annual_cny=0:8e6:9" in stated and "9 个值" in stated
    base = ws.cell(hr + 1 + d["base_point"]["row_index"], hc + 1 + d["base_point"]["col_index"])
    assert base.font.b and base.value == approx(d["base"] / WAN)      # the base point is marked
    # a heat map centred at zero: the scale runs -M, 0, +M (the smallest loss is pale red, not green)
    top = max(abs(v) for row in d["values"] for v in row) / WAN
    scales = [rule.colorScale for rng in ws.conditional_formatting for rule in rng.rules if rule.colorScale]
    assert len(scales) == 1
    assert [(c.type, float(c.val)) for c in scales[0].cfvo] == [("num", pytest.approx(-top)), ("num", 0.0),
                                                                 ("num", pytest.approx(top))]
    assert [c.rgb[-6:] for c in scales[0].color] == ["F8696B", "FFFFFF", "63BE7B"]
    # the zero contour: a thick edge wherever a loss meets a neighbour that is not one
    vals = [[v / WAN for v in row] for row in d["values"]]
    assert any(v < 0 for row in vals for v in row) and any(v >= 0 for row in vals for v in row)
    for i, row in enumerate(vals):
        for j, v in enumerate(row):
            b = ws.cell(hr + 1 + i, hc + 1 + j).border
            for side, (di, dj) in (("top", (-1, 0)), ("bottom", (1, 0)), ("left", (0, -1)), ("right", (0, 1))):
                ni, nj = i + di, j + dj
                edge = v < 0 and 0 <= ni < len(vals) and 0 <= nj < len(row) and vals[ni][nj] >= 0
                assert (getattr(b, side).style == "thick") == edge, (i, j, side)


def test_sensitivity_sobol_and_morris(tmp_path):
    d = run_json("sensitivity", "--sobol", "-n", "64", "--seed", "3", "-o", tmp_path)
    ws = opened(tmp_path / "j_community_sobol.xlsx")["敏感性"]
    assert value_right_of(ws, "随机种子") == 3 and value_right_of(ws, "基础样本量 N") == 64
    assert value_right_of(ws, "模型运行次数") == d["runs"]
    for x in d["inputs"]:
        r = row_of_path(ws, x["path"])
        assert [ws.cell(r, c).value for c in (2, 3, 4, 5)] == approx([x["S1"], x["S1_conf"], x["ST"], x["ST_conf"]])
    d = run_json("sensitivity", "--morris", "-n", "6", "--seed", "2", "--set", "report.language=en", "-o", tmp_path)
    ws = opened(tmp_path / "j_community_morris.xlsx")["Sensitivity"]
    assert value_right_of(ws, "Trajectories") == 6 and value_right_of(ws, "Seed") == 2
    assert value_right_of(ws, "Levels") == d["levels"]
    for x in d["inputs"]:
        r = row_of_path(ws, x["path"])
        assert ws.cell(r, 2).value == approx(x["mu_star"] / WAN) and ws.cell(r, 4).value == approx(x["mu"] / WAN)


def test_montecarlo_writes_json_and_workbook(tmp_path):
    d = run_json("montecarlo", "-n", "400", "--seed", "7", "-o", tmp_path)
    book = tmp_path / "j_community_montecarlo.xlsx"
    assert d["workbook"] == str(book) and d["files"] == [str(tmp_path / "j_community_montecarlo.json"), str(book)]
    ws = opened(book)["蒙特卡洛"]
    r, _ = find(ws, lambda v: v == "财务净现值")[0]
    npv = d["metrics"]["npv"]
    assert [ws.cell(r, c).value for c in (3, 4, 7)] == approx([npv["mean"] / WAN, npv["sd"] / WAN, npv["p50"] / WAN])
    assert value_right_of(ws, "财务净现值小于0的概率") == approx(d["probabilities"]["npv_below_zero"]["p"])
    note = ws.cell(2, 1).value
    assert "400 次抽样" in note and "随机种子 7" in note
    # the histogram marks zero and the base case: each a series drawn as a vertical line (an error bar
    # down to the axis) at the bin holding it, the bins widened with empty ones to reach zero
    (hr, _), = find(ws, lambda v: v == "零值所在区间")
    rows = range(hr + 1, ws.max_row + 1)
    centres = [ws.cell(r, 1).value for r in rows if isinstance(ws.cell(r, 1).value, (int, float))]
    width = centres[1] - centres[0]
    zero_at = [ws.cell(r, 1).value for r in rows if ws.cell(r, 3).value is not None]
    base_at = [ws.cell(r, 1).value for r in rows if ws.cell(r, 4).value is not None]
    base = run_json("run", "--no-report", "--no-corridor")["metrics"]["npv"] / WAN
    assert len(zero_at) == 1 and abs(zero_at[0]) <= width / 2 + 1e-9
    assert len(base_at) == 1 and abs(base_at[0] - base) <= width / 2 + 1e-9
    import zipfile
    with zipfile.ZipFile(book) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert xml.count("<c:errBars>") == 2 and "<c:barChart>" in xml and "<c:lineChart>" in xml


def test_montecarlo_save_draws_without_o_writes_to_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("montecarlo", "-n", "100", "--save-draws")
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == [
        "j_community_montecarlo.json", "j_community_montecarlo.xlsx", "j_community_montecarlo_draws.csv"]
    assert "Workbook: outputs/j_community_montecarlo.xlsx" in r.stdout


def test_compare_two_files(tmp_path):
    d = run_json("compare", BASE_YAML, LOAN_YAML, "-o", tmp_path)
    assert d["workbook"] == str(tmp_path / "j_community_compare.xlsx")     # named after the reference
    ws = opened(d["workbook"])["情景比较"]
    r, _ = find(ws, lambda v: v == "财务净现值")[0]
    (hr, _), = find(ws, lambda v: v == "j_community(基准)")
    assert [ws.cell(r, 3 + k).value for k in range(2)] == approx([s["metrics"]["npv"] / WAN for s in d["scenarios"]])
    att = d["attribution"][0]
    (tr, tc), = find(ws, lambda v: v == "合计")
    assert ws.cell(tr, tc + 3).value == approx(att["total"] / WAN)
    rem, _ = find(ws, lambda v: v == "交互作用余项")[0]
    assert ws.cell(rem, tc + 3).value == approx(att["remainder"] / WAN)
    for p in att["parts"]:
        assert ws.cell(row_of_path(ws, p["path"]), tc + 3).value == approx(p["change"] / WAN)


def test_compare_set_file_human_output(tmp_path):
    r = invoke("compare", "--set-file", SET_FILE, "-o", tmp_path)
    assert r.exit_code == 0
    assert r.stdout.rstrip().splitlines()[-1] == f"Workbook: {tmp_path / 'j_community_compare.xlsx'}"
    ws = opened(tmp_path / "j_community_compare.xlsx")["情景比较"]
    assert len(find(ws, lambda v: v == "合计")) == 4            # one attribution per scenario but the reference


def test_without_o_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_json("breakeven")["workbook"] is None
    assert run_json("sensitivity", "--tornado")["workbook"] is None
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ text from YAML stays text
def test_yaml_text_stays_text(tmp_path):
    d = run_json("compare", BASE_YAML, LOAN_YAML, "--set", 'scenario.name="=1+1"',
                 "--set", 'scenario.title="=HYPERLINK(\\"http://x\\")"', "-o", tmp_path)
    assert [s["name"] for s in d["scenarios"]] == ["=1+1", "=1+1#2"]
    book = tmp_path / "=1+1_compare.xlsx"
    assert d["workbook"] == str(book) and [p.name for p in tmp_path.iterdir()] == [book.name]
    ws = opened(book)["情景比较"]
    cells = [ws.cell(r, c) for r, c in find(ws, lambda v: isinstance(v, str) and v.startswith("="))]
    assert {c.value for c in cells} >= {"=1+1", "=1+1#2", '=HYPERLINK("http://x")'}
    assert all(c.data_type == "s" for c in cells)


# ------------------------------------------------------------------ bad input: exit 2, folder unchanged
BAD = {
    "breakeven_target": ["breakeven", "--target", "nvp=0"],
    "breakeven_path": ["breakeven", "--vary", "support.nope"],
    "breakeven_set": ["breakeven", "--table", "--set", "support.subsidy_anual_cny=1"],
    "tornado_metric": ["sensitivity", "--tornado", "--metric", "nope"],
    "grid_range": ["sensitivity", "--grid", "support.subsidy_annual_cny=2e6:1e6:5"],
    "sobol_n": ["sensitivity", "--sobol", "-n", "100"],
    "montecarlo_n": ["montecarlo", "-n", "0"],
    "montecarlo_set": ["montecarlo", "-n", "10", "--set", "uncertainty.inputs.0.min=12"],
    "compare_missing": ["compare", str(BASE_YAML), "missing.yaml"],
    "compare_reference": ["compare", str(BASE_YAML), str(LOAN_YAML), "--reference", "nope"],
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_leaves_the_folder_unchanged(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for study in ("breakeven", "tornado", "grid", "sobol", "montecarlo", "compare"):
        (out / f"j_community_{study}.xlsx").write_bytes(b"the previous workbook")
    before = snapshot(out)
    r = invoke(*BAD[case], "-o", out)
    assert r.exit_code == 2, (r.stdout[-300:], r.stderr)
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
    assert snapshot(out) == before
    r = invoke(*BAD[case], "-o", tmp_path / "new")          # a folder that does not exist yet stays absent
    assert r.exit_code == 2 and not (tmp_path / "new").exists()


@pytest.mark.parametrize("args", [["breakeven"], ["sensitivity", "--grid", "capex.renovation_cny=-10%:10%:3"],
                                  ["montecarlo", "-n", "10"], ["compare", str(BASE_YAML), str(LOAN_YAML)]],
                         ids=["breakeven", "grid", "montecarlo", "compare"])
def test_output_path_is_a_file(tmp_path, args):
    f = tmp_path / "a_file"
    f.write_bytes(b"x")
    r = invoke(*args, "-o", f)
    assert r.exit_code == 2 and "not a folder" in r.stderr and "-o" in r.stderr
    assert f.read_bytes() == b"x" and sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


# ------------------------------------------------------------------ atomic writing
def test_written_atomically_no_temp_files_left(tmp_path):
    for args in (["breakeven"], ["sensitivity", "--spider"], ["montecarlo", "-n", "50"]):
        assert invoke(*args, "-o", tmp_path).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "j_community_breakeven.xlsx", "j_community_montecarlo.json", "j_community_montecarlo.xlsx",
        "j_community_spider.xlsx"]
    for p in tmp_path.iterdir():
        assert p.stat().st_mode & 0o777 != 0o600            # an ordinary file, not mkstemp's private mode


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES])
def test_failure_midway_keeps_the_previous_workbook(tmp_path, monkeypatch, err):
    import finmodel.report as report

    real = report.write_study_workbook

    def failing(a, path, studies, **kw):
        real(a, path, studies, **kw)                          # the whole file, then the disk fills up
        Path(path).write_bytes(Path(path).read_bytes()[:100])
        raise OSError(err, "simulated")

    monkeypatch.setattr(report, "write_study_workbook", failing)
    (tmp_path / "j_community_tornado.xlsx").write_bytes(b"the previous workbook")
    before = snapshot(tmp_path)
    r = invoke("sensitivity", "--tornado", "-o", tmp_path)
    assert r.exit_code == 1 and "simulated" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before                      # no temp file, the old workbook intact


def test_open_workbook_is_refused_before_the_work(tmp_path):
    (tmp_path / "j_community_grid.xlsx").write_bytes(b"the previous workbook")
    (tmp_path / ".~lock.j_community_grid.xlsx#").write_text("someone")
    before = snapshot(tmp_path)
    r = invoke("sensitivity", "--grid", "capex.renovation_cny=-10%:10%:3", "-o", tmp_path)
    assert r.exit_code == 1 and "open in a spreadsheet program" in r.stderr and r.stdout == ""
    assert snapshot(tmp_path) == before
