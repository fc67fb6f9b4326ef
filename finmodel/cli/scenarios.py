"""``finmodel scenarios``: the scenarios that can be named without a path."""

from __future__ import annotations

import click

from .helptext import HelpCommand
from .options import emit_json, json_option, speak_as


@click.command("scenarios", cls=HelpCommand)
@json_option
def scenarios_cmd(as_json):
    """List the scenarios that can be named without a path: the working folder's assumptions/,
    then those shipped with finmodel.

    Example: finmodel scenarios
    """
    from ..i18n import t
    from ..scenarios import DEFAULT_SCENARIO, available_scenarios, load

    speak_as(None)                  # the default scenario's language, as a bare `run` speaks
    rows = []
    for name, path in available_scenarios().items():
        a = load(path).assumptions
        rows.append({"name": name, "title": a.scenario.title, "file": str(path), "default": name == DEFAULT_SCENARIO})
    if as_json:
        emit_json(rows)
        return
    from ..text import table

    body = [[r["name"], r["title"] + (t(" (default)", "(默认)") if r["default"] else ""), r["file"]] for r in rows]
    for line in table([t("name", "名称"), t("title", "标题"), t("file", "文件")], body, left=3):
        click.echo(line)
