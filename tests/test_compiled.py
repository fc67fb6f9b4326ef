"""The compiled kernel (finmodel.model.jit) against the NumPy evaluation, which is the reference.

Both render the same rows; these tests run both on thousands of random valid scenarios and
compare every line item and every metric of each:

- **bitwise** (the same float64, or NaN in both) for every line item and every metric, except
- the metrics whose helpers raise to a power or take exp/log inside (MIRR, the discounted
  paybacks, the IRR's Newton start for one sign change): numba calls the C library there and
  NumPy its own SIMD loops, which round a last bit differently; and the IRRs the kernel finds by
  its count of roots (finmodel.model.jit_irr: its own Halley steps to the same simple root,
  taken only within 1e-13 of it). They agree to 1e-12 relative to
  the larger of the two values and 1 (a rate of 1e-4 is compared to 1e-12 absolute: the rate's
  own rounding is about 1e-16 of 1 + rate).

The scenarios: every numeric input the rows take as a parameter (161 in the J case) drawn at
once, with a seed, either near the base (x0.5 to x1.5, whole numbers for whole-number inputs)
or across the schema's valid range (up to ten times the base's size): refits, loans, tax bands,
several sign changes, no IRR, paybacks never reached. Scenarios whose IRR the kernel cannot
decide go to the NumPy path by design; the tests count them and require them to be few.

Needs numba (in the ``test`` extra); skipped without it. The kernels compile once per machine
(cached under ``FINMODEL_CACHE_DIR``, see finmodel.model.jit), about 10-30 s each the first time.
"""

from __future__ import annotations

import numpy as np
import pytest

from finmodel import engine, model, paths
from finmodel.model.core import STRUCTURAL
from finmodel.scenarios import field_bounds, is_numeric_path, load

from .conftest import ROOT

pytest.importorskip("numba")

#: Metrics computed with pow/exp/log inside their helpers (see the module docstring).
TRANSCENDENTAL = {"mirr", "discounted_payback_years", "discounted_payback_years_incl_renovation", "project_irr",
                  "equity_irr", "project_irr_pre_tax"}
TOL = 1e-12


def draws(a, n_near: int, n_wide: int, seed: int) -> dict[str, np.ndarray]:
    """Every parameter of the rows, drawn near the base or across its valid range."""
    m = model.build(a)
    data = a.model_dump()
    rng = np.random.default_rng(seed)
    out = {}
    for p in sorted(p for p, i in m.inputs.items() if not i.fold and not STRUCTURAL.match(p) and is_numeric_path(p)):
        base = paths.get(data, p)
        lo, hi = field_bounds(p)
        whole = isinstance(base, int) and not isinstance(base, bool)
        near = base * rng.uniform(0.5, 1.5, n_near) if base else rng.uniform(0.0, 0.2, n_near) * (
            1e6 if p.endswith("_cny") else 1.0)
        top = min(hi, max(10.0 * abs(base), 1.0 if not p.endswith("_cny") else 1e7))
        wide = rng.uniform(max(lo, -top), top, n_wide)
        x = np.concatenate([near, wide])
        x = np.rint(x) if whole else x
        if p == "financing.loan.tenor_years":
            x = np.minimum(x, a.scenario.concession_years)
        out[p] = np.clip(x, lo, hi)
    return out


def compare(pc, pn, S):
    """(values compared, values equal bit for bit, worst relative gap of the tolerated metrics, failures)."""
    total = same_bits = 0
    worst = 0.0
    bad = []
    pairs = [(k, np.asarray(pc.items[k]), np.asarray(pn.items[k])) for k in pn.items.keys()]
    pairs += [(k, np.broadcast_to(pc.scalars[k], (S,)), np.broadcast_to(pn.scalars[k], (S,))) for k in pn.scalars]
    for key, x, y in pairs:
        eq = (x == y) | (np.isnan(x) & np.isnan(y))
        total += eq.size
        same_bits += int(eq.sum())
        if eq.all():
            continue
        if key not in TRANSCENDENTAL:
            bad.append((key, int((~eq).sum())))
            continue
        both = np.isfinite(x) & np.isfinite(y)
        gap = np.abs(x - y)[both & ~eq] / np.maximum(np.maximum(np.abs(x), np.abs(y))[both & ~eq], 1.0)
        worst = max(worst, float(gap.max(initial=0.0)))
        if (~eq & ~both).any() or gap.max(initial=0.0) > TOL:
            bad.append((key, int((gap > TOL).sum() + (~eq & ~both).sum())))
    return total, same_bits, worst, bad


@pytest.mark.parametrize("scenario,seed", [("j_community.yaml", 1), ("j_community_loan.yaml", 2)])
def test_every_line_item_and_metric_agrees(scenario, seed):
    a = load(ROOT / "assumptions" / scenario).assumptions
    vary = draws(a, n_near=3000, n_wide=1000, seed=seed)
    S = 4000
    pn = engine.project(a, vary, detail=False, backend="numpy")
    pc = engine.project(a, vary, detail=False, backend="compiled")
    total, same_bits, worst, bad = compare(pc, pn, S)
    assert not bad, f"rows or metrics that differ: {bad}"
    assert total > 1_000_000          # 4,000 scenarios x (~240 line items x 21 years + the metrics)
    assert same_bits / total > 0.999, (same_bits, total, worst)


def test_evaluate_agrees_and_falls_back_rarely():
    """The batch path (metrics only, chunks, two threads) against NumPy; the NumPy fallback stays rare."""
    from finmodel.model import jit

    a = load().assumptions
    vary = draws(a, n_near=6000, n_wide=0, seed=3)
    names = engine.METRIC_NAMES + engine.VERDICT_METRIC_NAMES + engine.FLAG_NAMES
    rn = engine.evaluate(a, vary, metrics=names, backend="numpy")
    rc = engine.evaluate(a, vary, metrics=names, backend="compiled", workers=2)
    for k in names:
        x, y = np.asarray(rc[k], dtype=float), np.asarray(rn[k], dtype=float)
        eq = (x == y) | (np.isnan(x) & np.isnan(y))
        if k in TRANSCENDENTAL:
            both = np.isfinite(x) & np.isfinite(y)
            assert np.array_equal(np.isnan(x), np.isnan(y)), k
            gap = np.abs(x - y)[both] / np.maximum(np.maximum(np.abs(x), np.abs(y))[both], 1.0)
            assert gap.max(initial=0.0) <= TOL, (k, gap.max())
        else:
            assert eq.all(), (k, int((~eq).sum()))
    m = model.build(a)
    c = jit.prepare(m, a.model_dump(), frozenset(vary), names)
    jit.execute(c, vary, a.scenario.concession_years + 1, 6000)
    assert c.fallbacks <= 0.02 * 6000


def test_the_scenarios_left_undecided_are_answered_by_numpy_in_their_place(monkeypatch):
    """evaluate gathers the scenarios the kernel leaves undecided over all chunks and hands them to
    the NumPy path once: each gets the NumPy path's numbers (bit for bit), in its own place."""
    from finmodel.model import jit

    a = load().assumptions
    vary = draws(a, n_near=3000, n_wide=0, seed=5)
    names = engine.METRIC_NAMES + engine.FLAG_NAMES
    real = jit.execute

    def execute(c, vary_, T, S, threads=None, keep=None, defer=False):
        years, scalars = real(c, vary_, T, S, threads, keep, defer)
        assert defer                                  # evaluate defers
        c.pending = np.array([0, 7, S - 1])           # as if the kernel had left these undecided,
        for v in scalars.values():                    # with nonsense in their place
            v[c.pending] = -12345.0
        return years, scalars

    monkeypatch.setattr(engine, "COMPILED_CHUNK", 1000)
    monkeypatch.setattr(jit, "execute", execute)
    rc = engine.evaluate(a, vary, metrics=names, backend="compiled")
    monkeypatch.setattr(jit, "execute", real)
    rn = engine.evaluate(a, vary, metrics=names, backend="numpy")
    marked = [lo + i for lo in (0, 1000, 2000) for i in (0, 7, 999)]
    for k in names:
        x, y = np.asarray(rc[k], dtype=float), np.asarray(rn[k], dtype=float)
        assert np.array_equal(x[marked], y[marked], equal_nan=True), k


def test_a_scenario_is_the_same_alone_or_in_a_batch():
    a = load().assumptions
    vary = draws(a, n_near=50, n_wide=50, seed=4)
    batch = engine.project(a, vary, detail=False, backend="compiled")
    for i in (0, 57, 99):
        alone = engine.project(a, {k: v[i:i + 1] for k, v in vary.items()}, detail=False, backend="compiled")
        for k in ("project_fcf", "equity_fcf", "income_tax"):
            assert np.array_equal(batch[k][i], alone[k][0])
        for k in ("npv", "project_irr", "payback_years"):
            assert np.array_equal(batch.scalar(k)[i], alone.scalar(k)[0], equal_nan=True)


def test_backend_choice(monkeypatch):
    a = load().assumptions
    assert engine._backend("auto", 10) == "numpy"
    assert engine._backend("auto", engine.COMPILED_MIN) == "compiled"
    monkeypatch.setenv("FINMODEL_BACKEND", "numpy")
    assert engine._backend("auto", 10 ** 6) == "numpy"
    monkeypatch.setattr(engine, "compiled_available", lambda: False)
    monkeypatch.delenv("FINMODEL_BACKEND")
    assert engine._backend("auto", 10 ** 6) == "numpy"     # without numba the NumPy path serves everything
    with pytest.raises(Exception, match="numba"):
        engine.evaluate(a, {"support.subsidy_annual_cny": [1.0, 2.0]}, backend="compiled")
