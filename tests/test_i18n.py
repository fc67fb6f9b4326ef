"""Both languages (issue 13): a zh scenario speaks Chinese on the terminal by default, English on
request; messages and hints too. Codes (metric keys, YAML paths, --set lines), units and file
names stay as they are."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from finmodel import registry
from finmodel.cli import main

#: Words that may appear in a Chinese terminal: proper names, standard abbreviations, commands.
ALLOWED = {"finmodel", "run", "no-report", "PDF", "DSCR", "LLCR", "IRR", "NPV", "MIRR", "FIRR", "FNPV", "PPP",
           "YAML", "UTF", "GBK", "GB18030", "true", "false", "null", "absent", "xlsx", "yaml", "nan", "inf", "PV",
           "VfM", "CPI", "LPR", "Windows"}


def english_words(text: str) -> list[str]:
    """Words of three letters or more left after removing codes, paths, --set lines and allowed words."""
    text = re.sub(r"--set \S+", " ", text)
    text = re.sub(r"\S+\.(xlsx|yaml|pdf|json|csv)\b", " ", text)             # file names
    text = re.sub(r"\b[a-z_]+(\.[a-z0-9_*]+)+\b", " ", text)                  # dotted YAML paths
    for key in registry.metric_names():
        text = re.sub(rf"\b{key}\b", " ", text)
    text = re.sub(r"\bj_community\w*\b", " ", text)                            # the scenario's name
    words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", text)
    return [w for w in words if w not in ALLOWED]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def zh_default(monkeypatch):
    monkeypatch.delenv("FINMODEL_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def test_run_speaks_chinese_for_a_zh_scenario(zh_default):
    for args in (["--lang", "zh", "run", "--no-report"], ["run", "--no-report"]):
        r = invoke(*args)
        assert r.exit_code == 0, r.stderr
        assert english_words(r.stdout) == [], english_words(r.stdout)
        assert "结论" in r.stdout and "第2档" in r.stdout


def test_english_on_request(zh_default):
    r = invoke("run", "--no-report", "--lang", "en")
    assert r.exit_code == 0 and "Verdict" in r.stdout and "结论" not in r.stdout


def test_errors_and_hints_speak_the_scenario_language(zh_default, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("extends: j_community.yaml\nspace: {leasable_ratio: 85}\ncapex: {renovation_cny: 1200万}\n",
                 encoding="utf-8")
    r = invoke("validate", f)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert all(ln.startswith("错误: ") for ln in lines), lines
    assert "请写 0.85 或 85%" in r.stderr and "金额单位为元" in r.stderr
    assert english_words(r.stderr.replace(str(f), "")) == []
    r = invoke("--lang", "en", "validate", f)
    assert r.stderr.startswith("error: ") and "write 0.85 or 85%" in r.stderr


def test_the_checker_catches_english(zh_default):
    # the check above can fail: an English line is caught, codes and units are not
    assert english_words("结论: tier 2") == ["tier"]
    assert english_words("复核: finmodel run --no-report --set support.subsidy_annual_cny=5113608") == []
    assert english_words("财务净现值 npv -1,242.31 万元 outputs/j_community.xlsx") == []


@pytest.mark.parametrize("args, want", [
    (["run", "--bogus"], "错误: 没有选项 '--bogus'。"),
    (["runn"], "错误: 没有命令 'runn'。是否是 'run'?"),
    (["run", "--lan", "zh"], "错误: 没有选项 '--lan'。是否是 '--lang'?"),
    (["breakeven", "--vary"], "错误: 选项 '--vary' 需要一个值。"),
    (["run", "a", "b", "c"], "错误: 多余的参数: b c"),
    (["montecarlo", "-n", "abc"], "错误: '-n' 的值无效: 'abc' 不是整数"),
    (["table", "--statement", "xx"], "错误: --statement: 没有报表 'xx';可选: project"),
])
def test_click_usage_errors_speak_chinese(zh_default, args, want):
    """click's own usage messages (No such option, requires an argument, extra arguments, Invalid
    value for) were English after '错误:' in a zh terminal."""
    r = invoke("--lang", "zh", *args)
    assert r.exit_code == 2 and r.stderr.startswith(want), r.stderr
    typed = re.sub(r"'[^']*'|可选: .*|-\S+", " ", r.stderr)         # what the user typed, flags, the table names
    assert english_words(typed) == [], r.stderr
    en = invoke("--lang", "en", *args)                 # English unchanged: click's own words
    assert en.exit_code == 2 and en.stderr.startswith("error: "), en.stderr
