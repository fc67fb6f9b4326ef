"""Validation that teaches (issue 13): every error of a file at once with its line and column, fixes
for the usual mistakes, percentages, absent streams, relative study ranges, warnings not errors."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from finmodel.cli import main
from finmodel.errors import InputError, InputErrors
from finmodel.scenarios import load

from .conftest import BASE_YAML, ROOT


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


FIVE_MISTAKES = """\
extends: j_community.yaml
scenario: {name: five}
space:
  total_area_m2: -1
  leasable_ratio: 85
capex: {renovation_cny: 1200万}
parking:
  utilisation: {start: 0.8, target: 0.95}
  existing_spaces: 380
  bogus: 1
support: {subsidy_taxable: maybe}
"""


def test_five_mistakes_five_lines_each_with_line_column_and_key(tmp_path):
    f = tmp_path / "five.yaml"
    f.write_text(FIVE_MISTAKES, encoding="utf-8")
    r = invoke("validate", f)
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    # positions read off FIVE_MISTAKES by hand (line, column of the key)
    want = [(4, 3, "space.total_area_m2", "greater than or equal to 0"),
            (5, 3, "space.leasable_ratio", "for 85 %, write 0.85 or 85%"),
            (6, 9, "capex.renovation_cny", "write 12000000 (1200万 = 12,000,000 CNY)"),
            (10, 3, "parking.bogus", "unknown key 'bogus'"),
            (11, 11, "support.subsidy_taxable", "write true or false")]
    assert len(lines) == 5, lines
    for line, (ln, col, key, words) in zip(lines, want):
        assert line.startswith(f"error: {f}:{ln}:{col}: {key}: "), line
        assert words in line, (words, line)


def test_the_library_raises_every_error_at_once(tmp_path):
    f = tmp_path / "five.yaml"
    f.write_text(FIVE_MISTAKES, encoding="utf-8")
    with pytest.raises(InputErrors) as e:
        load(f)
    assert len(e.value.errors) == 5 and all(x.where for x in e.value.errors)


@pytest.mark.parametrize("text,words", [
    ("scenario:\n  name： x\n", ["2:7", "full-width colon", "':' (ASCII)"]),
    ("scenario:\n  name: x\n  name: y\n", ["3:3", "duplicate key 'name'", "first given on line 2"]),
])
def test_mistakes_typed_with_a_chinese_keyboard(tmp_path, text, words):
    f = tmp_path / "k.yaml"
    f.write_text(text, encoding="utf-8")
    r = invoke("validate", f)
    assert r.exit_code == 2
    for w in words:
        assert w in r.stderr, (w, r.stderr)


def test_a_gbk_file_is_named_as_such(tmp_path):
    f = tmp_path / "gbk.yaml"
    f.write_bytes("scenario:\n  name: x\n  title: 劲松社区\n".encode("gbk"))
    r = invoke("validate", f)
    assert r.exit_code == 2 and "GBK" in r.stderr and "save it as UTF-8" in r.stderr


def test_percentages_are_accepted_wherever_a_fraction_is(tmp_path):
    a = load(None, ["space.tiers.2.occupancy.target=95%", "discount.project_rate=6 %"]).assumptions
    assert a.space.tiers[2].occupancy.target == pytest.approx(0.95) and a.discount.project_rate == pytest.approx(0.06)
    f = tmp_path / "p.yaml"
    f.write_text("extends: j_community.yaml\nmacro: {cpi_inflation: 2.5%}\nsupport: {subsidy_taxable: 否}\n",
                 encoding="utf-8")
    a = load(f).assumptions
    assert a.macro.cpi_inflation == pytest.approx(0.025) and a.support.subsidy_taxable is False
    with pytest.raises(InputError) as e:                 # not a fraction: the percentage is refused, with why
        load(None, ["capex.renovation_cny=5%"])
    assert "only where the unit is a fraction" in str(e.value)


def test_money_sections_cannot_be_left_out_silently(tmp_path):
    # a file with only a name used to run on defaults (NPV +1,138.69 万元 with no investment)
    f = tmp_path / "only.yaml"
    f.write_text("scenario: {name: only}\n", encoding="utf-8")
    r = invoke("run", f, "--no-report")
    assert r.exit_code == 2 and r.stdout == ""
    named = re.findall(r"section '(\w+)' is missing", r.stderr)
    assert named == ["capex", "space", "property_service", "parking", "support"]
    f.write_text("scenario: {name: only}\ncapex: {renovation_cny: 1e6}\nspace: absent\nproperty_service: absent\n"
                 "parking: absent\nsupport: absent\n", encoding="utf-8")
    ld = load(f)
    a = ld.assumptions
    assert a.space.total_area_m2 == 0 and a.parking.existing_spaces == 0 and a.support.subsidy_annual_cny == 0


def test_implausible_values_warn_and_still_run():
    r = invoke("run", "--no-report", "--no-corridor", "--set", "discount.project_rate=1")
    assert r.exit_code == 0
    assert r.stderr.startswith("warning: --set: discount.project_rate: 1 is implausible")
    assert load(BASE_YAML).warnings == ()                 # the base case is plausible throughout


def test_study_ranges_can_follow_the_base(tmp_path):
    f = tmp_path / "rel.yaml"
    f.write_text("extends: j_community.yaml\nsensitivity:\n  drivers:\n"
                 "    - {path: capex.renovation_cny, low: -20%, high: +20%}\n"
                 "uncertainty:\n  inputs:\n"
                 "    - {path: capex.renovation_cny, dist: triangular, min: -10%, mode: base, max: +30%}\n"
                 "    - {path: macro.cpi_inflation, dist: normal, mean: 0%, sd: 25%}\n"
                 "  correlations: []\n", encoding="utf-8")
    for capex in (30e6, 12e6):
        a = load(f, [f"capex.renovation_cny={capex}"]).assumptions
        d = a.sensitivity.drivers[0]
        assert (d.low, d.high) == pytest.approx((0.8 * capex, 1.2 * capex))
        u = a.uncertainty.inputs[0]
        assert (u.min, u.mode, u.max) == pytest.approx((0.9 * capex, capex, 1.3 * capex))
    n = a.uncertainty.inputs[1]
    assert (n.mean, n.sd) == pytest.approx((a.macro.cpi_inflation, 0.25 * a.macro.cpi_inflation))


def test_study_paths_not_in_the_scenario_are_skipped_with_a_warning(tmp_path):
    f = tmp_path / "two.yaml"
    text = BASE_YAML.read_text(encoding="utf-8")
    f.write_text("extends: j_community.yaml\nscenario: {name: two}\nspace:\n  tiers:\n"
                 "    - {name: a, share: 0.5, rent_cny_per_m2_day: 3}\n"
                 "    - {name: b, share: 0.5, rent_cny_per_m2_day: 5}\n", encoding="utf-8")
    assert "space.tiers.2" in text                     # the base case's studies name a third tier
    ld = load(f)
    assert ld.warnings and all("not in this scenario: skipped" in w.message for w in ld.warnings)
    paths = [d.path for d in ld.assumptions.sensitivity.drivers] + [d.path for d in ld.assumptions.uncertainty.inputs]
    assert not any(p.startswith("space.tiers.2") for p in paths)
    r = invoke("run", f, "--no-report", "--no-corridor")
    assert r.exit_code == 0 and "warning:" in r.stderr


@pytest.mark.parametrize("args,words", [
    (["sensitivity", "--tornado", "--metric", "NPV"], "did you mean 'npv'?"),
    (["breakeven", "--vary", "subsidies"], "did you mean 'subsidy'?"),
    (["breakeven", "--target", "npv"], "quote the target"),
    (["run", "j_community_loa"], "did you mean 'j_community_loan'?"),
])
def test_did_you_mean(args, words):
    r = invoke(*args)
    assert r.exit_code == 2 and words in r.stderr, r.stderr


def test_bare_finmodel_prints_the_help_and_exits_0():
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "finmodel"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0 and "Usage: finmodel" in p.stdout and p.stderr == ""


def test_debug_anywhere_and_no_traceback_for_usage_errors():
    r = invoke("run", "--debug", "--bogus")
    assert r.exit_code == 2 and "Traceback" not in r.stderr and "--bogus" in r.stderr


def test_counts_accept_scientific_notation():
    r = invoke("montecarlo", "-n", "1e3", "--json")
    assert r.exit_code == 0, r.stderr
    r = invoke("montecarlo", "-n", "1.5")
    assert r.exit_code == 2 and "not a whole number" in r.stderr


def test_scenarios_lists_what_can_be_named():
    r = invoke("scenarios")
    assert r.exit_code == 0 and "j_community_loan" in r.stdout and "(default)" in r.stdout
    assert "j_community_scenarios" not in r.stdout          # a set file of compare, not a scenario


# ------------------------------------------------------------------ a new community in minutes (finmodel init)
def _two_tier(path):
    """The init starter edited as a new user would: five values of their own, the third tier removed."""
    import ruamel.yaml

    y = ruamel.yaml.YAML()            # round trip: the file keeps its comments and source notes
    data = y.load(path.read_text(encoding="utf-8"))
    data["capex"]["renovation_cny"]["value"] = 12_000_000                       # 1
    data["scenario"]["households"]["value"] = 1500                             # 2
    data["space"]["total_area_m2"]["value"] = 800                              # 3
    tiers = data["space"]["tiers"]
    del tiers[2]
    tiers[0]["share"]["value"] = 0.4
    tiers[1]["share"]["value"] = 0.6
    tiers[1]["rent_cny_per_m2_day"]["value"] = 4.0                             # 4
    data["parking"]["fee_cny_per_space_month"]["value"] = 150                  # 5
    with open(path, "w", encoding="utf-8") as f:
        y.dump(data, f)


def test_a_two_tier_community_from_init_runs_every_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "new_place.yaml"
    r = invoke("init", f)
    assert r.exit_code == 0, r.stderr
    _two_tier(f)
    ld = load(f)
    a = ld.assumptions
    assert [t.name for t in a.space.tiers] == ["public_welfare", "semi_public"]
    msgs = [w.message for w in ld.warnings]
    assert any("still J community's" in m for m in msgs)                        # the values left to replace
    assert any("space.tiers.2" in m and "skipped" in m for m in msgs)           # J's third-tier studies
    # every study range around this community's own base (relative ranges from init)
    for d in a.sensitivity.drivers:
        base = d.path and __import__("finmodel.study_inputs", fromlist=["value_at"]).value_at(a, d.path)
        if d.low is not None:
            assert d.low <= base <= d.high, (d.path, d.low, base, d.high)
    capex = next(u for u in a.uncertainty.inputs if u.path == "capex.renovation_cny")
    assert capex.mean == pytest.approx(12e6 * 1.05)          # J's 'mean 5 % above the estimate', on 12 million
    for args in (["run", f, "-o", tmp_path / "out"], ["breakeven", f], ["sensitivity", f, "--tornado"],
                 ["montecarlo", f, "-n", "2000"], ["table", f]):
        r = invoke(*args)
        assert r.exit_code == 0, (args[0], r.stderr[-2000:])
        assert "Traceback" not in r.stderr
    assert (tmp_path / "out" / "new_place.xlsx").exists()
    r = invoke("sensitivity", f, "--tornado", "--json")
    import json
    rows = json.loads(r.stdout)["drivers"]
    rent = next(x for x in rows if x["path"] == "space.tiers.1.rent_cny_per_m2_day")
    assert rent["base_value"] == 4.0 and rent["low"] < 4.0 < rent["high"]


def test_init_blank_lists_what_is_still_to_fill(tmp_path):
    f = tmp_path / "blank.yaml"
    assert invoke("init", "--blank", f).exit_code == 0
    r = invoke("validate", f)
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) >= 20
    assert all(re.match(rf"error: {re.escape(str(f))}:\d+:\d+: [\w.]+: still to fill \(null\)", ln) for ln in lines), lines[:3]
    assert any("capex.renovation_cny" in ln for ln in lines) and any("space.total_area_m2" in ln for ln in lines)
    # the public side's figures are the community's too: J's public works are not a new community's
    assert any("government.public_works_cny" in ln for ln in lines)
    assert any("government.budget_expenditure_cny_per_year" in ln for ln in lines)


def test_table_prints_and_writes_the_standard_tables(tmp_path):
    from finmodel import engine
    from finmodel.tables import statement

    r = invoke("table", "--statement", "balance", "--lang", "zh")
    assert r.exit_code == 0 and r.stdout.startswith("资产负债表") and "万元" in r.stdout
    # the values are the engine's rows in 万元 (the balance sheet's cash, 2020, from the projection)
    pj = engine.project(load().assumptions)
    cash_2020 = pj["b_cash"][0, 1] / 1e4
    assert f"{cash_2020:,.2f}" in r.stdout
    df = statement(pj, "balance")
    assert df.loc["b_difference", list(range(2019, 2040))].abs().max() < 1e-6      # it balances
    out = tmp_path / "t.csv"
    r = invoke("table", "--format", "csv", "-o", out, "--statement", "plan", "--statement", "loan")
    assert r.exit_code == 0 and out.exists()
    import pandas as pd
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert set(back["table"]) == {"plan", "loan"}
    r = invoke("table", "--statement", "balanc")
    assert r.exit_code == 2 and "did you mean 'balance'" in r.stderr
    r = invoke("table", "--format", "parquet")
    assert r.exit_code == 2 and "-o FILE" in r.stderr


def test_wrapped_tables_align_chinese_by_display_width():
    from finmodel.text import width, wrapped_table

    assert width("资产负债表") == 10 and width("NPV") == 3
    lines = wrapped_table(["项目", "单位", "2019", "2020"], [["货币资金", "万元", "1.00", "2.00"],
                                                           ["cash", "CNY", "10.00", "20.00"]], fixed=2, total=200)
    assert len({width(ln) for ln in lines}) == 1                      # every line as wide: aligned
    narrow = wrapped_table(["item", "unit"] + [str(y) for y in range(2019, 2040)],
                           [["x", "u"] + ["1,234.56"] * 21], fixed=2, total=60)
    assert max(width(ln) for ln in narrow) <= 60 and sum(ln.startswith("item") for ln in narrow) > 1


# ------------------------------------------------------------------ every answer can be reproduced
def _check_lines(stdout: str) -> dict[str, list[str]]:
    """'check X: finmodel run ... --set a=b --set c=d' lines -> X: the --set arguments."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"\s*check ([^:]+):\s+finmodel run (.*)$", line)
        if m:
            out[m.group(1).strip()] = re.findall(r"--set (\S+)", m.group(2))
    return out


def _run_json(sets):
    import json

    args = ["run", "--no-report", "--no-corridor", "--json"]
    for s in sets:
        args += ["--set", s]
    r = invoke(*args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_the_corridor_printed_by_run_and_breakeven_reproduces_with_its_set_line():
    # a flat corridor: without support.subsidy_step_down=0 the least stays below the hurdle (the
    # trap the issue describes), with it the printed --set line lands inside the corridor
    r = invoke("breakeven", "--corridor")
    checks = _check_lines(r.stdout)
    assert set(checks) == {"least", "most"}
    assert "support.subsidy_step_down=0" in checks["least"]
    at_least = _run_json(checks["least"])["verdict"]
    at_most = _run_json(checks["most"])["verdict"]
    assert at_least["equity_npv_hurdle"] >= 0 and at_least["tier"] == 3
    assert at_most["equity_npv_cap"] <= 0 and at_most["tier"] == 3
    stepped = _run_json([s for s in checks["least"] if "step_down" not in s])["verdict"]
    assert stepped["equity_npv_hurdle"] < 0                     # the step-down would have kept it below
    r = invoke("run", "--no-report")
    assert _check_lines(r.stdout) == checks                     # run prints the same lines


def test_the_break_even_table_rows_reproduce_with_their_set_lines():
    r = invoke("breakeven", "--table")
    checks = _check_lines(r.stdout)
    assert "Renovation capex" in checks and "Annual subsidy (first year)" in checks
    for label in ("Renovation capex", "Annual subsidy (first year)", "Operating cost (all lines, scaled)"):
        npv = _run_json(checks[label])["metrics"]["npv"]
        assert abs(npv) < 1.0, (label, npv)                      # NPV = 0 to within 1 CNY there
