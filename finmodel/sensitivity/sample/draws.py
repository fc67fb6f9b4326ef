"""The Monte Carlo design: reproducible blocks of draws of the declared uncertain inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from scipy import linalg, special

from ... import scenarios as sc
from ...assumptions import Assumptions
from ...engine import METRIC_NAMES
from ...errors import InputError, UsageError
from ...i18n import t
from ..distributions import Marginal
from .inputs import DEFAULT_SEED, check_path, is_integer

MAX_DRAWS = 10_000_000
DRAW_BLOCK = 65_536          # draws made together: the unit of reproducibility, never the chunk size


def marginal(a: Assumptions, d, source: str = "uncertainty.inputs") -> Marginal:
    """A :class:`Marginal` of a declared :class:`~finmodel.study_inputs.Distribution`, truncated to the valid range."""
    check_path(a, d.path, source=source)
    lo, hi = sc.field_bounds(d.path)
    params = {k: getattr(d, k) for k in ("min", "mode", "max", "mean", "sd", "lamb", "values", "probs")}
    return Marginal(d.path, d.dist, params, lo, hi, is_integer(d.path), d.source)


def _spearman_to_pearson(rho):
    """Pearson correlation of normals whose rank correlation is ``rho``: 2 sin(pi rho / 6)."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


@dataclass(frozen=True)
class DrawBlock:
    """Draws ``start .. start + size - 1``: input values and the count truncated per input."""

    start: int
    vary: dict[str, np.ndarray]
    truncated: np.ndarray        # (k,) int

    @property
    def size(self) -> int:
        return next(iter(self.vary.values())).size


@dataclass(frozen=True)
class MonteCarloDesign:
    """``n`` draws of the declared inputs, made in blocks of :data:`DRAW_BLOCK` from ``seed``.

    Block ``b`` uses its own stream, ``SeedSequence(seed, spawn_key=(b,))``, so a draw depends on
    the seed and its index only: the same seed gives the same draws bit for bit whatever the
    chunk size of the evaluation (or the number of worker processes).
    """

    inputs: list[Marginal]
    n: int
    seed: int
    method: str
    correlated: np.ndarray               # indices of inputs with a non-zero correlation
    target: np.ndarray                   # (kc, kc) rank correlation of the correlated inputs
    chol: np.ndarray | None = field(default=None, repr=False)   # Cholesky factor of the Pearson equivalent
    #: A stream of its own (``spawn_key`` prefix): a portfolio gives each community its index, so
    #: community i's block b is ``SeedSequence(seed, spawn_key=(i, b))``; () for a single scenario.
    stream: tuple[int, ...] = ()

    @property
    def n_blocks(self) -> int:
        return -(-self.n // DRAW_BLOCK)

    def block(self, b: int) -> DrawBlock:
        start = b * DRAW_BLOCK
        m = min(DRAW_BLOCK, self.n - start)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=self.stream + (b,))))
        u = rng.random((len(self.inputs), m))
        if self.correlated.size:
            cols = self.correlated
            if self.method == "gaussian_copula":
                u[cols] = special.ndtr(self.chol @ rng.standard_normal((cols.size, m)))
            else:
                u[cols] = iman_conover(u[cols], self.chol, rng)
        vary = {mg.path: mg.ppf(u[i]) for i, mg in enumerate(self.inputs)}
        trunc = np.array([mg.truncated(u[i]) for i, mg in enumerate(self.inputs)], dtype=np.int64)
        return DrawBlock(start, vary, trunc)

    def blocks(self) -> Iterator[DrawBlock]:
        for b in range(self.n_blocks):
            yield self.block(b)


def iman_conover(u: np.ndarray, chol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder each row of ``u`` (inputs x draws) so the rows' rank correlation approaches the target.

    Iman and Conover (1982), "A distribution-free approach to inducing rank correlation among input
    variables", Commun. Statist. B 11(3): van der Waerden scores, randomly permuted per input, are
    decorrelated by the inverse Cholesky factor of their own correlation and given the target's
    (``chol`` = Cholesky factor of the Pearson equivalent, 2 sin(pi rho / 6)); each input's values
    then take the ranks of its transformed scores. The marginal values are unchanged.
    """
    k, m = u.shape
    if m < k + 2:  # too few draws to correlate
        return u
    scores = special.ndtri(np.arange(1, m + 1) / (m + 1.0))
    s = np.stack([rng.permutation(scores) for _ in range(k)])
    e = np.corrcoef(s) if k > 1 else np.ones((1, 1))
    try:
        q = linalg.cholesky(e, lower=True)
    except linalg.LinAlgError:
        return u
    t = chol @ linalg.solve_triangular(q, s, lower=True)
    out = np.empty_like(u)
    for j in range(k):
        out[j, np.argsort(t[j])] = np.sort(u[j])
    return out


def montecarlo(a: Assumptions, n: int, seed: int = DEFAULT_SEED, method: str | None = None) -> MonteCarloDesign:
    """The Monte Carlo design of the scenario's ``uncertainty`` section (checked: paths, ranges, correlations)."""
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise UsageError(t(f"the number of draws must be a positive whole number, got {n}",
                           f"抽样次数须为正整数,实为 {n}"), param="n")
    if n > MAX_DRAWS:
        mib = MAX_DRAWS * 8 * len(METRIC_NAMES) // 2**20
        raise UsageError(t(f"{n:,} draws is too many: the limit is {MAX_DRAWS:,} (about "
                           f"{mib:,} MiB of metric values kept for the percentiles)",
                           f"抽样 {n:,} 次过多: 上限为 {MAX_DRAWS:,}(为计算分位数需保存约 {mib:,} MiB 的指标值)"),
                         param="n")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(t(f"the seed must be a whole number >= 0, got {seed}", f"随机种子须为不小于 0 的整数,实为 {seed}"),
                         param="seed")
    u = a.uncertainty
    if not u.inputs:
        raise UsageError(t("the scenario declares no uncertain inputs: add an 'uncertainty: inputs:' section "
                           "(see docs/sensitivity.md)",
                           "情景中没有声明不确定输入: 请添加 'uncertainty: inputs:' 部分(见 docs/sensitivity.md)"),
                         source="uncertainty")
    margs = [marginal(a, d, f"uncertainty.inputs.{i}.path") for i, d in enumerate(u.inputs)]
    index = {m.path: i for i, m in enumerate(margs)}
    k = len(margs)
    rho = np.eye(k)
    for c in u.correlations:
        i, j = index[c.between[0]], index[c.between[1]]
        rho[i, j] = rho[j, i] = c.rho
    involved = np.flatnonzero(np.any((rho - np.eye(k)) != 0, axis=0))
    target = rho[np.ix_(involved, involved)]
    chol = None
    if involved.size:
        pearson = _spearman_to_pearson(target)
        np.fill_diagonal(pearson, 1.0)
        try:
            chol = linalg.cholesky(pearson, lower=True)
        except linalg.LinAlgError:
            raise InputError(t("the rank correlations are inconsistent (the correlation matrix is not positive "
                               "definite); weaken some of them",
                               "秩相关系数相互矛盾(相关矩阵不是正定的);请减弱其中一些"),
                             source="uncertainty", key="correlations") from None
    return MonteCarloDesign(margs, int(n), int(seed), method or u.correlation_method, involved, target, chol)
