"""Today's numbers against the reference outputs of ``tests/golden.py`` (see its docstring).

Every number of ``run --json --no-report`` (metrics, revenue mix, cash flows, the government
view, the corridor) and every line item of the projection must agree to 1e-9 relative, with
1e-6 CNY absolute for amounts that are zero up to rounding. Line items that exist in only one
of the two versions are listed, not compared (a renamed item shows up there).
"""

from __future__ import annotations

import json
import math

import pytest

from .golden import DATA, cases, snapshot

RTOL = 1e-9
ATOL = 1e-6


def _diffs(ref, new, path="", out=None):
    out = [] if out is None else out
    if isinstance(ref, dict) and isinstance(new, dict):
        for k in ref:
            if k in new:
                _diffs(ref[k], new[k], f"{path}.{k}" if path else k, out)
    elif isinstance(ref, list) and isinstance(new, list):
        if len(ref) != len(new):
            out.append(f"{path}: length {len(ref)} != {len(new)}")
        for i, (x, y) in enumerate(zip(ref, new)):
            _diffs(x, y, f"{path}[{i}]", out)
    elif isinstance(ref, bool) or isinstance(new, bool) or isinstance(ref, str) or ref is None or new is None:
        if ref != new and not (path.endswith(".message") or "command" in path):
            out.append(f"{path}: {ref!r} != {new!r}")
    elif path.endswith(".evaluations"):
        pass                    # the solver's count of evaluations: a diagnostic, not a result
    elif isinstance(ref, (int, float)) and isinstance(new, (int, float)):
        if math.isnan(ref) and math.isnan(new):
            pass                    # "not defined" in both (a DSCR without debt service)
        elif not (math.isclose(ref, new, rel_tol=RTOL, abs_tol=ATOL)):
            out.append(f"{path}: {ref!r} != {new!r}")
    return out


@pytest.mark.parametrize("name,scenario,sets", cases(), ids=[c[0] for c in cases()])
def test_same_numbers_as_the_reference(name, scenario, sets):
    ref = json.loads((DATA / f"{name}.json").read_text())
    assert ref["sets"] == sets
    new = snapshot(scenario, sets)
    diffs = _diffs(ref["run"], new["run"], "run")
    common = set(ref["items"]) & set(new["items"])
    diffs += _diffs({k: ref["items"][k] for k in common}, {k: new["items"][k] for k in common}, "items")
    missing = sorted(set(ref["items"]) - set(new["items"]))
    assert not missing, f"line items no longer computed: {missing}"
    assert not diffs, "\n".join(diffs[:40])


def test_the_comparison_can_fail():
    """A change of 2e-9 relative in one number is caught; 5e-10 is not (the tolerance is 1e-9)."""
    ref = {"a": [1000.0, 0.0]}
    assert _diffs(ref, {"a": [1000.0 * (1 + 2e-9), 0.0]})
    assert not _diffs(ref, {"a": [1000.0 * (1 + 5e-10), 0.0]})
    assert _diffs(ref, {"a": [1000.0, 2e-6]})
