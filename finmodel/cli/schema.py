"""``finmodel schema``: the JSON Schema of the assumptions, or the YAML reference in Markdown."""

from __future__ import annotations

import json

import click

from .helptext import HelpCommand


@click.command("schema", cls=HelpCommand)
@click.option("--markdown", is_flag=True, help="Print the YAML reference as a Markdown table instead.")
def schema_cmd(markdown):
    """Print the JSON Schema of the assumptions.

    Example: finmodel schema > schema.json
    """
    if markdown:
        from ..schema_doc import markdown as md
        click.echo(md(), nl=False)
        return
    from ..assumptions import Assumptions
    click.echo(json.dumps(Assumptions.model_json_schema(), ensure_ascii=False, indent=2))
