"""The study commands speak Chinese for a zh scenario: breakeven, sensitivity, compare, montecarlo,
validate, init, scenarios and table print no English word but codes (metric keys, YAML paths,
--set lines), file names, units and proper names; Chinese columns line up by display width."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from finmodel.cli import main
from finmodel.text import width

from .conftest import ROOT
from .english import stray_english

SET_FILE = ROOT / "assumptions" / "j_community_scenarios.yaml"

#: The scenario names of the scenario-set file (compare's columns and headings).
SET_NAMES = {"pessimistic", "base", "optimistic", "no_subsidy", "no_expansion"}


def invoke_zh(monkeypatch, tmp_path, *args, lang: bool = True):
    monkeypatch.delenv("FINMODEL_LANG", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")        # the locale would say English: zh must come from elsewhere
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, [str(a) for a in args] + (["--lang", "zh"] if lang else []),
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout + r.stderr


COMMANDS = {
    "breakeven": ["breakeven"],
    "breakeven_target": ["breakeven", "--vary", "capex", "--target", "payback_years<=12", "--range", "-60%:0%"],
    "breakeven_unreachable": ["breakeven", "--vary", "space.tiers.2.occupancy.target"],
    "breakeven_table": ["breakeven", "--table"],
    "breakeven_corridor": ["breakeven", "--corridor"],
    "breakeven_levers": ["breakeven", "--corridor", "--set", "corridor.max_margin_avg=0.1"],
    "tornado": ["sensitivity", "--tornado"],
    "spider": ["sensitivity", "--spider"],
    "grid": ["sensitivity", "--grid", "support.subsidy_annual_cny=0:2e6:3"],
    "grid2": ["sensitivity", "--grid", "support.subsidy_annual_cny=0:2e6:3", "--grid",
              "capex.renovation_cny=-20%:+20%:3"],
    "sobol": ["sensitivity", "--sobol", "-n", "64"],
    "morris": ["sensitivity", "--morris", "-n", "4"],
    "compare": ["compare", "--set-file", SET_FILE],
    "montecarlo": ["montecarlo", "-n", "500"],
    "validate": ["validate", ROOT / "assumptions" / "j_community.yaml"],
    "init": ["init", "x.yaml"],
    "scenarios": ["scenarios"],
    "table": ["table", "--statement", "project"],
}


def test_stray_english_finds_words():
    assert stray_english("Break-even: support.subsidy_annual_cny for npv=0") == ["Break", "even", "for"]
    assert stray_english("临界值  6,271,650 元/年  --set support.subsidy_annual_cny=6271650 P5 S1 mu*") == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_study_commands_print_chinese(monkeypatch, tmp_path, name):
    out = invoke_zh(monkeypatch, tmp_path, *COMMANDS[name])
    assert re.search(r"[\u4e00-\u9fff]", out), out
    assert stray_english(out, SET_NAMES if name == "compare" else ()) == [], out


@pytest.mark.parametrize("name", ["breakeven", "init", "scenarios", "tornado"])
def test_chinese_without_lang_for_the_zh_scenario(monkeypatch, tmp_path, name):
    """FINMODEL_LANG unset and no --lang: the J scenario (report.language zh) decides, not the locale."""
    out = invoke_zh(monkeypatch, tmp_path, *COMMANDS[name], lang=False)
    assert stray_english(out) == [], out


def test_chinese_columns_align_by_display_width(monkeypatch, tmp_path):
    """compare's metric table: Chinese labels in the first column, numbers right-aligned: every line of
    the table ends in the same terminal column although the lines have different lengths in characters."""
    out = invoke_zh(monkeypatch, tmp_path, *COMMANDS["compare"])
    lines = out.splitlines()
    block = []
    for line in lines[1:]:
        if not line.strip():
            break
        block.append(line)
    assert len(block) > 10
    assert any(re.search(r"[\u4e00-\u9fff]", ln) for ln in block[1:])
    assert len({width(ln) for ln in block}) == 1, "\n".join(block)
    assert len({len(ln) for ln in block}) > 1          # the characters differ: it is the display width that lines up


def test_status_line_speaks_chinese():
    import io

    from finmodel import i18n
    from finmodel.cli import progress

    stream = io.StringIO()
    with i18n.use("zh"):
        status = progress.Status(stream, delay=0.0)
        progress.STATE.update(label="蒙特卡洛模拟", total=1000)
        try:
            status(500)
        finally:
            progress.STATE.update(label="finmodel", total=None)
    line = stream.getvalue()
    assert "已计算 500/1,000 个情景" in line and stray_english(line) == [], line
