"""``finmodel validate``: check a scenario file (and overrides) against the schema."""

from __future__ import annotations

import click

from .helptext import HelpCommand
from .options import load_scenario, set_option


@click.command("validate", cls=HelpCommand)
@click.argument("file", metavar="FILE")
@set_option
def validate_cmd(file, sets):
    """Check a scenario file (and overrides) against the schema; print one line.

    Example: finmodel validate assumptions/j_community.yaml
    """
    from ..i18n import t

    ld = load_scenario(file, sets)
    a = ld.assumptions
    s = a.scenario
    click.echo(t(f"ok: {ld.path}: scenario '{s.name}', {s.concession_years} operating years from {s.start_year + 1}",
                 f"通过: {ld.path}: 情景 '{s.name}',自 {s.start_year + 1} 年起运营 {s.concession_years} 年"))
