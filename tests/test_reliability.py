"""Reliability as a tested property of every command (issue 7).

A matrix of command x bad-input category: each case must exit 2 (input or usage) or 1
(environment), print exactly one line on stderr naming the file and the YAML key where there
is one, print nothing on stdout, show no traceback, and leave the output folder unchanged
(same files, same hashes). Then faults (a write failing midway, ENOSPC, EACCES, Ctrl-C),
reproducibility (byte-identical JSON; the same Monte Carlo across chunk sizes) and security
(scenario names cannot steer output paths; YAML text is never a formula).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from finmodel.cli import main

from .conftest import BASE_YAML, ROOT

BASE_TEXT = BASE_YAML.read_text(encoding="utf-8")
ALIAS_BOMB = "".join(
    f"{k}: &{k} [" + ",".join([f"*{p}"] * 9 if p else ["x"] * 9) + "]\n"
    for p, k in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi"))

# category: (file bytes, words the single stderr line must contain besides the file's path)
FILE_CASES: dict[str, tuple[bytes, list[str]]] = {
    "yaml_syntax": (BASE_TEXT.replace("space:\n", "space: [\n", 1).encode(), ["YAML syntax error"]),
    "tab_indent": (b"scenario:\n\tname: x\n", ["YAML syntax error"]),
    "duplicate_key": (BASE_TEXT.replace("  leasable_ratio:", "  total_area_m2: 5\n  leasable_ratio:").encode(),
                      ["duplicate key"]),
    "unknown_key": (BASE_TEXT.replace("  leasable_ratio:", "  leasable_ration:").encode(),
                    ["space.leasable_ration", "did you mean 'leasable_ratio'"]),
    "missing_key": (BASE_TEXT.replace("  name: j_community\n", "").encode(), ["scenario.name", "required"]),
    "wrong_type": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: [1, 2],").encode(),
                   ["space.total_area_m2"]),
    "string_for_number": (BASE_TEXT.replace("  total_area_m2: {value: 1600,",
                                            "  total_area_m2: {value: 'sixteen hundred',").encode(),
                          ["space.total_area_m2"]),
    "out_of_range": (BASE_TEXT.replace("occupancy: {start: 0.9, target: 1.0, ramp_years: 1}",
                                       "occupancy: {start: 0.9, target: 1.5, ramp_years: 1}").encode(),
                     ["space.tiers.0.occupancy.target"]),
    "negative": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: -1,").encode(),
                 ["space.total_area_m2"]),
    "nan": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: .nan,").encode(),
            ["space.total_area_m2"]),
    "inf": (BASE_TEXT.replace("  total_area_m2: {value: 1600,", "  total_area_m2: {value: -.inf,").encode(),
            ["space.total_area_m2"]),
    "huge": (BASE_TEXT.replace("  renovation_cny: {value: 30000000,", "  renovation_cny: {value: 1e308,", 1).encode(),
             ["capex.renovation_cny"]),
    "empty": (b"", ["empty"]),
    "whitespace_only": (b"  \n\t\n   ", ["empty"]),
    "not_a_mapping": (b"just a string\n", ["mapping"]),
    "non_utf8": ("scenario:\n  name: caf\xe9\n".encode("latin-1"), ["UTF-8"]),
    "alias_bomb": (ALIAS_BOMB.encode(), ["alias"]),
    "python_tag": (b"scenario: !!python/object/apply:os.system ['echo hi']\n", ["tag not allowed"]),
    "custom_tag": (b"scenario: !include other.yaml\n", ["tag not allowed"]),
    "extends_missing": (b"extends: nowhere.yaml\nscenario: {name: x}\n", ["extends", "nowhere.yaml"]),
    "bad_distribution": (BASE_TEXT.replace("dist: triangular, min: 5.5, mode: 7.5, max: 10.0",
                                           "dist: triangular, min: 9.5, mode: 7.5, max: 5.0").encode(),
                         ["uncertainty.inputs.0"]),
    "negative_sd": (BASE_TEXT.replace("dist: normal, mean: 0.04, sd: 0.015", "dist: normal, mean: 0.04, sd: -0.015")
                    .encode(), ["uncertainty.inputs.7"]),
}

COMMANDS = {
    "run": lambda f, out: ["run", f, "-o", out],
    "validate": lambda f, out: ["validate", f],
    "breakeven": lambda f, out: ["breakeven", f, "--json"],
    "sensitivity": lambda f, out: ["sensitivity", f, "--tornado"],
    "montecarlo": lambda f, out: ["montecarlo", f, "-n", "64", "--seed", "1", "-o", out],
    "compare": lambda f, out: ["compare", f, str(BASE_YAML)],
}


def snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_one_line(r, code: int, words: list[str], out: Path, before: dict[str, str]) -> None:
    assert r.exit_code == code, (r.exit_code, r.stdout[:300], r.stderr[:300])
    assert r.stdout == "", r.stdout[:300]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert snapshot(out) == before


@pytest.fixture
def outdir(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "j_community.xlsx").write_bytes(b"the previous report")
    return out


def invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args])


CASES = [(c, k) for c in COMMANDS for k in FILE_CASES if FILE_CASES[k][0]]


@pytest.mark.parametrize("command,category", CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_bad_file_matrix(tmp_path, outdir, command, category):
    data, words = FILE_CASES[category]
    f = tmp_path / f"{category}.yaml"
    f.write_bytes(data)
    before = snapshot(outdir)
    r = invoke(COMMANDS[command](f, outdir))
    check_one_line(r, 2, [str(f)] + words, outdir, before)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_missing_file_directory_and_extends_cycle(tmp_path, outdir, command):
    before = snapshot(outdir)
    check_one_line(invoke(COMMANDS[command](tmp_path / "nope.yaml", outdir)), 2, ["nope.yaml", "not found"], outdir,
                   before)
    d = tmp_path / "adir.yaml"
    d.mkdir()
    check_one_line(invoke(COMMANDS[command](d, outdir)), 2, ["adir.yaml", "directory"], outdir, before)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nscenario: {name: a}\n", encoding="utf-8")
    b.write_text("extends: a.yaml\nscenario: {name: b}\n", encoding="utf-8")
    check_one_line(invoke(COMMANDS[command](a, outdir)), 2, ["extends cycle", "extends"], outdir, before)


SET_CASES = {
    "bad_path": ("support.subsidy_anual_cny=1", ["--set", "did you mean 'subsidy_annual_cny'"]),
    "bad_value": ("support.subsidy_annual_cny=lots", ["--set", "support.subsidy_annual_cny"]),
    "no_equals": ("support.subsidy_annual_cny", ["--set", "dotted.path=value"]),
    "out_of_range": ("space.leasable_ratio=2", ["--set", "space.leasable_ratio"]),
    "bad_index": ("space.tiers.7.share=0.1", ["--set", "space.tiers.7", "out of range"]),
    "nan_value": ("macro.cpi_inflation=.nan", ["--set", "macro.cpi_inflation"]),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(SET_CASES))
def test_bad_set_matrix(outdir, command, case):
    item, words = SET_CASES[case]
    before = snapshot(outdir)
    args = COMMANDS[command](BASE_YAML, outdir) + ["--set", item]
    check_one_line(invoke(args), 2, words, outdir, before)


STUDY_CASES = {
    "breakeven_unknown_path": (["breakeven", "--vary", "support.nope"], ["--vary", "support.nope"]),
    "breakeven_bad_target": (["breakeven", "--target", "npv~0"], ["--target"]),
    "breakeven_unknown_metric": (["breakeven", "--target", "nvp=0"], ["--target", "did you mean 'npv'"]),
    "breakeven_lo_above_hi": (["breakeven", "--range", "5e6:1e6"], ["--range"]),
    "grid_unknown_path": (["sensitivity", "--grid", "space.nope=0:1:5"], ["space.nope"]),
    "grid_lo_above_hi": (["sensitivity", "--grid", "support.subsidy_annual_cny=2e6:1e6:5"], ["--grid"]),
    "grid_n_below_2": (["sensitivity", "--grid", "support.subsidy_annual_cny=0:1e6:1"], ["--grid"]),
    "grid_too_large": (["sensitivity", "--grid", "support.subsidy_annual_cny=0:1e6:100000",
                        "--grid", "capex.renovation_cny=1e7:4e7:100000"], ["--grid"]),
    "tornado_unknown_metric": (["sensitivity", "--tornado", "--metric", "nope"], ["--metric"]),
    "montecarlo_n_zero": (["montecarlo", "-n", "0"], ["-n"]),
    "montecarlo_n_negative": (["montecarlo", "-n", "-5"], ["-n"]),
    "montecarlo_too_large": (["montecarlo", "-n", "100000000000"], ["-n"]),
    "montecarlo_min_above_max": (["montecarlo", "-n", "10", "--set",
                                  "uncertainty.inputs.0.min=12"], ["uncertainty.inputs.0"]),
    "sobol_bad_n": (["sensitivity", "--sobol", "-n", "100"], ["-n"]),
    "compare_missing": (["compare", str(BASE_YAML), "missing.yaml"], ["missing.yaml"]),
    "compare_bad_set_file": (["compare", "--set-file", "missing_set.yaml"], ["missing_set.yaml"]),
    "run_output_is_a_file": (["run", "-o", str(BASE_YAML)], ["not a folder"]),
    "init_bad_suffix": (["init", "starter.txt"], [".yaml"]),
}


@pytest.mark.parametrize("case", list(STUDY_CASES))
def test_study_usage_errors(tmp_path, outdir, case, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args, words = STUDY_CASES[case]
    before = snapshot(outdir)
    check_one_line(invoke(args), 2, words, outdir, before)


# ------------------------------------------------------------------ faults
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES])
def test_write_fault_keeps_previous_report_and_no_temp(outdir, monkeypatch, err):
    """A write that fails midway (after part of the file is written) leaves the old report intact."""
    import finmodel.report as report

    real = report.write_report

    def half_then_fail(pj, summary, path, *a, **k):
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(report, "write_report", half_then_fail)
    before = snapshot(outdir)
    r = invoke(["run", "-o", outdir])
    check_one_line(r, 1, [os.strerror(err)], outdir, before)
    monkeypatch.setattr(report, "write_report", real)


def test_rename_fault_and_unwritable_folder(outdir, monkeypatch):
    before = snapshot(outdir)

    def refuse(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    check_one_line(invoke(["run", "-o", outdir]), 1, ["Permission denied"], outdir, before)
    monkeypatch.undo()                                  # (undoes the English terminal of conftest too)
    monkeypatch.setenv("FINMODEL_LANG", "en")
    import tempfile
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    check_one_line(invoke(["run", "-o", outdir]), 1, ["cannot write here"], outdir, before)


def test_sigint_during_long_montecarlo(tmp_path):
    out = tmp_path / "mc"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "finmodel", "montecarlo", "-n", "3000000", "--seed", "1",
                          "-o", str(out), "--save-draws"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, stderr)
    assert stdout == "" and stderr.strip().splitlines() == ["error: interrupted"]
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("delay", [0.2, 0.5, 1.0])
def test_sigint_at_any_moment_exits_130_with_one_line(tmp_path, delay):
    """Early Ctrl-C (during the imports, or as the command starts): the same one line and 130. It
    printed a traceback during the imports, and after 'interrupted' the process could still die by
    SIGINT (exit -2; CPython's flag for a KeyboardInterrupt that passed through PyRun_* code)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "finmodel", "montecarlo", "-n", "3000000", "--seed", "1",
                          "-o", str(tmp_path / "mc")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, stderr)
    assert stdout == "" and stderr.strip().splitlines() == ["error: interrupted"], stderr


# ------------------------------------------------------------------ reproducibility
def test_json_byte_identical_across_runs():
    a = invoke(["run", "--json", "--no-report"]).stdout
    b = invoke(["run", "--json", "--no-report"]).stdout
    assert a == b and a
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "123"}
    p = subprocess.run([sys.executable, "-m", "finmodel", "run", "--json", "--no-report"], capture_output=True,
                       env=env)
    assert p.stdout.decode() == a


def test_montecarlo_json_identical_across_chunk_sizes():
    a = invoke(["montecarlo", "-n", "5000", "--seed", "7", "--json", "--chunk-size", "999"]).stdout
    b = invoke(["montecarlo", "-n", "5000", "--seed", "7", "--json", "--chunk-size", "5000"]).stdout
    assert a == b and json.loads(a)


# ------------------------------------------------------------------ security
@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "x\\y", "=1+1"])
def test_scenario_name_cannot_steer_paths(tmp_path, name):
    out = tmp_path / "out"
    r = invoke(["run", "--set", f"scenario.name={json.dumps(name)}", "-o", out])
    if name.startswith("="):
        # a formula-looking name is a legal file name; it must land inside the folder, as text
        assert r.exit_code == 0
        files = list(out.iterdir())
        assert [f.parent for f in files] == [out]
    else:
        assert r.exit_code == 2 and "scenario.name" in r.stderr
        assert not out.exists()
    assert not (tmp_path / "escape.xlsx").exists()


def test_yaml_loaded_safely_never_executes(tmp_path):
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(f"scenario: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    r = invoke(["validate", f])
    assert r.exit_code == 2 and not marker.exists()


def test_parsed_yaml_kept_in_the_cache_folder_and_errors_never(tmp_path, monkeypatch):
    """The parse of a scenario file is kept in the cache folder and read back the same; a text
    that does not parse is never kept (its error comes again); an empty FINMODEL_CACHE_DIR keeps nothing."""
    from finmodel import yamlio
    from finmodel.errors import InputError

    monkeypatch.setenv("FINMODEL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(yamlio, "_PARSED", {})
    text = "a: 1\nb: [1.5, x, null, true, 3e7]\nc: &k {d: 2}\ne: *k\n"
    first = yamlio.parse_yaml_text(text, "t.yaml")
    kept = list((tmp_path / "cache" / "yaml").glob("y_*.pickle"))
    assert len(kept) == 1
    monkeypatch.setattr(yamlio, "_PARSED", {})
    monkeypatch.setattr(yamlio, "_parse", lambda *a: pytest.fail("parsed again"))
    assert yamlio.parse_yaml_text(text, "t.yaml") == first == {"a": 1, "b": [1.5, "x", None, True, 3e7],
                                                                  "c": {"d": 2}, "e": {"d": 2}}
    monkeypatch.undo()
    monkeypatch.setenv("FINMODEL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(yamlio, "_PARSED", {})
    for _ in range(2):
        with pytest.raises(InputError, match="YAML"):
            yamlio.parse_yaml_text("a: [1, 2\n", "bad.yaml")
    assert len(list((tmp_path / "cache" / "yaml").glob("y_*.pickle"))) == 1
    monkeypatch.setenv("FINMODEL_CACHE_DIR", "")
    yamlio.parse_yaml_text("z: 2\n", "t.yaml")
    assert len(list((tmp_path / "cache" / "yaml").glob("y_*.pickle"))) == 1


# ------------------------------------------------------------------ numerical robustness
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from finmodel import engine  # noqa: E402
from finmodel.scenarios import field_bounds, field_info, load, with_values  # noqa: E402

_BASE = load(BASE_YAML).assumptions


def _numeric_leaves(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numeric_leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numeric_leaves(v, f"{path}.{i}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node


# every numeric assumption of the base case except those that shape the timeline, the lists or
# cross-checked year windows (drawn separately below) and the study sections
_SKIP = ("scenario.", "tax.", "mix.", "uncertainty.", "sensitivity.", "corridor.", "report.", "sources.",
         "government.")
_SHAPE = ("share", "from_year", "_first_year", "_last_year", "year", "tenor_years", "grace_years",
          "expansion_from_year", "new_spaces_from_year", "capital_grant_year", "lease_years")
PATHS = [(p, v) for p, v in _numeric_leaves(_BASE.model_dump())
         if not p.startswith(_SKIP) and not p.split(".")[-1].endswith(_SHAPE) and p.split(".")[-1] not in _SHAPE]


def _strategy(path, base):
    lo, hi = field_bounds(path)
    info = field_info(path)
    is_int = info is not None and info.annotation is int
    # the documented range, with the open or astronomically wide upper ends capped at a size
    # where 20 years of escalation still fit comfortably in a double
    hi = min(hi, max(10.0 * abs(base), 1.0) if hi > 1e3 else hi)
    lo = max(lo, -hi)
    if is_int:
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


VALID = st.fixed_dictionaries({p: _strategy(p, v) for p, v in PATHS})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=VALID, status=st.sampled_from(["general", "small_scale", "auto"]), relief=st.booleans())
def test_valid_assumption_sets_are_finite_reconciled_and_row_consistent(values, status, relief):
    a = with_values(_BASE, {**values, "tax.taxpayer_status": status, "tax.small_enterprise_relief": relief})
    pj = engine.project(a)
    from finmodel.model.core import may_be_undefined
    for row in pj.model.rows:      # finite, but where a row's definition says "not defined" (DSCR without debt)
        if row.expr is not None and not may_be_undefined(row):
            assert bool((abs(pj[row.key]) < float("inf")).all()), row.key
    scale = max(1.0, float(abs(pj["cash_receipts"]).max()), float(abs(pj["cash_payments"]).max()))
    assert float(abs(pj["equity_fcf_direct"] - pj["equity_fcf_indirect"]).max()) <= 1e-9 * scale
    m = pj.metrics()
    from finmodel import metrics as M
    for name in ("project_irr", "equity_irr"):
        d = M.irr(pj["project_fcf" if name == "project_irr" else "equity_fcf"][0], return_details=True)
        x = float(m[name][0])
        assert (x == x) == (d.reason in ("ok", "multiple_roots")), (name, x, d.reason)   # NaN iff a reason says so
    # the same scenario inside a batch of two gives the same bits
    batch = engine.project(with_values(_BASE, {"tax.taxpayer_status": status, "tax.small_enterprise_relief": relief}),
                           {p: [float(v), float(v) * 0.5 if p.endswith("_cny") else float(v)] for p, v in values.items()})
    for key in pj.items.keys():
        assert np.array_equal(batch[key][0], pj[key][0], equal_nan=True), key
