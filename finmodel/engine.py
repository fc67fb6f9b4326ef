"""The engine: the model's rows evaluated over arrays of scenarios.

The rows (:mod:`finmodel.model`) are the definition; this module runs them. ``project``
evaluates every row of S scenarios (S = the length of the arrays in ``vary``, else 1) in one
vectorised pass and returns a :class:`Projection`; ``evaluate`` scores many scenarios in
chunks, computing only the rows its metrics need, in this process or in forked workers.

Conventions (docs/model.md section 5): year 0 is the renovation year, operating year k = 1..N is
calendar year start_year + k, flows at period end; arrays have scenarios on axis 0 and years
0..N on the last axis; money is CNY (the reports show 万元).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from . import model as model_pkg
from . import paths, progress
from .assumptions import Assumptions
from .errors import InputError
from .model.compile import execute, prepare
from .model.compile import run as run_model
from .model.core import STRUCTURAL
from .scenarios import field_bounds, is_numeric_path, schema_node

__all__ = ["project", "evaluate", "compute_metrics", "revenue_mix", "check_vary", "Projection", "METRIC_NAMES",
           "VERDICT_METRIC_NAMES", "FLAG_NAMES", "STRUCTURAL", "DEFAULT_CHUNK"]

#: The operator's metrics (docs/model.md section 5), scalar rows of the model (finmodel.model.indicators).
METRIC_NAMES = ("npv", "equity_npv", "project_irr", "equity_irr", "payback_years", "discounted_payback_years",
                "min_cumulative_cash", "min_cumulative_equity_cash", "dscr_min", "dscr_avg", "margin_avg",
                "subsidy_dependence", "npv_pre_tax", "project_irr_pre_tax", "llcr_min", "payback_years_incl_renovation",
                "discounted_payback_years_incl_renovation", "min_cumulative_surplus", "mirr")
#: The verdict's tests (finmodel.model.verdict): equity NPV at 0 %, at the hurdle, at the cap; the tier.
VERDICT_METRIC_NAMES = ("equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "verdict_tier")
FLAG_NAMES = ("project_irr_multiple", "equity_irr_multiple", "payback_refit_negative")
_BOOL = set(FLAG_NAMES)

#: Scenarios per chunk on the NumPy path. Each chunk pays about 10 ms of per-row Python calls
#: (405 rows) whatever its size: 16,384 against 8,192 scores 10^4 scenarios at 189,000/s
#: against 167,000/s and 10^5 at 202,000/s against 179,000/s (one process, this machine), for
#: a peak of 328 MiB against 203 MiB at 10^5; 32,768 gains nothing more and peaks at 568 MiB.
DEFAULT_CHUNK = 16384

#: Below this many scenarios ``evaluate`` stays on the NumPy path in one process: the compiled
#: kernel (numba import, and its compilation the first time) and worker processes (their start
#: and the copy of the results) cost more than they save below it.
COMPILED_MIN = 50_000
#: Scenarios per call of the compiled kernel (its outputs, 8 bytes x metrics x this, stay small).
COMPILED_CHUNK = 1 << 18
BACKENDS = ("auto", "numpy", "compiled")


def compiled_available() -> bool:
    """Whether the compiled kernel can be used: numba is installed (it is not imported here)."""
    return importlib.util.find_spec("numba") is not None


def _backend(backend: str, S: int) -> str:
    """The path that evaluates S scenarios: ``backend``, or for "auto" the environment variable
    ``FINMODEL_BACKEND`` (numpy | compiled | auto), else compiled from :data:`COMPILED_MIN`
    scenarios up when numba is installed."""
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}; one of {', '.join(BACKENDS)}", param="backend")
    if backend == "auto":
        backend = os.environ.get("FINMODEL_BACKEND", "auto").strip().lower() or "auto"
        if backend not in BACKENDS:
            raise InputError(f"FINMODEL_BACKEND={backend!r}: expected one of {', '.join(BACKENDS)}", param="backend")
        if backend == "auto":
            return "compiled" if S >= COMPILED_MIN and compiled_available() else "numpy"
    if backend == "compiled" and not compiled_available():
        raise InputError("the compiled backend needs numba: pip install 'finmodel[fast]' (or numba)",
                         param="backend")
    return backend


# --------------------------------------------------------------------------- inputs that vary
def check_vary(a: Assumptions, vary: Mapping[str, Any] | None) -> tuple[dict[str, np.ndarray], int]:
    """Validate array-valued overrides: numeric paths, one length S, finite, within the schema's range."""
    if not vary:
        return {}, 1
    out: dict[str, np.ndarray] = {}
    size = None
    data = a.model_dump()
    for path, value in vary.items():
        if STRUCTURAL.match(path):
            raise InputError("changes the time axis; it cannot vary across scenarios in one run", param="vary", key=path)
        if not is_numeric_path(path):
            try:
                schema_node(path.split("."))
                what = "is not a numeric assumption"
            except KeyError:
                what = "no such assumption"
            raise InputError(what, param="vary", key=path)
        if not paths.exists(data, path):
            raise InputError("not present in this scenario (list index out of range?)", param="vary", key=path)
        if paths.get(data, path) is None:
            from .i18n import t
            raise InputError(t("is blank (null) in this scenario, which chooses another branch of the model: "
                               "give it a value in the YAML (or --set) before varying it",
                               "在本情景中为空(null),对应模型的另一分支: 请先在YAML中(或用 --set)给出数值再变动它"),
                             param="vary", key=path)
        arr = np.asarray(value, dtype=float)
        if arr.ndim > 1:
            raise InputError(f"expected a scalar or a 1-D array over scenarios, got shape {arr.shape}", param="vary",
                             key=path)
        arr = arr.reshape(-1)
        if not np.all(np.isfinite(arr)):
            raise InputError("values must be finite (no NaN or infinity)", param="vary", key=path)
        lo, hi = field_bounds(path)
        if np.any(arr < lo) or np.any(arr > hi):
            bad = arr[(arr < lo) | (arr > hi)][0]
            raise InputError(f"value {bad:g} outside the valid range [{lo:g}, {hi:g}]", param="vary", key=path)
        if arr.size != 1:
            if size is not None and arr.size != size:
                raise InputError(f"length {arr.size} differs from other varied inputs ({size})", param="vary", key=path)
            size = arr.size
        out[path] = arr
    return out, (size or 1)


def _check_loan(a: Assumptions, data: dict, vary: dict[str, np.ndarray]) -> None:
    """A loan cannot outlast the concession (the schema checks the scenario; this the arrays)."""
    amount = np.asarray(vary.get("financing.loan.amount_cny", data["financing"]["loan"]["amount_cny"]))
    tenor = np.asarray(vary.get("financing.loan.tenor_years", data["financing"]["loan"]["tenor_years"]))
    if np.any((amount > 0) & (tenor > a.scenario.concession_years)):
        raise InputError(f"tenor is beyond the concession of {a.scenario.concession_years} years",
                         source="assumptions", key="financing.loan.tenor_years")


# --------------------------------------------------------------------------- results
class _Items(dict):
    """Line items stored as (T, 1) or (T, S) arrays, read as (S, T) arrays (read-only views).

    Inside the kernel years run down axis 0, so each year's vector over scenarios is
    contiguous; callers see the public convention, scenarios on axis 0 and years last.
    """

    def __init__(self, S: int, T: int, data: dict | None = None):
        super().__init__(data or {})
        self.shape = (S, T)

    def __getitem__(self, key):
        v = dict.__getitem__(self, key)
        return np.broadcast_to(v, (self.shape[1], self.shape[0])).T

    def raw(self, key):
        return dict.__getitem__(self, key)

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]


@dataclass
class Projection:
    """Rows of S scenarios over years 0..N (``items``), the scalar rows (``scalars``: metrics,
    present values, checks), and what they were computed from."""

    items: _Items                         # (S, T) arrays, in the unit of their row
    years: np.ndarray                     # (T,) calendar years
    n_scenarios: int
    project_rate: np.ndarray              # (S,)
    equity_rate: np.ndarray               # (S,)
    calibration_year: int
    assumptions: Assumptions
    scalars: dict[str, np.ndarray] = field(default_factory=dict)   # (S,) arrays
    model: Any = None

    def __getitem__(self, key: str) -> np.ndarray:
        return self.items[key]

    @property
    def T(self) -> int:
        return self.years.size

    def scalar(self, key: str) -> np.ndarray:
        return np.broadcast_to(self.scalars[key], (self.n_scenarios,))

    def metrics(self) -> dict[str, np.ndarray]:
        return compute_metrics(self)

    def to_frame(self, scenario: int = 0, language: str = "en"):
        """One scenario as a DataFrame: a row per line item, label and unit, a column per calendar year."""
        import pandas as pd

        rows = [r for r in self.model.items() if r.key in self.items]
        data = {int(y): [float(self.items[r.key][scenario, i]) for r in rows] for i, y in enumerate(self.years)}
        df = pd.DataFrame(data, index=pd.Index([r.key for r in rows], name="item"))
        df.insert(0, "unit", [r.unit for r in rows])
        df.insert(0, "label", [r.label(language == "zh") for r in rows])
        return df

    def to_long(self, scenario: int = 0):
        """One scenario in tidy long form: item, unit, year, value."""
        df = self.to_frame(scenario)
        years = [c for c in df.columns if isinstance(c, (int, np.integer))]
        return df.reset_index().melt(id_vars=["item", "label", "unit"], value_vars=years, var_name="year",
                                     value_name="value")


# --------------------------------------------------------------------------- the engine
def _outputs(m, detail: bool) -> tuple[str, ...] | None:
    """The rows a projection computes: all of them, or the line items and the metrics."""
    if detail:
        return None
    return tuple(r.key for r in m.items()) + METRIC_NAMES + VERDICT_METRIC_NAMES + FLAG_NAMES


def _project(a: Assumptions, checked: dict[str, np.ndarray], S: int, outputs, data: dict | None = None,
             backend: str = "numpy") -> Projection:
    m = model_pkg.build(a)
    data = a.model_dump() if data is None else data
    _check_loan(a, data, checked)
    T = a.scenario.concession_years + 1
    if backend == "compiled":
        from .model import jit

        years, scalars = jit.execute(jit.prepare(m, data, frozenset(checked), outputs), checked, T, S)
    else:
        years, scalars = run_model(m, data, checked, T, S, outputs)
    items = _Items(S, T, years)
    rate = {p: np.broadcast_to(checked.get(p, np.asarray(paths.get(data, p), dtype=float)), (S,)).copy()
            for p in ("discount.project_rate", "discount.equity_hurdle_rate")}
    cal = a.scenario.start_year + np.arange(T)
    return Projection(items=items, years=cal, n_scenarios=S, project_rate=rate["discount.project_rate"],
                      equity_rate=rate["discount.equity_hurdle_rate"], calibration_year=a.scenario.calibration_year,
                      assumptions=a, scalars=scalars, model=m)


def project(a: Assumptions, vary: Mapping[str, Any] | None = None, *, detail: bool = True,
            backend: str = "numpy") -> Projection:
    """Project S scenarios (S = length of the arrays in ``vary``, else 1) in one vectorised pass.

    ``vary`` maps dotted assumption paths to scalars or 1-D arrays over scenarios (validated
    against the schema's ranges). ``detail=False`` computes only the line items and the
    metrics (not the statements, the government view or the checks): batch runs use it.
    ``backend`` "compiled" runs the compiled kernel (:mod:`finmodel.model.jit`, needs numba):
    the same rows and numbers, one compiled loop per scenario; "auto" chooses as ``evaluate``.
    """
    checked, S = check_vary(a, vary)
    m = model_pkg.build(a)
    return _project(a, checked, S, _outputs(m, detail), backend=_backend(backend, S))


def compute_metrics(pj: Projection, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The metrics of docs/model.md section 5, each an (S,) array (NaN where undefined), plus flags.

    They are scalar rows of the model: a projection carries them already.
    """
    want = METRIC_NAMES + FLAG_NAMES if names is None else tuple(names)
    unknown = [n for n in want if n not in pj.scalars]
    if unknown:
        raise InputError(f"unknown metric '{sorted(unknown)[0]}'{_suggest(sorted(unknown)[0], METRIC_NAMES)}",
                         param="metrics")
    out = {}
    for k in want:
        v = np.broadcast_to(pj.scalars[k], (pj.n_scenarios,))
        out[k] = v.astype(bool) if k in _BOOL else np.array(v, dtype=float)
    return out


def revenue_mix(pj: Projection, year: int | None = None) -> dict[str, np.ndarray]:
    """Shares of operating revenue net of VAT (support excluded) in an operating year (default: calibration year)."""
    k = pj.calibration_year if year is None else year
    has = pj["revenue"][:, k] != 0
    return {s: np.where(has, pj[f"mix_{s}"][:, k], np.nan) for s in ("rent", "parking", "property_fees", "other")}


# --------------------------------------------------------------------------- many scenarios
_WORKER: dict[str, Any] = {}


def _init_worker(job) -> None:
    from ._threads import single_threaded_blas

    single_threaded_blas()
    _WORKER["job"] = job


def _score_chunk(bounds: tuple[int, int], job=None) -> dict[str, np.ndarray]:
    """Score scenarios lo..hi of a batch (in this process, or in a worker)."""
    a, checked, names, data, prep, T = job if job is not None else _WORKER["job"]
    lo, hi = bounds
    part = {k: (v[lo:hi] if v.size > 1 else v) for k, v in checked.items()}
    _check_loan(a, data, part)
    _, scalars = execute(prep, part, T, hi - lo)
    return {k: np.broadcast_to(scalars[k], (hi - lo,)) for k in names}


def metric_names(a: Assumptions) -> tuple[str, ...]:
    """Every figure ``evaluate`` can score: the metric rows of the model (operator and government)."""
    m = model_pkg.build(a)
    return tuple(r.key for r in m.rows if r.role == "metric")


def evaluate(a: Assumptions, vary: Mapping[str, Any] | None = None, *, chunk_size: int = DEFAULT_CHUNK,
             metrics: tuple[str, ...] | None = None, workers: int = 1, tune_memory: bool = False,
             backend: str = "auto") -> dict[str, np.ndarray]:
    """Score S scenarios in chunks: each metric as an (S,) array (flags as booleans).

    The same rows as ``project(...)``, computing only what the asked ``metrics`` need (default:
    the operator's metrics and flags). ``backend``: "numpy" evaluates the rows over arrays,
    ``chunk_size`` scenarios at a time so memory stays bounded, in ``workers`` forked processes
    when there are at least :data:`COMPILED_MIN` scenarios; "compiled" runs the compiled kernel
    (:mod:`finmodel.model.jit`: one loop per scenario, the metrics in the same pass) on
    ``workers`` threads; "auto" (the default) takes the compiled kernel from
    :data:`COMPILED_MIN` scenarios up when numba is installed. Every scenario's result is the
    same whatever the chunk size, the number of workers or the batch (the two backends: see
    ``tests/test_compiled.py``). ``tune_memory`` asks glibc to keep freed memory for the next
    chunk and the next batch (process-wide; off unless asked, see :mod:`finmodel._memory`): a
    notebook or study that runs many batches should ask for it, as the CLI's batch commands do.
    On a virtual machine whose host takes back freed pages, a batch after a pause otherwise
    pays for fresh ones (docs/performance.md).
    """
    checked, S = check_vary(a, vary)
    if chunk_size < 1:
        raise InputError("chunk_size must be at least 1", param="chunk_size")
    if workers < 1:
        raise InputError("workers must be at least 1", param="workers")
    known = metric_names(a)
    names = METRIC_NAMES + FLAG_NAMES if metrics is None else tuple(dict.fromkeys(metrics))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown metric '{unknown[0]}'{_suggest(unknown[0], known)}", param="metrics")
    if tune_memory:
        from ._memory import keep_heap
        keep_heap()
    data = a.model_dump()
    m = model_pkg.build(a)
    T = a.scenario.concession_years + 1
    out: dict[str, np.ndarray] = {k: np.empty(S, dtype=bool if k in _BOOL else float) for k in names}

    def take(lo, hi, res):
        for k in names:
            v = np.broadcast_to(res[k], (hi - lo,))
            out[k][lo:hi] = v.astype(bool) if k in _BOOL else v
        progress.tick(hi - lo)

    if _backend(backend, S) == "compiled":
        from .model import jit

        prep = jit.prepare(m, data, frozenset(checked), names)
        keep: dict = {}                     # the chunks' buffers, reused chunk after chunk
        pending = []                        # the scenarios the kernel left to the NumPy path
        for lo in range(0, S, COMPILED_CHUNK):
            hi = min(S, lo + COMPILED_CHUNK)
            part = {k: (v[lo:hi] if v.size > 1 else v) for k, v in checked.items()}
            _check_loan(a, data, part)
            take(lo, hi, jit.execute(prep, part, T, hi - lo, threads=workers, keep=keep, defer=True)[1])
            pending.append(prep.pending + lo)
        idx = np.concatenate(pending)
        if idx.size:                        # all at once: one NumPy pass
            _, scalars = jit.fallback(prep, checked, idx, T)
            for k in names:
                v = np.broadcast_to(scalars[k], (idx.size,))
                out[k][idx] = v.astype(bool) if k in _BOOL else v
        return out

    job = (a, checked, names, data, prepare(m, data, frozenset(checked), names), T)
    bounds = [(lo, min(S, lo + chunk_size)) for lo in range(0, S, chunk_size)]

    import multiprocessing as mp

    if workers > 1 and len(bounds) > 1 and S >= COMPILED_MIN and "fork" in mp.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(bounds)), mp_context=mp.get_context("fork"),
                                 initializer=_init_worker, initargs=(job,)) as ex:
            for (lo, hi), res in zip(bounds, ex.map(_score_chunk, bounds)):
                take(lo, hi, res)
    else:
        for lo, hi in bounds:
            take(lo, hi, _score_chunk((lo, hi), job))
    return out


def _suggest(name, known) -> str:
    from .registry import suggest
    return suggest(name, known)
