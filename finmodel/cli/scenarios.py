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
    from ..text import table

    body = [[r["name"], r["title"] + (" (default)" if r["default"] else ""), r["file"]] for r in rows]
    for line in table(["name", "title", "file"], body, left=3):
        click.echo(line)
