"""The public side of the deal as plain data: three purses, the budget test, value for money,
the residents.

The figures are rows of the model (:mod:`finmodel.model.government`, where each is defined);
this module reads them from a projection for ``finmodel run --json`` and the terminal, and
names the government metrics for break-even targets and sensitivity studies.

Entry points: :func:`compute` (the rows of a projection as arrays), :func:`government_view`
(one scenario, JSON-ready), :func:`government_metrics` (the (S,) metrics) and :func:`evaluate`
(chunked metrics of many scenarios, as ``engine.evaluate``).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from . import engine
from .assumptions import Assumptions
from .engine import Projection
from .errors import InputError
from .registry import RENAMED_METRICS
from .model.government import NOTE_FORMAL as _FORMAL, NOTE_INDICATIVE as _INDICATIVE, PV_LINES, RELIEF_OFF

__all__ = ["compute", "government_view", "government_metrics", "evaluate", "summary_rows", "summary_lines", "GOV_METRIC_NAMES",
           "ALL_METRIC_NAMES", "RELIEF_OFF", "RENAMED_METRICS"]

#: Metrics for break-even targets and sensitivity studies, each an (S,) array: scalar rows of the model.
GOV_METRIC_NAMES = (
    "gov_district_commitment_pv", "gov_district_commitment_pv_per_household", "gov_support_to_operator_pv",
    "gov_district_net_cost_pv", "gov_national_relief_pv", "gov_public_commitment_pv", "gov_net_cost_pv",
    "gov_forgone_rent_pv", "gov_budget_share_peak", "gov_deal_budget_share_peak", "gov_vfm",
)


NOTE_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                     "{amount:,.0f} CNY of capital grants paid to the operator pay for construction.",
                     "按2023年PPP新机制,新项目可支持运营但不得补贴建设: 本项目向运营方支付的资本金补助 {amount:,.0f} 元用于建设。")
NOTE_NO_CONSTRUCTION = ("Under the 2023 PPP mechanism new deals may support operation but not construction: "
                        "no support paid to the operator here pays for construction (the public works, {works:,.0f} CNY, "
                        "are the government's own works on the community).",
                        "按2023年PPP新机制,新项目可支持运营但不得补贴建设: 本项目向运营方支付的支持均不用于建设"
                        "(公共改造工程 {works:,.0f} 元是政府对社区的自有投入)。")
NOTE_PURSES = ("The district's commitments are what it pays the operator and its own public works, shown apart; the "
               "national and city tax reliefs are the wider state's; the budget test counts the district's own outlays.",
               "区级财政支出责任为向运营方支付的支持与区级承担的公共改造工程,分列显示;国家及市级税费减免属上级财政;"
               "财政承受能力测试只计区级财政自身支出。")
NOTE_RENT = ("The forgone rent values the space at its next-best use; the rent the renovated space earns is a memo.",
             "租金机会成本按空间的次优用途计算;改造后空间的租金收入仅作备忘。")
WARN_PLACEHOLDER = ("The existing commitments share ({share:.2f} %) is a placeholder, not the district's published figure: "
                    "{share:.2f} of the {peak:.2f} points of the peak budget share; the deal's own peak is {deal:.3f} %. "
                    "Replace it with the share in the district's fiscal-affordability report "
                    "(then set government.existing_commitments_placeholder: false).",
                    "已有财政支出责任占比({share:.2f} %)为占位假设,并非区级公布数: 占比峰值 {peak:.2f} 个百分点中有 "
                    "{share:.2f} 个来自于此;本项目自身峰值为 {deal:.3f} %。请以区财政承受能力论证报告中的比例替换"
                    "(并设 government.existing_commitments_placeholder: false)。")

#: Rows of the view by year (the model's keys without ``gov_``).
YEAR_ROWS = PV_LINES + (
    "public_works_vat", "programme_works", "operator_vat", "operator_taxes", "supplier_vat", "subsidy_paid",
    "capital_grant", "discount_factor", "budget_expenditure", "deal_budget_share", "budget_share",
    "district_net_budget_share", "psc_works", "psc_renovation", "psc_opex", "psc_service", "psc_fees_by_provider",
    "psc_service_paid", "psc_receipts", "psc_vat", "psc_net_cost", "psc_discount_factor",
    "property_fee_per_household_month", "paying_household_share", "average_fee_per_household_month",
    "pensioner_income_month", "fee_pensioner_share", "parking_fee_per_space_month")

#: Scalar rows of the view (the model's keys without ``gov_``).
SCALARS = ("district_commitment_pv_per_household", "support_to_operator_pv_per_household",
           "district_works_pv_per_household", "budget_share_peak", "deal_budget_share_peak", "red_line_ok",
           "above_warning", "psc_net_cost_pv", "concession_net_cost_pv", "vfm")


def _need_rows(pj: Projection) -> Projection:
    if "gov_district_commitment" in pj.items:
        return pj
    raise InputError("the projection has no government rows: project it with detail=True", param="pj")


def compute(pj: Projection, a: Assumptions | None = None, **_ignored) -> dict[str, Any]:
    """The government rows of a projection as arrays: (S, N+1) by year, (S,) per scenario.

    By year [CNY unless stated]: every line of :data:`YEAR_ROWS`. Per scenario: ``total_<line>``
    and ``pv_<line>`` for each line of ``PV_LINES``, every row of :data:`SCALARS`,
    ``budget_share_peak_year``, ``construction_support`` (capital grants paid to the operator),
    ``district_tax_share`` (the district's taxes / the operator's, over the concession),
    ``floor_area_per_household_m2``, ``property_fee_change``, ``property_fee_change_vs_wages``,
    ``parking_fee_change`` [fraction, last operating year against year 1]; ``years`` and the
    discount ``rates``.
    """
    pj = _need_rows(pj)
    a = pj.assumptions if a is None else a
    S, N = pj.n_scenarios, pj.T - 1
    out: dict[str, Any] = {k: np.array(pj[f"gov_{k}"]) for k in YEAR_ROWS}
    for line in PV_LINES:
        out[f"total_{line}"] = out[line].sum(axis=-1)
        out[f"pv_{line}"] = np.array(pj.scalar(f"gov_{line}_pv"), dtype=float)
    for k in SCALARS:
        out[k] = np.array(pj.scalar(f"gov_{k}"), dtype=float)
    out["red_line_ok"] = out["red_line_ok"].astype(bool)
    out["above_warning"] = out["above_warning"].astype(bool)
    hh = float(a.scenario.households or 0)
    gov = a.government
    rate_psc = gov.discount_rate if gov.comparator.discount_rate is None else gov.comparator.discount_rate

    def change(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x[:, 1] != 0, x[:, N] / np.where(x[:, 1] != 0, x[:, 1], 1.0) - 1.0, np.nan)

    wages = pj["wage_index"]
    fee_hh = out["property_fee_per_household_month"]
    op_taxes = out["operator_taxes"].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.where(op_taxes != 0, out["total_district_taxes"] / np.where(op_taxes != 0, op_taxes, 1.0), np.nan)
    out.update({
        "years": np.asarray(pj.years),
        "rates": {"government": np.full(S, gov.discount_rate), "comparator": np.full(S, rate_psc)},
        "budget_share_peak_year": np.asarray(pj.years)[np.argmax(out["budget_share"], axis=-1)],
        "red_line": np.full(S, gov.red_line), "warning_level": np.full(S, gov.warning_level),
        "existing_commitments_share": np.full(S, gov.existing_commitments_share),
        "construction_support": out["capital_grant"].sum(axis=-1),
        "district_tax_share": effective,
        "floor_area_per_household_m2": np.full(S, a.property_service.base_area_m2 / hh if hh > 0 else np.nan),
        "property_fee_change": change(fee_hh),
        "property_fee_change_vs_wages": change(fee_hh / np.where(wages != 0, wages, 1.0)),
        "parking_fee_change": change(out["parking_fee_per_space_month"]),
    })
    return out


def government_metrics(pj: Projection, a: Assumptions | None = None, *, names: tuple[str, ...] | None = None,
                       **_ignored) -> dict[str, np.ndarray]:
    """The government metrics of a projection's S scenarios, each an (S,) array (scalar rows)."""
    want = GOV_METRIC_NAMES if names is None else tuple(names)
    unknown = [n for n in want if n not in GOV_METRIC_NAMES]
    if unknown:
        bad = unknown[0]
        raise InputError(f"unknown metric '{bad}'{_suggest(bad, GOV_METRIC_NAMES)}", param="metrics")
    _need_rows(pj)
    return {k: np.array(pj.scalar(k), dtype=float) for k in GOV_METRIC_NAMES if k in want}


def evaluate(a: Assumptions, vary: Mapping[str, Any] | None = None, *, chunk_size: int = engine.DEFAULT_CHUNK,
             metrics: tuple[str, ...] | None = None, workers: int = 1, backend: str = "auto") -> dict[str, np.ndarray]:
    """Engine and government metrics of S scenarios in chunks: ``engine.evaluate`` (default: the government's)."""
    names = GOV_METRIC_NAMES if metrics is None else tuple(dict.fromkeys(metrics))
    return engine.evaluate(a, vary, chunk_size=chunk_size, metrics=names, workers=workers, backend=backend)


#: Every metric a study can ask for: the operator's and the government's (all of them are
#: ``finmodel.registry.metric_names()``, which a test keeps equal to this).
ALL_METRIC_NAMES = engine.METRIC_NAMES + engine.VERDICT_METRIC_NAMES + GOV_METRIC_NAMES


# --------------------------------------------------------------------------- one scenario, JSON-ready
def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _list(x) -> list[float | None]:
    return [_f(y) for y in np.asarray(x).reshape(-1)]


def government_view(pj: Projection, a: Assumptions | None = None, *, scenario: int = 0,
                    arrays: dict[str, Any] | None = None, **_ignored) -> dict:
    """The public side of one scenario as plain Python (floats, lists, bools; NaN as None).

    The object ``finmodel run --json`` holds under ``government``. Headline keys:
    ``public_works_cny`` (the government's own works, all purses), ``support_to_operator_pv``,
    ``district_commitment_pv`` and ``district_commitment_pv_per_household`` (with its two parts
    apart in ``per_household``), ``district_tax_share``, ``district_net_cost_pv``,
    ``national_relief_pv``, ``public_commitment_pv``, ``net_cost_pv`` (the whole public purse),
    ``forgone_rent_pv``, ``budget_share_peak``, ``deal_budget_share_peak``, ``red_line_ok``,
    ``vfm``; then ``purses`` (the district, the wider state, the whole public purse: each line by
    year, its total and PV), ``affordability``, ``value_for_money``, ``residents``, ``notes`` and
    ``warnings``. ``arrays`` reuses a :func:`compute` result.
    """
    a = pj.assumptions if a is None else a
    c = compute(pj, a) if arrays is None else arrays
    i = scenario
    gov = a.government
    works = float(c["total_public_works"][i])
    construction = float(c["construction_support"][i])
    peak, deal = float(c["budget_share_peak"][i]), float(c["deal_budget_share_peak"][i])
    pairs = [_FORMAL if gov.formal_ppp else _INDICATIVE,
             tuple(x.format(amount=construction) for x in NOTE_CONSTRUCTION) if construction > 0
             else tuple(x.format(works=works) for x in NOTE_NO_CONSTRUCTION),
             NOTE_PURSES, NOTE_RENT]
    warn_pairs = []
    if gov.existing_commitments_placeholder and gov.existing_commitments_share > 0:
        share = gov.existing_commitments_share
        warn_pairs.append(tuple(x.format(share=100 * share, peak=100 * peak, deal=100 * deal) for x in WARN_PLACEHOLDER))
    vfm = float(c["vfm"][i])

    def line(k):
        return {"by_year": _list(c[k][i]), "total": _f(c[k][i].sum()),
                **({"pv": _f(c[f"pv_{k}"][i])} if f"pv_{k}" in c else {})}

    ts = gov.district_tax_share
    return {
        "discount_rate": float(c["rates"]["government"][i]),
        "households": _f(a.scenario.households),
        "years": [int(y) for y in c["years"]],
        "public_works_cny": _f(works),
        "support_to_operator_pv": _f(c["pv_support_to_operator"][i]),
        "district_commitment_pv": _f(c["pv_district_commitment"][i]),
        "district_commitment_pv_per_household": _f(c["district_commitment_pv_per_household"][i]),
        "per_household": {
            "district_commitment_pv": _f(c["district_commitment_pv_per_household"][i]),
            "support_to_operator_pv": _f(c["support_to_operator_pv_per_household"][i]),
            "district_works_pv": _f(c["district_works_pv_per_household"][i]),
        },
        "district_tax_share": {"vat": ts.vat, "income_tax": ts.income_tax, "surcharges": ts.surcharges,
                               "effective": _f(c["district_tax_share"][i])},
        "district_net_cost_pv": _f(c["pv_district_net_cost"][i]),
        "national_relief_pv": _f(c["pv_national_relief"][i]),
        "public_commitment_pv": _f(c["pv_public_commitment"][i]),
        "net_cost_pv": _f(c["pv_net_cost"][i]),
        "forgone_rent_pv": _f(c["pv_forgone_rent"][i]),
        "renovated_rent_pv": _f(c["pv_renovated_rent"][i]),
        "budget_share_peak": _f(peak),
        "deal_budget_share_peak": _f(deal),
        "budget_share_peak_year": int(c["budget_share_peak_year"][i]),
        "red_line_ok": bool(c["red_line_ok"][i]),
        "vfm": _f(vfm),
        "purses": {
            "district": {k: line(k) for k in ("subsidy_paid", "capital_grant", "support_to_operator", "district_works",
                                              "district_commitment", "district_taxes", "district_net_cost")},
            "wider_state": {k: line(k) for k in ("programme_works", "national_relief", "state_taxes", "state_net_cost")},
            "public": {k: line(k) for k in ("public_works", "public_works_vat", "operator_taxes", "supplier_vat",
                                            "public_commitment", "taxes_to_state", "net_cost")},
            "memo": {k: line(k) for k in ("forgone_rent", "renovated_rent")},
        },
        "affordability": _affordability(c, i, gov, construction),
        "value_for_money": _value_for_money(c, i, vfm),
        "residents": _residents(c, i, gov),
        "notes": [p[0] for p in pairs],
        "notes_zh": [p[1] for p in pairs],
        "warnings": [p[0] for p in warn_pairs],
        "warnings_zh": [p[1] for p in warn_pairs],
    }


def _affordability(c: dict, i: int, gov, construction: float) -> dict:
    return {
        "budget_expenditure_by_year": _list(c["budget_expenditure"][i]),
        "deal_share_by_year": _list(c["deal_budget_share"][i]),
        "share_by_year": _list(c["budget_share"][i]),
        "net_share_by_year": _list(c["district_net_budget_share"][i]),
        "existing_commitments_share": _f(c["existing_commitments_share"][i]),
        "existing_commitments_placeholder": bool(gov.existing_commitments_placeholder),
        "peak_share": _f(c["budget_share_peak"][i]),
        "deal_peak_share": _f(c["deal_budget_share_peak"][i]),
        "peak_year": int(c["budget_share_peak_year"][i]),
        "red_line": _f(c["red_line"][i]),
        "warning_level": _f(c["warning_level"][i]),
        "red_line_ok": bool(c["red_line_ok"][i]),
        "above_warning": bool(c["above_warning"][i]),
        "formal_ppp": bool(gov.formal_ppp),
        "indicative": not gov.formal_ppp,
        "construction_support": _f(construction),
        "construction_support_flag": construction > 0,
        "numerator": "the district's commitments: support paid to the operator + its share of the public works "
                     "(tax relief excluded; its share of taxes shown apart, net_share_by_year)",
    }


def _value_for_money(c: dict, i: int, vfm: float) -> dict:
    cmp_ = {k: _list(c[k][i]) for k in ("psc_works", "psc_renovation", "psc_opex", "psc_service", "psc_fees_by_provider",
                                         "psc_service_paid", "psc_receipts", "psc_vat", "psc_net_cost")}
    return {
        "vfm": _f(vfm),
        "better_value": "concession" if vfm > 0 else ("comparator" if vfm < 0 else "equal"),
        "comparator_net_cost_pv": _f(c["psc_net_cost_pv"][i]),
        "concession_net_cost_pv": _f(c["concession_net_cost_pv"][i]),
        "comparator_rate": _f(c["rates"]["comparator"][i]),
        "definition": ("the whole public purse on both sides. Comparator: the public works, the renovation of the space "
                       "and parking with its expected overrun, running costs with their overrun, the property service "
                       "bought for the base area (price less the fees the provider collects, at least 0), less its own "
                       "rent and parking receipts (the opening delay deducted) and the VAT inside its purchases. "
                       "Concession: the public works and the support paid to the operator, less the operator's taxes "
                       "and the VAT inside the public works and the operator's purchases"),
        "comparator_by_year": {k[4:]: v for k, v in cmp_.items()},
        "note": "The forgone rent is outside the test: the comparator uses the space as well.",
    }


def _residents(c: dict, i: int, gov) -> dict:
    return {
        "floor_area_per_household_m2": _f(c["floor_area_per_household_m2"][i]),
        "property_fee_per_household_month": _list(c["property_fee_per_household_month"][i]),
        "paying_household_share": _list(c["paying_household_share"][i]),
        "paying_household_share_source": ("government.paying_household_share" if gov.paying_household_share is not None
                                          else "the year's fee collection rate"),
        "average_fee_per_household_month": _list(c["average_fee_per_household_month"][i]),
        "pensioner_income_per_month": _list(c["pensioner_income_month"][i]),
        "pensioner_income_share": _list(c["fee_pensioner_share"][i]),
        "parking_fee_per_space_month": _list(c["parking_fee_per_space_month"][i]),
        "property_fee_change": _f(c["property_fee_change"][i]),
        "property_fee_change_vs_wages": _f(c["property_fee_change_vs_wages"][i]),
        "parking_fee_change": _f(c["parking_fee_change"][i]),
    }


# --------------------------------------------------------------------------- terminal
def summary_rows(v: dict) -> list[tuple[str, str]]:
    """The public side of :func:`government_view` as (label, value) rows in the current language
    (:mod:`finmodel.i18n`), amounts in 万元: the block ``finmodel run`` prints."""
    from .i18n import is_zh, t

    def wan(x):
        return t("n/a", "无") if x is None else f"{x / 1e4:,.2f} 万元"

    def pct(x, d=2):
        return t("n/a", "无") if x is None else f"{100 * x:.{d}f} %"

    aff, vf, res, ph = v["affordability"], v["value_for_money"], v["residents"], v["per_household"]
    dist, state = v["purses"]["district"], v["purses"]["wider_state"]
    hh = "" if ph["district_commitment_pv"] is None else t(
        f"  ({ph['district_commitment_pv']:,.0f} CNY per household: {ph['support_to_operator_pv']:,.0f} paid to the "
        f"operator, {ph['district_works_pv']:,.0f} its own works)",
        f"  (户均 {ph['district_commitment_pv']:,.0f} 元: 支付给运营方 {ph['support_to_operator_pv']:,.0f},"
        f"自有公共改造工程 {ph['district_works_pv']:,.0f})")
    line = t(f"red line {pct(aff['red_line'])}: {'ok' if v['red_line_ok'] else 'OVER'}",
             f"红线 {pct(aff['red_line'])}: {'未超过' if v['red_line_ok'] else '超过'}")
    if aff["above_warning"]:
        line += t(f", above the warning level {pct(aff['warning_level'])}", f",超过预警线 {pct(aff['warning_level'])}")
    if aff["indicative"]:
        line += t("; indicative", ";仅供参考")
    fee = [x for x in res["property_fee_per_household_month"][1:] if x is not None]
    share = [x for x in res["pensioner_income_share"][1:] if x is not None]
    residents = t("n/a", "无")
    if fee:
        residents = t(f"property fee {min(fee):,.2f}-{max(fee):,.2f} CNY/household/month",
                      f"物业费 {min(fee):,.2f}-{max(fee):,.2f} 元/户/月")
        if share:
            residents += t(f" ({pct(min(share))}-{pct(max(share))} of a pensioner's income)",
                           f"(占退休人员月收入 {pct(min(share))}-{pct(max(share))})")
    ts = v["district_tax_share"]
    better = {"concession": t("concession better", "特许经营更优"), "comparator": t("comparator better", "比较值更优"),
              "equal": t("equal", "相等")}[vf["better_value"]]
    zh = is_zh()
    rows = [
        (t("Government rate", "政府折现率"), pct(v["discount_rate"])),
        (t("Public works", "公共改造工程"), wan(v["public_works_cny"])
         + t("  (the government's own works, not paid to the operator)", "  (政府自有投入,非支付给运营方)")),
        (t("District commitments", "区级财政支出责任"), f"{t('PV', '现值')} {wan(v['district_commitment_pv'])}{hh}"),
        (t("  paid to the operator", "  支付给运营方"),
         f"{wan(dist['support_to_operator']['total'])}  {t('PV', '现值')} {wan(v['support_to_operator_pv'])}"),
        (t("  district's taxes", "  区级分享税收"),
         f"{wan(dist['district_taxes']['total'])}  {t('PV', '现值')} {wan(dist['district_taxes']['pv'])}  "
         + t(f"({pct(ts['effective'], 1)} of the operator's)", f"(运营方税费的 {pct(ts['effective'], 1)})")),
        (t("  district's net cost", "  区级财政净支出"), f"{t('PV', '现值')} {wan(v['district_net_cost_pv'])}"),
        (t("Wider state", "上级财政"),
         t(f"tax relief PV {wan(v['national_relief_pv'])}, programme works {wan(state['programme_works']['total'])}, "
           f"taxes PV {wan(state['state_taxes']['pv'])}",
           f"税费减免现值 {wan(v['national_relief_pv'])},改造资金 {wan(state['programme_works']['total'])},"
           f"税收现值 {wan(state['state_taxes']['pv'])}")),
        (t("Public purse", "全口径公共财政"),
         t(f"commitments PV {wan(v['public_commitment_pv'])}, net cost PV {wan(v['net_cost_pv'])}",
           f"支出责任现值 {wan(v['public_commitment_pv'])},净支出现值 {wan(v['net_cost_pv'])}")),
        (t("Forgone rent (memo)", "租金机会成本(备忘)"),
         t(f"PV {wan(v['forgone_rent_pv'])} at the next-best use (renovated rent PV {wan(v['renovated_rent_pv'])})",
           f"按次优用途现值 {wan(v['forgone_rent_pv'])}(改造后租金现值 {wan(v['renovated_rent_pv'])})")),
        (t("Budget share, peak", "占预算支出比例峰值"),
         t(f"{pct(v['budget_share_peak'])} in {v['budget_share_peak_year']}, the deal's own "
           f"{pct(v['deal_budget_share_peak'], 3)}  ({line})",
           f"{pct(v['budget_share_peak'])}({v['budget_share_peak_year']}年),本项目自身 "
           f"{pct(v['deal_budget_share_peak'], 3)}  ({line})")),
        (t("Value for money", "物有所值"),
         f"{wan(v['vfm'])}  (" + t("comparator", "比较值") + f" {wan(vf['comparator_net_cost_pv'])} - "
         + t("concession", "特许经营") + f" {wan(vf['concession_net_cost_pv'])}: {better})"),
        (t("Residents", "居民"), residents),
    ]
    notes = v["notes_zh" if zh else "notes"][:2]
    warnings = v["warnings_zh" if zh else "warnings"]
    return rows + [(t("Note", "说明"), n) for n in notes] + [(t("Warning", "警告"), w) for w in warnings]


def summary_lines(v: dict, width: int = 28) -> list[str]:
    """:func:`summary_rows` as aligned lines (labels padded by display width)."""
    from .text import ljust, width as text_width

    rows = summary_rows(v)
    w = max([width] + [text_width(k) + 2 for k, _ in rows])
    return [f"{ljust(k, w)}{val}" for k, val in rows]


def _suggest(name, known) -> str:
    from .registry import suggest
    return suggest(name, known)
