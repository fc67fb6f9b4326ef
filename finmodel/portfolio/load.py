"""Loading a portfolio file: the file itself (strict, every error with file:line:column and key),
then each community's scenario (a file, a packaged name, or inline with ``extends``).

A community that fails validation is an error of the portfolio unless the caller asks to skip
it (``skip_invalid``): then it is reported and the rest go on. Nothing here prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .. import scenarios as sc
from ..assumptions import Assumptions
from ..errors import InputError, InputErrors
from ..i18n import t
from ..yamlio import key_positions, position_of, read_yaml_file
from .schema import Portfolio


@dataclass(frozen=True)
class Member:
    """One community, loaded: its name in the portfolio, its validated scenario and where it came from."""

    index: int
    name: str
    assumptions: Assumptions
    origin: str


@dataclass
class LoadedPortfolio:
    portfolio: Portfolio
    path: Path
    members: list[Member]
    failed: list[tuple[int, str, InputError]] = field(default_factory=list)   # (index, name, error)
    warnings: list[InputError] = field(default_factory=list)


def _validate(data: dict, path: Path) -> Portfolio:
    origins: dict[str, str] = {}
    sc._origins(data, [], str(path), origins)
    try:
        return Portfolio.model_validate(data)
    except ValidationError as exc:
        raise sc.validation_to_input_error(exc, origins, str(path)) from None


def _rekey(err: InputError, prefix: str, src: str, positions: dict) -> list[InputError]:
    """Errors of an inline scenario, placed in the portfolio file: ``communities.3.scenario.<key>``."""
    out = []
    for e in getattr(err, "errors", [err]):
        if e.source == src:
            key = f"{prefix}.{e.key}" if e.key else prefix
            out.append(InputError(e.message, source=src, key=key, where=position_of(positions, key)))
        else:
            out.append(e)
    return out


def _inline(data: dict, i: int, path: Path, sets: list[str]) -> Assumptions:
    src = str(path)
    prefix = f"communities.{i}.scenario"
    notes: dict[str, str] = {}
    data = sc._strip_sources(dict(data), [], notes, [200_000], src)
    parent = data.pop("extends", None)
    origins: dict[str, str] = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(t("extends must be a file name", "extends 须为文件名"), source=src, key=f"{prefix}.extends",
                             where=position_of(key_positions(path), f"{prefix}.extends"))
        try:                                   # a file beside the portfolio, a packaged file, or a scenario name
            ppath = sc._resolve_extends(parent, path.parent, src)
        except InputError:
            try:
                ppath = _community_path(parent, path.parent)
            except InputError as exc:
                raise InputError(exc.message, source=src, key=f"{prefix}.extends",
                                 where=position_of(key_positions(path), f"{prefix}.extends")) from None
        pdata, origins, pnotes = sc.load_raw(ppath)
        notes = {**pnotes, **notes}
        sc._origins(data, [], src, origins)
        data = sc._deep_merge(pdata, data)
    else:
        sc._origins(data, [], src, origins)
    missing = sc._missing_sections(data, path)
    for item in sets:
        key, value = sc.parse_set(item)
        data = sc.apply_set(data, key, value)
        origins[key] = src
    if notes:
        data["sources"] = {**notes, **(data.get("sources") or {})}
    data, _ = sc._skip_missing_study_paths(data, src)
    errs = list(missing)
    try:
        a = sc.validate_data(data, origins, src)
    except InputError as exc:
        errs += list(getattr(exc, "errors", [exc]))
        a = None
    if errs:
        out = _rekey(InputErrors(errs) if len(errs) > 1 else errs[0], prefix, src, key_positions(path))
        raise out[0] if len(out) == 1 else InputErrors(out)
    return a


def _community_path(name: str, here: Path) -> Path:
    cand = here / name
    if cand.exists():
        return cand
    return sc.resolve_scenario_path(name)


def resolve_portfolio_path(name: str | Path) -> Path:
    """A file as given, else a portfolio shipped with finmodel (``operator_portfolio``)."""
    p = Path(name)
    if p.exists() or "/" in str(name) or "\\" in str(name):
        return p
    for cand in (sc.packaged_dir() / p.name, sc.packaged_dir() / f"{p.name}.yaml"):
        if cand.is_file():
            return cand
    return p


def load_portfolio(path: str | Path, *, skip_invalid: bool = False) -> LoadedPortfolio:
    """Read and validate a portfolio file and every community in it.

    Every problem of the portfolio file is reported at once; a community that fails is an error
    (all of them at once), or with ``skip_invalid`` is left out and listed in ``failed``.
    """
    path = resolve_portfolio_path(path)
    data = read_yaml_file(path)
    notes: dict[str, str] = {}
    communities = data.get("communities")
    stripped = sc._strip_sources({k: v for k, v in data.items() if k != "communities"}, [], notes, [200_000], str(path))
    if isinstance(communities, list):          # each community's own keys; its inline scenario keeps its notes
        stripped["communities"] = [
            {**sc._strip_sources({k: v for k, v in c.items() if k != "scenario"}, ["communities", str(i)], notes,
                                 [200_000], str(path)), **({"scenario": c["scenario"]} if "scenario" in c else {})}
            if isinstance(c, dict) else c for i, c in enumerate(communities)]
    elif communities is not None:
        stripped["communities"] = communities
    if notes:
        stripped["sources"] = {**notes, **(stripped.get("sources") or {})}
    pf = _validate(stripped, path)
    positions = None
    members: list[Member] = []
    failed: list[tuple[int, str, InputError]] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(pf.communities):
        sets = list(c.sets) + ([f"scenario.start_year={c.start_year}"] if c.start_year is not None else [])
        label = c.name or (c.scenario if isinstance(c.scenario, str) else f"#{i + 1}")
        try:
            if isinstance(c.scenario, str):
                ld = sc.load(_community_path(c.scenario, path.parent), sets)
                a, origin = ld.assumptions, str(ld.path)
            else:
                a, origin = _inline(c.scenario, i, path, sets), f"{path}#communities.{i}"
        except InputError as exc:
            failed.append((i, str(label), exc))
            continue
        name = c.name or a.scenario.name
        if name in seen:
            positions = positions if positions is not None else key_positions(path)
            key = f"communities.{i}.name"
            failed.append((i, name, InputError(
                t(f"the name '{name}' is used by community {seen[name] + 1} too: give each community its own name",
                  f"名称 '{name}' 与第 {seen[name] + 1} 个社区重复: 每个社区须有自己的名称"),
                source=str(path), key=key, where=position_of(positions, key))))
            continue
        seen[name] = i
        members.append(Member(i, name, a, origin))
    if failed and not skip_invalid:
        errs = [e for _, _, exc in failed for e in getattr(exc, "errors", [exc])]
        raise errs[0] if len(errs) == 1 else InputErrors(errs)
    if not members:
        raise InputError(t("no community could be loaded", "没有可加载的社区"), source=str(path), key="communities")
    return LoadedPortfolio(pf, path, members, failed)
