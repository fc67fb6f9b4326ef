"""Synthetic districts: N communities drawn from documented ranges, seeded, for tests and benchmarks.

Each community is J community (``assumptions/j_community.yaml``) with its size, prices, costs,
support and start year drawn from the ranges of :data:`RANGES` (docs/model.md section 3's public
benchmarks where there is one, assumptions otherwise, each range with its reason), and an
``uncertainty`` section relative to its own base values, so Monte Carlo draws spread around each
community rather than around J. The same ``(n, seed)`` gives the same district, bit for bit.

Run as a module to write a portfolio file::

    python -m finmodel.portfolio.synthetic 1000 7 district_1000.yaml
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np

from .. import paths
from ..scenarios import load, validate_data
from .load import LoadedPortfolio, Member
from .schema import Community, District, Firm, Portfolio, PortfolioInfo

#: path or name -> (low, high, reason). Per-household figures are multiplied by the households.
RANGES = {
    "households": (300, 5000, "assumed: old Beijing communities from a few buildings to a J-sized zone"),
    "m2_per_household": (50, 60, "docs/model.md section 3: about 50-60 m2 of floor area per household"),
    "property_service.fee_steps.0.fee_cny_per_m2_month": (0.3, 0.8, "docs/model.md section 3: 0.3-0.8 CNY/m2/month, old multi-storey"),
    "property_service.collection.target": (0.80, 0.92, "docs/model.md section 3: 85-90 % after a credible change, widened"),
    "space.tiers.1.rent_cny_per_m2_day": (2.0, 5.0, "assumed: basement semi-public rents, low end of 3-12"),
    "space.tiers.2.rent_cny_per_m2_day": (3.0, 12.0, "docs/model.md section 3: community commercial rent 3-12 CNY/m2/day"),
    "parking.fee_cny_per_space_month": (80, 250, "docs/model.md section 3: 80-250 CNY per space per month"),
    "space_m2_per_household": (0.2, 0.6, "assumed: J has 1,600 m2 for 4,199 households (0.38)"),
    "spaces_per_household": (0.02, 0.08, "assumed: J has 190 spaces for 4,199 households (0.045)"),
    "capex_cny_per_m2": (80, 200, "assumed: the operator's share of about 280 CNY/m2 of renovation (docs/model.md section 3); J 130"),
    "subsidy_cny_per_household": (10, 400, "assumed: J's assumed 1 million is 238 CNY per household"),
    "team_cny_per_household": (150, 250, "assumed: J's assumed 800,000 is 190 CNY per household"),
    "expanded_share": (0.05, 0.4, "assumed: the widened service area as a share of the base area (J 0.43)"),
    "public_works_cny_per_m2": (0, 160, "assumed: none (social capital only, as reported at Daxing) to J's 159 CNY/m2 "
                                        "(36.7 million of public works on 230,945 m2)"),
    "start_year": (2019, 2025, "assumed: deals signed since J's (2018-2019)"),
}

#: Each community's uncertainty, relative to its own base values (the scenario schema's relative forms).
UNCERTAINTY = {
    "inputs": [
        {"path": "capex.renovation_cny", "dist": "lognormal", "mean": "+5%", "sd": "10%", "source": "assumed: cost risk skewed upward, as J"},
        {"path": "space.tiers.2.rent_cny_per_m2_day", "dist": "triangular", "min": "-25%", "mode": "base", "max": "+30%", "source": "assumed"},
        {"path": "property_service.collection.start", "dist": "uniform", "min": 0.45, "max": 0.80, "source": "assumed: as J"},
        {"path": "property_service.collection.target", "dist": "pert", "min": "-8%", "mode": "base", "max": "+4%", "source": "assumed"},
        {"path": "macro.wage_inflation", "dist": "normal", "mean": 0.04, "sd": 0.015, "min": 0.0, "max": 0.10, "source": "assumed: as J"},
        {"path": "parking.fee_cny_per_space_month", "dist": "triangular", "min": "-20%", "mode": "base", "max": "+20%", "source": "assumed"},
        {"path": "space.opex_cny_per_m2_year", "dist": "triangular", "min": 90, "mode": 120, "max": 180, "source": "assumed: as J"},
    ],
    "correlations": [
        {"between": ["property_service.collection.start", "property_service.collection.target"], "rho": 0.6,
         "source": "assumed: a good start predicts a good target"},
    ],
}


def _u(rng, key):
    lo, hi, _ = RANGES[key]
    return float(rng.uniform(lo, hi))


def community_values(rng: np.random.Generator, i: int) -> dict:
    """The drawn values of community i (dotted paths of the scenario schema)."""
    hh = round(_u(rng, "households"))
    area = hh * _u(rng, "m2_per_household")
    return {
        "scenario.name": f"c{i:05d}",
        "scenario.title": f"synthetic community {i}",
        "scenario.paper_case": False,
        "scenario.households": float(hh),
        "scenario.start_year": int(rng.integers(RANGES["start_year"][0], RANGES["start_year"][1] + 1)),
        "property_service.base_area_m2": round(area),
        "property_service.expanded_area_m2": round(area * _u(rng, "expanded_share")),
        "property_service.fee_steps.0.fee_cny_per_m2_month": round(_u(rng, "property_service.fee_steps.0.fee_cny_per_m2_month"), 3),
        "property_service.collection.target": round(_u(rng, "property_service.collection.target"), 3),
        "property_service.fixed_team_cny_per_year": round(hh * _u(rng, "team_cny_per_household")),
        "space.total_area_m2": round(hh * _u(rng, "space_m2_per_household")),
        "space.tiers.1.rent_cny_per_m2_day": round(_u(rng, "space.tiers.1.rent_cny_per_m2_day"), 2),
        "space.tiers.2.rent_cny_per_m2_day": round(_u(rng, "space.tiers.2.rent_cny_per_m2_day"), 2),
        "parking.existing_spaces": max(1, round(hh * _u(rng, "spaces_per_household"))),
        "parking.fee_cny_per_space_month": round(_u(rng, "parking.fee_cny_per_space_month")),
        "capex.renovation_cny": round(area * _u(rng, "capex_cny_per_m2"), -3),
        "support.subsidy_annual_cny": round(hh * _u(rng, "subsidy_cny_per_household"), -3),
        "government.public_works_cny": round(area * _u(rng, "public_works_cny_per_m2"), -3),
    }


def synthetic_district(n: int, seed: int = 0, *, legal_structure: str = "project_companies",
                       budget_cny: float = 2.5e10) -> LoadedPortfolio:
    """A seeded district of ``n`` communities (each one operator's project company by default) as a
    loaded portfolio, ready for :func:`finmodel.portfolio.run_portfolio`."""
    base = load("j_community").assumptions.model_dump(mode="python")
    base["sources"] = {}
    base["sensitivity"] = {"drivers": []}
    base["uncertainty"] = UNCERTAINTY
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    members, comms = [], []
    for i in range(n):
        data = copy.deepcopy(base)
        for k, v in community_values(rng, i).items():
            paths.set_in(data, k, v)
        a = validate_data(data, {}, f"synthetic:{i}")
        members.append(Member(i, a.scenario.name, a, f"synthetic district seed {seed}, community {i}"))
        comms.append(Community(name=a.scenario.name, scenario=f"synthetic:{i}"))
    pf = Portfolio(portfolio=PortfolioInfo(name=f"synthetic_{n}_{seed}", title=f"synthetic district, {n} communities, seed {seed}",
                                           language="en"),
                   communities=comms, firm=Firm(legal_structure=legal_structure),
                   district=District(name="synthetic district", budget_expenditure_cny_per_year=budget_cny,
                                     budget_base_year=2019, existing_commitments_share=0.05))
    return LoadedPortfolio(pf, Path(f"synthetic_{n}_{seed}.yaml"), members)


def write_portfolio_file(path: str | Path, n: int, seed: int = 0) -> Path:
    """The same district as a portfolio file: each community inline, ``extends: j_community`` with its
    drawn values as ``sets``."""
    import json

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    lines = [f"# A synthetic district: {n} communities drawn from finmodel.portfolio.synthetic.RANGES, seed {seed}.",
             f"portfolio: {{name: synthetic_{n}_{seed}, language: en}}",
             "firm: {legal_structure: project_companies}",
             "district: {name: synthetic district, budget_expenditure_cny_per_year: 2.5e10, budget_base_year: 2019, "
             "existing_commitments_share: 0.05}",
             "communities:"]
    unc = json.dumps(UNCERTAINTY, ensure_ascii=False)
    for i in range(n):
        vals = community_values(rng, i)
        name = vals.pop("scenario.name")
        sets = json.dumps([f"{k}={v}" for k, v in vals.items() if k != "scenario.title"], ensure_ascii=False)
        lines.append(f"  - name: {name}")
        lines.append(f"    sets: {sets}")
        lines.append(f"    scenario: {{extends: j_community.yaml, scenario: {{name: {name}}}, sensitivity: {{drivers: []}}, "
                     f"uncertainty: {unc}}}")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":      # pragma: no cover - a convenience for the docs
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    print(write_portfolio_file(out, n, seed))
