"""``finmodel scenarios``: the scenarios that can be named without a path."""

from __future__ import annotations

import click

from .options import emit_json, json_option


@click.command("scenarios")
@json_option
def scenarios_cmd(as_json):
    """List the scenarios that can be named without a path: the working folder's assumptions/,
    then those shipped with finmodel.

    Example: finmodel scenarios
    """
    from ..scenarios import DEFAULT_SCENARIO, available_scenarios, load

    rows = []
    for name, path in available_scenarios().items():
        a = load(path).assumptions
        rows.append({"name": name, "title": a.scenario.title, "file": str(path), "default": name == DEFAULT_SCENARIO})
    if as_json:
        emit_json(rows)
        return
    w = max(len(r["name"]) for r in rows)
    for r in rows:
        mark = " (default)" if r["default"] else ""
        click.echo(f"{r['name'].ljust(w)}  {r['title']}{mark}  [{r['file']}]")
