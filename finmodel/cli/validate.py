"""``finmodel validate``: check a scenario file (and overrides) against the schema."""

from __future__ import annotations

import click

from .options import load_scenario, set_option


@click.command("validate")
@click.argument("file", metavar="FILE")
@set_option
def validate_cmd(file, sets):
    """Check a scenario file (and overrides) against the schema; print one line.

    Example: finmodel validate assumptions/j_community.yaml
    """
    ld = load_scenario(file, sets)
    a = ld.assumptions
    click.echo(f"ok: {ld.path}: scenario '{a.scenario.name}', {a.scenario.concession_years} operating years "
               f"from {a.scenario.start_year + 1}")
