"""Evaluating a portfolio: the communities in groups, the draws in chunks; here, in local
processes, or on a Dask cluster; then the firm and the district.

Reproducibility: community i's Monte Carlo draws come from its own streams,
``SeedSequence(seed, spawn_key=(i, b))`` per block b of draws (finmodel.sensitivity's
``DRAW_BLOCK``), never from a worker's state; the communities' figures are added in the
portfolio's order, in fixed groups of :data:`GROUP` communities whose sums are added in group
order. So every draw's figures are the same bits whether they run in this process, in worker
processes or on a cluster, whatever the chunk of draws per task, and whichever worker dies and
has its tasks run again.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine, progress
from ..errors import InputError
from ..i18n import t
from .consolidate import DISTRICT_ROWS, KPI_ROWS, SUM_ROWS, district_figures, firm_figures, tax_tables
from .load import LoadedPortfolio

#: Communities added together in one task, in the portfolio's order (fixed: the order of the sums).
GROUP = 16
#: Draws per task unless told.
DEFAULT_CHUNK = 1000
OUTPUTS = SUM_ROWS + KPI_ROWS
#: Every summed row: the communities' rows, and the district's own deals' rows.
ALL_SUMS = SUM_ROWS + tuple(f"district_{k}" for k in DISTRICT_ROWS)


@dataclass
class PortfolioResult:
    """The portfolio evaluated: per community, the firm, the district; (draws, years) arrays."""

    loaded: LoadedPortfolio
    years: np.ndarray                        # (Y,) calendar years
    offsets: list[int]                       # per member: its year 0 on the calendar
    draws: int | None
    seed: int | None
    kpi: dict[str, np.ndarray]               # metric -> (members, D)
    sums: dict[str, np.ndarray]              # row -> (D, Y): the communities' sums
    firm: dict[str, Any]                     # {"years": {row: (D, Y)}, "metrics": {name: (D,)}}
    district: dict[str, Any]
    rows: dict[str, np.ndarray] | None = None    # base case only: row -> (members, Y), each community placed
    general: bool = True
    rates: dict[str, float | None] = field(default_factory=dict)
    vat_general_required: np.ndarray | None = None   # (D, Y) the entity's sales above the general threshold
    tax_tables: Any = None                   # the entity's tax rules by calendar year (consolidate.TaxTables)


# --------------------------------------------------------------------------- one task
def _draws(a, index: int, n: int, seed: int, lo: int, hi: int) -> dict[str, np.ndarray]:
    """Draws lo..hi-1 of community ``index``'s uncertain inputs (its own streams)."""
    from ..sensitivity.sample.draws import DRAW_BLOCK, montecarlo

    if not a.uncertainty.inputs:
        return {}
    design = dataclasses.replace(montecarlo(a, n, seed), stream=(int(index),))
    parts: dict[str, list[np.ndarray]] = {}
    for b in range(lo // DRAW_BLOCK, (hi - 1) // DRAW_BLOCK + 1):
        blk = design.block(b)
        s0 = max(lo, blk.start) - blk.start
        s1 = min(hi, blk.start + blk.size) - blk.start
        for k, v in blk.vary.items():
            parts.setdefault(k, []).append(v[s0:s1])
    return {k: np.concatenate(v) for k, v in parts.items()}


def _for_engine(a):
    """The scenario as the engine needs it: its texts that never reach a number (name, title, notes, the
    study sections) made the same for every community, so communities of one structure share one
    built model and one compiled kernel (the model's cache is keyed on the texts too)."""
    from ..study_inputs import Sensitivity, Uncertainty

    info = a.scenario.model_copy(update={"name": "community", "title": "", "description": ""})
    return a.model_copy(update={"scenario": info, "sources": {}, "sensitivity": Sensitivity(), "uncertainty": Uncertainty()})


def evaluate_group(members: list[tuple[int, Any, int, bool]], Y: int, lo: int, hi: int, n_draws: int | None,
                   seed: int, keep_rows: bool = False) -> dict[str, Any]:
    """Evaluate communities ``members`` ((index, assumptions, calendar offset, in the district), in order) for draws
    lo..hi-1 and add them up in that order. A pure function of its arguments (a Dask task)."""
    d = hi - lo
    sums = {k: np.zeros((d, Y)) for k in ALL_SUMS}
    max_taxable = np.full((d, Y), -np.inf)
    survivable = np.ones(d, dtype=bool)
    kpi: dict[int, dict[str, np.ndarray]] = {}
    rows: dict[int, dict[str, np.ndarray]] = {}
    for index, a, off, local in members:
        vary = _draws(a, index, n_draws, seed, lo, hi) if n_draws else {}
        e = _for_engine(a)
        checked, S = engine.check_vary(e, vary)
        pj = engine._project(e, checked, S, OUTPUTS)
        T = pj.T
        for k in SUM_ROWS:
            sums[k][:, off:off + T] += np.broadcast_to(pj[k], (d, T))
        if local:
            for k in DISTRICT_ROWS:
                sums[f"district_{k}"][:, off:off + T] += np.broadcast_to(pj[k], (d, T))
        max_taxable[:, off:off + T] = np.maximum(max_taxable[:, off:off + T], np.broadcast_to(pj["taxable_income"], (d, T)))
        survivable &= np.broadcast_to(np.asarray(pj.scalars["survivable"]) > 0.5, (d,))
        kpi[index] = {k: np.broadcast_to(pj.scalars[k], (d,)).astype(float).copy() for k in KPI_ROWS}
        if keep_rows:
            rows[index] = {k: np.array(pj[k][0]) for k in SUM_ROWS}
    return {"sums": sums, "max_taxable": max_taxable, "survivable": survivable, "kpi": kpi, "rows": rows}


# --------------------------------------------------------------------------- running the tasks
def _calendar(lp: LoadedPortfolio) -> tuple[np.ndarray, list[int]]:
    starts = [m.assumptions.scenario.start_year for m in lp.members]
    ends = [m.assumptions.scenario.start_year + m.assumptions.scenario.concession_years for m in lp.members]
    first = min(starts)
    return np.arange(first, max(ends) + 1), [s - first for s in starts]


def _check_entity(lp: LoadedPortfolio) -> bool:
    """One entity has one VAT status and one income tax: the communities must agree on the status,
    and a community's income-tax holiday cannot be carved out of the entity's tax."""
    pf = lp.portfolio
    statuses = {m.assumptions.tax.taxpayer_status for m in lp.members}
    if pf.firm.legal_structure != "one_entity":
        return True
    src = str(lp.path)
    from ..yamlio import key_positions, position_of

    def where():
        return position_of(key_positions(lp.path), "firm.legal_structure") if lp.path.is_file() else None

    if "auto" in statuses or len(statuses) > 1:
        raise InputError(t(f"one entity has one VAT status, but the communities say {sorted(statuses)}: give each "
                           "community the entity's status (general or small_scale) in tax.taxpayer_status",
                           f"同一法人只有一种增值税纳税人身份,但各社区为 {sorted(statuses)}: 请在各社区的 "
                           "tax.taxpayer_status 中统一为 general 或 small_scale"), source=src, key="firm.legal_structure",
                         where=where())
    for m in lp.members:
        if m.assumptions.support.income_tax_holiday_years > 0:
            raise InputError(t(f"community '{m.name}' has an income-tax holiday; one entity's income tax cannot carve it "
                               "out (not modelled): use legal_structure: project_companies",
                               f"社区 '{m.name}' 有所得税免税期;同一法人的所得税无法单独扣除该期(未建模): 请改用 "
                               "legal_structure: project_companies"), source=src, key="firm.legal_structure",
                             where=where())
    return statuses == {"general"}


def _rates(lp: LoadedPortfolio) -> dict[str, float | None]:
    firm = lp.portfolio.firm
    a0 = lp.members[0].assumptions
    hurdle = a0.corridor.equity_hurdle_rate if a0.corridor.equity_hurdle_rate is not None else a0.discount.equity_hurdle_rate
    return {"project": firm.project_rate if firm.project_rate is not None else a0.discount.project_rate,
            "hurdle": firm.hurdle_rate if firm.hurdle_rate is not None else hurdle,
            "cap": firm.max_equity_irr if firm.max_equity_irr is not None else a0.corridor.max_equity_irr}


class _Combiner:
    """Adds the groups' results in group order for each chunk of draws, whatever order they arrive in."""

    def __init__(self, n_groups: int, D: int, Y: int, n_members: int, index_of: dict[int, int]):
        self.n_groups = n_groups
        self.sums = {k: np.zeros((D, Y)) for k in ALL_SUMS}
        self.max_taxable = np.full((D, Y), -np.inf)
        self.survivable = np.ones(D, dtype=bool)
        self.kpi = {k: np.full((n_members, D), np.nan) for k in KPI_ROWS}
        self.rows: dict[int, dict] = {}
        self.index_of = index_of
        self.next: dict[int, int] = {}
        self.waiting: dict[tuple[int, int], tuple[int, dict]] = {}

    def take(self, g: int, lo: int, res: dict) -> None:
        progress.tick(len(res["kpi"]) * res["survivable"].size)        # community-draws done
        self.waiting[(lo, g)] = (lo, res)
        nxt = self.next.get(lo, 0)
        while (lo, nxt) in self.waiting:
            _, r = self.waiting.pop((lo, nxt))
            hi = lo + r["survivable"].size
            for k in ALL_SUMS:
                self.sums[k][lo:hi] += r["sums"][k]
            np.maximum(self.max_taxable[lo:hi], r["max_taxable"], out=self.max_taxable[lo:hi])
            self.survivable[lo:hi] &= r["survivable"]
            for index, vals in r["kpi"].items():
                for k, v in vals.items():
                    self.kpi[k][self.index_of[index], lo:hi] = v
            self.rows.update(r["rows"])
            nxt += 1
        self.next[lo] = nxt


def run_portfolio(lp: LoadedPortfolio, *, draws: int | None = None, seed: int = 0, chunk: int = DEFAULT_CHUNK,
                  workers: int = 1, client=None) -> PortfolioResult:
    """Evaluate every community, then the firm and the district.

    ``draws``: Monte Carlo draws of each community's uncertainty section (None: the base case);
    ``chunk``: draws per task; ``workers`` > 1: local worker processes; ``client``: a
    ``dask.distributed.Client`` that runs the tasks instead.
    """
    if chunk < 1:
        raise InputError(t("the chunk of draws must be at least 1", "每块抽样数须至少为 1"), param="chunk")
    general = _check_entity(lp)
    years, offsets = _calendar(lp)
    Y = years.size
    D = draws or 1
    local = {c_i: c.in_district for c_i, c in enumerate(lp.portfolio.communities)}
    members = [(m.index, m.assumptions, off, local[m.index]) for m, off in zip(lp.members, offsets)]
    groups = [members[i:i + GROUP] for i in range(0, len(members), GROUP)]
    index_of = {m.index: j for j, m in enumerate(lp.members)}
    keep = draws is None
    tasks = [(g, lo, min(D, lo + chunk)) for lo in range(0, D, chunk) for g in range(len(groups))]
    comb = _Combiner(len(groups), D, Y, len(members), index_of)
    if client is not None:
        from dask.distributed import as_completed

        # the communities travel inside each task (not scattered: data scattered to a worker that dies is
        # lost for good, a task's own arguments are run again elsewhere)
        token = uuid.uuid4().hex[:8]
        futs = {client.submit(evaluate_group, groups[g], Y, lo, hi, draws, seed, keep,
                              key=f"finmodel-portfolio-{token}-{g}-{lo}", pure=False): (g, lo)
                for g, lo, hi in tasks}
        for fut in as_completed(futs):
            g, lo = futs[fut]
            comb.take(g, lo, fut.result())
            del fut
    elif workers > 1 and len(tasks) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as ex:
            futs = [(g, lo, ex.submit(evaluate_group, groups[g], Y, lo, hi, draws, seed, keep)) for g, lo, hi in tasks]
            for g, lo, f in futs:
                comb.take(g, lo, f.result())
    else:
        for g, lo, hi in tasks:
            comb.take(g, lo, evaluate_group(groups[g], Y, lo, hi, draws, seed, keep))
    pf = lp.portfolio
    rates = _rates(lp)
    tt = tax_tables(pf.firm.tax or lp.members[0].assumptions.tax, years)
    first_op = int(years[min(offsets)] + 1)
    any_loan = any(m.assumptions.financing.loan.amount_cny > 0 for m in lp.members)
    firm = firm_figures(comb.sums, comb.max_taxable, comb.survivable, pf, years, tt, general=general,
                        first_operating=first_op, rates=rates, any_loan=any_loan)
    district = district_figures(comb.sums, pf.district, years)
    sales = comb.sums["revenue"]
    threshold = (pf.firm.tax or lp.members[0].assumptions.tax).general_threshold_cny
    rows = None
    if keep:
        rows = {k: np.zeros((len(members), Y)) for k in SUM_ROWS}
        for index, vals in comb.rows.items():
            j = index_of[index]
            off = offsets[j]
            for k, v in vals.items():
                rows[k][j, off:off + v.size] = v
    return PortfolioResult(lp, years, offsets, draws, seed if draws else None, comb.kpi, comb.sums, firm, district,
                           rows, general, rates, vat_general_required=(sales > threshold), tax_tables=tt)
