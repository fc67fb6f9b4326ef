"""The verdict the reader sees first: four tiers, each an NPV test (docs/model.md section 5).

The tests are rows of the model (:mod:`finmodel.model.verdict`: the equity NPV at 0 %, at the
hurdle and at the micro-profit cap, survivability, and the tier they give), so the engine, the
workbook's live formulas and every study read the same rule. This module names the tiers, says
the rule in words, relates the tier to the case study's words, finds the least support that
lifts a scenario to the next tier, and spells the tier's text as an Excel formula.

1. 不可持续 *not sustainable*: the owner's capital is not recovered within the concession (equity
   NPV at 0 % < 0), or the financial plan's cumulative surplus goes below 0 with the funding arranged;
2. 保本微利 *capital recovered, return below the hurdle*: equity NPV at 0 % >= 0 but at the hurdle < 0;
3. 微利可持续 *viable at a micro profit*: equity NPV at the hurdle >= 0, at the cap <= 0;
4. 超额收益 *returns above the micro-profit cap*: equity NPV at the cap > 0; the support could be cut.

No test reads an IRR, so several roots can never flip a tier. A library module: it imports
nothing from :mod:`finmodel.report` or :mod:`finmodel.cli`.
"""

from __future__ import annotations

import math

#: The tiers: (key, zh, en).
TIERS = {
    1: ("not_sustainable", "不可持续", "not sustainable"),
    2: ("capital_recovered", "保本微利", "capital recovered, return below the hurdle"),
    3: ("micro_profit", "微利可持续", "viable at a micro profit"),
    4: ("excess", "超额收益", "returns above the micro-profit cap"),
}

#: The rule in words (zh, en), written beside the verdict.
RULE = (
    "判定规则(均为净现值检验,不依赖内部收益率): ①不可持续: 资本金按0%折现的净现值<0(运营期内收不回资本金),"
    "或财务计划累计盈余资金出现负值; ②保本微利: 资本金净现值(0%)≥0,但按基准收益率折现<0; "
    "③微利可持续: 按基准收益率折现的资本金净现值≥0,且按微利上限收益率折现≤0; ④超额收益: 按微利上限收益率折现的资本金净现值>0,"
    "可减少政府支持。",
    "Rule (NPV tests only, no IRR): (1) not sustainable: equity NPV at 0 % < 0 (the owner's capital is not "
    "recovered within the concession) or the financial plan's cumulative surplus goes below 0; (2) capital "
    "recovered: equity NPV at 0 % >= 0 but at the hurdle < 0; (3) viable at a micro profit: equity NPV at the "
    "hurdle >= 0 and at the micro-profit cap <= 0; (4) returns above the cap: equity NPV at the cap > 0, the "
    "support could be cut.",
)

#: How each tier relates to the case study's words (J community only, ``scenario.paper_case``).
PAPER = {
    1: ("论文称劲松项目「微利可持续」,运营方表示投资需「十几年」才能收回、没有支持难以收回;在当前假设下本情景运营期内收不回资本金,"
        "比论文所述更差:请检查假设或增加支持。",
        "The paper calls the J deal 'micro-profit but sustainable' and its operator says the investment takes "
        "'more than ten years' to recover and is hard to recover without support; under these assumptions the "
        "capital is not recovered within the concession, worse than the paper's account: check the assumptions "
        "or the support."),
    2: ("论文称劲松项目「微利可持续」,运营方表示投资需「十几年」才能收回、没有支持难以收回。本情景为「保本微利」: 资本金在运营期内"
        "收回,但回报低于基准收益率,与上述描述一致;本工具的「微利可持续」要求达到基准收益率(第3档),故结论低一档并非与论文矛盾。",
        "The paper calls the J deal 'micro-profit but sustainable' and its operator says the investment takes "
        "'more than ten years' to recover and is hard to recover without support. This scenario recovers its "
        "capital within the concession at a return below the hurdle (tier 2), which is what those words "
        "describe; finmodel's 'viable at a micro profit' (tier 3) asks for the hurdle rate, hence one tier lower, "
        "not a contradiction."),
    3: ("论文称劲松项目「微利可持续」;本情景在基准收益率下可持续且回报不超过微利上限,与论文结论一致。",
        "The paper calls the J deal 'micro-profit but sustainable'; this scenario is viable at the hurdle with "
        "a return within the micro-profit cap, as the paper says."),
    4: ("论文称劲松项目「微利可持续」;本情景回报超过微利上限,政府支持可减少,比论文所述更好。",
        "The paper calls the J deal 'micro-profit but sustainable'; this scenario earns more than the "
        "micro-profit cap, so the support could be cut: better than the paper's account."),
}

#: The metric rows a tier reads.
TESTS = ("equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "survivable", "verdict_tier",
         "verdict_hurdle_rate", "min_cumulative_surplus")


def label(tier: int, zh: bool) -> str:
    return TIERS[int(tier)][1 if zh else 2]


def rule_text(zh: bool) -> str:
    return RULE[0] if zh else RULE[1]


def paper_text(tier: int, zh: bool) -> str:
    return PAPER[int(tier)][0 if zh else 1]


def _f(x) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def verdict(pj, scenario: int = 0, *, least_support: float | None = None) -> dict:
    """The verdict of one scenario of a projection, as ``finmodel run --json`` holds it.

    ``least_support`` is :func:`least_support_to_next_tier` (a study the caller runs; None at
    tiers 3-4 or when not asked).
    """
    a = pj.assumptions
    s = {k: float(pj.scalar(k)[scenario]) for k in TESTS}
    tier = int(s["verdict_tier"])
    key, zh, en = TIERS[tier]
    return {
        "tier": tier, "key": key, "zh": zh, "en": en, "rule": RULE[1], "rule_zh": RULE[0],
        "survivable": bool(s["survivable"]),
        "least_support_to_next_tier": _f(least_support) if least_support is not None and tier < 3 else None,
        "hurdle_rate": s["verdict_hurdle_rate"], "cap_rate": a.corridor.max_equity_irr,
        "equity_npv_zero": s["equity_npv_zero"], "equity_npv_hurdle": s["equity_npv_hurdle"],
        "equity_npv_cap": _f(s["equity_npv_cap"]), "min_cumulative_surplus": s["min_cumulative_surplus"],
        "paper": {"zh": PAPER[tier][0], "en": PAPER[tier][1]} if a.scenario.paper_case else None,
    }


#: What the next tier asks, as break-even targets on the annual subsidy (all must hold).
NEXT_TIER = {1: ("equity_npv_zero>=0", "min_cumulative_surplus>=0"), 2: ("equity_npv_hurdle>=0",)}
SUPPORT = "support.subsidy_annual_cny"


def least_support_to_next_tier(a, tier: int | None = None) -> float | None:
    """The least first-year subsidy ``support.subsidy_annual_cny`` [CNY/year] (the scenario's own
    years and step-down kept) that lifts scenario ``a`` to the next tier; None at tiers 3-4,
    ``inf`` when no subsidy in the search range does. ``finmodel run --set
    support.subsidy_annual_cny=<it>`` reproduces it.
    """
    from . import breakeven, engine

    if tier is None:
        tier = int(engine.evaluate(a, None, metrics=("verdict_tier",))["verdict_tier"][0])
    if tier >= 3:
        return None
    lo, hi = breakeven.corridor_range(a)
    least = lo
    for target in NEXT_TIER[tier]:
        r = breakeven.solve(a, SUPPORT, target, lo, hi, pick="lowest")
        if not r.feasible:
            return math.inf
        least = max(least, r.value)          # the satisfied side of each floor
    return float(least)


def least_support_set(least: float) -> tuple[int, str]:
    """The least support as typed back (whole CNY, rounded up so that it reaches the tier) and its
    ``--set`` override: ``(6271651, 'support.subsidy_annual_cny=6271651')`` for 6,271,650.31."""
    need = math.ceil(least)
    return need, f"{SUPPORT}={need}"


def excel_text(tier_ref: str, zh: bool) -> str:
    """The tier's text as an Excel formula of the tier cell: ``=CHOOSE(tier, ...)``."""
    texts = ",".join('"' + label(k, zh).replace('"', '""') + '"' for k in sorted(TIERS))
    return f"=CHOOSE({tier_ref},{texts})"
