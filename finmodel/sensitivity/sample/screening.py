"""Global designs by SALib: Saltelli's for Sobol indices, Morris trajectories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ... import scenarios as sc
from ...assumptions import Assumptions
from ...errors import UsageError
from ...i18n import t
from ..distributions import Marginal, uniform
from .draws import marginal
from .inputs import DEFAULT_SEED, is_integer
from .oneway import swings

MAX_GLOBAL_RUNS = 2_000_000
MORRIS_Q = (0.001, 0.999)    # Morris levels of unbounded (normal, lognormal) inputs span these quantiles


@dataclass(frozen=True)
class GlobalDesign:
    """A SALib design in the unit cube (``X``) and its image in the inputs (``vary``)."""

    method: str                          # 'sobol' or 'morris'
    problem: dict
    X: np.ndarray                        # (runs, k) points in [0, 1]^k, as SALib made them
    inputs: list[Marginal]
    inputs_from: str                     # 'distributions' or 'ranges'
    n: int                               # Sobol base sample N, or Morris trajectories
    seed: int
    levels: int = 4
    vary: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        return self.X.shape[0]


def global_inputs(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None,
                  inputs: str = "auto") -> tuple[list[Marginal], str]:
    """The inputs of a global study: declared distributions, or uniform over the tornado ranges.

    ``inputs='auto'`` uses the distributions when the scenario declares some and no driver is
    named in ``paths``, the drivers' ranges otherwise. Correlations are not used (Sobol and Morris assume
    independent inputs).
    """
    if inputs not in ("auto", "ranges", "distributions"):
        raise UsageError(t(f"inputs must be auto, ranges or distributions, got '{inputs}'",
                           f"inputs 须为 auto、ranges 或 distributions,实为 '{inputs}'"), param="inputs")
    declared = {d.path: d for d in a.uncertainty.inputs}
    use_dist = inputs == "distributions" or (inputs == "auto" and not paths and declared)
    if use_dist:
        if not declared:
            raise UsageError(t("the scenario declares no uncertain inputs (uncertainty.inputs)",
                               "情景中没有声明不确定输入(uncertainty.inputs)"), param="inputs")
        chosen = list(paths) if paths else list(declared)
        missing = [p for p in chosen if p not in declared]
        if missing:
            raise UsageError(t("has no distribution in uncertainty.inputs", "在 uncertainty.inputs 中没有分布"),
                             param="drivers", key=missing[0])
        return [marginal(a, declared[p]) for p in chosen], "distributions"
    out = []
    for s in swings(a, paths, swing):
        out.append(uniform(s.path, s.low, s.high, valid=sc.field_bounds(s.path), integer=is_integer(s.path)))
    return out, "ranges"


def _check_runs(runs: int, what: str, param: str) -> None:
    if runs > MAX_GLOBAL_RUNS:
        raise UsageError(t(f"{what} needs {runs:,} model runs; the limit is {MAX_GLOBAL_RUNS:,}",
                           f"{what} 需要运行模型 {runs:,} 次;上限为 {MAX_GLOBAL_RUNS:,}"), param=param)


def _problem(margs: list[Marginal]) -> dict:
    return {"num_vars": len(margs), "names": [m.path for m in margs], "bounds": [[0.0, 1.0]] * len(margs)}


def _to_inputs(margs: list[Marginal], X: np.ndarray, q: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    out = {}
    for j, m in enumerate(margs):
        u = X[:, j]
        if q is not None and m.kind in ("normal", "lognormal"):
            u = q[0] + (q[1] - q[0]) * u
        out[m.path] = m.ppf(u)
    return out


def sobol(a: Assumptions, n: int = 1024, seed: int = DEFAULT_SEED, paths: Sequence[str] | None = None,
          swing: float | None = None, inputs: str = "auto") -> GlobalDesign:
    """Saltelli's design for first-order and total Sobol indices: N (k + 2) runs, N a power of two.

    The points come from :func:`SALib.sample.sobol.sample` (scrambled Sobol sequence, seeded) in
    the unit cube and map to each input by its quantile function.
    """
    from SALib.sample import sobol as salib_sobol

    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise UsageError(t(f"N must be a positive power of two, got {n}", f"N 须为 2 的正整数次幂,实为 {n}"), param="n")
    if n < 16 or n & (n - 1):
        raise UsageError(t(f"N must be a power of two of at least 16 (Sobol sequences), got {n}",
                           f"N 须为不小于 16 的 2 的整数次幂(Sobol 序列),实为 {n}"), param="n")
    margs, origin = global_inputs(a, paths, swing, inputs)
    _check_runs(n * (len(margs) + 2), t(f"Sobol with N = {n} and {len(margs)} inputs",
                                        f"N = {n}、{len(margs)} 个输入的 Sobol 分析"), "n")
    problem = _problem(margs)
    X = salib_sobol.sample(problem, n, calc_second_order=False, seed=seed)
    return GlobalDesign("sobol", problem, X, margs, origin, n, seed, vary=_to_inputs(margs, X))


def morris(a: Assumptions, trajectories: int = 20, seed: int = DEFAULT_SEED, levels: int = 4,
           paths: Sequence[str] | None = None, swing: float | None = None, inputs: str = "auto") -> GlobalDesign:
    """Morris trajectories (``SALib.sample.morris``): r (k + 1) runs on a grid of ``levels`` levels.

    Levels span each input's range (or, for a normal or lognormal input, its 0.1-99.9 % quantiles).
    """
    from SALib.sample import morris as salib_morris

    if not isinstance(trajectories, (int, np.integer)) or trajectories < 2:
        raise UsageError(t(f"Morris needs at least 2 trajectories, got {trajectories}",
                           f"Morris 筛选至少需要 2 条轨迹,实为 {trajectories}"), param="trajectories")
    if levels < 2 or levels % 2:
        raise UsageError(t(f"Morris levels must be an even number >= 2, got {levels}",
                           f"Morris 水平数须为不小于 2 的偶数,实为 {levels}"), param="levels")
    margs, origin = global_inputs(a, paths, swing, inputs)
    _check_runs(trajectories * (len(margs) + 1), t(f"Morris with {trajectories} trajectories and {len(margs)} inputs",
                                                   f"{trajectories} 条轨迹、{len(margs)} 个输入的 Morris 筛选"),
                "trajectories")
    problem = _problem(margs)
    X = salib_morris.sample(problem, trajectories, num_levels=levels, seed=seed)
    return GlobalDesign("morris", problem, X, margs, origin, trajectories, seed, levels,
                        vary=_to_inputs(margs, X, MORRIS_Q))
