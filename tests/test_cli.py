"""The command line: run, validate, schema, init; bad input gives one line and exit 2."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from finmodel.cli import main

from .conftest import BASE_YAML, ROOT

METRIC_KEYS = {"npv", "equity_npv", "project_irr", "equity_irr", "payback_years", "discounted_payback_years",
               "min_cumulative_cash", "dscr_min", "margin_avg", "subsidy_dependence"}


def invoke(*args, cwd=None):
    runner = CliRunner()
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------ happy paths
def test_run_json_keys_and_report(tmp_path):
    out = tmp_path / "out"
    r = invoke("run", BASE_YAML, "--json", "-o", out)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    for key in ("scenario", "discount_rate", "metrics", "revenue_mix", "cash_flows", "report"):
        assert key in data
    assert METRIC_KEYS <= set(data["metrics"])
    assert set(data["revenue_mix"]) == {"rent", "parking", "property_fees", "other"}
    assert set(data["cash_flows"]) == {"years", "project", "equity"}
    assert len(data["cash_flows"]["years"]) == 21 and data["cash_flows"]["years"][0] == 2019
    assert data["metrics"]["dscr_min"] is None            # no debt: NaN written as null
    assert Path(data["report"]).exists() and Path(data["report"]).name == "j_community.xlsx"
    assert data["scenario"] == "j_community"
    paper = {"rent": 0.46, "parking": 0.19, "property_fees": 0.26, "other": 0.09}
    for k, v in paper.items():
        assert abs(data["revenue_mix"][k] - v) <= 0.005


def test_run_default_scenario_and_table(tmp_path):
    r = invoke("run", "-o", tmp_path)
    assert r.exit_code == 0
    assert "NPV" in r.stdout and "万元" in r.stdout
    assert (tmp_path / "j_community.xlsx").exists()


def test_run_set_changes_npv(tmp_path):
    base = json.loads(invoke("run", "--json", "--no-report").stdout)
    more = json.loads(invoke("run", "--json", "--no-report", "--set", "support.subsidy_annual_cny=2e6").stdout)
    assert more["metrics"]["npv"] > base["metrics"]["npv"]
    tier = json.loads(invoke("run", "--json", "--no-report", "--set", "space.tiers.2.rent_cny_per_m2_day=9").stdout)
    assert tier["metrics"]["npv"] > base["metrics"]["npv"]


def test_validate_schema_init(tmp_path):
    r = invoke("validate", BASE_YAML)
    assert r.exit_code == 0 and r.stdout.startswith("ok:")
    r = invoke("schema")
    schema = json.loads(r.stdout)
    assert "properties" in schema and "space" in schema["properties"]
    starter = tmp_path / "new_place.yaml"
    r = invoke("init", starter)
    assert r.exit_code == 0 and starter.exists()
    assert "# " in starter.read_text(encoding="utf-8")
    r = invoke("validate", starter)
    assert r.exit_code == 0, r.stderr
    r = invoke("init", starter)            # exists: refuse without --force
    assert r.exit_code == 2 and "exists" in r.stderr


def test_extends_overrides_only_what_changes(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASE_YAML}\nscenario:\n  name: child\nsupport:\n  subsidy_annual_cny: 0\n",
                     encoding="utf-8")
    r = invoke("run", child, "--json", "--no-report")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scenario"] == "child"
    base = json.loads(invoke("run", "--json", "--no-report", "--set", "support.subsidy_annual_cny=0").stdout)
    assert data["metrics"]["npv"] == pytest.approx(base["metrics"]["npv"], rel=1e-12)
    # a packaged name works too
    child.write_text("extends: j_community.yaml\nscenario:\n  name: child2\n", encoding="utf-8")
    assert invoke("validate", child).exit_code == 0


def test_loan_scenario_ships_and_has_dscr():
    r = invoke("run", ROOT / "assumptions" / "j_community_loan.yaml", "--json", "--no-report")
    assert r.exit_code == 0, r.stderr
    m = json.loads(r.stdout)["metrics"]
    assert m["dscr_min"] is not None and m["equity_npv"] != m["npv"]


def test_packaged_copies_are_identical():
    # every scenario of assumptions/ ships inside the package (finmodel run j_community_loan works
    # from any folder); the two copies must not drift
    files = sorted((ROOT / "assumptions").glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        assert (ROOT / "finmodel" / "data" / f.name).read_bytes() == f.read_bytes(), f.name


# ------------------------------------------------------------------ bad input
BASE_TEXT = BASE_YAML.read_text(encoding="utf-8")


def _bad(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BAD_FILES = {
    # case: (file text, words the one line must contain)
    "missing_key": (BASE_TEXT.replace("  name: j_community\n", ""), ["scenario.name", "required"]),
    "unknown_key": (BASE_TEXT.replace("  leasable_ratio:", "  leasable_ration:"),
                    ["space.leasable_ration", "unknown key", "did you mean 'leasable_ratio'"]),
    "wrong_type": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: [1600],"),
                   ["space.total_area_m2"]),
    "string_for_number": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: lots,"),
                          ["space.total_area_m2"]),
    "negative_area": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: -5,"),
                      ["space.total_area_m2", "greater than or equal to 0"]),
    "occupancy_above_1": (BASE_TEXT.replace("occupancy: {start: 0.9, target: 1.0, ramp_years: 1}",
                                            "occupancy: {start: 0.9, target: 1.2, ramp_years: 1}"),
                          ["space.tiers.0.occupancy.target", "less than or equal to 1"]),
    "nan": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: .nan,"),
            ["space.total_area_m2", "finite"]),
    "inf": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: .inf,"),
            ["space.total_area_m2"]),
    "huge": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: 1e308,"),
             ["space.total_area_m2"]),
    "duplicate_key": (BASE_TEXT.replace("  leasable_ratio:", "  total_area_m2: 5\n  leasable_ratio:"),
                      ["duplicate key"]),
    "syntax_error": (BASE_TEXT.replace("space:\n", "space: [\n", 1), ["YAML syntax error", "line"]),
    "tab": ("scenario:\n\tname: x\n", ["YAML syntax error"]),
    "python_tag": ("scenario: !!python/object:os.system {name: x}\n", ["tag not allowed"]),
    "empty": ("", ["empty"]),
    "whitespace": ("   \n\n  ", ["empty"]),
    "not_mapping": ("- 1\n- 2\n", ["mapping"]),
    "shares": (BASE_TEXT.replace("share: {value: 0.40,", "share: {value: 0.50,"), ["space", "sum to 1"]),
    "alias_bomb": ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
                   "j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]\n", ["alias"]),
}


def _assert_one_line_error(r, words, out_before, out_dir):
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert snapshot(out_dir) == out_before


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_file_one_line_exit_2(tmp_path, name, command):
    text, words = BAD_FILES[name]
    path = _bad(tmp_path, f"{name}.yaml", text)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous", encoding="utf-8")
    before = snapshot(out)
    args = [command, path] + (["-o", out] if command == "run" else [])
    r = invoke(*args)
    _assert_one_line_error(r, words + ([str(path)] if name not in () else []), before, out)


def test_non_utf8_missing_file_directory(tmp_path):
    out = tmp_path / "out"
    before = snapshot(out)
    p = tmp_path / "latin.yaml"
    p.write_bytes("scenario:\n  name: caf\xe9\n".encode("latin-1"))
    _assert_one_line_error(invoke("run", p, "-o", out), ["UTF-8", str(p)], before, out)
    _assert_one_line_error(invoke("run", tmp_path / "nope.yaml", "-o", out), ["not found"], before, out)
    _assert_one_line_error(invoke("run", tmp_path, "-o", out), ["directory"], before, out)


def test_extends_cycle_and_missing_target(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nscenario: {name: a}\n", encoding="utf-8")
    b.write_text("extends: a.yaml\nscenario: {name: b}\n", encoding="utf-8")
    out = tmp_path / "out"
    _assert_one_line_error(invoke("run", a, "-o", out), ["extends cycle", "extends"], {}, out)
    c = tmp_path / "c.yaml"
    c.write_text("extends: nowhere.yaml\nscenario: {name: c}\n", encoding="utf-8")
    _assert_one_line_error(invoke("run", c, "-o", out), ["extends target not found", "nowhere.yaml"], {}, out)


@pytest.mark.parametrize("item,words", [
    ("support.subsidy_anual_cny=1", ["--set", "support.subsidy_anual_cny", "did you mean 'subsidy_annual_cny'"]),
    ("space.tiers.9.rent_cny_per_m2_day=1", ["--set", "space.tiers.9", "out of range"]),
    ("support.subsidy_annual_cny", ["--set", "expected dotted.path=value"]),
    ("support.subsidy_annual_cny=lots", ["--set", "support.subsidy_annual_cny"]),
    ("space.leasable_ratio=1.5", ["--set", "space.leasable_ratio", "less than or equal to 1"]),
    ("nosuch=1", ["--set", "nosuch"]),
])
def test_bad_set(tmp_path, item, words):
    out = tmp_path / "out"
    _assert_one_line_error(invoke("run", "--set", item, "-o", out), words, {}, out)


def test_click_usage_error_is_one_line_exit_2():
    r = invoke("run", "--no-such-option")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1 and r.stdout == ""
    r = invoke("validate")
    assert r.exit_code == 2 and "Missing argument" in r.stderr


def test_unwritable_output_gives_exit_1_and_keeps_previous(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "j_community.xlsx").write_bytes(b"previous report")
    before = snapshot(out)
    import finmodel.report as report

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_report", boom)
    r = invoke("run", "-o", out)
    assert r.exit_code == 1 and "No space left on device" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert snapshot(out) == before                 # previous report intact, no temp file left


def test_locked_report_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".~lock.j_community.xlsx#").write_text("lock", encoding="utf-8")
    r = invoke("run", "-o", out)
    assert r.exit_code == 1 and "open in a spreadsheet" in r.stderr


def test_console_script_subprocess(tmp_path):
    """The real process: exit code, one stderr line and no traceback through the entry point."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: j_community.yaml\nscenario: {name: x}\nspace: {total_area_m2: -1}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "finmodel", "run", str(bad), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().splitlines() == [f"error: {bad}:3:9: space.total_area_m2: Input should be greater than or "
                                             f"equal to 0 (got -1)"]
    assert not (tmp_path / "o").exists()


def test_cross_field_error_from_set_names_the_override(tmp_path):
    r = invoke("run", "--set", "space.tiers.0.share=0.5", "-o", tmp_path / "o")
    assert r.exit_code == 2 and r.stdout == ""
    line = r.stderr.strip()
    assert line.startswith("error: --set: space:") and "sum to 1" in line and "space.tiers.0.share" in line


# ------------------------------------------------------------------ library arguments, command-line flags
def test_the_library_names_the_argument_and_the_cli_its_flag(tmp_path):
    from finmodel.errors import InputError
    from finmodel.scenarios import load

    with pytest.raises(InputError) as e:
        load(BASE_YAML, ["space.tiers.9.share=1"])
    assert (e.value.param, e.value.key, e.value.source) == ("sets", "space.tiers.9", None)
    assert str(e.value) == "sets: space.tiers.9: index 9 out of range (the list has 3 items)"
    assert e.value.line(param_label="--set") == "--set: space.tiers.9: index 9 out of range (the list has 3 items)"
    with pytest.raises(InputError) as e:
        load(BASE_YAML, ["space.tiers.0.share=0.5"])        # a check across the section, broken by the override
    assert e.value.param == "sets" and e.value.key == "space"
    assert e.value.line(param_label="--set").endswith("must sum to 1 (after --set space.tiers.0.share)")
    r = invoke("run", "--set", "space.tiers.0.share=0.5", "-o", tmp_path / "o")
    assert r.stderr == ("error: --set: space: tiers: shares sum to 1.2, must sum to 1 "
                        "(after --set space.tiers.0.share)\n")


def test_param_flags_are_options_of_the_commands():
    from finmodel.cli.errors import PARAM_FLAGS

    flags = {opt for cmd in main.commands.values() for p in cmd.params for opt in getattr(p, "opts", [])}
    assert set(PARAM_FLAGS.values()) <= flags, set(PARAM_FLAGS.values()) - flags
